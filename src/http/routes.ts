/**
 * The route table: every endpoint in one place. Paths under /:site are resolved to the site first
 * (unknown or disabled site: 404 site_not_found). Handlers stay thin: schema -> flow -> reply.
 */
import { metricsHandler } from './metrics-endpoint.js';
import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import { OtpgateError } from '../domain/errors.js';
import { accountHandlers } from './account-endpoints.js';
import { headlessHandlers } from './headless.js';
import { accountHandlers as accountPages } from './hosted/account.js';
import { revokeAppHandler } from './hosted/account-apps.js';
import { consentHandler } from './hosted/consent.js';
import { loginHandlers } from './hosted/login.js';
import { logoutHandlers } from './hosted/logout.js';
import { pageErrorHandler } from './hosted/page-errors.js';
import { registerHandlers } from './hosted/register.js';
import { secondFactorHandlers } from './hosted/second-factor.js';
import { oauthHandlers } from './oauth-endpoints.js';
import { identityHandler } from './identity-endpoint.js';
import { registerReceiptRoutes } from './receipt-endpoint.js';
import { registerAdminApi } from './admin/api.js';
import { registerAdminConsole } from './admin/console.js';
import { oidcAuthorizeHandler } from './oidc-authorize.js';
import { endSessionHandler } from './oidc-end-session.js';
import { replyError } from './reply-error.js';
import type { HttpServices } from './services.js';
import * as api from './schemas/headless-api.js';
import { formRoute, pageRoute } from './schemas/hosted-pages.js';
import * as oauthApi from './schemas/oauth-api.js';
import { healthRoute, metricsRoute, readinessRoute } from './schemas/operations.js';

