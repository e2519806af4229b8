/**
 * How the built-in providers read an answer: JSON without trusting it, and the mapping every provider shares when
 * its own error codes say nothing more specific (429 rate limit, 401/403 auth refused, 5xx outage).
 */
import type { DeliveryContext, DeliveryOutcome } from '../contract.js';

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

/** Milliseconds from `Retry-After` (delta-seconds or an HTTP date, RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function retryAfterMs(response: Response, now: number = Date.now()): number | undefined {
  const value = response.headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The outcome by HTTP status alone: 429 and 5xx are the provider's trouble (PROVIDER_ERROR, so the chain retries
 * after Retry-After or fails over); 401/403 mean our credential is wrong, which no retry fixes (EXCEPTION, with a
 * detail an operator greps for); other 4xx are a request the provider refused.
 */
export function outcomeForStatus(provider: string, response: Response, reason: string): DeliveryOutcome {
  const status = response.status;
  const detail = `${provider} HTTP ${status}${reason ? `: ${reason}` : ''}`;
  if (status === 401 || status === 403) return { result: 'EXCEPTION', detail: `configuration: auth refused (${detail})` };
  if (status === 429) {
    const wait = retryAfterMs(response);
    return { result: 'PROVIDER_ERROR', detail, ...(wait === undefined ? {} : { retryAfterMs: wait }) };
  }
  return { result: 'PROVIDER_ERROR', detail };
}

/** A callout that produced no readable answer (refused connection, deadline): the error's name and message only. */
export function transportFailure(provider: string, error: unknown): DeliveryOutcome {
  if (!(error instanceof Error)) return { result: 'EXCEPTION', detail: `${provider}: callout failed` };
  const cause = isRecord(error.cause) && typeof error.cause.code === 'string' ? ` (${error.cause.code})` : '';
  return { result: 'EXCEPTION', detail: `${provider}: ${error.name}: ${error.message.slice(0, 120)}${cause}` };
}

/**
 * One provider call: POST the body (JSON, or a form already encoded) through the callout, read the answer, and let
 * the provider's `judge` map it; a callout with no readable answer is its transport failure.
 */
export async function postAndJudge(
  provider: string,
  context: Pick<DeliveryContext, 'callout'>,
  endpoint: string,
  body: { json: unknown } | { form: string },
  judge: (response: Response, answer: unknown) => DeliveryOutcome,
): Promise<DeliveryOutcome> {
  const json = 'json' in body;
  let response: Response;
  let answer: unknown;
  try {
    response = await context.callout(endpoint, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded' },
      body: json ? JSON.stringify(body.json) : body.form,
    });
    answer = await readJson(response);
  } catch (error) {
    return transportFailure(provider, error);
  }
  return judge(response, answer);
}
