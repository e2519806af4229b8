import { Agent, request } from 'undici';

/** What `context.callout` sends through: fetch's shape, with the headers already a Headers object. */
export type CalloutFetch = (url: string, init: RequestInit & { headers: Headers }) => Promise<Response>;

/** One app's HTTP client for callouts; `close()` ends its keep-alive connections (the app's close calls it). */
export interface HttpClient {
  fetch: CalloutFetch;
  close(): Promise<void>;
}

const NO_BODY = new Set([204, 205, 304]);

/**
 * The HTTP client behind `context.callout`: undici's `request` on one keep-alive agent, answered as a
 * standard `Response`, so handlers see plain fetch. Measured at under half the CPU of global fetch per
 * delivery (bench/README.md): fetch's spec machinery (body cloning for redirects, stream wrapping) is
 * pure overhead for a small JSON or form POST. Anything unusual (a stream body, following redirects)
 * still goes through fetch. One per app, not per process: each app's `close()` can then release its sockets.
 */
export function createHttpClient(): HttpClient {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 128 });
  return {
    fetch: (url, init) => calloutFetch(agent, url, init),
    close: () => agent.close(),
  };
}

async function calloutFetch(agent: Agent, url: string, init: RequestInit & { headers: Headers }): Promise<Response> {
  const body = init.body instanceof URLSearchParams ? init.body.toString() : init.body;
  const plain = (body == null || typeof body === 'string') && (init.redirect === undefined || init.redirect === 'manual');
  if (!plain) return fetch(url, init);
  const headers: Record<string, string> = {};
  init.headers.forEach((value, name) => (headers[name] = value));
  // fetch would add this for a URLSearchParams body; keep that behaviour.
  if (init.body instanceof URLSearchParams && !headers['content-type']) {
    headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
  }
  const response = await request(url, {
    method: (init.method ?? 'GET').toUpperCase() as 'GET',
    headers,
    body: body ?? null,
    ...(init.signal ? { signal: init.signal } : {}),
    dispatcher: agent,
  });
  const bytes = await response.body.arrayBuffer();
  const out = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    for (const v of Array.isArray(value) ? value : [value ?? '']) out.append(name, v);
  }
  return new Response(NO_BODY.has(response.statusCode) ? null : bytes, { status: response.statusCode, headers: out });
}
