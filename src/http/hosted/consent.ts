import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkBrowserRequest } from '../../oauth/authorization-request.js';
import { resolveRedirectUri } from '../../oauth/clients.js';
import { readOAuthParams } from '../../oauth/params.js';
import { errorPage } from '../pages/error-page.js';
import type { HttpServices } from '../services.js';
import { bodyOf, field, pageContext, seeOther, sendPage } from './context.js';
import { withReturnTo } from './return-to.js';
import { currentSession } from './session-cookie.js';

/**
 * POST /{site}/consent: the user's answer to a third-party app's request. Allow records the scopes and sends the
 * browser back to the authorization request, which now issues the code; Don't allow sends the app
 * `error=access_denied` (OIDC Core 3.1.2.6). The request travels in the form and is checked again here.
 */
export function consentHandler(services: Pick<HttpServices, 'clients' | 'tokens' | 'sessions' | 'urls' | 'consents'>) {
  const { clients, tokens, urls, consents } = services;
  return async function decide(request: FastifyRequest, reply: FastifyReply) {
    const site = request.site;
    const body = bodyOf(request);
    const query = field(body, 'request');
    const authorizeUrl = `/${site.id}/services/oauth2/authorize?${query}`;
    const who = await currentSession(services, request, reply);
    if (!who) return seeOther(reply, withReturnTo(`/${site.id}/login`, authorizeUrl));
    const bad = () => {
      const ctx = pageContext(urls, request, reply);
      return sendPage(reply, 400, errorPage(ctx, ctx.t('error.invalid_request', { site: site.name }), request.id));
    };
    let params;
    try {
      params = readOAuthParams(Object.fromEntries(new URLSearchParams(query)));
    } catch {
      return bad();
    }
    const client = await clients.find(site, params.client_id);
    const redirectUri = client ? resolveRedirectUri(client, params.redirect_uri) : null;
    if (!client || !redirectUri) return bad();
    if (field(body, 'decision') !== 'allow') {
      const url = new URL(redirectUri);
      const answer = {
        error: 'access_denied',
        error_description: 'The user did not allow the app.',
        state: params.state,
        iss: urls.site(site),
      };
      for (const [name, value] of Object.entries(answer)) if (value) url.searchParams.set(name, value);
      return seeOther(reply, url.href);
    }
    try {
      const asked = checkBrowserRequest(params, client, tokens.normaliseScope);
      await consents.grant(site.id, who.user.id, client.clientId, asked.scope.split(' ').filter(Boolean));
    } catch {
      // A request that is no longer valid goes back to the authorize endpoint, which answers the app properly.
    }
    return seeOther(reply, authorizeUrl);
  };
}
