import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { constantTimeEqual } from '../../crypto/code-hasher.js';
import { linkNameOf } from '../../delivery/chain.js';
import { isChannel } from '../../domain/channel.js';
import { isOtpgateError, OtpgateError } from '../../domain/errors.js';
import { parsePhone } from '../../domain/phone.js';
import type { Site } from '../../domain/site.js';
import { adminTestMessage, liftBlock } from '../../flows/admin-actions.js';
import { metaOf } from '../request-meta.js';
import { consoleForm, consolePage } from '../schemas/admin-console.js';
import type { HttpServices } from '../services.js';
import { overviewPage, signInPage, sitePage, WINDOWS, type ConsoleFrame } from './console-pages.js';
import { endConsoleSession, hasConsoleSession, startConsoleSession } from './console-session.js';
import { auditOf, blocksOf, deliveriesOf, reportOf, verificationsOf, type Query } from './reads.js';

type ConsoleServices = Pick<HttpServices, 'admin' | 'sites' | 'urls' | 'clock'>;
type Form = Record<string, string | undefined>;
type SiteRoute = { Params: { site: string }; Querystring: Query; Body: Form };

/** Buckets per chart: the window split in 60. */
const BUCKETS = 60;

/**
 * The admin console at /admin: its own sign-in (admin.token, a short signed cookie; http/admin/console-session.ts),
 * CSRF on every form, pages built on the admin API's reads. Without admin.token it does not exist (404).
 */
