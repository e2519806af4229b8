import type { DeliveryRequest, DeliveryResult } from '../delivery/contract.js';
import { otherChannels, routeChain } from '../delivery/chain.js';
import { dispatch, type ChainLink, type DispatchReport } from '../delivery/dispatcher.js';
import type { Channel } from '../domain/channel.js';
import { OtpgateError, type ErrorCode } from '../domain/errors.js';
import type { FlowDeps, Site } from './deps.js';

/** The part of the flows' deps that sending a message through a site's chain needs. */
export type DeliveryDeps = Pick<FlowDeps, 'chains' | 'credentials' | 'calloutFetch' | 'deliverySettings' | 'logger' | 'clock' | 'timers'> &
  Partial<Pick<FlowDeps, 'tracer'>>;

/**
 * The deliver step of a send: the site's chain, the dispatch (outside any transaction), the attempt log, and
 * a failed delivery turned into the error the user sees (DESIGN §4.3).
 */
export async function deliverCode(
  deps: DeliveryDeps & Pick<FlowDeps, 'store' | 'deliveryTiming' | 'metrics'>,
  site: Site,
  request: Omit<DeliveryRequest, 'attempt'>,
  retryAfterSeconds: number,
  /** The destination's country (ISO 3166), for the metrics; null when unknown. */
  country: string | null = null,
): Promise<void> {
  const whole = await deps.chains.chainFor(site).catch((error: unknown) => {
    throw new OtpgateError('delivery_failed', undefined, {}, { cause: error });
  });
  const chain = routeChain(whole, request.phoneNumber, country, request.channel);
  // Where SMS fails, the user may be offered another way (a call, WhatsApp) that the site's chain has for this number.
  const offer = (): Record<string, readonly string[]> => {
    const alternatives = otherChannels(whole, request.phoneNumber, country, request.channel);
    return alternatives.length > 0 ? { alternatives } : {};
  };
  if (chain.length === 0) {
    // A configuration gap, not the user's fault and not a provider's: say so where an operator looks.
    deps.logger.error(
      { siteId: site.id, country, channel: request.channel },
      'configuration problem: no delivery handler serves this destination',
    );
    throw new OtpgateError('delivery_failed', undefined, { retry_after: retryAfterSeconds, ...offer() });
  }
  const started = deps.timers.elapsedMs();
  const report = await dispatchAlong(deps, chain, request);
  await recordAttempts(deps, site, report, country);
  if (report.result === 'SUCCESS') {
    deps.deliveryTiming.note(site.id, deps.timers.elapsedMs() - started);
    return;
  }
  // A wrong number stays wrong on every channel.
  const retry = report.result === 'INVALID_PHONE_NUMBER' ? {} : { retry_after: retryAfterSeconds, ...offer() };
  throw new OtpgateError(userErrorFor(report.result), undefined, retry);
}

/** Keeps a dispatch's attempts (with the destination country) and counts them. */
export async function recordAttempts(
  deps: Pick<FlowDeps, 'store' | 'metrics'>,
  site: Site,
  report: DispatchReport,
  country: string | null,
): Promise<void> {
  await deps.store.forSite(site.id).deliveryAttempts.insertMany(report.attempts.map((a) => ({ ...a, country })));
  for (const attempt of report.attempts) {
    deps.metrics.deliveryAttempts.inc({ site: site.id, handler: attempt.handler, result: attempt.result, country: country ?? 'unknown' });
    deps.metrics.deliverySeconds.observe({ site: site.id, handler: attempt.handler }, attempt.latencyMs / 1000);
  }
}

/** Sends along a loaded chain and reports what every attempt did. */
export function dispatchAlong(deps: DeliveryDeps, chain: ChainLink[], request: Omit<DeliveryRequest, 'attempt'>): Promise<DispatchReport> {
  return dispatch({
    chain,
    request,
    credentials: deps.credentials,
    fetch: deps.calloutFetch,
    settings: deps.deliverySettings,
    logger: deps.logger,
    clock: deps.clock,
    timers: deps.timers,
    tracer: deps.tracer ?? null,
  });
}

function userErrorFor(result: Exclude<DeliveryResult, 'SUCCESS'>): ErrorCode {
  switch (result) {
    case 'INVALID_PHONE_NUMBER':
      return 'invalid_phone_number';
    case 'COUNTRY_BLOCK':
      return 'country_not_supported';
    case 'MESSAGE_LIMIT_EXCEEDED':
      return 'message_limit_exceeded';
    case 'PROVIDER_ERROR':
    case 'EXCEPTION':
      return 'delivery_failed';
  }
}

/** Whether any handler of the site's chain sends by `channel` (whatever destinations it serves). */
export async function siteHasChannel(deps: Pick<FlowDeps, 'chains'>, site: Site, channel: Channel): Promise<boolean> {
  const chain = await deps.chains.chainFor(site).catch(() => []);
  return chain.some((link) => (link.channel ?? 'sms') === channel);
}

/** Whether the last delivery of a verification failed (its last attempt was not a success). */
export async function lastDeliveryFailed(deps: Pick<FlowDeps, 'store'>, site: Site, verificationId: string): Promise<boolean> {
  const attempts = await deps.store.forSite(site.id).deliveryAttempts.forVerification(verificationId);
  const last = attempts.at(-1);
  return last !== undefined && last.result !== 'SUCCESS';
}
