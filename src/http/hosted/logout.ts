import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Otpgate } from '../../app.js';
import { logoutPage } from '../pages/logout-page.js';
import { bodyOf, field, pageContext, seeOther, sendPage } from './context.js';
import { currentSession, signOut } from './session-cookie.js';

/**
 * Where a signed-out browser goes: the app's post-logout address when that app registered it (with the
 * app's state), else the login page saying so.
 */
export async function afterSignOut(app: Otpgate, request: FastifyRequest, reply: FastifyReply, back: { clientId?: string; uri?: string; state?: string }) {
  const site = request.site;
  const client = back.clientId && back.uri ? await app.store.forSite(site.id).clients.byId(back.clientId) : null;
  if (client && back.uri && client.postLogoutRedirectUris.includes(back.uri)) {
    const url = new URL(back.uri);
    if (back.state) url.searchParams.set('state', back.state);
    return seeOther(reply, url.href);
  }
  return seeOther(reply, `/${site.id}/login?done=signed_out`);
}

/** /{site}/logout (ask, then sign out this browser) and /{site}/logout/everywhere (every session and token). */
export function logoutHandlers(app: Otpgate) {
  return {
    async confirm(request: FastifyRequest, reply: FastifyReply) {
      const who = await currentSession(app, request);
      if (!who) return seeOther(reply, `/${request.site.id}/login?done=signed_out`);
      return sendPage(reply, 200, logoutPage(pageContext(app, request, reply, { user: who.user, languageLinks: true })));
    },

    async signOut(request: FastifyRequest, reply: FastifyReply) {
      await signOut(app, request, reply);
      const body = bodyOf(request);
      return afterSignOut(app, request, reply, { clientId: field(body, 'client_id'), uri: field(body, 'post_logout_redirect_uri'), state: field(body, 'state') });
    },

    async everywhere(request: FastifyRequest, reply: FastifyReply) {
      const who = await currentSession(app, request);
      if (who) await app.sessions.endEverywhere(request.site, who.user.id);
      await signOut(app, request, reply);
      return seeOther(reply, `/${request.site.id}/login?done=signed_out_everywhere`);
    },
  };
}
