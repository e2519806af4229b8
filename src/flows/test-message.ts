import { routeChain } from '../delivery/chain.js';
import { randomDigits, randomToken } from '../crypto/random.js';
import { supportedLocale } from '../delivery/default-text.js';
import { buildDeliveryRequest } from '../delivery/delivery-request.js';
import type { DispatchReport } from '../delivery/dispatcher.js';
import type { Channel } from '../domain/channel.js';
import { OtpgateError } from '../domain/errors.js';
import { parsePhone, type PhoneNumber } from '../domain/phone.js';
import { dispatchAlong, recordAttempts, type DeliveryDeps } from './deliver-code.js';
import type { DeliveryReceipt } from '../domain/repositories.js';
import type { FlowDeps, Site } from './deps.js';

const USE_CASE = 'identity_verification';

/**
 * Sends a real test message through a site's chain (`otpgate handler test`) and reports every attempt. The code
 * is random and matches no verification; the attempts are stored like any others, so the provider's receipt finds
 * its attempt and `otpgate handler test --wait-receipt` and `otpgate deliveries` can show it.
 */
export async function sendTestMessage(
  deps: DeliveryDeps & Pick<FlowDeps, 'publicHost' | 'store' | 'metrics'>,
  site: Site,
  phone: PhoneNumber,
  channel: Channel = 'sms',
): Promise<DispatchReport> {
  const whole = await deps.chains.chainFor(site).catch((error: unknown) => {
    // An admin is asking, so the loader's reason (file not found, no sendOneTimePassword...) is what helps.
    const reason = error instanceof Error ? error.message : String(error);
    throw new OtpgateError('delivery_failed', `The delivery chain did not load: ${reason}`);
  });
  // The same routing as a real send: the links that serve this destination.
  const country = parsePhone(phone)?.country ?? null;
  const chain = routeChain(whole, phone, country, channel);
  if (chain.length === 0)
    throw new OtpgateError(
      'delivery_failed',
      `No ${channel} handler of site ${site.id} serves ${phone} (see their destinations and channel).`,
    );
  // A real code of the real length, so the provider sees a message like the ones users get. It is never
  // printed: it is random, matches no verification, and only a handler may show it.
  const policy = site.policies[USE_CASE];
  const now = deps.clock.now();
  const request = buildDeliveryRequest({
    site,
    useCase: USE_CASE,
    userId: null,
    phone,
    code: randomDigits(policy.codeLength),
    identifier: randomToken(18),
    locale: supportedLocale(site.locale),
    ttlSeconds: policy.ttlSeconds,
    expiresAt: new Date(now.getTime() + policy.ttlSeconds * 1000),
    publicHost: deps.publicHost,
    meta: { ip: null, userAgent: null },
    textPrefix: '[otpgate test message, no action needed]',
    channel,
  });
  const report = await dispatchAlong(deps, chain, request);
  await recordAttempts(deps, site, report, country);
  return report;
}

/**
 * The receipt of a test message's delivered attempt, waited for up to `seconds` (a provider reports within seconds,
 * to the server's receipt URL; this reads what the server stored). Null when none came in time.
 */
export async function waitForReceipt(
  deps: Pick<FlowDeps, 'store' | 'timers'>,
  site: Site,
  report: DispatchReport,
  seconds: number,
): Promise<DeliveryReceipt | null> {
  const delivered = report.attempts.find((a) => a.result === 'SUCCESS');
  if (!delivered || seconds <= 0) return null;
  const started = deps.timers.elapsedMs();
  for (;;) {
    const attempts = await deps.store.forSite(site.id).deliveryAttempts.forVerification(delivered.verificationId);
    const receipt = attempts.find((a) => a.handler === delivered.handler && a.attempt === delivered.attempt)?.receipt;
    // "accepted" is on the way; wait for the final word while there is time.
    if (receipt && receipt.status !== 'accepted') return receipt;
    if (deps.timers.elapsedMs() - started >= seconds * 1000) return receipt ?? null;
    await deps.timers.sleep(500);
  }
}
