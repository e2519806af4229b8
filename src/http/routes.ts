/**
 * The route table: every endpoint in one place. Paths under /:site are resolved to the site first
 * (unknown or disabled site: 404 site_not_found). Handlers stay thin: schema -> flow -> reply.
 */
import type { FastifyInstance } from 'fastify';
import type { Otpgate } from '../app.js';
import { OtpgateError } from '../domain/errors.js';
import { accountHandlers, phoneInitSchema, verifySchema } from './account-endpoints.js';
import { headlessHandlers, passwordlessLoginSchema, registrationSchema } from './headless.js';
import { formBodySchema, oauthHandlers } from './oauth-endpoints.js';

export function registerRoutes(server: FastifyInstance, app: Otpgate): void {
  const headless = headlessHandlers(app);
  const oauth = oauthHandlers(app);
  const account = accountHandlers(app);
  const s = '/:site';

  server.get('/healthz', async () => ({ status: 'ok' }));
  server.get('/readyz', async (_request, reply) => {
    if (app.lifecycle.draining) throw new OtpgateError('service_unavailable', 'This instance is shutting down.');
    await app.store.ping().catch((cause: unknown) => {
      throw new OtpgateError('service_unavailable', 'The database does not answer.', {}, { cause });
    });
    return reply.send({ status: 'ready' });
  });

  // Headless identity API (Salesforce-compatible)
  server.post(`${s}/services/auth/headless/init/passwordless/login`, { schema: passwordlessLoginSchema }, headless.passwordlessLogin);
  server.post(`${s}/services/auth/headless/init/registration`, { schema: registrationSchema }, headless.registration);

  // OAuth 2.0 / OpenID Connect
  server.post(`${s}/services/oauth2/authorize`, { schema: formBodySchema }, oauth.authorize);
  server.get(`${s}/services/oauth2/echo`, oauth.echo);
  server.post(`${s}/services/oauth2/token`, { schema: formBodySchema }, oauth.token);
  server.get(`${s}/services/oauth2/userinfo`, oauth.userinfo);
  server.post(`${s}/services/oauth2/userinfo`, oauth.userinfo);
  server.post(`${s}/services/oauth2/revoke`, { schema: formBodySchema }, oauth.revoke);
  server.get(`${s}/id/keys`, oauth.jwks);
  server.get(`${s}/.well-known/openid-configuration`, oauth.discovery);

  // Signed-in user (Bearer access token): second factor and phone change
  server.post(`${s}/services/auth/headless/init/verification`, account.initVerification);
  server.post(`${s}/services/auth/headless/verify/verification`, { schema: verifySchema }, account.verifyVerification);
  server.post(`${s}/services/auth/headless/init/phone`, { schema: phoneInitSchema }, account.initPhone);
  server.post(`${s}/services/auth/headless/verify/phone`, { schema: verifySchema }, account.verifyPhone);
}
