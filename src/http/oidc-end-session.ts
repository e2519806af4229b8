import type { FastifyReply, FastifyRequest } from 'fastify';
import { readIdTokenHint } from '../oauth/id-token-hint.js';
import { readOAuthParams, type OAuthParams } from '../oauth/params.js';
import { pageContext, sendPage } from './hosted/context.js';
import { afterSignOut } from './hosted/logout.js';
import { currentSession, signOut } from './hosted/session-cookie.js';
import { errorPage } from './pages/error-page.js';
import { logoutPage } from './pages/logout-page.js';
import type { HttpServices } from './services.js';

/**
 * OpenID Connect RP-initiated logout (/{site}/services/oauth2/logout). With an id_token_hint this site
 * issued, for the user signed in here (or nobody), the browser is signed out at once; without one the
 * user is asked, so a link on any page cannot sign them out. post_logout_redirect_uri must be registered
 * for the client, exactly.
 */
export function endSessionHandler(services: Pick<HttpServices, 'clients' | 'keyring' | 'sessions' | 'urls'>) {
  const { urls } = services;
  return async function endSession(request: FastifyRequest, reply: FastifyReply) {
    const site = request.site;
    const invalid = () => {
      const ctx = pageContext(urls, request, reply);
      return sendPage(reply, 400, errorPage(ctx, ctx.t('error.bad_logout'), request.id));
    };
    let params: OAuthParams;
    try {
      params = readOAuthParams(request.method === 'GET' ? request.query : request.body);
    } catch {
      return invalid();
    }
    const { id_token_hint: hintValue, client_id: clientIdParam, post_logout_redirect_uri: uri, state } = params;

    const hint = hintValue ? await readIdTokenHint(services.keyring, site.id, urls.site(site), hintValue) : null;
    if (hintValue && !hint) return invalid();
    if (hint && clientIdParam && !hint.aud.includes(clientIdParam)) return invalid();
    const clientId = clientIdParam ?? hint?.aud[0];
    if (uri && !(await services.clients.postLogoutTarget(site, clientId, uri))) return invalid();

    const who = await currentSession(services, request, reply);
    if (!who || (hint && hint.sub === who.user.id)) {
      await signOut(services, request, reply);
      return afterSignOut(services, request, reply, {
        ...(clientId ? { clientId } : {}),
        ...(uri ? { uri } : {}),
        ...(state ? { state } : {}),
      });
    }
    const ctx = pageContext(urls, request, reply, { user: who.user });
    return sendPage(
      reply,
      200,
      logoutPage(ctx, { ...(clientId ? { clientId } : {}), ...(uri ? { postLogoutRedirectUri: uri } : {}), ...(state ? { state } : {}) }),
    );
  };
}
