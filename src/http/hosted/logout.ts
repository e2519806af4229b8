import type { FastifyReply, FastifyRequest } from 'fastify';
import { logoutPage } from '../pages/logout-page.js';
import { bodyOf, field, pageContext, seeOther, sendPage } from './context.js';
import { currentSession, signOut } from './session-cookie.js';
import type { HttpServices } from '../services.js';

/**
 * Where a signed-out browser goes: the app's post-logout address when that app registered it (with the
 * app's state), else the login page saying so.
 */
export async function afterSignOut(
  { clients }: Pick<HttpServices, 'clients'>,
  request: FastifyRequest,
  reply: FastifyReply,
  back: { clientId?: string; uri?: string; state?: string },
) {
  const site = request.site;
  const target = await clients.postLogoutTarget(site, back.clientId, back.uri);
  if (target) {
    const url = new URL(target);
    if (back.state) url.searchParams.set('state', back.state);
    return seeOther(reply, url.href);
  }
  return seeOther(reply, `/${site.id}/login?done=signed_out`);
}

/** /{site}/logout (ask, then sign out this browser) and /{site}/logout/everywhere (every session and token). */
export function logoutHandlers(services: Pick<HttpServices, 'clients' | 'sessions' | 'urls'>) {
  const { urls } = services;
  return {
    async confirm(request: FastifyRequest, reply: FastifyReply) {
      const who = await currentSession(services, request, reply);
      if (!who) return seeOther(reply, `/${request.site.id}/login?done=signed_out`);
      return sendPage(reply, 200, logoutPage(pageContext(urls, request, reply, { user: who.user, languageLinks: true })));
    },

    async signOut(request: FastifyRequest, reply: FastifyReply) {
      await signOut(services, request, reply);
      const body = bodyOf(request);
      return afterSignOut(services, request, reply, {
        clientId: field(body, 'client_id'),
        uri: field(body, 'post_logout_redirect_uri'),
        state: field(body, 'state'),
      });
    },

    async everywhere(request: FastifyRequest, reply: FastifyReply) {
      const who = await currentSession(services, request, reply);
      if (who) await services.sessions.endEverywhere(request.site, who.user.id);
      await signOut(services, request, reply);
      return seeOther(reply, `/${request.site.id}/login?done=signed_out_everywhere`);
    },
  };
}
