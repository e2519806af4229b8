/**
 * Small helpers the example handlers share: reading a provider's answer without trusting it, and turning
 * a failed callout into a result value. Each handler stays readable on its own; only this plumbing is shared.
 */
import type { DeliveryOutcome, DeliveryResult } from '../src/delivery/contract.js';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The response body as JSON, or undefined when it is not JSON (a proxy's HTML page, a truncated body). */
export async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

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

/**
 * Milliseconds from an HTTP `Retry-After` header (delta-seconds or an HTTP date, RFC 9110 §10.2.3), so the
 * dispatcher waits as long as the provider asked instead of its own backoff. Undefined when absent or unreadable.
 */
export function retryAfterMs(response: Response, now: number = Date.now()): number | undefined {
  const value = response.headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The result for a callout that never produced a readable answer: connection refused, DNS failure, the
 * delivery deadline (TimeoutError / AbortError), a body cut off mid-read. The handlers return this value
 * rather than throwing, so the attempt log gets a short reason (the dispatcher would record a throw as
 * EXCEPTION too). Only the error's name, message and errno code are kept: these handlers never put the
 * code in a URL, and fetch errors do not quote request bodies.
 */
export function transportFailure(provider: string, error: unknown): DeliveryOutcome {
  if (!(error instanceof Error)) return { result: 'EXCEPTION', detail: `${provider}: callout failed` };
  const cause = isRecord(error.cause) && typeof error.cause.code === 'string' ? ` (${error.cause.code})` : '';
  return { result: 'EXCEPTION', detail: `${provider}: ${error.name}: ${error.message.slice(0, 120)}${cause}` };
}
