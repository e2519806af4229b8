import type { FastifyReply, FastifyRequest } from 'fastify';
import { isOtpgateError, OtpgateError } from '../domain/errors.js';
import { SIGNING_ALGS } from '../domain/oauth.js';
import type { Site } from '../domain/site.js';
import { authorizeHeadless, type HeadlessRequestType } from '../flows/headless-authorize.js';
import { LOCALES } from '../i18n/index.js';
import { checkHeadlessRequest } from '../oauth/authorization-request.js';
import { readOAuthParams, type OAuthParams } from '../oauth/params.js';
import { SUPPORTED_SCOPES } from '../oauth/tokens.js';
import { parseBasicCredential } from './basic-credential.js';
import { bearerToken } from './bearer.js';
import { clientCredentials } from './client-auth.js';
import { callingClient } from './cors.js';
import { metaOf } from './request-meta.js';
import type { HttpServices } from './services.js';

type Params = Record<string, string | undefined>;

export const formBodySchema = { body: { type: 'object', additionalProperties: { type: 'string', maxLength: 2048 } } } as const;

const REQUEST_TYPES = new Set<string>(['passwordless-login', 'user-registration'] satisfies HeadlessRequestType[]);

/**
 * Salesforce's headless verification: the code is checked by the authorize endpoint itself, carried as
 * `Authorization: Basic base64(identifier:otp)`, and a correct code yields an authorization code.
 */
