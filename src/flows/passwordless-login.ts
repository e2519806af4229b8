import type { CaptchaProof } from '../domain/captcha.js';
import type { Channel } from '../domain/channel.js';
import { OtpgateError } from '../domain/errors.js';
import { countryAllowed, parsePhone, type ParsedPhone, type PhoneNumber } from '../domain/phone.js';
import type { User } from '../domain/user.js';
import { hashToken } from '../crypto/code-hasher.js';
import { usernameKey } from '../domain/text.js';
import { checkCaptcha } from './captcha-check.js';
import type { FlowDeps, RequestMeta, Site } from './deps.js';
import { sendCode } from './send-code.js';
import { verifyCode } from './verify-code.js';

/**
 * Starts a passwordless login from a login hint (phone or username). An unknown hint, or a user without
 * a verified phone, gets the same answer as a known one and no message: phone numbers cannot be enumerated.
 */
export async function initPasswordlessLogin(
  deps: FlowDeps,
  site: Site,
  input: ({ loginHint: string } | { userId: string }) & {
    customData?: Record<string, unknown>;
    captcha: CaptchaProof;
    meta: RequestMeta;
    channel?: Channel;
  },
): Promise<{ identifier: string }> {
  if (!site.passwordlessLoginEnabled) throw new OtpgateError('passwordless_disabled');
  const hint = 'loginHint' in input ? input.loginHint.trim() : input.userId;
  if (!hint || hint.length > 200)
    throw new OtpgateError('invalid_request', 'username is required (a phone number or username, at most 200 characters).');
  // Before discovery and before any send: an unknown hint must cost the asker the same captcha as a known one.
  await checkCaptcha(deps, site, 'passwordless_login', input.captcha, input.meta);
  const users = deps.store.forSite(site.id).users;
  let userId: string | null = 'userId' in input ? input.userId : null;
  if ('loginHint' in input) {
    const discovery = await deps.hooks.discoveryFor(site);
    ({ userId } = await discovery.discoverUserFromLoginHint(
      {
        siteId: site.id,
        loginHint: hint,
        verificationAction: 'sms',
        customData: input.customData ?? {},
        ip: input.meta.ip,
        userAgent: input.meta.userAgent,
      },
      { users, parsePhone: deps.hooks.parsePhoneFor(site) },
    ));
  }
  const user = userId ? await users.byId(userId) : null;
  let usable = user && user.status === 'active' && user.phone && user.phoneVerified ? user : null;
  const own = usable ? (parsePhone(usable.phone!) ?? { e164: usable.phone!, country: null, prefix: null }) : null;
  // A hint that is no number (a username) must not tell by a refusal that it has a user, or where their number is:
  // a number outside the site's countries gets what an unknown username gets, nothing sent and the same answer.
  // A typed number meets the country rule itself, whoever holds it.
  const { allowedCountries, deniedCountries } = site.policies.passwordless_login;
  // For an unknown hint the code goes nowhere, counted against the hint's own number, or a stand-in for a username.
  const typed = parsePhone(hint, site.defaultCountry ?? undefined);
  const typedNumber = 'loginHint' in input && typed !== null;
  if (own && !typedNumber && !countryAllowed(own.country, allowedCountries, deniedCountries)) usable = null;
  const phone: ParsedPhone = usable ? own! : (typed ?? standInFor(site, hint));
  return sendCode(deps, site, {
    ...(!usable && !typed ? { standIn: true } : {}),
    useCase: 'passwordless_login',
    phone,
    userId: usable?.id ?? null,
    deliverable: usable !== null,
    locale: usable?.locale ?? null,
    payload: {},
    meta: input.meta,
    ...(input.channel ? { channel: input.channel } : {}),
    // A phone and a username of one user are two requests: a login by one followed by a login by the other must
    // not be told to wait for a resend, or the wait would tell that they belong together.
    requestKey: hashToken('login-hint', 'loginHint' in input ? hintKey(deps, site, hint) : `user:${hint}`),
  });
}

/** The same hint typed differently (a number's formats, a username's case) is one request. */
function hintKey(deps: FlowDeps, site: Site, hint: string): string {
  const phone = deps.hooks.parsePhoneFor(site)(hint);
  return phone ? `phone:${phone}` : `username:${usernameKey(hint)}`;
}

/** A hint that is no number: a keyed stand-in with no country, so the per-phone limits still apply to it. */
function standInFor(site: Site, hint: string): ParsedPhone {
  return { e164: `hint:${hashToken(site.id, hint.toLowerCase()).slice(0, 22)}` as PhoneNumber, country: null, prefix: null };
}

export async function verifyPasswordlessLogin(
  deps: FlowDeps,
  site: Site,
  input: { identifier: string; code: string; userId?: string; meta?: RequestMeta },
): Promise<User> {
  const verification = await verifyCode(deps, site, {
    identifier: input.identifier,
    code: input.code,
    ...(input.meta ? { meta: input.meta } : {}),
    useCase: 'passwordless_login',
    ...(input.userId ? { userId: input.userId } : {}),
  });
  const user = verification.userId ? await deps.store.forSite(site.id).users.byId(verification.userId) : null;
  if (!user) throw new OtpgateError('user_not_found');
  if (user.status !== 'active') throw new OtpgateError('user_inactive');
  return user;
}
