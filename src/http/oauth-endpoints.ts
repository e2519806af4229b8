import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Otpgate } from '../app.js';
import { OtpgateError } from '../domain/errors.js';
import { LOCALES } from '../i18n/index.js';
import type { Site } from '../domain/site.js';
import type { User } from '../domain/user.js';
import { verifyPasswordlessLogin } from '../flows/passwordless-login.js';
import { verifySelfRegistration } from '../flows/self-registration.js';
import { parseBasicCredential, parseBearer } from './basic-credential.js';
import { authenticateClient } from './client-auth.js';
import { SUPPORTED_SCOPES } from '../oauth/tokens.js';

type Params = Record<string, string | undefined>;

const param = (body: Params, name: string): string | undefined => {
  const value = body[name];
  if (value !== undefined && typeof value !== 'string') throw new OtpgateError('invalid_request', `${name} must be a single string.`);
  return value === '' ? undefined : value;
};

export const formBodySchema = { body: { type: 'object', additionalProperties: { type: 'string', maxLength: 2048 } } } as const;

/**
 * Salesforce's headless verification: the code is checked by the authorize endpoint itself, carried as
 * `Authorization: Basic base64(identifier:otp)`, and a correct code yields an authorization code.
 */
export function oauthHandlers(app: Otpgate) {
  const echoUrl = (site: Site) => `${app.siteUrl(site)}/services/oauth2/echo`;

  return {
    async authorize(request: FastifyRequest<{ Body: Params | undefined; Querystring: Params }>, reply: FastifyReply) {
      const site = request.site;
      const body: Params = { ...request.query, ...(request.body ?? {}) };
      const requestType = String(request.headers['auth-request-type'] ?? '').toLowerCase();
      if (requestType !== 'passwordless-login' && requestType !== 'user-registration')
        throw new OtpgateError('invalid_request', 'Auth-Request-Type must be passwordless-login or user-registration.');
      const verificationType = String(request.headers['auth-verification-type'] ?? '').toLowerCase();
      if (verificationType !== 'sms') throw new OtpgateError(verificationType ? 'unsupported_verification_method' : 'invalid_request', verificationType ? undefined : 'Auth-Verification-Type is required ("sms").');
      if (param(body, 'response_type') !== 'code_credentials') throw new OtpgateError('unsupported_response_type', 'response_type must be code_credentials.');

      // Client and redirect are checked before the code, so a misconfigured app cannot burn a user's code.
      const clientId = param(body, 'client_id');
      const redirectUri = param(body, 'redirect_uri');
      if (!clientId || !redirectUri) throw new OtpgateError('invalid_request', 'client_id and redirect_uri are required.');
      const client = await app.store.forSite(site.id).clients.byId(clientId);
      if (!client) throw new OtpgateError('invalid_client', 'Unknown client_id.');
      const echo = redirectUri === echoUrl(site);
      if (!echo && !client.redirectUris.includes(redirectUri)) throw new OtpgateError('unauthorized_client', 'redirect_uri is not registered for this client.');
      const codeChallenge = param(body, 'code_challenge') ?? null;
      const challengeMethod = param(body, 'code_challenge_method') ?? 'S256';
      if (codeChallenge !== null && (challengeMethod !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(codeChallenge)))
        throw new OtpgateError('invalid_request', 'code_challenge must be a base64url SHA-256 (code_challenge_method S256).');
      if (codeChallenge === null && client.secretHash === null) throw new OtpgateError('invalid_request', 'Public clients must send code_challenge (PKCE).');
      const scope = app.tokens.normaliseScope(param(body, 'scope'));

      const credential = parseBasicCredential(request.headers.authorization);
      if (!credential) throw new OtpgateError('invalid_request', 'Authorization: Basic base64(identifier:otp) is required.');
      const user: User =
        requestType === 'passwordless-login'
          ? await verifyPasswordlessLogin(app.deps, site, { identifier: credential.user, code: credential.password })
          : await verifySelfRegistration(app.deps, site, { identifier: credential.user, code: credential.password });

      const code = await app.tokens.issueCode(site, { client, user, redirectUri, scope, codeChallenge, nonce: param(body, 'nonce') ?? null });
      const result: Record<string, string> = { code, sfdc_community_url: app.siteUrl(site), sfdc_community_id: site.id };
      const state = param(body, 'state');
      if (state) result.state = state;
      reply.header('cache-control', 'no-store');
      if (echo) return reply.send(result);
      const location = new URL(redirectUri);
      for (const [k, v] of Object.entries(result)) location.searchParams.set(k, v);
      return reply.redirect(location.toString(), 302);
    },

    /** The echo redirect target shows the code to apps that read JSON instead of following redirects. */
    async echo(request: FastifyRequest<{ Querystring: Params }>, reply: FastifyReply) {
      const { code, sfdc_community_url, sfdc_community_id, state } = request.query;
      if (!code) throw new OtpgateError('invalid_request', 'code is missing.');
      return reply.header('cache-control', 'no-store').send({ code, sfdc_community_url, sfdc_community_id, ...(state ? { state } : {}) });
    },

    async token(request: FastifyRequest<{ Body: Params | undefined }>, reply: FastifyReply) {
      const site = request.site;
      const body = request.body ?? {};
      const client = await authenticateClient(app, site, request, body);
      const grantType = param(body, 'grant_type');
      let response;
      if (grantType === 'authorization_code') {
        const code = param(body, 'code');
        if (!code) throw new OtpgateError('invalid_request', 'code is required.');
        response = await app.tokens.exchangeCode(site, { client, code, redirectUri: param(body, 'redirect_uri'), codeVerifier: param(body, 'code_verifier') });
      } else if (grantType === 'refresh_token') {
        const refreshToken = param(body, 'refresh_token');
        if (!refreshToken) throw new OtpgateError('invalid_request', 'refresh_token is required.');
        const scope = param(body, 'scope');
        response = await app.tokens.refresh(site, { client, refreshToken, ...(scope ? { scope } : {}) });
      } else {
        throw new OtpgateError(grantType ? 'unsupported_grant_type' : 'invalid_request', grantType ? undefined : 'grant_type is required.');
      }
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(response);
    },

    async userinfo(request: FastifyRequest, reply: FastifyReply) {
      const bearer = parseBearer(request.headers.authorization);
      if (!bearer) throw new OtpgateError('invalid_token');
      const { token, user } = await app.tokens.authenticate(request.site, bearer);
      return reply.header('cache-control', 'no-store').send(app.tokens.userClaims(user, token.scope.split(' ')));
    },

    async revoke(request: FastifyRequest<{ Body: Params | undefined }>, reply: FastifyReply) {
      const body = request.body ?? {};
      const client = await authenticateClient(app, request.site, request, body);
      const token = param(body, 'token');
      if (!token) throw new OtpgateError('invalid_request', 'token is required.');
      await app.tokens.revoke(request.site, client, token);
      return reply.code(200).send({});
    },

    async jwks(request: FastifyRequest, reply: FastifyReply) {
      return reply.header('cache-control', 'public, max-age=300').send(await app.keyring.jwks(request.site.id));
    },

    async discovery(request: FastifyRequest, reply: FastifyReply) {
      const issuer = app.siteUrl(request.site);
      return reply.header('cache-control', 'public, max-age=300').send({
        issuer,
        authorization_endpoint: `${issuer}/services/oauth2/authorize`,
        token_endpoint: `${issuer}/services/oauth2/token`,
        userinfo_endpoint: `${issuer}/services/oauth2/userinfo`,
        revocation_endpoint: `${issuer}/services/oauth2/revoke`,
        end_session_endpoint: `${issuer}/services/oauth2/logout`,
        jwks_uri: `${issuer}/id/keys`,
        // code: browser apps through the hosted pages; code_credentials: Salesforce's headless flow.
        response_types_supported: ['code', 'code_credentials'],
        response_modes_supported: ['query'],
        prompt_values_supported: ['none', 'login', 'consent', 'select_account', 'create'],
        authorization_response_iss_parameter_supported: true,
        request_parameter_supported: false,
        request_uri_parameter_supported: false,
        claims_parameter_supported: false,
        ui_locales_supported: [...LOCALES],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
        code_challenge_methods_supported: ['S256'],
        scopes_supported: SUPPORTED_SCOPES,
        claims_supported: [
          ...['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash'],
          ...['name', 'given_name', 'family_name', 'preferred_username', 'email', 'email_verified', 'phone_number', 'phone_number_verified', 'locale', 'updated_at'],
        ],
      });
    },
  };
}
