import { auditPhoneHash, recordAudit } from './audit-trail.js';
import { randomToken } from '../crypto/random.js';
import { supportedLocale } from '../delivery/default-text.js';
import { buildDeliveryRequest } from '../delivery/delivery-request.js';
import { OtpgateError } from '../domain/errors.js';
import { parsePhone, type PhoneNumber } from '../domain/phone.js';
import { UniqueViolation } from '../domain/repositories.js';
import type { User } from '../domain/user.js';
import { deliverCode } from './deliver-code.js';
import { noMeta, type FlowDeps, type RequestMeta, type Site } from './deps.js';
import { sendCode } from './send-code.js';
import { verifyCode } from './verify-code.js';

/** Registers or changes a user's phone: the code goes to the new number; the old one stays until it is verified. */
export async function initPhoneRegistration(
  deps: FlowDeps,
  site: Site,
  input: { userId: string; phone: string; meta: RequestMeta },
): Promise<{ identifier: string }> {
  const users = deps.store.forSite(site.id).users;
  const user = await users.byId(input.userId);
  if (!user) throw new OtpgateError('user_not_found');
  const phone = parsePhone(input.phone, site.defaultCountry ?? undefined);
  if (!phone) throw new OtpgateError('invalid_phone_number');
  // The user's own verified number is no change. A number another account holds gets a code like any other: an
  // answer of "taken" here would let any signed-in user test numbers for accounts without sending anything. Only
  // whoever holds the phone can type the code, and they are told then (verifyPhoneRegistration: phone_taken).
  if (user.phoneVerified && user.phone === phone.e164) throw new OtpgateError('phone_taken');
  return sendCode(deps, site, {
    useCase: 'phone_registration',
    phone,
    userId: user.id,
    deliverable: true,
    locale: user.locale,
    payload: {},
    meta: input.meta,
  });
}

/** The token family or browser session that made a phone change: it keeps working, every other one is revoked. */
export interface ChangedBy {
  tokenFamily?: string;
  sessionHash?: string;
}

/**
 * Finds the user's pending phone registration when no identifier is given (Salesforce's
 * verifyRegisterVerificationMethod has none). When the change replaced a verified number: the old number is
 * told (a notice through the site's chain), an audit event is written, and every other session and token of
 * the user is revoked, so whoever held them must sign in again, now with the new number.
 */
export async function verifyPhoneRegistration(
  deps: FlowDeps,
  site: Site,
  input: { userId: string; code: string; identifier?: string; changedBy?: ChangedBy; meta?: RequestMeta },
): Promise<User> {
  const store = deps.store.forSite(site.id);
  const identifier =
    input.identifier ??
    (await store.verifications.findResendable({ useCase: 'phone_registration', userId: input.userId, now: deps.clock.now() }))?.id;
  if (!identifier) throw new OtpgateError('verification_not_found');
  const verification = await verifyCode(deps, site, {
    identifier,
    code: input.code,
    useCase: 'phone_registration',
    userId: input.userId,
    ...(input.meta ? { meta: input.meta } : {}),
  });
  const before = await store.users.byId(input.userId);
  const now = deps.clock.now();
  let user: User | null;
  try {
    user = await store.users.setVerifiedPhone(input.userId, verification.phone, now);
  } catch (error) {
    if (error instanceof UniqueViolation) throw new OtpgateError('phone_taken');
    throw error;
  }
  if (!user) throw new OtpgateError('user_not_found');
  const oldPhone = before?.phone && before.phoneVerified && before.phone !== user.phone ? before.phone : null;
  if (oldPhone) await afterPhoneChange(deps, site, { user, oldPhone, changedBy: input.changedBy ?? {}, meta: input.meta ?? noMeta, now });
  return user;
}

async function afterPhoneChange(
  deps: FlowDeps,
  site: Site,
  change: { user: User; oldPhone: PhoneNumber; changedBy: ChangedBy; meta: RequestMeta; now: Date },
): Promise<void> {
  const { user, oldPhone, changedBy, meta, now } = change;
  const store = deps.store.forSite(site.id);
  await store.grants.revokeUserTokens(user.id, now, changedBy.tokenFamily);
  await store.sessions.revokeUser(user.id, now, changedBy.sessionHash);
  await recordAudit(
    deps,
    site,
    {
      type: 'phone_changed',
      useCase: 'phone_registration',
      userId: user.id,
      phone: oldPhone,
      meta,
      detail: { newPhoneHash: auditPhoneHash(deps, user.phone ?? ''), by: changedBy.tokenFamily ? 'token' : 'session' },
    },
    now,
  );
  // The change is done; a notice that cannot be delivered must not undo it or fail the request.
  const notice = buildDeliveryRequest({
    site,
    useCase: 'phone_change_notice',
    userId: user.id,
    phone: oldPhone,
    code: '',
    identifier: randomToken(18),
    locale: supportedLocale(user.locale ?? site.locale),
    ttlSeconds: 0,
    expiresAt: now,
    publicHost: deps.publicHost,
    meta,
    notice: 'phone_changed',
  });
  await deliverCode(deps, site, notice, 0).catch((error: unknown) =>
    deps.logger.warn({ err: error, siteId: site.id, userId: user.id }, 'the phone change notice to the old number was not delivered'),
  );
}
