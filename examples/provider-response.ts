/**
 * Small helpers the example handlers share: reading a provider's answer without trusting it, and turning
 * a failed callout into a result value. Each handler stays readable on its own; only this plumbing is shared.
 */
import type { DeliveryResult } from '../src/delivery/contract.js';

// Reading an answer, Retry-After and a failed callout: the same plumbing as the built-in providers.
export { isRecord, readJson, retryAfterMs, transportFailure } from '../src/delivery/providers/response.js';

/**
 * The result when the provider's own error code says nothing more specific: 429 is a rate limit; a 5xx, or an
 * answer that is not the provider's JSON (a proxy's error page), says nothing about the message, so it is
 * EXCEPTION (retry); any other 4xx is an auth, account or request problem: PROVIDER_ERROR.
 */
export function resultForHttpStatus(status: number, body: unknown): DeliveryResult {
  if (status === 429) return 'MESSAGE_LIMIT_EXCEEDED';
  if (status >= 500 || body === undefined) return 'EXCEPTION';
  return 'PROVIDER_ERROR';
}
