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
  expiresAt: Date;
  revokedAt: Date | null;
}

/** True while the session may be used: not revoked and not expired. */
export function sessionLive(session: BrowserSession, now: Date): boolean {
  return session.revokedAt === null && session.expiresAt > now;
}

/** True when a second factor was passed within `maxAgeSeconds`. */
export function secondFactorFresh(session: BrowserSession, now: Date, maxAgeSeconds: number): boolean {
  return session.secondFactorAt !== null && now.getTime() - session.secondFactorAt.getTime() <= maxAgeSeconds * 1000;
}
