import { randomUUID } from 'node:crypto';
import { OtpgateError } from '../domain/errors.js';
import { parsePhone } from '../domain/phone.js';
import { UniqueViolation } from '../domain/repositories.js';
import type { User } from '../domain/user.js';
import type { FlowDeps, RequestMeta, Site } from './deps.js';
import type { RegistrationUserData } from './site-hooks.js';
import { sendCode } from './send-code.js';
import { verifyCode } from './verify-code.js';

/**
 * Starts a registration: validates the userdata, sends a code to its mobile phone and keeps the data
 * with the verification. No user exists until the code is verified.
 */
export async function initSelfRegistration(
  deps: FlowDeps,
  site: Site,
  input: { userdata: RegistrationUserData; customdata?: Record<string, unknown>; locale?: string | null; meta: RequestMeta },
): Promise<{ identifier: string; email: string | null }> {
  if (!site.registrationEnabled) throw new OtpgateError('registration_disabled');
  const { userdata } = input;
  const phone = parsePhone(userdata.mobilePhone ?? '', site.defaultCountry ?? undefined);
  if (!phone) throw new OtpgateError('invalid_phone_number', 'userdata.mobilePhone must be a valid mobile number, e.g. +14155550101.');
  const users = deps.store.forSite(site.id).users;
  if (await users.byPhone(phone.e164)) throw new OtpgateError('phone_taken');
  if (userdata.username && (await users.byUsername(userdata.username))) throw new OtpgateError('username_taken');
  const userId = randomUUID();
  const sent = await sendCode(deps, site, {
    useCase: 'self_registration',
    phone,
    userId,
    deliverable: true,
    locale: input.locale ?? null,
    payload: { userId, userdata, customdata: input.customdata ?? {} },
    meta: input.meta,
  });
  return { identifier: sent.identifier, email: userdata.email ?? null };
}

/** Verifies the registration code, then runs the site's registration handler to create the user. */
export async function verifySelfRegistration(deps: FlowDeps, site: Site, input: { identifier: string; code: string }): Promise<User> {
  const verification = await verifyCode(deps, site, { identifier: input.identifier, code: input.code, useCase: 'self_registration' });
  const payload = verification.payload as { userId: string; userdata: RegistrationUserData; customdata: Record<string, unknown> };
  const store = deps.store.forSite(site.id);
  const handler = await deps.hooks.registrationFor(site);
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
      { users: store.users, now: deps.clock.now() },
    );
    const user = await store.users.byId(userId);
    if (!user) throw new Error(`registration handler returned user ${userId}, which does not exist`);
    return user;
  } catch (error) {
    // Another registration for the same phone or username won the race between init and verify.
    if (error instanceof UniqueViolation) throw new OtpgateError(error.field === 'username' ? 'username_taken' : 'phone_taken');
    throw error;
  }
}
