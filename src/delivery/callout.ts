import type { CalloutRecord } from '../domain/repositories.js';
import type { CalloutFetch } from './http-client.js';
import { resolveCallout, type NamedCredentials } from './named-credentials.js';

export type { CalloutRecord };

/**
 * The `callout` a handler receives: fetch() bound to the named credentials and the delivery deadline.
 * Every call is reported to `record` (status and latency, never the body: it holds the code). `fetch` is
 * the app's HTTP client (createHttpClient), so its connections close with the app.
 */
export function createCallout(
  siteId: string,
  credentials: NamedCredentials,
  signal: AbortSignal,
  record: (entry: CalloutRecord) => void,
  fetch: CalloutFetch,
): (url: string, init?: RequestInit) => Promise<Response> {
  return async (target, init = {}) => {
    const merged = new Headers(init.headers);
    // A signing credential signs what is sent: the body as given (a string), under the handler's message id.
    const message = { id: merged.get('webhook-id') ?? '', body: typeof init.body === 'string' ? init.body : '' };
    const { url, headers } = resolveCallout(target, credentials, siteId, message);
    // The credential wins over anything the handler set: the handler must not be able to leak or swap it.
    for (const [name, value] of Object.entries(headers)) merged.set(name, value);
    const combined = init.signal ? AbortSignal.any([signal, init.signal]) : signal;
    const method = (init.method ?? 'GET').toUpperCase();
    const started = performance.now();
    try {
      // Redirects are not followed unless the handler asks: following one would carry the credential's
      // Authorization header to wherever the provider points (and fetch buffers the body to be able to).
      const response = await fetch(url, { redirect: 'manual', ...init, headers: merged, signal: combined });
      record({ url: redactUrl(url), method, status: response.status, latencyMs: performance.now() - started });
      return response;
    } catch (error) {
      record({ url: redactUrl(url), method, status: null, latencyMs: performance.now() - started });
      throw error;
    }
  };
}

/** Query strings may carry the code (GET-style provider APIs); keep only origin and path in records. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.origin + parsed.pathname;
  } catch {
    return '(invalid url)';
  }
}
