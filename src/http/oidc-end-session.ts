import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Otpgate } from '../app.js';
import { readIdTokenHint } from '../oauth/id-token-hint.js';
import { pageContext, sendPage } from './hosted/context.js';
import { afterSignOut } from './hosted/logout.js';
import { currentSession, signOut } from './hosted/session-cookie.js';
import { errorPage } from './pages/error-page.js';
import { logoutPage } from './pages/logout-page.js';

const str = (raw: unknown, name: string): string | undefined => {
  const value = (raw as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/**
 * OpenID Connect RP-initiated logout (/{site}/services/oauth2/logout). With an id_token_hint this site
 * issued, for the user signed in here (or nobody), the browser is signed out at once; without one the
 * user is asked, so a link on any page cannot sign them out. post_logout_redirect_uri must be registered
 * for the client, exactly.
 */
export function endSessionHandler(app: Otpgate) {
  return async function endSession(request: FastifyRequest, reply: FastifyReply) {
    const site = request.site;
    const raw = request.method === 'GET' ? request.query : request.body;
    const hintValue = str(raw, 'id_token_hint');
    const clientIdParam = str(raw, 'client_id');
    const uri = str(raw, 'post_logout_redirect_uri');
    const state = str(raw, 'state');
    const invalid = () => {
      const ctx = pageContext(app, request, reply);
      return sendPage(reply, 400, errorPage(ctx, ctx.t('error.bad_logout'), request.id));
    };

    const hint = hintValue ? await readIdTokenHint(app.keyring, site.id, app.siteUrl(site), hintValue) : null;
    if (hintValue && !hint) return invalid();
    if (hint && clientIdParam && !hint.aud.includes(clientIdParam)) return invalid();
    const clientId = clientIdParam ?? hint?.aud[0];
    if (uri) {
      const client = clientId ? await app.store.forSite(site.id).clients.byId(clientId) : null;
      if (!client || !client.postLogoutRedirectUris.includes(uri)) return invalid();
    }

    const who = await currentSession(app, request);
    if (!who || (hint && hint.sub === who.user.id)) {
      await signOut(app, request, reply);
      return afterSignOut(app, request, reply, { ...(clientId ? { clientId } : {}), ...(uri ? { uri } : {}), ...(state ? { state } : {}) });
    }
    const ctx = pageContext(app, request, reply, { user: who.user });
    return sendPage(reply, 200, logoutPage(ctx, { ...(clientId ? { clientId } : {}), ...(uri ? { postLogoutRedirectUri: uri } : {}), ...(state ? { state } : {}) }));
  };
}
