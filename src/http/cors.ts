/**
 * CORS, all of it: which endpoints a web page may call from another origin, and from which origins.
 *
 * - `public` (discovery, RFC 8414 metadata, JWKS): readable from any origin, `*`, never with credentials.
 * - `client` (token, userinfo, revoke, end-session, headless authorize, identity URL): a preflight names no client,
 *   so it passes for the site's allowed origins (the union of its clients' `allowedOrigins`); the actual response
 *   carries `Access-Control-Allow-Origin` only when the origin is one of the calling client's. The calling client is
 *   the one the handler identified (`callingClient`: the access token's), else the one the request names
 *   (`client_id`, Basic credentials); a request that names none (a missing token) is judged by the site's union.
 * - `site` (the headless inits, which send no client id): the site's allowed origins.
 *
 * No endpoint allows credentials (cookies): tokens travel in headers and bodies, so `*` is never paired with them.
 * Routes say their kind in their options (`config: { cors: 'client' }`); the preflight routes are added here.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseBasicCredential } from './basic-credential.js';
import type { HttpServices } from './services.js';

export type CorsKind = 'public' | 'client' | 'site';

declare module 'fastify' {
  interface FastifyContextConfig {
    cors?: CorsKind;
  }
  interface FastifyRequest {
    /** The OAuth client a handler found the request to be for (the access token's), for the CORS decision. */
    corsClientId: string | null;
  }
}

/** Request headers a page may send: the OAuth and Salesforce headless ones. */
const ALLOWED_HEADERS = new Set(['authorization', 'content-type', 'accept', 'auth-request-type', 'auth-verification-type', 'x-request-id']);
/** Response headers a page may read beyond the safelisted ones. */
const EXPOSED_HEADERS = 'WWW-Authenticate, Retry-After, X-Request-Id';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/** Tells the CORS decision which client the request turned out to be for. */
export function callingClient(request: FastifyRequest, clientId: string): void {
  request.corsClientId = clientId;
}

function addVary(reply: FastifyReply, value: string): void {
  const current = reply.getHeader('vary');
  const list = typeof current === 'string' && current ? current.split(/\s*,\s*/) : [];
  if (!list.some((v) => v.toLowerCase() === value.toLowerCase())) reply.header('vary', [...list, value].join(', '));
}

/** The client a request names: its form or query `client_id`, or the user part of its Basic credentials. */
function namedClient(request: FastifyRequest): string | null {
  const fromParams = [request.body, request.query]
    .map((source) => (source as Record<string, unknown> | undefined)?.client_id)
    .find((v) => typeof v === 'string' && v !== '');
  if (typeof fromParams === 'string') return fromParams;
  const basic = /^basic\b/i.test(request.headers.authorization ?? '') ? parseBasicCredential(request.headers.authorization) : null;
  // The headless authorize endpoint's Basic credential is identifier:code, not a client: it sends client_id in the form.
  if (!basic) return null;
  try {
    return decodeURIComponent(basic.user.replace(/\+/g, ' '));
  } catch {
    return basic.user;
  }
}

/** Call before the routes are registered: every route marked with a CORS kind gets its preflight route. */
export function registerCors(server: FastifyInstance, { corsOrigins }: Pick<HttpServices, 'corsOrigins'>): () => void {
  const preflights = new Map<string, { kind: CorsKind; methods: Set<string> }>();
  server.decorateRequest('corsClientId', null);

  server.addHook('onRoute', (route) => {
    const kind = route.config?.cors;
    if (!kind || route.method === 'OPTIONS') return;
    const entry = preflights.get(route.url) ?? { kind, methods: new Set<string>() };
    for (const method of [route.method].flat()) if (method !== 'HEAD') entry.methods.add(method);
    preflights.set(route.url, entry);
  });

  server.addHook('onSend', async (request, reply, payload) => {
    const kind = request.routeOptions.config?.cors;
    if (!kind || request.method === 'OPTIONS') return payload;
    if (kind === 'public') {
      reply.header('access-control-allow-origin', '*');
      return payload;
    }
    addVary(reply, 'Origin');
    const origin = request.headers.origin;
    if (!origin || !request.site) return payload;
    const clientId = kind === 'client' ? (request.corsClientId ?? namedClient(request)) : null;
    const allowed = clientId === null ? corsOrigins.ofSite(request.site.id) : corsOrigins.ofClient(request.site.id, clientId);
    if (allowed.includes(origin)) {
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-expose-headers', EXPOSED_HEADERS);
    }
    return payload;
  });

  // After the routes: one OPTIONS route per marked path, answering the preflight.
  return () => {
    for (const [url, { kind, methods }] of preflights)
      // Preflights are the browser's business, not an API operation: kept out of /openapi.json.
      server.options(url, { schema: { hide: true } }, async (request, reply) => {
        const origin = request.headers.origin;
        const allowedMethods = [...methods, 'OPTIONS'].join(', ');
        if (kind === 'public') {
          reply.header('access-control-allow-origin', '*').header('access-control-allow-methods', allowedMethods);
          reply.header('access-control-max-age', PREFLIGHT_MAX_AGE_SECONDS);
          return reply.code(204).send();
        }
        addVary(reply, 'Origin');
        // A preflight names no client: the site's allowed origins pass it; the actual response is judged per client.
        if (origin && corsOrigins.ofSite(request.site.id).includes(origin)) {
          const asked = String(request.headers['access-control-request-headers'] ?? '')
            .split(',')
            .map((h) => h.trim().toLowerCase())
            .filter((h) => ALLOWED_HEADERS.has(h));
          reply.header('access-control-allow-origin', origin).header('access-control-allow-methods', allowedMethods);
          if (asked.length) reply.header('access-control-allow-headers', asked.join(', '));
          reply.header('access-control-max-age', PREFLIGHT_MAX_AGE_SECONDS);
        }
        return reply.code(204).send();
      });
  };
}
