import { randomDigits } from '../crypto/random.js';
import { routeChain } from '../delivery/chain.js';
import { buildDeliveryRequest } from '../delivery/delivery-request.js';
import type { Notice } from '../delivery/default-text.js';
import type { DeliveryAttemptRecord } from '../domain/repositories.js';
import { classify } from '../domain/verification.js';
import { recordAudit } from './audit-trail.js';
import { dispatchAlong, recordAttempts, type DeliveryDeps } from './deliver-code.js';
import { noMeta, type FlowDeps, type Site } from './deps.js';

export type FailoverDeps = DeliveryDeps & Pick<FlowDeps, 'store' | 'hasher' | 'metrics' | 'publicHost'>;

/**
 * A receipt said the message of `attempt` did not arrive. When the site fails over on receipts
 * (`receiptFailoverSeconds`) and the code it carried still stands (pending, unexpired, not replaced by a later
 * send), a new code goes out through the handlers after the failed one in the routed chain.
 *
 * A new code, not the same one: the code exists only as its hash. The write is a resend (recordResend, guarded by
 * the last send time), so attempts are kept and of two receipts racing for one message only one sends. It is not
 * counted against the send limits: the user did not ask for it, and one undelivered message yields at most one.
 * Returns whether a fail-over message was delivered.
 */
export async function failOverAfterReceipt(deps: FailoverDeps, site: Site, attempt: DeliveryAttemptRecord): Promise<boolean> {
  const now = deps.clock.now();
  if (site.receiptFailoverSeconds <= 0 || attempt.result !== 'SUCCESS') return false;
  if (now.getTime() - attempt.createdAt.getTime() > site.receiptFailoverSeconds * 1000) return false;
  const store = deps.store.forSite(site.id);
  const verification = await store.verifications.byId(attempt.verificationId);
  if (!verification || !verification.deliverable || classify(verification, now) !== 'pending') return false;
  // A resend (or an earlier fail-over) after this attempt has replaced the code it carried.
  if (verification.lastSentAt.getTime() > attempt.createdAt.getTime()) return false;

  const whole = await deps.chains.chainFor(site);
  const failed = whole.find((link) => link.name === attempt.handler);
  const channel = failed?.channel ?? 'sms';
  const routed = routeChain(whole, verification.phone, attempt.country, channel);
  const next = routed.slice(routed.findIndex((link) => link.name === attempt.handler) + 1);
  if (!failed || next.length === 0) {
    deps.logger.warn(
      { siteId: site.id, handler: attempt.handler, identifier: verification.id },
      'undelivered receipt: no handler left to fail over to',
    );
    return false;
  }

  const policy = site.policies[verification.useCase];
  const code = randomDigits(policy.codeLength);
  const { hash, keyId } = deps.hasher.hash(verification.id, code);
  const expiresAt = new Date(now.getTime() + policy.ttlSeconds * 1000);
  const change = { codeHash: hash, keyId, previousSentAt: verification.lastSentAt, sentAt: now, expiresAt };
  if (!(await store.verifications.recordResend(verification.id, change))) return false;

  const notice = verification.payload.notice as Notice | undefined;
  const request = buildDeliveryRequest({
    site,
    useCase: verification.useCase,
    userId: verification.userId,
    phone: verification.phone,
    code,
    identifier: verification.id,
    locale: verification.locale,
    ttlSeconds: policy.ttlSeconds,
    expiresAt,
    publicHost: deps.publicHost,
    meta: noMeta,
    channel,
    ...(notice ? { notice } : {}),
  });
  const report = await dispatchAlong(deps, next, request);
  await recordAttempts(deps, site, report, attempt.country);
  deps.metrics.codesSent.inc({ site: site.id, use_case: verification.useCase, delivered: 'true' });
  const delivered = report.result === 'SUCCESS';
  await recordAudit(
    deps,
    site,
    {
      type: 'code_sent',
      useCase: verification.useCase,
      userId: verification.userId,
      phone: verification.phone,
      detail: {
        identifier: verification.id,
        resend: true,
        delivered,
        failoverFrom: attempt.handler,
        reason: attempt.receipt?.status ?? null,
      },
    },
    now,
  );
  return delivered;
}
