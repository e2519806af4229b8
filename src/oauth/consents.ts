import type { Clock } from '../domain/clock.js';
import type { OAuthClient } from '../domain/oauth.js';
import type { Consent, Store } from '../domain/repositories.js';

/**
 * What users allowed third-party apps (OIDC Core 3.1.2.4). The site's own apps (`firstParty`) never ask; a
 * third-party app asks once per user for the scopes it wants, again for scopes beyond those, and again on
 * prompt=consent. Revoking a consent also revokes that app's tokens for the user: the app must ask again.
 */
export function createConsentService(store: Store, clock: Clock) {
  return {
    /** The scopes of `scopes` the user has not allowed the client yet; none for a first-party client. */
    async missing(siteId: string, userId: string, client: OAuthClient, scopes: string[]): Promise<string[]> {
      if (client.firstParty) return [];
      const consent = await store.forSite(siteId).consents.get(userId, client.clientId);
      if (!consent) return scopes;
      return scopes.filter((scope) => !consent.scopes.includes(scope));
    },
    async grant(siteId: string, userId: string, clientId: string, scopes: string[]): Promise<void> {
      await store.forSite(siteId).consents.grant(userId, clientId, scopes, clock.now());
    },
    list(siteId: string, userId: string): Promise<Consent[]> {
      return store.forSite(siteId).consents.list(userId);
    },
    async revoke(siteId: string, userId: string, clientId: string): Promise<boolean> {
      const site = store.forSite(siteId);
      const revoked = await site.consents.revoke(userId, clientId);
      await site.grants.revokeClientTokens(userId, clientId, clock.now());
      return revoked;
    },
  };
}

export type ConsentService = ReturnType<typeof createConsentService>;