export function oauthHandlers(services: Pick<HttpServices, 'useCases' | 'clients' | 'tokens' | 'keyring' | 'urls'>) {
  const { clients, tokens, keyring, urls } = services;
  const echoUrl = (site: Site) => `${urls.site(site)}/services/oauth2/echo`;

  /**
   * client_secret_basic / client_secret_post / none. RFC 6749 §5.2: a client that tried the Authorization header
   * and failed is answered 401 with that scheme's challenge.
   */
  async function authenticateClient(request: FastifyRequest, reply: FastifyReply, params: OAuthParams) {
    try {
      return await clients.authenticate(request.site, clientCredentials(request, params));
    } catch (error) {
      if (isOtpgateError(error) && error.code === 'invalid_client' && /^basic\b/i.test(request.headers.authorization ?? ''))
        reply.header('www-authenticate', 'Basic realm="otpgate", charset="UTF-8"');
      throw error;
    }
  }

  return {
    async authorize(request: FastifyRequest<{ Body: Params | undefined; Querystring: Params }>, reply: FastifyReply) {
      const site = request.site;
      const params = readOAuthParams(request.query, request.body);
      const requestType = String(request.headers['auth-request-type'] ?? '').toLowerCase();
      if (!REQUEST_TYPES.has(requestType))
        throw new OtpgateError('invalid_request', 'Auth-Request-Type must be passwordless-login or user-registration.');
      const verificationType = String(request.headers['auth-verification-type'] ?? '').toLowerCase();
      if (!verificationType) throw new OtpgateError('invalid_request', 'Auth-Verification-Type is required ("sms").');
      if (verificationType !== 'sms') throw new OtpgateError('unsupported_verification_method');
      if (params.response_type !== 'code_credentials')
        throw new OtpgateError('unsupported_response_type', 'response_type must be code_credentials.');

      // Client and request are checked before the code, so a misconfigured app cannot burn a user's code.
      if (!params.client_id || !params.redirect_uri) throw new OtpgateError('invalid_request', 'client_id and redirect_uri are required.');
      const client = await clients.require(site, params.client_id);
      const checked = checkHeadlessRequest(params, client, { echoUri: echoUrl(site), normaliseScope: tokens.normaliseScope });
      const credential = parseBasicCredential(request.headers.authorization);
      if (!credential) throw new OtpgateError('invalid_request', 'Authorization: Basic base64(identifier:otp) is required.');

      const code = await authorizeHeadless(services, site, {
        requestType: requestType as HeadlessRequestType,
        identifier: credential.user,
        code: credential.password,
        client,
        request: checked,
        meta: metaOf(request),
      });
      const result: Record<string, string> = { code, sfdc_community_url: urls.site(site), sfdc_community_id: site.id };
      if (checked.state) result.state = checked.state;
      reply.header('cache-control', 'no-store');
      // The echo address answers JSON; so does a native app's own scheme (myapp://…): the Salesforce Mobile SDKs
      // read the code from a 2xx JSON answer, and no HTTP client can follow a redirect to such an address anyway.
      if (checked.redirectUri === echoUrl(site) || !/^https?:/i.test(checked.redirectUri)) return reply.send(result);
      const location = new URL(checked.redirectUri);
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
      const params = readOAuthParams(request.body);
      const client = await authenticateClient(request, reply, params);
      const grantType = params.grant_type;
      let response;
      // hybrid_auth_code and hybrid_refresh are the Salesforce Mobile SDKs' defaults (useHybridAuthentication): the
      // same grants, whose Salesforce answer adds web session cookies (sid, lightning_sid, ...) for the app's web
      // views. otpgate has no such sessions, and the SDKs read those fields only when present: the answer is the same.
      if (grantType === 'authorization_code' || grantType === 'hybrid_auth_code') {
        const code = params.code;
        if (!code) throw new OtpgateError('invalid_request', 'code is required.');
        response = await tokens.exchangeCode(site, { client, code, redirectUri: params.redirect_uri, codeVerifier: params.code_verifier });
      } else if (grantType === 'refresh_token' || grantType === 'hybrid_refresh') {
        const refreshToken = params.refresh_token;
        if (!refreshToken) throw new OtpgateError('invalid_request', 'refresh_token is required.');
        const scope = params.scope;
        response = await tokens.refresh(site, { client, refreshToken, ...(scope ? { scope } : {}) });
      } else {
        throw new OtpgateError(grantType ? 'unsupported_grant_type' : 'invalid_request', grantType ? undefined : 'grant_type is required.');
      }
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(response);
    },

    async userinfo(request: FastifyRequest, reply: FastifyReply) {
      const { token, user } = await tokens.authenticate(request.site, bearerToken(request, { parameter: false }));
      callingClient(request, token.clientId);
      return reply.header('cache-control', 'no-store').send(tokens.userClaims(user, token.scope.split(' ')));
    },

    async revoke(request: FastifyRequest<{ Body: Params | undefined }>, reply: FastifyReply) {
      const params = readOAuthParams(request.body);
      const client = await authenticateClient(request, reply, params);
      const token = params.token;
      if (!token) throw new OtpgateError('invalid_request', 'token is required.');
      await tokens.revoke(request.site, client, token);
      return reply.code(200).send({});
    },

    async jwks(request: FastifyRequest, reply: FastifyReply) {
      return reply.header('cache-control', 'public, max-age=300').send(await keyring.jwks(request.site.id));
    },

    /** OpenID Connect Discovery 1.0. */
    async discovery(request: FastifyRequest, reply: FastifyReply) {
      return reply.header('cache-control', 'public, max-age=300').send(metadata(urls.site(request.site)));
    },

    /** RFC 8414 at `/.well-known/oauth-authorization-server/{site}` (the issuer's path inserted, §3): the same document. */
    async authorizationServerMetadata(request: FastifyRequest, reply: FastifyReply) {
      return reply.header('cache-control', 'public, max-age=300').send(metadata(urls.site(request.site)));
    },
  };
}

/**
 * What a site's authorization server implements, and nothing it ignores: OIDC Discovery 1.0 §3 and RFC 8414 §2.
 * Salesforce's headless `code_credentials` is no OAuth response type of the authorize endpoint's browser side, and
 * its hybrid grants are aliases of the two listed ones, so neither is listed (docs/clients.md).
 */
function metadata(issuer: string) {
  return {
    issuer,
    authorization_endpoint: `${issuer}/services/oauth2/authorize`,
    token_endpoint: `${issuer}/services/oauth2/token`,
    userinfo_endpoint: `${issuer}/services/oauth2/userinfo`,
    revocation_endpoint: `${issuer}/services/oauth2/revoke`,
    end_session_endpoint: `${issuer}/services/oauth2/logout`,
    jwks_uri: `${issuer}/id/keys`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    prompt_values_supported: ['none', 'login', 'consent', 'create'],
    authorization_response_iss_parameter_supported: true,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    claims_parameter_supported: false,
    ui_locales_supported: [...LOCALES],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...SIGNING_ALGS],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: SUPPORTED_SCOPES,
    claims_supported: [
      ...['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash'],
      ...[
        'user_id',
        'preferred_username',
        'name',
        'given_name',
        'family_name',
        'email',
        'email_verified',
        'phone_number',
        'phone_number_verified',
        'locale',
        'updated_at',
      ],
    ],
  };
}