export function registerAdminConsole(server: FastifyInstance, services: ConsoleServices): void {
  const { admin, urls, clock } = services;
  const { deps } = admin;
  const exists = async () => {
    if (admin.token === null) throw new OtpgateError('not_found');
  };
  const signedIn = (request: FastifyRequest) => hasConsoleSession(admin, request, clock.now());
  /** `ids`: the site ids when the caller has just read them (the overview), so they are not read twice. */
  const frame = async (
    request: FastifyRequest,
    reply: FastifyReply,
    refresh: number | null = null,
    ids?: string[],
  ): Promise<ConsoleFrame> => ({
    csrf: reply.generateCsrf(),
    siteIds: signedIn(request) ? (ids ?? (await admin.siteIds())) : null,
    refresh,
  });
  // As the hosted pages: no scripts, styles inline only, and never inside a frame (a page on a sibling subdomain is
  // same-site to the SameSite=Strict cookie and could otherwise frame a signed-in console to steer clicks).
  const html = (reply: FastifyReply, body: { toString(): string }, status = 200) =>
    reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
      .header('x-frame-options', 'DENY')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .send(body.toString());
  const errorHandler = async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const status = isOtpgateError(error) ? error.status : (error.statusCode ?? 500);
    const text = status >= 500 ? 'Something went wrong; the server log has the details.' : error.message;
    if (status >= 500) request.log.error({ err: error }, 'admin console error');
    return html(reply, signInPage({ ...(await frame(request, reply)), siteIds: null }, text), status);
  };
  // A site page's site is looked up only for a signed-in caller (the handler sends anyone else to the sign-in
  // first), so an unknown site answers like a known one until then.
  const siteOfSignedIn = async (request: FastifyRequest) => {
    const siteId = (request.params as { site?: string }).site;
    if (siteId !== undefined && signedIn(request)) request.site = await services.sites.require(siteId);
  };
  const page = { onRequest: [exists, siteOfSignedIn], errorHandler };
  const form = { onRequest: [exists, siteOfSignedIn], preHandler: server.csrfProtection, errorHandler };

  server.get('/admin', { ...page, schema: consolePage('The overview of every site, or the sign-in') }, async (request, reply) => {
    if (!signedIn(request)) return html(reply, signInPage(await frame(request, reply), null));
    const { hours, refresh } = viewOf(request.query as Query);
    const ids = await admin.siteIds();
    const sites = (await Promise.all(ids.map((id) => services.sites.require(id).catch(() => null)))).filter((s) => s !== null);
    const reports = await Promise.all(
      sites.map(async (s) => ({
        id: s.id,
        name: s.name,
        report: await reportOf(deps, s, { hours: String(hours), bucketMinutes: bucketOf(hours) }),
      })),
    );
    return html(reply, overviewPage(await frame(request, reply, refresh, ids), hours, reports));
  });

  server.post<{ Body: Form }>('/admin/login', { ...form, schema: consoleForm('Sign in with the admin token') }, async (request, reply) => {
    const given = request.body.token ?? '';
    if (admin.token === null || !constantTimeEqual(given, admin.token))
      return html(reply, signInPage(await frame(request, reply), 'That is not the admin token.'), 401);
    startConsoleSession(admin, urls, reply, clock.now());
    return reply.redirect('/admin', 303);
  });

  server.post('/admin/logout', { ...form, schema: consoleForm('Sign out of the admin console') }, async (_request, reply) => {
    endConsoleSession(urls, reply);
    return reply.redirect('/admin', 303);
  });

  const renderSite = async (
    request: FastifyRequest<SiteRoute>,
    reply: FastifyReply,
    message: { kind: 'error' | 'notice'; text: string } | null,
    status = 200,
  ) => {
    const site = request.site;
    const query = request.method === 'GET' ? request.query : {};
    const { hours, refresh } = viewOf(query);
    const filters = { handler: query.handler ?? '', result: query.result ?? '', country: query.country ?? '' };
    const [report, deliveries, verifications, blocks, audit] = await Promise.all([
      reportOf(deps, site, { hours: String(hours), bucketMinutes: bucketOf(hours), ...chartFocus(query.chart) }),
      deliveriesOf(deps, site, { ...filters, limit: '50' }),
      verificationsOf(deps, site, { limit: '20' }),
      blocksOf(deps, site, {}),
      auditOf(deps, site, { limit: '20' }),
    ]);
    const handlers = [...new Set(deps.chains.specsFor(site).map(linkNameOf))];
    const body = sitePage(await frame(request, reply, message ? null : refresh), {
      site: { id: site.id, name: site.name, handlers },
      hours,
      report,
      filters,
      deliveries,
      verifications,
      blocks,
      audit,
      message,
    });
    return html(reply, body, status);
  };
  // Not signed in: redirected to the sign-in, and the caller stops. A boolean, not the reply: a reply is a thenable,
  // and awaiting it would wait for the redirect to be sent and yield undefined.
  const sentToSignIn = (request: FastifyRequest, reply: FastifyReply): boolean => {
    if (signedIn(request)) return false;
    void reply.redirect('/admin', 303);
    return true;
  };

  server.get<SiteRoute>(
    '/admin/sites/:site',
    { ...page, schema: consolePage("A site's charts, deliveries, verifications, throttles and audit events") },
    async (request, reply) => {
      return sentToSignIn(request, reply) ? reply : renderSite(request, reply, null);
    },
  );

  server.post<SiteRoute>(
    '/admin/sites/:site/test-message',
    { ...form, schema: consoleForm('Send a test message (audited)') },
    async (request, reply) => {
      if (sentToSignIn(request, reply)) return reply;
      const site: Site = request.site;
      const phone = parsePhone(request.body.phone ?? '', site.defaultCountry ?? undefined);
      const channel = request.body.channel ?? 'sms';
      if (!phone || !isChannel(channel))
        return renderSite(
          request,
          reply,
          { kind: 'error', text: `"${request.body.phone ?? ''}" is not a mobile number; write it as +14155550101.` },
          400,
        );
      const report = await adminTestMessage(deps, site, phone.e164, channel, { by: 'admin_console', meta: metaOf(request) });
      const steps = report.attempts.map((a) => `${a.handler} ${a.result}`).join(', ');
      const text =
        report.result === 'SUCCESS'
          ? `Test message delivered (${steps}).`
          : `Test message not delivered: ${report.result} (${steps || 'no attempt'}).`;
      return renderSite(request, reply, { kind: report.result === 'SUCCESS' ? 'notice' : 'error', text });
    },
  );

  server.post<SiteRoute>(
    '/admin/sites/:site/blocks/lift',
    { ...form, schema: consoleForm('Lift a throttle (audited)') },
    async (request, reply) => {
      if (sentToSignIn(request, reply)) return reply;
      const destination = request.body.destination ?? '';
      await liftBlock(deps, request.site, destination, { by: 'admin_console', meta: metaOf(request) });
      return renderSite(request, reply, { kind: 'notice', text: `${destination} may be sent to again.` });
    },
  );
}

function viewOf(query: Query): { hours: number; refresh: number | null } {
  const hours = Number(query.hours);
  const refresh = Number(query.refresh);
  return {
    hours: (WINDOWS as readonly number[]).includes(hours) ? hours : 24,
    refresh: Number.isInteger(refresh) && refresh >= 5 && refresh <= 300 ? refresh : null,
  };
}

const bucketOf = (hours: number) => String(Math.max(1, Math.round((hours * 60) / BUCKETS)));

/** `chart=handler:twilio` or `chart=country:US`: the charts of one handler or country. */
function chartFocus(chart: string | undefined): Query {
  const [by, ...rest] = (chart ?? '').split(':');
  const key = rest.join(':');
  if (!key) return {};
  return by === 'handler' ? { handler: key } : by === 'country' ? { country: key } : {};
}
