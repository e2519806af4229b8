import { hashToken } from '../crypto/code-hasher.js';
import { randomToken } from '../crypto/random.js';
import type { Clock } from '../domain/clock.js';
import type { Store } from '../domain/repositories.js';
import { secondFactorFresh, sessionLive, type BrowserSession } from '../domain/session.js';
import type { Site } from '../domain/site.js';
import type { User } from '../domain/user.js';

const hashSession = (token: string) => hashToken('session', token);

/** Browser sessions of the hosted pages: started by a verified code, ended by sign-out. */
export function createSessionService(store: Store, clock: Clock) {
  const sessions = (site: Site) => store.forSite(site.id).sessions;

  return {
    /** A new session for a user who just proved their phone; returns the cookie value (only its hash is stored). */
    async start(site: Site, user: User): Promise<{ token: string; session: BrowserSession }> {
      const now = clock.now();
      const token = randomToken(32);
      const session: BrowserSession = {
        tokenHash: hashSession(token),
        siteId: site.id,
        userId: user.id,
        authTime: now,
        secondFactorAt: null,
        createdAt: now,
        expiresAt: new Date(now.getTime() + site.session.ttlSeconds * 1000),
        revokedAt: null,
      };
      await sessions(site).insert(session);
      return { token, session };
    },

    /** The live session and active user behind a cookie value, or null. */
    async resolve(site: Site, token: string | undefined): Promise<{ session: BrowserSession; user: User } | null> {
      if (!token || token.length > 100) return null;
      const session = await sessions(site).byHash(hashSession(token));
      if (!session || !sessionLive(session, clock.now())) return null;
      const user = await store.forSite(site.id).users.byId(session.userId);
      if (!user || user.status !== 'active') return null;
      return { session, user };
    },

    /** True when the site wants no second factor here, or one was passed recently enough. */
    secondFactorSatisfied(site: Site, session: BrowserSession): boolean {
      const policy = site.secondFactor;
      return !policy.account || secondFactorFresh(session, clock.now(), policy.maxAgeSeconds);
    },

    async recordSecondFactor(site: Site, session: BrowserSession): Promise<boolean> {
      return sessions(site).markSecondFactor(session.tokenHash, clock.now());
    },

    async end(site: Site, token: string | undefined): Promise<void> {
      if (token && token.length <= 100) await sessions(site).revoke(hashSession(token), clock.now());
    },

    /** Signs the user out of every browser and revokes every token any app holds for them. */
    async endEverywhere(site: Site, userId: string): Promise<void> {
      const now = clock.now();
      await sessions(site).revokeUser(userId, now);
      await store.forSite(site.id).grants.revokeUserTokens(userId, now);
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
