import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Otpgate } from '../app.js';
import { isOtpgateError, OtpgateError } from '../domain/errors.js';
import type { OAuthClient } from '../domain/oauth.js';
import { matchLocale } from '../i18n/index.js';
import { readIdTokenHint } from '../oauth/id-token-hint.js';
import { pageContext, seeOther, sendPage } from './hosted/context.js';
import { withReturnTo } from './hosted/return-to.js';
import { currentSession } from './hosted/session-cookie.js';
import { errorPage } from './pages/error-page.js';

type Params = Record<string, string>;

const PROMPTS = new Set(['none', 'login', 'consent', 'select_account', 'create']);

/** Parameters of a GET query or a form POST; RFC 6749 §3.1: none may appear twice. */
function singleParams(raw: unknown): Params | null {
  const params: Params = {};
  for (const [name, value] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
    if (typeof value !== 'string') return null;
    if (value !== '') params[name] = value;
  }
  return params;
}

/**
 * The OpenID Connect authorization endpoint for browser apps (response_type=code): signed in, the browser
 * goes straight back to the app with a code; otherwise through the hosted login (or registration) page and
 * then back here. Until the client and redirect_uri are known good, problems are shown as a page, never
 * sent to an unverified address (RFC 6749 §4.1.2.1); after, they go to the app as error parameters.
 */
export function oidcAuthorizeHandler(app: Otpgate) {
  const clientProblem = (request: FastifyRequest, reply: FastifyReply, key: 'error.unknown_client' | 'error.bad_redirect_uri' | 'error.invalid_request') => {
    const ctx = pageContext(app, request, reply);
    return sendPage(reply, 400, errorPage(ctx, ctx.t(key, { site: request.site.name }), request.id));
  };

  return async function authorize(request: FastifyRequest, reply: FastifyReply) {
    const site = request.site;
    const params = singleParams(request.method === 'GET' ? request.query : request.body);
    if (!params) return clientProblem(request, reply, 'error.invalid_request');
    const client = params.client_id ? await app.store.forSite(site.id).clients.byId(params.client_id) : null;
    if (!client) return clientProblem(request, reply, 'error.unknown_client');
    // OAuth lets a client with exactly one registered redirect URI leave it out.
    const redirectUri = params.redirect_uri ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
    if (!redirectUri || !client.redirectUris.includes(redirectUri)) return clientProblem(request, reply, 'error.bad_redirect_uri');

    const issuer = app.siteUrl(site);
    const back = (result: Params) => {
      const url = new URL(redirectUri);
      // iss (RFC 9207) lets the app tell which server answered, against mix-up attacks.
      for (const [name, value] of Object.entries({ ...result, ...(params.state ? { state: params.state } : {}), iss: issuer })) url.searchParams.set(name, value);
      return seeOther(reply, url.href);
    };
    const fail = (error: OtpgateError) => back({ error: error.code, error_description: error.message });

    try {
      const request_ = checkRequest(params, client, (scope) => app.tokens.normaliseScope(scope));
      const who = await currentSession(app, request);
      let needsLogin = !who || request_.prompts.has('login') || request_.prompts.has('create');
      // OIDC Core 3.1.2.1: max_age=0 is prompt=login; otherwise whole seconds, as auth_time counts them.
      const elapsed = who ? Math.floor((app.clock.now().getTime() - who.session.authTime.getTime()) / 1000) : 0;
      const tooOld = who !== null && request_.maxAge !== null && (request_.maxAge === 0 || elapsed > request_.maxAge);
      if (tooOld) needsLogin = true;
      if (who && params.id_token_hint) {
        const hint = await readIdTokenHint(app.keyring, site.id, issuer, params.id_token_hint);
        if (!hint || hint.sub !== who.user.id) needsLogin = true;
      }
      if (needsLogin) {
        if (request_.prompts.has('none')) throw new OtpgateError('login_required');
        return seeOther(reply, loginRedirect(site.id, params, request_.prompts, tooOld));
      }
      const code = await app.tokens.issueCode(site, {
        client,
        user: who!.user,
        redirectUri,
        scope: request_.scope,
        codeChallenge: request_.codeChallenge,
        nonce: params.nonce ?? null,
        authTime: who!.session.authTime,
      });
      return back({ code });
    } catch (error) {
      if (isOtpgateError(error)) return fail(error);
      request.log.error({ err: error }, 'authorize failed');
      return back({ error: 'server_error', error_description: 'Something went wrong on our side.' });
    }
  };
}

/** Validates what does not depend on the user; throws the OAuth error to send back to the app. */
function checkRequest(params: Params, client: OAuthClient, normaliseScope: (scope: string | undefined) => string) {
  if (params.request) throw new OtpgateError('request_not_supported');
  if (params.request_uri) throw new OtpgateError('request_uri_not_supported');
  if (!params.response_type) throw new OtpgateError('invalid_request', 'response_type is required.');
  if (params.response_type !== 'code') throw new OtpgateError('unsupported_response_type', 'response_type must be code.');
  if (params.response_mode && params.response_mode !== 'query') throw new OtpgateError('invalid_request', 'response_mode must be query.');
  const scope = normaliseScope(params.scope);
  const codeChallenge = params.code_challenge ?? null;
  if (codeChallenge !== null && ((params.code_challenge_method ?? 'plain') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(codeChallenge)))
    throw new OtpgateError('invalid_request', 'code_challenge must be a base64url SHA-256 with code_challenge_method=S256.');
  // A public client has no secret, so PKCE is what stops a stolen code from being exchanged.
  if (codeChallenge === null && client.secretHash === null) throw new OtpgateError('invalid_request', 'Public clients must send code_challenge (PKCE, S256).');
  const prompts = new Set((params.prompt ?? '').split(' ').filter((p) => PROMPTS.has(p)));
  if (prompts.has('none') && prompts.size > 1) throw new OtpgateError('invalid_request', 'prompt=none cannot be combined with other values.');
  if (params.max_age !== undefined && !/^\d{1,9}$/.test(params.max_age)) throw new OtpgateError('invalid_request', 'max_age must be a number of seconds.');
  if (params.nonce && params.nonce.length > 512) throw new OtpgateError('invalid_request', 'nonce is too long.');
  return { scope, codeChallenge, prompts, maxAge: params.max_age === undefined ? null : Number(params.max_age) };
}

/**
 * To the login page (the registration page for prompt=create), returning to this same request. prompt=login
 * and create, and a max_age that forced the sign-in, are dropped from the return address: the sign-in the
 * user is about to do satisfies them, and keeping them would send the user round again.
 */
function loginRedirect(siteId: string, params: Params, prompts: Set<string>, dropMaxAge: boolean): string {
  const again = new URLSearchParams(params);
  if (dropMaxAge) again.delete('max_age');
  const remaining = [...prompts].filter((p) => p !== 'login' && p !== 'create');
  if (remaining.length) again.set('prompt', remaining.join(' '));
  else again.delete('prompt');
  const returnTo = `/${siteId}/services/oauth2/authorize?${again.toString()}`;
  const lang = (params.ui_locales ?? '').split(' ').map(matchLocale).find((l) => l !== null);
  const page = prompts.has('create') ? 'register' : 'login';
  return withReturnTo(`/${siteId}/${page}`, returnTo, { ...(lang ? { lang } : {}), ...(params.login_hint && page === 'login' ? { login_hint: params.login_hint } : {}) });
}
