import cookie from '@fastify/cookie';
import csrfProtection from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import { createServer } from 'node:http';
import type { Span, Tracer } from '@opentelemetry/api';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { context, SpanKind, SpanStatusCode, trace } from '../observability/tracing.js';
import type { Site } from '../domain/site.js';
import { OtpgateError } from '../domain/errors.js';
import { registerApiDocs } from './api-docs.js';
import { registerCors } from './cors.js';
import { replyError } from './reply-error.js';
import { fromTrustedProxy, proxyTrust } from './client-address.js';
import { createRequestIds } from './request-id.js';
import { registerRoutes } from './routes.js';
import type { HttpServices } from './services.js';

declare module 'fastify' {
  interface FastifyRequest {
    site: Site;
  }
}

export async function buildServer(services: HttpServices): Promise<FastifyInstance> {
  const { settings, sites, urls } = services;
  const trust = proxyTrust(settings.trustProxy);
  // Typed as Fastify's base logger so the instance is the plain FastifyInstance the routes are written for.
  const loggerInstance: FastifyBaseLogger = services.logger;
  const server: FastifyInstance = Fastify({
    loggerInstance,
    bodyLimit: settings.bodyLimitBytes,
    trustProxy: trust === false ? false : trust,
    // A body trickled a byte at a time, or headers that never end, must not hold a connection for ever. Node
    // checks these deadlines on a timer (every 30 s by default); checked at a quarter of the request timeout,
    // a slow request is cut off within 1.25 times the timeout.
    serverFactory: (handler) => {
      const server = createServer(
        {
          requestTimeout: settings.requestTimeoutMs,
          headersTimeout: settings.headersTimeoutMs,
          connectionsCheckingInterval: Math.max(250, Math.floor(settings.requestTimeoutMs / 4)),
        },
        handler,
      );
      server.setTimeout(settings.connectionTimeoutMs);
      return server;
    },
    // Off: Fastify would take any X-Request-Id as given (8 KB, markup, line breaks). createRequestIds checks it.
    requestIdHeader: false,
    genReqId: createRequestIds({ trusted: (raw) => fromTrustedProxy(trust, raw) }),
    // Request bodies carry codes and phone numbers: log the route, never the payload.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    routerOptions: { ignoreTrailingSlash: true },
  });
  await server.register(formbody, { bodyLimit: settings.bodyLimitBytes });
  // Hosted pages: cookies, and a CSRF token in every form checked against a secret cookie. Lax, not the
  // plugin's Strict, so a visitor arriving from an app's link keeps the secret their open forms were made with.
  await server.register(cookie);
  await server.register(csrfProtection, {
    cookieKey: 'otpgate_csrf',
    cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true, secure: urls.secureCookies },
    getToken: (request) => (request.body as { _csrf?: unknown } | undefined)?._csrf as string | undefined,
  });
  server.decorateRequest('site', null as unknown as Site);
  // Response schemas document replies (test/openapi.test.ts checks real replies against them); they do not write
  // them. fast-json-stringify would compile a serialiser per route and status (resident memory at startup, against
  // the production build's 150 MB budget) and silently drop any field a schema does not list.
  server.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // Before any route: the document is collected from the routes as they are added.
  await registerApiDocs(server, { baseUrl: urls.base });

  if (services.tracer) traceRequests(server, services.tracer);
  server.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const siteId = (request.params as { site?: string } | undefined)?.site;
    // The admin routes look their site up themselves, after their token or sign-in check: done here, an unknown
    // site's 404 would come before the 401 and tell anyone which sites exist.
    if (siteId !== undefined && !request.routeOptions.url?.startsWith('/admin/')) request.site = await sites.require(siteId);
  });
  // No value of ours holds a NUL character, and PostgreSQL refuses one in any text it is asked to compare: a
  // request carrying one is refused here, whatever the endpoint, rather than reaching the store (found by test/fuzz.test.ts).
  server.addHook('preValidation', async (request) => {
    if (containsNul(request.body) || containsNul(request.query))
      throw new OtpgateError('invalid_request', 'The request must not contain NUL characters.');
  });
  server.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the URL: a path holds whatever a client writes, and labels must stay few.
    services.metrics.requestDone(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode);
    if (reply.statusCode >= 500)
      request.log.warn(
        { method: request.method, url: request.routeOptions.url, status: reply.statusCode, ms: reply.elapsedTime },
        'request failed',
      );
  });

  server.setErrorHandler((error, request, reply) => replyError(request, reply, error));
  server.setNotFoundHandler((request, reply) =>
    replyError(request, reply, new OtpgateError('not_found', `No endpoint ${request.method} ${request.url.split('?')[0]}.`)),
  );

  const addPreflights = registerCors(server, services);
  registerRoutes(server, services);
  addPreflights();
  return server;
}

function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).some(([key, inner]) => key.includes('\u0000') || containsNul(inner));
  return false;
}

/**
 * A span per request, named by method and route pattern (never the URL: it may hold anything). It starts when the
 * request arrives and is made the active span once the body is read (preHandler), so the flow's, the delivery's
 * and the database's spans are its children; it ends with the response.
 */
function traceRequests(server: FastifyInstance, tracer: Tracer): void {
  const spans = new WeakMap<FastifyRequest, Span>();
  server.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const attributes = { 'http.request.method': request.method, 'http.route': route };
    spans.set(request, tracer.startSpan(`${request.method} ${route}`, { kind: SpanKind.SERVER, attributes }));
    done();
  });
  server.addHook('preHandler', (request, _reply, done) => {
    const span = spans.get(request);
    if (!span) return done();
    context.with(trace.setSpan(context.active(), span), done);
  });
  server.addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request);
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });
}
