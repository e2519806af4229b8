import { OtpgateError } from '../domain/errors.js';
import { parsePhone } from '../domain/phone.js';
import { UniqueViolation } from '../domain/repositories.js';
import type { User } from '../domain/user.js';
import type { FlowDeps, RequestMeta, Site } from './deps.js';
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
  const holder = await users.byPhone(phone.e164);
  if (holder && (holder.id !== user.id || user.phoneVerified)) throw new OtpgateError('phone_taken');
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

/** Finds the user's pending phone registration when no identifier is given (Salesforce's verifyRegisterVerificationMethod has none). */
export async function verifyPhoneRegistration(
  deps: FlowDeps,
  site: Site,
  input: { userId: string; code: string; identifier?: string },
): Promise<User> {
  const store = deps.store.forSite(site.id);
  const identifier =
    input.identifier ??
    (await store.verifications.findResendable({ useCase: 'phone_registration', userId: input.userId, now: deps.clock.now() }))?.id;
  if (!identifier) throw new OtpgateError('verification_not_found');
  const verification = await verifyCode(deps, site, { identifier, code: input.code, useCase: 'phone_registration', userId: input.userId });
  try {
    const user = await store.users.setVerifiedPhone(input.userId, verification.phone, deps.clock.now());
    if (!user) throw new OtpgateError('user_not_found');
    return user;
  } catch (error) {
    if (error instanceof UniqueViolation) throw new OtpgateError('phone_taken');
    throw error;
  }
}
