/**
 * Route schemas of the OAuth 2.0 / OpenID Connect endpoints.
 *
 * Form bodies are validated by `formBodySchema` (http/oauth-endpoints.ts): any field, each a single string of at
 * most 2048 characters. The bodies below name the fields each endpoint reads with exactly that constraint, so
 * Fastify validates them as before. What the handlers check themselves (which fields are required, allowed values)
 * is said in the descriptions, not as `required`/`enum`: Fastify's validation answer would replace the RFC 6749
 * error the handler gives (unsupported_grant_type, invalid_client before invalid_request, ...).
 *
 * Query strings and headers are `documentedOnly` (http/api-docs.ts): a repeated query parameter arrives as an
 * array, and the handlers answer that with their own page or error (oauth/params.ts), which a querystring
 * schema would pre-empt.
 */
import { formBodySchema } from '../oauth-endpoints.js';
import { errorBody, errorResponses, htmlPage, oauthField, redirect, SECURITY, TAGS } from './common.js';

const FORM = ['application/x-www-form-urlencoded'];
const formBody = (properties: Record<string, ReturnType<typeof oauthField>>) => ({ ...formBodySchema.body, properties });

const authorizeFields = {
  response_type: oauthField('`code` (browser apps, through the hosted pages) or `code_credentials` (headless: verify an OTP).', [
    'code',
    'code_credentials',
  ]),
  client_id: oauthField('The app’s client id (sites[].clients).'),
  redirect_uri: oauthField('One of the client’s registered redirect URIs, exactly; headless also accepts the echo endpoint.'),
  scope: oauthField('Space-separated: openid profile email phone api full refresh_token offline_access.', ['openid api refresh_token']),
  state: oauthField('Returned unchanged.'),
  code_challenge: oauthField('PKCE (S256), required unless the client is confidential with requirePkce: false.'),
  code_challenge_method: oauthField('S256 (the default when omitted).', ['S256']),
  nonce: oauthField('Copied into the id_token.'),
  prompt: oauthField('none, login, consent (ask a third-party app’s user again), create (browser flow).'),
  max_age: oauthField('Seconds since sign-in after which the user signs in again (browser flow).'),
  login_hint: oauthField('Prefills the login page (browser flow).'),
  ui_locales: oauthField('Preferred languages of the pages (browser flow).'),
  id_token_hint: oauthField('An id_token this site issued: the expected user (browser flow).'),
};

const oauthErrors = { '4xx': { description: 'RFC 6749 error: the code says why.', ...errorBody }, '5xx': errorResponses['5xx'] };

/** Where the code goes when redirect_uri is the echo endpoint (apps that read JSON instead of following redirects). */
const codeResult = {
  description: 'The authorization code, as JSON: redirect_uri was the echo endpoint.',
  type: 'object',
  required: ['code', 'sfdc_community_url', 'sfdc_community_id'],
  properties: {
    code: { type: 'string', description: 'The authorization code: exchange it at the token endpoint.' },
    sfdc_community_url: { type: 'string', description: 'The site’s base URL (its issuer).' },
    sfdc_community_id: { type: 'string', description: 'The site id.' },
    state: { type: 'string' },
  },
  additionalProperties: true,
} as const;

export const authorizePostRoute = {
  tags: [TAGS.oauth],
  operationId: 'authorizePost',
  summary: 'Authorize: verify a headless OTP (Salesforce), or the OIDC authorization endpoint by POST',
  description:
    'Headless (Salesforce): `Auth-Request-Type` and `Auth-Verification-Type: sms` headers, `Authorization: Basic ' +
    'base64(identifier:otp)`, `response_type=code_credentials`. A right code yields an authorization code, sent to ' +
    'redirect_uri (302) or, for the echo endpoint, as JSON. Without those headers it is the browser flow of the GET.',
  consumes: FORM,
  body: formBody(authorizeFields),
  documentedOnly: {
    headers: {
      type: 'object',
      properties: {
        'auth-request-type': { type: 'string', enum: ['passwordless-login', 'user-registration'], description: 'Headless: which init.' },
        'auth-verification-type': { type: 'string', enum: ['sms'], description: 'Headless: the verification method.' },
      },
    },
  },
  security: [{ [SECURITY.headlessCode]: [] }, {}],
  response: {
    200: codeResult,
    302: redirect('Headless: to redirect_uri with code, sfdc_community_url, sfdc_community_id and state.'),
    303: redirect('Browser flow: to the login page, or back to the app with a code or an error.'),
    '4xx': {
      description: 'Headless: a JSON error. Browser flow, before the client and redirect_uri are known good: an error page.',
      content: { 'application/json': { schema: errorBody }, 'text/html': { schema: { type: 'string' } } },
    },
    '5xx': errorResponses['5xx'],
  },
} as const;

