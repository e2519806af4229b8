import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Site } from '../../domain/site.js';
import type { AllowedApp } from '../pages/account-page.js';
import type { HttpServices } from '../services.js';
import { requireAccount } from './account.js';
import { bodyOf, field, seeOther } from './context.js';

/** The third-party apps a user allowed, with the names people know them by. */
export async function allowedApps(services: Pick<HttpServices, 'consents' | 'clients'>, site: Site, userId: string): Promise<AllowedApp[]> {
  const consents = await services.consents.list(site.id, userId);
  const apps = await Promise.all(
    consents.map(async (c) => ({ clientId: c.clientId, name: (await clientName(services, site, c.clientId)) ?? c.clientId })),
  );
  return apps;
}

export async function clientName(
  services: Pick<HttpServices, 'clients'>,
  site: Site,
  clientId: string | null | undefined,
): Promise<string | null> {
  if (!clientId) return null;
  const client = await services.clients.find(site, clientId);
  return client ? client.name || client.clientId : null;
}

/** POST /{site}/account/apps/revoke: the app's consent and its tokens for this user go; it must ask again. */
export function revokeAppHandler(services: Pick<HttpServices, 'sessions' | 'urls' | 'consents'>) {
  return async function revoke(request: FastifyRequest, reply: FastifyReply) {
    const site = request.site;
    const access = await requireAccount(services, request, reply, `/${site.id}/account#apps`);
    if ('redirected' in access) return access.redirected;
    const clientId = field(bodyOf(request), 'client_id');
    await services.consents.revoke(site.id, access.who.user.id, clientId);
    return seeOther(reply, `/${site.id}/account?${new URLSearchParams({ done: 'app_revoked', client: clientId }).toString()}`);
  };
}
