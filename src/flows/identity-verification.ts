import { OtpgateError } from '../domain/errors.js';
import { parsePhone } from '../domain/phone.js';
import type { FlowDeps, RequestMeta, Site } from './deps.js';
import { sendCode } from './send-code.js';
import { verifyCode } from './verify-code.js';

/** Second factor for a signed-in user: a code to the user's verified phone. */
export async function initIdentityVerification(
  deps: FlowDeps,
  site: Site,
  input: { userId: string; meta: RequestMeta },
): Promise<{ identifier: string }> {
  const user = await deps.store.forSite(site.id).users.byId(input.userId);
  if (!user) throw new OtpgateError('user_not_found');
  if (user.status !== 'active') throw new OtpgateError('user_inactive');
  const phone = user.phone && user.phoneVerified ? parsePhone(user.phone) : null;
  if (!phone) throw new OtpgateError('no_verified_phone');
  return sendCode(deps, site, {
    useCase: 'identity_verification',
    phone,
    userId: user.id,
    deliverable: true,
    locale: user.locale,
    payload: {},
    meta: input.meta,
  });
}

export async function verifyIdentityVerification(
  deps: FlowDeps,
  site: Site,
  input: { userId: string; identifier: string; code: string; meta?: RequestMeta },
): Promise<void> {
  const { identifier, code, userId, meta } = input;
  await verifyCode(deps, site, { identifier, code, useCase: 'identity_verification', userId, ...(meta ? { meta } : {}) });
}