export const authorizeGetRoute = {
  tags: [TAGS.oauth],
  operationId: 'authorize',
  summary: 'OpenID Connect authorization endpoint (browser apps, response_type=code)',
  description:
    'Signed in: straight back to redirect_uri with `code`, `state` and `iss`. Otherwise through the hosted login (or, ' +
    'with prompt=create, registration) page and back. Errors after the client and redirect_uri are checked go to the app.',
  documentedOnly: { querystring: { type: 'object', required: ['client_id', 'redirect_uri'], properties: authorizeFields } },
  response: {
    303: redirect('To the login page, or back to the app with code (or error), state and iss (RFC 9207).'),
    '4xx': htmlPage('Unknown site or client, unregistered redirect_uri, a malformed request: shown, never redirected.'),
    '5xx': htmlPage('An error page.'),
  },
} as const;

export const echoRoute = {
  tags: [TAGS.oauth],
  operationId: 'echo',
  summary: 'The echo redirect target: shows the authorization code as JSON',
  documentedOnly: {
    querystring: {
      type: 'object',
      required: ['code'],
      properties: {
        code: { type: 'string' },
        state: { type: 'string' },
        sfdc_community_url: { type: 'string' },
        sfdc_community_id: { type: 'string' },
      },
    },
  },
  response: { 200: { ...codeResult, description: 'The parameters, as given.' }, ...errorResponses },
} as const;

const clientFields = {
  client_id: oauthField('client_secret_post, or a public client: the client id (else in Authorization: Basic).'),
  client_secret: oauthField('client_secret_post: the client secret.'),
};

export const tokenRoute = {
  tags: [TAGS.oauth],
  operationId: 'token',
  summary: 'Token endpoint: exchange an authorization code, or refresh (with rotation)',
  description:
    'Client authentication: client_secret_basic, client_secret_post, or a public client’s client_id. grant_type is ' +
    '`authorization_code` (with code, redirect_uri, code_verifier) or `refresh_token` (with refresh_token, optional scope).',
  consumes: FORM,
  body: formBody({
    grant_type: oauthField('authorization_code or refresh_token (another value: unsupported_grant_type).', ['authorization_code']),
    code: oauthField('authorization_code: the code.'),
    redirect_uri: oauthField('authorization_code: the redirect_uri of the authorization request.'),
    code_verifier: oauthField('authorization_code: the PKCE verifier.'),
    refresh_token: oauthField('refresh_token: the refresh token (a new one is returned; the old one stops working).'),
    scope: oauthField('refresh_token: a narrower scope.'),
    ...clientFields,
  }),
  security: [{ [SECURITY.clientSecretBasic]: [] }, {}],
  response: {
    200: {
      description: 'Tokens (RFC 6749 §5.1, OIDC Core 3.1.3.3), with Salesforce’s fields.',
      type: 'object',
      required: ['access_token', 'token_type', 'expires_in', 'scope'],
      properties: {
        access_token: { type: 'string' },
        token_type: { type: 'string', enum: ['Bearer'] },
        expires_in: { type: 'integer', description: 'Seconds.' },
        scope: { type: 'string' },
        refresh_token: { type: 'string', description: 'With the refresh_token or offline_access scope.' },
        id_token: {
          type: 'string',
          description: 'With the openid scope: a JWT signed with the client’s alg, RS256 by default or ES256 (keys at /{site}/id/keys).',
        },
        issued_at: { type: 'string', description: 'Milliseconds since 1970 (Salesforce).' },
        id: { type: 'string', description: 'The identity URL (Salesforce).' },
        instance_url: { type: 'string' },
        sfdc_community_url: { type: 'string' },
        sfdc_community_id: { type: 'string' },
      },
      additionalProperties: true,
    },
    ...oauthErrors,
  },
} as const;