export function registerRoutes(server: FastifyInstance, services: HttpServices): void {
  const headless = headlessHandlers(services);
  const oauth = oauthHandlers(services);
  const account = accountHandlers(services);
  const login = loginHandlers(services);
  const register = registerHandlers(services);
  const myAccount = accountPages(services);
  const secondFactor = secondFactorHandlers(services);
  const logout = logoutHandlers(services);
  const oidcAuthorize = oidcAuthorizeHandler(services);
  const endSession = endSessionHandler(services);
  const identity = identityHandler(services);
  const consent = consentHandler(services);
  const revokeApp = revokeAppHandler(services);
  const s = '/:site';
  // Who may call from a web page (http/cors.ts): any origin, the calling client's origins, the site's.
  const corsAny = { cors: 'public' } as const;
  const corsClient = { cors: 'client' } as const;
  const corsSite = { cors: 'site' } as const;
  // Hosted pages answer errors with pages; their forms check the CSRF token, which is in the body, so
  // after the body is parsed (preHandler, not onRequest).
  const pageError = pageErrorHandler(services);
  const asPage = (schema: FastifySchema) => ({ errorHandler: pageError, schema });
  const page = (summary: string) => asPage(pageRoute(summary));
  const form = (summary: string) => ({ errorHandler: pageError, preHandler: server.csrfProtection, schema: formRoute(summary) });
  // One authorize URL, two protocols: Salesforce's headless flow announces itself with its headers.
  const isHeadless = (request: FastifyRequest) =>
    request.headers['auth-request-type'] !== undefined ||
    request.headers['auth-verification-type'] !== undefined ||
    /^basic /i.test(request.headers.authorization ?? '') ||
    (request.body as Record<string, unknown> | undefined)?.response_type === 'code_credentials';

  // Each route's schema (schemas/*.ts) validates its input, documents its replies and is its entry in /openapi.json.
  server.get('/healthz', { schema: healthRoute }, async () => ({ status: 'ok' }));
  server.get('/metrics', { schema: metricsRoute }, metricsHandler(services));
  server.get('/readyz', { schema: readinessRoute }, async (_request, reply) => {
    if (services.lifecycle.draining) throw new OtpgateError('service_unavailable', 'This instance is shutting down.');
    await services.readiness.check().catch((cause: unknown) => {
      throw new OtpgateError('service_unavailable', 'The database does not answer.', {}, { cause });
    });
    return reply.send({ status: 'ready' });
  });

  // The admin API (Bearer admin.token; 404 without one).
  registerAdminApi(server, services);
  // The admin console (its own sign-in with admin.token; CSRF on every form).
  registerAdminConsole(server, services);

  // Providers' delivery receipts, read raw in a scope of their own (signatures cover the exact bytes).
  registerReceiptRoutes(server, services);

  // Headless identity API (Salesforce-compatible). The two inits are captcha-guarded per site (sites[].captcha),
  // in the flow (flows/captcha-check.ts), so the hosted /login and /register share the rule.
  server.post(
    `${s}/services/auth/headless/init/passwordless/login`,
    { schema: api.passwordlessLoginRoute, config: corsSite },
    headless.passwordlessLogin,
  );
  server.post(`${s}/services/auth/headless/init/registration`, { schema: api.registrationRoute, config: corsSite }, headless.registration);

  // OAuth 2.0 / OpenID Connect
  server.post<{ Body: Record<string, string> | undefined; Querystring: Record<string, string> }>(
    `${s}/services/oauth2/authorize`,
    {
      schema: oauthApi.authorizePostRoute,
      config: corsClient,
      // Both send the reply synchronously; nothing is returned (a reply is a thenable, and this hook is typed void).
      errorHandler: (error, request, reply) => {
        if (isHeadless(request)) replyError(request, reply, error);
        else pageError(error, request, reply);
      },
    },
    (request, reply) => (isHeadless(request) ? oauth.authorize(request, reply) : oidcAuthorize(request, reply)),
  );
  server.get(`${s}/services/oauth2/authorize`, asPage(oauthApi.authorizeGetRoute), oidcAuthorize);
  server.get(`${s}/services/oauth2/logout`, { ...asPage(oauthApi.endSessionGetRoute), config: corsClient }, endSession);
  server.post(`${s}/services/oauth2/logout`, { ...asPage(oauthApi.endSessionPostRoute), config: corsClient }, endSession);
  server.get(`${s}/services/oauth2/echo`, { schema: oauthApi.echoRoute }, oauth.echo);
  server.post(`${s}/services/oauth2/token`, { schema: oauthApi.tokenRoute, config: corsClient }, oauth.token);
  server.get(`${s}/services/oauth2/userinfo`, { schema: oauthApi.userinfoRoute, config: corsClient }, oauth.userinfo);
  server.post(`${s}/services/oauth2/userinfo`, { schema: oauthApi.userinfoRoute, config: corsClient }, oauth.userinfo);
  server.post(`${s}/services/oauth2/revoke`, { schema: oauthApi.revokeRoute, config: corsClient }, oauth.revoke);
  server.get(`${s}/id/keys`, { schema: oauthApi.jwksRoute, config: corsAny }, oauth.jwks);
  // Salesforce's identity URL (the token response's id); the organization id is the site's (oauth/identity.ts).
  server.get(`${s}/id/:organizationId/:userId`, { schema: oauthApi.identityGetRoute, config: corsClient }, identity);
  server.post(`${s}/id/:organizationId/:userId`, { schema: oauthApi.identityPostRoute, config: corsClient }, identity);
  server.get(`${s}/.well-known/openid-configuration`, { schema: oauthApi.discoveryRoute, config: corsAny }, oauth.discovery);
  // RFC 8414 §3: the well-known segment goes before the issuer's path (the site).
  server.get(
    '/.well-known/oauth-authorization-server/:site',
    { schema: oauthApi.authorizationServerMetadataRoute, config: corsAny },
    oauth.authorizationServerMetadata,
  );

  // Signed-in user (Bearer access token): second factor and phone change
  server.post(`${s}/services/auth/headless/init/verification`, { schema: api.initVerificationRoute }, account.initVerification);
  server.post(`${s}/services/auth/headless/verify/verification`, { schema: api.verifyVerificationRoute }, account.verifyVerification);
  server.post(`${s}/services/auth/headless/init/phone`, { schema: api.initPhoneRoute }, account.initPhone);
  server.post(`${s}/services/auth/headless/verify/phone`, { schema: api.verifyPhoneRoute }, account.verifyPhone);

  // Hosted pages (HTML, no script needed)
  server.get(s, page('The site’s root: on to the account page'), (request, reply) => reply.redirect(`/${request.site.id}/account`, 303));
  server.get(`${s}/login`, page('Sign-in page: phone number'), login.form);
  server.post(`${s}/login`, form('Send a sign-in code'), login.start);
  server.post(`${s}/login/verify`, form('Check the sign-in code'), login.verify);
  server.get(`${s}/register`, page('Registration page'), register.form);
  server.post(`${s}/register`, form('Send a registration code'), register.start);
  server.post(`${s}/register/verify`, form('Check the registration code'), register.verify);
  server.get(`${s}/account`, page('The signed-in user’s account page'), myAccount.show);
  server.post(`${s}/account/phone`, form('Send a code to a new phone number'), myAccount.startPhoneChange);
  server.post(`${s}/account/phone/verify`, form('Check the new phone’s code'), myAccount.verifyPhoneChange);
  server.get(`${s}/account/confirm`, page('Second factor: confirm with a code'), secondFactor.show);
  server.post(`${s}/account/confirm`, form('Send a second-factor code'), secondFactor.send);
  server.post(`${s}/account/confirm/verify`, form('Check the second-factor code'), secondFactor.verify);
  server.get(`${s}/logout`, page('Sign-out confirmation page'), logout.confirm);
  server.post(`${s}/logout`, form('Sign out of this browser'), logout.signOut);
  server.post(`${s}/logout/everywhere`, form('Sign out everywhere'), logout.everywhere);
  server.post(`${s}/consent`, form('Allow or refuse a third-party app (the consent page)'), consent);
  server.post(`${s}/account/apps/revoke`, form('Revoke an app the user allowed'), revokeApp);
}
