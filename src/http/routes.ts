/**
 * The route table: every endpoint in one place. Paths under /:site are resolved to the site first
 * (unknown or disabled site: 404 site_not_found). Handlers stay thin: schema -> flow -> reply.
 */
import { metricsHandler } from './metrics-endpoint.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OtpgateError } from '../domain/errors.js';
import { accountHandlers, phoneInitSchema, verifySchema } from './account-endpoints.js';
import { headlessHandlers, passwordlessLoginSchema, registrationSchema } from './headless.js';
import { accountHandlers as accountPages } from './hosted/account.js';
import { loginHandlers } from './hosted/login.js';
import { logoutHandlers } from './hosted/logout.js';
import { pageErrorHandler } from './hosted/page-errors.js';
import { registerHandlers } from './hosted/register.js';
import { secondFactorHandlers } from './hosted/second-factor.js';
import { formBodySchema, oauthHandlers } from './oauth-endpoints.js';
import { identityHandler } from './identity-endpoint.js';
import { oidcAuthorizeHandler } from './oidc-authorize.js';
import { endSessionHandler } from './oidc-end-session.js';
import { replyError } from './reply-error.js';
import type { HttpServices } from './services.js';

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
  const s = '/:site';
  // Who may call from a web page (http/cors.ts): any origin, the calling client's origins, the site's.
  const corsAny = { cors: 'public' } as const;
  const corsClient = { cors: 'client' } as const;
  const corsSite = { cors: 'site' } as const;
  // Hosted pages answer errors with pages; their forms check the CSRF token, which is in the body, so
  // after the body is parsed (preHandler, not onRequest).
  const pageError = pageErrorHandler(services);
  const page = { errorHandler: pageError };
  const form = { errorHandler: pageError, preHandler: server.csrfProtection, schema: pageFormSchema };
  // One authorize URL, two protocols: Salesforce's headless flow announces itself with its headers.
  const isHeadless = (request: FastifyRequest) =>
    request.headers['auth-request-type'] !== undefined ||
    request.headers['auth-verification-type'] !== undefined ||
    /^basic /i.test(request.headers.authorization ?? '') ||
    (request.body as Record<string, unknown> | undefined)?.response_type === 'code_credentials';

  server.get('/healthz', async () => ({ status: 'ok' }));
  server.get('/metrics', metricsHandler(services));
  server.get('/readyz', async (_request, reply) => {
    if (services.lifecycle.draining) throw new OtpgateError('service_unavailable', 'This instance is shutting down.');
    await services.readiness.check().catch((cause: unknown) => {
      throw new OtpgateError('service_unavailable', 'The database does not answer.', {}, { cause });
    });
    return reply.send({ status: 'ready' });
  });

  // Headless identity API (Salesforce-compatible). The two inits are captcha-guarded per site (sites[].captcha),
  // in the flow (flows/captcha-check.ts), so the hosted /login and /register share the rule.
  server.post(
    `${s}/services/auth/headless/init/passwordless/login`,
    { schema: passwordlessLoginSchema, config: corsSite },
    headless.passwordlessLogin,
  );
  server.post(`${s}/services/auth/headless/init/registration`, { schema: registrationSchema, config: corsSite }, headless.registration);

  // OAuth 2.0 / OpenID Connect
  server.post<{ Body: Record<string, string> | undefined; Querystring: Record<string, string> }>(
    `${s}/services/oauth2/authorize`,
    {
      schema: formBodySchema,
      config: corsClient,
      // Both send the reply synchronously; nothing is returned (a reply is a thenable, and this hook is typed void).
      errorHandler: (error, request, reply) => {
        if (isHeadless(request)) replyError(request, reply, error);
        else pageError(error, request, reply);
      },
    },
    (request, reply) => (isHeadless(request) ? oauth.authorize(request, reply) : oidcAuthorize(request, reply)),
  );
  server.get(`${s}/services/oauth2/authorize`, page, oidcAuthorize);
  server.get(`${s}/services/oauth2/logout`, { ...page, config: corsClient }, endSession);
  server.post(`${s}/services/oauth2/logout`, { ...page, schema: formBodySchema, config: corsClient }, endSession);
  server.get(`${s}/services/oauth2/echo`, oauth.echo);
  server.post(`${s}/services/oauth2/token`, { schema: formBodySchema, config: corsClient }, oauth.token);
  server.get(`${s}/services/oauth2/userinfo`, { config: corsClient }, oauth.userinfo);
  server.post(`${s}/services/oauth2/userinfo`, { config: corsClient }, oauth.userinfo);
  server.post(`${s}/services/oauth2/revoke`, { schema: formBodySchema, config: corsClient }, oauth.revoke);
  server.get(`${s}/id/keys`, { config: corsAny }, oauth.jwks);
  // Salesforce's identity URL (the token response's id); the organization id is the site's (oauth/identity.ts).
  server.get(`${s}/id/:organizationId/:userId`, { config: corsClient }, identity);
  server.post(`${s}/id/:organizationId/:userId`, { schema: formBodySchema, config: corsClient }, identity);
  server.get(`${s}/.well-known/openid-configuration`, { config: corsAny }, oauth.discovery);
  // RFC 8414 §3: the well-known segment goes before the issuer's path (the site).
  server.get('/.well-known/oauth-authorization-server/:site', { config: corsAny }, oauth.authorizationServerMetadata);

  // Signed-in user (Bearer access token): second factor and phone change
  server.post(`${s}/services/auth/headless/init/verification`, account.initVerification);
  server.post(`${s}/services/auth/headless/verify/verification`, { schema: verifySchema }, account.verifyVerification);
  server.post(`${s}/services/auth/headless/init/phone`, { schema: phoneInitSchema }, account.initPhone);
  server.post(`${s}/services/auth/headless/verify/phone`, { schema: verifySchema }, account.verifyPhone);

  // Hosted pages (HTML, no script needed)
  server.get(s, page, (request, reply) => reply.redirect(`/${request.site.id}/account`, 303));
  server.get(`${s}/login`, page, login.form);
  server.post(`${s}/login`, form, login.start);
  server.post(`${s}/login/verify`, form, login.verify);
  server.get(`${s}/register`, page, register.form);
  server.post(`${s}/register`, form, register.start);
  server.post(`${s}/register/verify`, form, register.verify);
  server.get(`${s}/account`, page, myAccount.show);
  server.post(`${s}/account/phone`, form, myAccount.startPhoneChange);
  server.post(`${s}/account/phone/verify`, form, myAccount.verifyPhoneChange);
  server.get(`${s}/account/confirm`, page, secondFactor.show);
  server.post(`${s}/account/confirm`, form, secondFactor.send);
  server.post(`${s}/account/confirm/verify`, form, secondFactor.verify);
  server.get(`${s}/logout`, page, logout.confirm);
  server.post(`${s}/logout`, form, logout.signOut);
  server.post(`${s}/logout/everywhere`, form, logout.everywhere);
}

/** Form fields of the hosted pages: strings only; return addresses may be long authorize requests. */
/** A captcha widget's token field may outgrow the other fields (hCaptcha's tokens run to several KB). */
const captchaField = { type: 'string', maxLength: 8192 } as const;
const pageFormSchema = {
  body: {
    type: 'object',
    properties: { 'g-recaptcha-response': captchaField, 'h-captcha-response': captchaField, 'cf-turnstile-response': captchaField },
    additionalProperties: { type: 'string', maxLength: 4096 },
  },
} as const;