const claims = {
  description: 'The user’s claims for the token’s scopes (OIDC Core 5.1).',
  type: 'object',
  required: ['sub'],
  properties: {
    sub: { type: 'string' },
    user_id: { type: 'string' },
    preferred_username: { type: 'string' },
    name: { type: 'string' },
    given_name: { type: 'string' },
    family_name: { type: 'string' },
    locale: { type: 'string' },
    updated_at: { type: 'integer' },
    email: { type: 'string' },
    email_verified: { type: 'boolean' },
    phone_number: { type: 'string' },
    phone_number_verified: { type: 'boolean' },
  },
  additionalProperties: true,
} as const;

export const userinfoRoute = {
  tags: [TAGS.oauth],
  summary: 'UserInfo: the signed-in user’s claims',
  security: [{ [SECURITY.accessToken]: [] }],
  response: { 200: claims, ...errorResponses },
} as const;

export const revokeRoute = {
  tags: [TAGS.oauth],
  operationId: 'revoke',
  summary: 'Revoke a refresh or access token (RFC 7009); a refresh token revokes its whole login',
  consumes: FORM,
  body: formBody({
    token: oauthField('The token (required).'),
    token_type_hint: oauthField('access_token or refresh_token (a hint only).'),
    ...clientFields,
  }),
  security: [{ [SECURITY.clientSecretBasic]: [] }, {}],
  response: {
    200: { description: 'Revoked (also for a token that was unknown or already revoked).', type: 'object', additionalProperties: false },
    ...oauthErrors,
  },
} as const;

export const jwksRoute = {
  tags: [TAGS.oauth],
  operationId: 'jwks',
  summary: 'The site’s public signing keys (JWKS)',
  response: {
    200: {
      description: 'JSON Web Key Set (RFC 7517).',
      type: 'object',
      required: ['keys'],
      properties: {
        keys: {
          type: 'array',
          items: {
            type: 'object',
            required: ['kty', 'kid'],
            properties: {
              kty: { type: 'string' },
              kid: { type: 'string' },
              alg: { type: 'string' },
              use: { type: 'string' },
              crv: { type: 'string' },
              x: { type: 'string' },
              y: { type: 'string' },
              n: { type: 'string' },
              e: { type: 'string' },
            },
            additionalProperties: true,
          },
        },
      },
      additionalProperties: false,
    },
    ...errorResponses,
  },
} as const;

const strings = { type: 'array', items: { type: 'string' } } as const;
const url = { type: 'string' } as const;

export const discoveryRoute = {
  tags: [TAGS.oauth],
  operationId: 'discovery',
  summary: 'OpenID Connect discovery document of the site',
  response: {
    200: {
      description: 'OpenID Provider Metadata (OIDC Discovery 1.0 §3).',
      type: 'object',
      required: ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri', 'response_types_supported'],
      properties: {
        issuer: url,
        authorization_endpoint: url,
        token_endpoint: url,
        userinfo_endpoint: url,
        revocation_endpoint: url,
        end_session_endpoint: url,
        jwks_uri: url,
        response_types_supported: strings,
        response_modes_supported: strings,
        prompt_values_supported: strings,
        authorization_response_iss_parameter_supported: { type: 'boolean' },
        request_parameter_supported: { type: 'boolean' },
        request_uri_parameter_supported: { type: 'boolean' },
        claims_parameter_supported: { type: 'boolean' },
        ui_locales_supported: strings,
        grant_types_supported: strings,
        subject_types_supported: strings,
        id_token_signing_alg_values_supported: strings,
        token_endpoint_auth_methods_supported: strings,
        code_challenge_methods_supported: strings,
        scopes_supported: strings,
        claims_supported: strings,
      },
      additionalProperties: true,
    },
    ...errorResponses,
  },
} as const;

