/**
 * A browser session on a site's hosted pages. The cookie carries a random token; the store keeps only its
 * hash, so a database leak cannot be replayed as a cookie.
 */
export interface BrowserSession {
  tokenHash: string;
  siteId: string;
  userId: string;
  /** When the user proved their phone to sign in: the id_token's auth_time, and what max_age is measured from. */
  authTime: Date;
  /** The last second factor (identity verification) passed in this session; null before the first. */
  secondFactorAt: Date | null;
  createdAt: Date;
  /** The absolute end, fixed at sign-in: activity never moves it. */
  expiresAt: Date;
  /** The last recorded activity (at most SESSION_ACTIVITY_GRANULARITY_MS stale); the idle timeout counts from it. */
  lastSeenAt: Date;
  revokedAt: Date | null;
}

/** How long a site's sessions live: idle (since the last activity) and absolute (since sign-in). */
export interface SessionPolicy {
  idleTimeoutSeconds: number;
  absoluteLifetimeSeconds: number;
}

/**
 * Activity is written at most this often, so a page view is a read, not a write. The idle timeout is therefore
 * enforced to within this much (a session may end up to a minute early, never late).
 */
export const SESSION_ACTIVITY_GRANULARITY_MS = 60_000;

/**
 * True while the session may be used: not revoked, within its absolute lifetime (the stored end, and the
 * site's current policy, so shortening the lifetime reaches sessions already open) and not idle too long.
 */
export function sessionLive(session: BrowserSession, now: Date, policy: SessionPolicy): boolean {
  const t = now.getTime();
  return (
    session.revokedAt === null &&
    session.expiresAt.getTime() > t &&
    session.createdAt.getTime() + policy.absoluteLifetimeSeconds * 1000 > t &&
    session.lastSeenAt.getTime() + policy.idleTimeoutSeconds * 1000 > t
  );
}

/** When a live session ends if the user does nothing more: the cookie's expiry. */
export function sessionEndsAt(session: BrowserSession, policy: SessionPolicy): Date {
  return new Date(
    Math.min(
      session.expiresAt.getTime(),
      session.createdAt.getTime() + policy.absoluteLifetimeSeconds * 1000,
      session.lastSeenAt.getTime() + policy.idleTimeoutSeconds * 1000,
    ),
  );
}

/** True when enough time passed since the last recorded activity that this request should record it. */
export function activityDue(session: BrowserSession, now: Date): boolean {
  return now.getTime() - session.lastSeenAt.getTime() >= SESSION_ACTIVITY_GRANULARITY_MS;
}

/** True when a second factor (a session's, or a token family's step-up) was passed within `maxAgeSeconds`. */
export function secondFactorFresh(passedAt: Date | null, now: Date, maxAgeSeconds: number): boolean {
  return passedAt !== null && now.getTime() - passedAt.getTime() <= maxAgeSeconds * 1000;
}
