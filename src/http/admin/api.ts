import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isChannel } from '../../domain/channel.js';
import { OtpgateError } from '../../domain/errors.js';
import { parsePhone } from '../../domain/phone.js';
import { adminTestMessage, liftBlock } from '../../flows/admin-actions.js';
import { metaOf } from '../request-meta.js';
import * as schema from '../schemas/admin-api.js';
import type { HttpServices } from '../services.js';
import { adminTokenGuard } from './guard.js';
import { auditOf, blocksOf, deliveriesOf, reportOf, verificationsOf, type Query } from './reads.js';
import { attemptView, clientView, siteView, verificationView } from './views.js';

type SiteRoute<B = unknown> = { Params: { site: string }; Querystring: Query; Body: B };

/**
 * The admin API: JSON under /admin/api, Bearer admin.token, what the console shows and the CLI does. Actions
 * (lift a throttle, send a test message) are audited with the caller's address and request id.
 */
export function registerAdminApi(server: FastifyInstance, { admin, sites }: Pick<HttpServices, 'admin' | 'sites'>): void {
  const { deps } = admin;
  const guarded = { onRequest: adminTokenGuard(admin) };
  const siteGuarded = {
    onRequest: [
      adminTokenGuard(admin),
      async (request: FastifyRequest) => {
        request.site = await sites.require((request.params as { site: string }).site);
      },
    ],
  };
  const a = '/admin/api/sites';

  server.get(a, { ...guarded, schema: schema.adminSitesRoute }, async () => {
    const ids = await admin.siteIds();
    const all = await Promise.all(ids.map((id) => sites.require(id).catch(() => null)));
    return all.filter((s) => s !== null).map((s) => siteView(s, deps.chains.specsFor(s)));
  });
  server.get<SiteRoute>(`${a}/:site`, { ...siteGuarded, schema: schema.adminSiteRoute }, async (request) =>
    siteView(request.site, deps.chains.specsFor(request.site)),
  );
  server.get<SiteRoute>(`${a}/:site/report`, { ...siteGuarded, schema: schema.adminReportRoute }, async (request) => {
    const report = await reportOf(deps, request.site, request.query);
    return { ...report, since: report.since.toISOString(), buckets: report.buckets.map((b) => ({ ...b, at: b.at.toISOString() })) };
  });
  server.get<SiteRoute>(`${a}/:site/deliveries`, { ...siteGuarded, schema: schema.adminDeliveriesRoute }, (request) =>
    deliveriesOf(deps, request.site, request.query),
  );
  server.get<SiteRoute>(`${a}/:site/verifications`, { ...siteGuarded, schema: schema.adminVerificationsRoute }, (request) =>
    verificationsOf(deps, request.site, request.query),
  );
  server.get<SiteRoute & { Params: { id: string } }>(
    `${a}/:site/verifications/:id`,
    { ...siteGuarded, schema: schema.adminVerificationRoute },
    async (request) => {
      const store = deps.store.forSite(request.site.id);
      const verification = await store.verifications.byId(request.params.id);
      if (!verification) throw new OtpgateError('verification_not_found');
      const attempts = await store.deliveryAttempts.forVerification(verification.id);
      return { ...verificationView(verification, deps.clock.now()), deliveries: attempts.map(attemptView) };
    },
  );
  server.get<SiteRoute>(`${a}/:site/users`, { ...siteGuarded, schema: schema.adminUserRoute }, async (request) => {
    const { phone, username } = request.query;
    if ((phone === undefined) === (username === undefined))
      throw new OtpgateError('invalid_request', 'Give exactly one of phone (E.164) and username.');
    const users = deps.store.forSite(request.site.id).users;
    let user;
    if (phone !== undefined) {
      const parsed = parsePhone(phone);
      if (!parsed) throw new OtpgateError('invalid_phone_number', `"${phone}" is not a valid phone number; write it as +14155550101.`);
      user = await users.byPhone(parsed.e164);
    } else user = await users.byUsername(username!);
    if (!user) throw new OtpgateError('user_not_found');
    return {
      id: user.id,
      username: user.username,
      phone: user.phone,
      phoneVerified: user.phoneVerified,
      status: user.status,
      createdAt: user.createdAt,
    };
  });
  server.get<SiteRoute>(`${a}/:site/clients`, { ...siteGuarded, schema: schema.adminClientsRoute }, async (request) =>
    (await deps.store.forSite(request.site.id).clients.list()).map(clientView),
  );
  server.get<SiteRoute>(`${a}/:site/blocks`, { ...siteGuarded, schema: schema.adminBlocksRoute }, (request) =>
    blocksOf(deps, request.site, request.query),
  );
  server.post<SiteRoute<{ destination: string }>>(
    `${a}/:site/blocks/lift`,
    { ...siteGuarded, schema: schema.adminLiftRoute },
    async (request) => {
      const { destination } = request.body;
      if (!/^(prefix:\+\d{2,7}|country:[A-Z]{2})$/.test(destination))
        throw new OtpgateError('invalid_request', `destination must look like prefix:+1201 or country:US, not "${destination}".`);
      await liftBlock(deps, request.site, destination, { by: 'admin_api', meta: metaOf(request) });
      return { destination, lifted: true };
    },
  );
  server.get<SiteRoute>(`${a}/:site/audit`, { ...siteGuarded, schema: schema.adminAuditRoute }, (request) =>
    auditOf(deps, request.site, request.query),
  );
  server.post<SiteRoute<{ phone: string; channel?: string }>>(
    `${a}/:site/test-message`,
    { ...siteGuarded, schema: schema.adminTestMessageRoute },
    async (request) => {
      const phone = parsePhone(request.body.phone, request.site.defaultCountry ?? undefined);
      if (!phone)
        throw new OtpgateError('invalid_phone_number', `"${request.body.phone}" is not a valid mobile number; write it as +14155550101.`);
      const channel = request.body.channel ?? 'sms';
      if (!isChannel(channel)) throw new OtpgateError('invalid_request', 'channel must be sms, voice or whatsapp.');
      const report = await adminTestMessage(deps, request.site, phone.e164, channel, { by: 'admin_api', meta: metaOf(request) });
      return { result: report.result, providerMessageId: report.providerMessageId, attempts: report.attempts.map(attemptView) };
    },
  );
}