const logoutFields = {
  id_token_hint: oauthField('An id_token this site issued: with it the user is signed out at once, else asked.'),
  client_id: oauthField('The app.'),
  post_logout_redirect_uri: oauthField('Registered for the client, exactly: where to go afterwards.'),
  state: oauthField('Returned to post_logout_redirect_uri.'),
};
const logoutResponses = {
  200: htmlPage('Asks the user to confirm.'),
  303: redirect('Signed out: to post_logout_redirect_uri (with state) or the login page.'),
  '4xx': htmlPage('A bad id_token_hint, an unregistered post_logout_redirect_uri, an unknown site.'),
  '5xx': htmlPage('An error page.'),
} as const;

export const endSessionGetRoute = {
  tags: [TAGS.oauth],
  operationId: 'endSession',
  summary: 'OpenID Connect RP-initiated logout',
  documentedOnly: { querystring: { type: 'object', properties: logoutFields } },
  response: logoutResponses,
} as const;

export const endSessionPostRoute = {
  tags: [TAGS.oauth],
  operationId: 'endSessionPost',
  summary: 'OpenID Connect RP-initiated logout, by POST',
  consumes: FORM,
  body: formBody(logoutFields),
  response: logoutResponses,
} as const;

const nullableString = { type: ['string', 'null'] } as const;
const identityParams = {
  type: 'object',
  required: ['site', 'organizationId', 'userId'],
  properties: {
    site: { type: 'string', description: 'The site id (sites[].id).' },
    organizationId: { type: 'string', description: 'The site’s organization id (the token response’s `id` has it).' },
    userId: { type: 'string', description: 'The user’s id: a token answers for its own user only.' },
  },
} as const;
const identityFields = {
  access_token: oauthField('The access token, when it is not in an Authorization: Bearer header.'),
  format: oauthField('json (the only format).', ['json']),
};
const identityResponses = {
  200: {
    description: 'Salesforce’s identity response, with what otpgate knows filled in (the rest null).',
    type: 'object',
    required: ['id', 'user_id', 'organization_id', 'username'],
    properties: {
      id: url,
      asserted_user: { type: 'boolean' },
      user_id: { type: 'string' },
      organization_id: { type: 'string' },
      username: { type: 'string' },
      nick_name: { type: 'string' },
      display_name: { type: 'string' },
      email: nullableString,
      email_verified: { type: ['boolean', 'null'] },
      first_name: nullableString,
      last_name: nullableString,
      mobile_phone: nullableString,
      mobile_phone_verified: { type: ['boolean', 'null'] },
      active: { type: 'boolean' },
      user_type: nullableString,
      language: nullableString,
      locale: nullableString,
      utcOffset: { type: ['number', 'null'] },
      last_modified_date: { type: 'string' },
      urls: { type: 'object', additionalProperties: { type: 'string' } },
      is_app_installed: { type: 'boolean' },
    },
    additionalProperties: false,
  },
  ...errorResponses,
} as const;

export const identityGetRoute = {
  tags: [TAGS.oauth],
  operationId: 'identity',
  summary: 'Salesforce identity URL: the token’s user (the token response’s `id`)',
  security: [{ [SECURITY.accessToken]: [] }, {}],
  documentedOnly: { params: identityParams, querystring: { type: 'object', properties: identityFields } },
  response: identityResponses,
} as const;

export const identityPostRoute = {
  tags: [TAGS.oauth],
  operationId: 'identityPost',
  summary: 'Salesforce identity URL, by POST',
  consumes: FORM,
  body: formBody(identityFields),
  security: [{ [SECURITY.accessToken]: [] }, {}],
  documentedOnly: { params: identityParams },
  response: identityResponses,
} as const;

export const authorizationServerMetadataRoute = {
  tags: [TAGS.oauth],
  operationId: 'authorizationServerMetadata',
  summary: 'OAuth 2.0 Authorization Server Metadata of a site (RFC 8414)',
  response: {
    200: { ...discoveryRoute.response[200], description: 'RFC 8414 §2 metadata: the discovery document’s OAuth fields.' },
    ...errorResponses,
  },
} as const;
