import { routeChain } from '../delivery/chain.js';
import { randomDigits, randomToken } from '../crypto/random.js';
import { supportedLocale } from '../delivery/default-text.js';
import { buildDeliveryRequest } from '../delivery/delivery-request.js';
import type { DispatchReport } from '../delivery/dispatcher.js';
import type { Channel } from '../domain/channel.js';
import { OtpgateError } from '../domain/errors.js';
import { parsePhone, type PhoneNumber } from '../domain/phone.js';
import { dispatchAlong, type DeliveryDeps } from './deliver-code.js';
import type { FlowDeps, Site } from './deps.js';

const USE_CASE = 'identity_verification';

/**
 * Sends a real test message through a site's chain (`otpgate handler test`) and reports every attempt.
 * Nothing is stored: the code is random, matches no verification, and the attempts are only shown.
 */
export async function sendTestMessage(
  deps: DeliveryDeps & Pick<FlowDeps, 'publicHost'>,
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
  const chain = routeChain(whole, phone, parsePhone(phone)?.country ?? null, channel);
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
  return dispatchAlong(deps, chain, request);
}
