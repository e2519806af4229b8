import type { FastifyReply, FastifyRequest } from 'fastify';
import { isOtpgateError, OtpgateError } from '../domain/errors.js';
import { matchLocale } from '../i18n/index.js';
import { checkBrowserRequest } from '../oauth/authorization-request.js';
import { resolveRedirectUri } from '../oauth/clients.js';
import { readIdTokenHint } from '../oauth/id-token-hint.js';
import { readOAuthParams, type OAuthParams } from '../oauth/params.js';
import { pageContext, seeOther, sendPage } from './hosted/context.js';
import { withReturnTo } from './hosted/return-to.js';
import { currentSession } from './hosted/session-cookie.js';
import { consentPage } from './pages/consent-page.js';
import { errorPage } from './pages/error-page.js';
import type { HttpServices } from './services.js';

type Params = Record<string, string>;

/**
 * The OpenID Connect authorization endpoint for browser apps (response_type=code): signed in, the browser
 * goes straight back to the app with a code; otherwise through the hosted login (or registration) page and
 * then back here. Until the client and redirect_uri are known good, problems are shown as a page, never
 * sent to an unverified address (RFC 6749 §4.1.2.1); after, they go to the app as error parameters.
 */
export function oidcAuthorizeHandler(
  services: Pick<HttpServices, 'clients' | 'tokens' | 'keyring' | 'sessions' | 'clock' | 'urls' | 'consents'>,
) {
  const { clients, tokens, keyring, clock, urls, consents } = services;
  type PageProblem = 'error.unknown_client' | 'error.bad_redirect_uri' | 'error.invalid_request';
  const clientProblem = (request: FastifyRequest, reply: FastifyReply, key: PageProblem) => {
    const ctx = pageContext(urls, request, reply);
    return sendPage(reply, 400, errorPage(ctx, ctx.t(key, { site: request.site.name }), request.id));
  };

  return async function authorize(request: FastifyRequest, reply: FastifyReply) {
    const site = request.site;
    let params: OAuthParams;
    try {
      params = readOAuthParams(request.method === 'GET' ? request.query : request.body);
    } catch {
      return clientProblem(request, reply, 'error.invalid_request');
    }
    const client = await clients.find(site, params.client_id);
    if (!client) return clientProblem(request, reply, 'error.unknown_client');
    const redirectUri = resolveRedirectUri(client, params.redirect_uri);
    if (!redirectUri) return clientProblem(request, reply, 'error.bad_redirect_uri');

    const issuer = urls.site(site);
    const back = (result: Params) => {
      const url = new URL(redirectUri);
      // iss (RFC 9207) lets the app tell which server answered, against mix-up attacks.
      for (const [name, value] of Object.entries({ ...result, ...(params.state ? { state: params.state } : {}), iss: issuer }))
        url.searchParams.set(name, value);
      return seeOther(reply, url.href);
    };
    const fail = (error: OtpgateError) => back({ error: error.code, error_description: error.message });

    try {
      const asked = checkBrowserRequest(params, client, tokens.normaliseScope);
      const who = await currentSession(services, request, reply);
      let needsLogin = !who || asked.prompts.has('login') || asked.prompts.has('create');
      // OIDC Core 3.1.2.1: max_age=0 is prompt=login; otherwise whole seconds, as auth_time counts them.
      const elapsed = who ? Math.floor((clock.now().getTime() - who.session.authTime.getTime()) / 1000) : 0;
      const tooOld = who !== null && asked.maxAge !== null && (asked.maxAge === 0 || elapsed > asked.maxAge);
      if (tooOld) needsLogin = true;
      if (who && params.id_token_hint) {
        const hint = await readIdTokenHint(keyring, site.id, issuer, params.id_token_hint);
        if (!hint || hint.sub !== who.user.id) needsLogin = true;
      }
      if (!who || needsLogin) {
        if (asked.prompts.has('none')) throw new OtpgateError('login_required');
        return seeOther(reply, loginRedirect(site.id, params, asked.prompts, tooOld));
      }
      // A third-party app asks the user once for what it wants (again for more, and on prompt=consent).
      const scopes = asked.scope.split(' ').filter(Boolean);
      const missing = await consents.missing(site.id, who.user.id, client, scopes);
      if (!client.firstParty && (missing.length > 0 || asked.prompts.has('consent'))) {
        if (asked.prompts.has('none')) throw new OtpgateError('consent_required');
        const ctx = pageContext(urls, request, reply, { user: who.user });
        const again = withoutPrompt(params, 'consent');
        return sendPage(reply, 200, consentPage(ctx, { clientName: client.name || client.clientId, scopes, request: again }));
      }
      const code = await tokens.issueCode(site, {
        client,
        user: who.user,
        redirectUri,
        scope: asked.scope,
        codeChallenge: asked.codeChallenge,
        nonce: asked.nonce,
        authTime: who.session.authTime,
      });
      return back({ code });
    } catch (error) {
      if (isOtpgateError(error)) return fail(error);
      request.log.error({ err: error }, 'authorize failed');
      return back({ error: 'server_error', error_description: 'Something went wrong on our side.' });
    }
  };
}

/**
 * To the login page (the registration page for prompt=create), returning to this same request. prompt=login
 * and create, and a max_age that forced the sign-in, are dropped from the return address: the sign-in the
 * user is about to do satisfies them, and keeping them would send the user round again.
 */
function loginRedirect(siteId: string, params: OAuthParams, prompts: Set<string>, dropMaxAge: boolean): string {
  const again = new URLSearchParams(params as Params);
  if (dropMaxAge) again.delete('max_age');
  const remaining = [...prompts].filter((p) => p !== 'login' && p !== 'create');
  if (remaining.length) again.set('prompt', remaining.join(' '));
  else again.delete('prompt');
  const returnTo = `/${siteId}/services/oauth2/authorize?${again.toString()}`;
  const lang = (params.ui_locales ?? '')
    .split(' ')
    .map(matchLocale)
    .find((l) => l !== null);
  const page = prompts.has('create') ? 'register' : 'login';
  return withReturnTo(`/${siteId}/${page}`, returnTo, {
    ...(lang ? { lang } : {}),
    ...(params.login_hint && page === 'login' ? { login_hint: params.login_hint } : {}),
  });
}

/** The request's parameters as a query string, with one prompt value dropped (it has been satisfied). */
export function withoutPrompt(params: OAuthParams, drop: string): string {
  const again = new URLSearchParams(params as Params);
  const remaining = (params.prompt ?? '').split(' ').filter((p) => p && p !== drop);
  if (remaining.length) again.set('prompt', remaining.join(' '));
  else again.delete('prompt');
  return again.toString();
}
