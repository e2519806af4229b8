import type { Channel } from '../domain/channel.js';
import { randomUUID } from 'node:crypto';
import { hashToken } from '../crypto/code-hasher.js';
import type { CaptchaProof } from '../domain/captcha.js';
import { OtpgateError } from '../domain/errors.js';
import { normaliseEmail, normaliseText, withoutSecrets } from '../domain/text.js';
import { parsePhone } from '../domain/phone.js';
import { UniqueViolation } from '../domain/repositories.js';
import type { User } from '../domain/user.js';
import { checkCaptcha } from './captcha-check.js';
import type { FlowDeps, RequestMeta, Site } from './deps.js';
import type { RegistrationUserData, RegistrationUsers } from './site-hooks.js';
import { sendCode } from './send-code.js';
import { verifyCode } from './verify-code.js';

/**
 * Starts a registration. The answer is the same whether the number or the username already has an account
 * (no enumeration): for a new number a code is sent and the data kept with the verification; for a number
 * with an account its owner gets a notice (or a sign-in code, by site setting) and nothing of the
 * requester's data is kept. Usernames are checked once the phone is proved. No user exists until then.
 */
export async function initSelfRegistration(
  deps: FlowDeps,
  site: Site,
  input: {
    userdata: RegistrationUserData;
    customdata?: Record<string, unknown>;
    locale?: string | null;
    captcha: CaptchaProof;
    meta: RequestMeta;
    channel?: Channel;
  },
): Promise<{ identifier: string; email: string | null }> {
  if (!site.registrationEnabled) throw new OtpgateError('registration_disabled');
  const userdata = normaliseUserData(withoutSecrets(input.userdata as Record<string, unknown>));
  const customdata = withoutSecrets(input.customdata ?? {});
  const phone = parsePhone(userdata.mobilePhone ?? '', site.defaultCountry ?? undefined);
  if (!phone) throw new OtpgateError('invalid_phone_number', 'userdata.mobilePhone must be a valid mobile number, e.g. +14155550101.');
  // After the cheap checks (a malformed request spends no provider call), before the lookup and any send.
  await checkCaptcha(deps, site, 'self_registration', input.captcha, input.meta);
  const owner = await deps.store.forSite(site.id).users.byPhone(phone.e164);
  const answer = (identifier: string) => ({ identifier, email: userdata.email ?? null });
  if (owner) {
    const sent = await sendCode(deps, site, {
      useCase: 'self_registration',
      phone,
      userId: owner.id,
      deliverable: true,
      locale: owner.locale ?? input.locale ?? null,
      payload: { existingUserId: owner.id },
      meta: input.meta,
      requestKey: requestKeyOf(userdata, customdata),
      ...(input.channel ? { channel: input.channel } : {}),
      ...(site.registrationExistingAccount === 'notice' ? { notice: 'account_exists' as const } : {}),
    });
    return answer(sent.identifier);
  }
  const userId = randomUUID();
  const sent = await sendCode(deps, site, {
    useCase: 'self_registration',
    phone,
    userId,
    deliverable: true,
    locale: input.locale ?? null,
    payload: { userId, userdata: { ...userdata, mobilePhone: phone.e164 }, customdata },
    meta: input.meta,
    requestKey: requestKeyOf(userdata, customdata),
    ...(input.channel ? { channel: input.channel } : {}),
  });
  return answer(sent.identifier);
}

/** NFKC for every text field, control characters refused, the email in lower case; other fields as given. */
function normaliseUserData(userdata: Record<string, unknown>): RegistrationUserData & Record<string, unknown> {
  const out: Record<string, unknown> = { ...userdata };
  for (const key of ['firstName', 'lastName', 'username', 'mobilePhone'] as const) {
    const value = userdata[key];
    if (typeof value === 'string') out[key] = normaliseText(value, `userdata.${key}`);
  }
  if (typeof userdata.email === 'string') out.email = normaliseEmail(userdata.email, 'userdata.email');
  if (out.username === '') delete out.username;
  return out;
}

/** Which registration this is: the same data resends the same verification, different data starts its own. */
function requestKeyOf(userdata: Record<string, unknown>, customdata: Record<string, unknown>): string {
  return hashToken('registration-request', JSON.stringify([userdata, customdata]));
}

/** Verifies the registration code, then runs the site's registration handler to create the user. */
export async function verifySelfRegistration(
  deps: FlowDeps,
  site: Site,
  input: { identifier: string; code: string; meta?: RequestMeta },
): Promise<User> {
  const { identifier, code, meta } = input;
  const verification = await verifyCode(deps, site, { identifier, code, useCase: 'self_registration', ...(meta ? { meta } : {}) });
  const store = deps.store.forSite(site.id);
  if (typeof verification.payload.existingUserId === 'string') {
    // The number already had an account and its owner typed the sign-in code they were sent: sign them in.
    const owner = await store.users.byId(verification.payload.existingUserId);
    if (!owner) throw new OtpgateError('user_not_found');
    if (owner.status !== 'active') throw new OtpgateError('user_inactive');
    return owner;
  }
  const payload = verification.payload as { userId: string; userdata: RegistrationUserData; customdata: Record<string, unknown> };
  const handler = await deps.hooks.registrationFor(site);
  // The user the handler creates is the row just written: kept, so it is not read back (one round trip less per
  // registration). A handler that answers with another user's id still gets that user read.
  const created = new Map<string, User>();
  const users: RegistrationUsers = {
    async create(user, at) {
      const row = await store.users.create(user, at);
      created.set(row.id, row);
      return row;
    },
    byId: (id) => store.users.byId(id),
  };
  try {
    const { userId } = await handler.createUser(
      {
        siteId: site.id,
        userId: payload.userId,
        phone: verification.phone,
        userdata: payload.userdata,
        customdata: payload.customdata,
        experienceId: verification.experienceId,
        locale: verification.locale,
      },
      { users, now: deps.clock.now() },
    );
    const user = created.get(userId) ?? (await store.users.byId(userId));
    if (!user) throw new Error(`registration handler returned user ${userId}, which does not exist`);
    return user;
  } catch (error) {
    // The username is someone else's (checked only now, so init never tells), or another registration for the
    // same phone won the race between init and verify. The person who proved the phone is told; nothing is created.
    if (error instanceof UniqueViolation) throw new OtpgateError(error.field === 'username' ? 'username_taken' : 'phone_taken');
    throw error;
  }
}
