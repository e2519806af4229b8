import { hashToken } from '../crypto/code-hasher.js';
import { randomToken } from '../crypto/random.js';
import type { Clock } from '../domain/clock.js';
import type { Store } from '../domain/repositories.js';
import { activityDue, secondFactorFresh, sessionEndsAt, sessionLive, type BrowserSession } from '../domain/session.js';
import type { Site } from '../domain/site.js';
import type { User } from '../domain/user.js';

const hashSession = (token: string) => hashToken('session', token);

/** What resolving a cookie gives: the session, its user, and when the cookie should now expire. */
export interface ResolvedSession {
  session: BrowserSession;
  user: User;
  /** When the session ends if the user does nothing more. */
  endsAt: Date;
  /** True when this request recorded activity (so the cookie's expiry moved and should be sent again). */
  renewed: boolean;
}

/**
 * Browser sessions of the hosted pages: started by a verified code, ended by sign-out, by the site's idle
 * timeout (no request for `session.idleTimeoutSeconds`) or by its absolute lifetime (`absoluteLifetimeSeconds`
 * after sign-in, however active: a stolen cookie cannot be kept alive forever).
 */
export function createSessionService(store: Store, clock: Clock) {
  const sessions = (site: Site) => store.forSite(site.id).sessions;

  return {
    /** A new session for a user who just proved their phone; returns the cookie value (only its hash is stored). */
    async start(site: Site, user: User): Promise<{ token: string; session: BrowserSession; endsAt: Date }> {
      const now = clock.now();
      const token = randomToken(32);
      const session: BrowserSession = {
        tokenHash: hashSession(token),
        siteId: site.id,
        userId: user.id,
        authTime: now,
        secondFactorAt: null,
        createdAt: now,
        expiresAt: new Date(now.getTime() + site.session.absoluteLifetimeSeconds * 1000),
        lastSeenAt: now,
        revokedAt: null,
      };
      await sessions(site).insert(session);
      return { token, session, endsAt: sessionEndsAt(session, site.session) };
    },

    /**
     * The live session and active user behind a cookie value, or null. Every resolve is activity; it is
     * written at most once a minute per session (activityDue), so most page views stay reads.
     */
    async resolve(site: Site, token: string | undefined): Promise<ResolvedSession | null> {
      if (!token || token.length > 100) return null;
      const now = clock.now();
      const found = await sessions(site).byHash(hashSession(token));
      if (!found || !sessionLive(found, now, site.session)) return null;
      const user = await store.forSite(site.id).users.byId(found.userId);
      if (!user || user.status !== 'active') return null;
      let session = found;
      let renewed = false;
      if (activityDue(found, now)) {
        // Revoked in between (sign-out elsewhere): the session is over for this request too.
        if (!(await sessions(site).touch(found.tokenHash, now))) return null;
        session = { ...found, lastSeenAt: now };
        renewed = true;
      }
      return { session, user, endsAt: sessionEndsAt(session, site.session), renewed };
    },

    /** True when the site wants no second factor here, or one was passed recently enough. */
    secondFactorSatisfied(site: Site, session: BrowserSession): boolean {
      const policy = site.secondFactor;
      return !policy.account || secondFactorFresh(session.secondFactorAt, clock.now(), policy.maxAgeSeconds);
    },

    /** A second factor was passed within secondFactor.maxAgeSeconds (whatever the site asks for). */
    secondFactorRecent(site: Site, session: BrowserSession): boolean {
      return secondFactorFresh(session.secondFactorAt, clock.now(), site.secondFactor.maxAgeSeconds);
    },

    /** A phone change re-authenticates on the current phone (secondFactor.phoneChange, on by default). */
    phoneChangeSatisfied(site: Site, session: BrowserSession): boolean {
      const policy = site.secondFactor;
      return !policy.phoneChange || secondFactorFresh(session.secondFactorAt, clock.now(), policy.maxAgeSeconds);
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
