/**
 * What an authorization request asks for, checked before any user is involved: pure rules, one copy each.
 * The headless (Salesforce) and browser (OpenID Connect) endpoints both read their requests through here.
 */
import { OtpgateError } from '../domain/errors.js';
import type { OAuthClient } from '../domain/oauth.js';
import type { OAuthParams } from './params.js';

const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The PKCE rule (RFC 7636), for every authorization request. Only S256 is accepted: `plain` protects
 * nothing against an attacker who can read the authorization request. A missing code_challenge_method
 * means S256, not RFC 7636's `plain`: that is what Salesforce does, and its Mobile SDKs send a challenge
 * without a method. PKCE is required of every client (RFC 9700 §2.1.1): a public client has no secret, and a
 * confidential one's secret does not stop code injection. Only a confidential client may turn it off.
 */
export function pkceChallenge(params: OAuthParams, client: OAuthClient): string | null {
  const challenge = params.code_challenge ?? null;
  const method = params.code_challenge_method ?? 'S256';
  if (challenge !== null && (method !== 'S256' || !S256_CHALLENGE.test(challenge)))
    throw new OtpgateError('invalid_request', 'code_challenge must be a base64url SHA-256 with code_challenge_method=S256.');
  if (challenge === null && (client.secretHash === null || client.requirePkce))
    throw new OtpgateError('invalid_request', 'code_challenge is required (PKCE, S256).');
  return challenge;
}

export const PROMPTS = ['none', 'login', 'consent', 'select_account', 'create'] as const;
const KNOWN_PROMPTS = new Set<string>(PROMPTS);

export interface BrowserAuthorizationRequest {
  scope: string;
  codeChallenge: string | null;
  nonce: string | null;
  prompts: Set<string>;
  /** OIDC max_age in seconds, null when not asked. */
  maxAge: number | null;
}

/** A browser app's OpenID Connect request (response_type=code); throws the OAuth error to send back to the app. */
export function checkBrowserRequest(
  params: OAuthParams,
  client: OAuthClient,
  normaliseScope: (scope: string | undefined, client: OAuthClient) => string,
): BrowserAuthorizationRequest {
  if (params.request) throw new OtpgateError('request_not_supported');
  if (params.request_uri) throw new OtpgateError('request_uri_not_supported');
  if (!params.response_type) throw new OtpgateError('invalid_request', 'response_type is required.');
  if (params.response_type !== 'code') throw new OtpgateError('unsupported_response_type', 'response_type must be code.');
  if (params.response_mode && params.response_mode !== 'query') throw new OtpgateError('invalid_request', 'response_mode must be query.');
  const scope = normaliseScope(params.scope, client);
  const codeChallenge = pkceChallenge(params, client);
  const prompts = new Set((params.prompt ?? '').split(' ').filter((p) => KNOWN_PROMPTS.has(p)));
  if (prompts.has('none') && prompts.size > 1)
    throw new OtpgateError('invalid_request', 'prompt=none cannot be combined with other values.');
  if (params.max_age !== undefined && !/^\d{1,9}$/.test(params.max_age))
    throw new OtpgateError('invalid_request', 'max_age must be a number of seconds.');
  return { scope, codeChallenge, nonce: checkNonce(params), prompts, maxAge: params.max_age === undefined ? null : Number(params.max_age) };
}

export interface HeadlessAuthorizationRequest {
  redirectUri: string;
  scope: string;
  codeChallenge: string | null;
  nonce: string | null;
  state: string | null;
}

/**
 * Salesforce's headless request (response_type=code_credentials). The redirect URI must be one the client
 * registered, or the site's echo address (which answers JSON instead of redirecting).
 */
export function checkHeadlessRequest(
  params: OAuthParams,
  client: OAuthClient,
  options: { echoUri: string; normaliseScope: (scope: string | undefined, client: OAuthClient) => string },
): HeadlessAuthorizationRequest {
  const redirectUri = params.redirect_uri;
  if (!redirectUri) throw new OtpgateError('invalid_request', 'client_id and redirect_uri are required.');
  if (redirectUri !== options.echoUri && !client.redirectUris.includes(redirectUri))
    throw new OtpgateError('unauthorized_client', 'redirect_uri is not registered for this client.');
  const codeChallenge = pkceChallenge(params, client);
  const scope = options.normaliseScope(params.scope, client);
  return { redirectUri, scope, codeChallenge, nonce: checkNonce(params), state: params.state ?? null };
}

function checkNonce(params: OAuthParams): string | null {
  if (params.nonce && params.nonce.length > 512) throw new OtpgateError('invalid_request', 'nonce is too long.');
  return params.nonce ?? null;
}
