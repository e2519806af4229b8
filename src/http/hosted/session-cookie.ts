import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BrowserSession } from '../../domain/session.js';
import type { Site } from '../../domain/site.js';
import type { User } from '../../domain/user.js';
import type { HttpServices } from '../services.js';
import { siteOf } from './context.js';

/**
 * One cookie per site (path /{site}): HttpOnly so no script can read it, SameSite=Lax so other sites'
 * forms cannot ride it while links from apps still arrive signed in, Secure whenever the server is https.
 */
const SESSION_COOKIE = 'otpgate_session';

/** What reading and writing the session cookie needs. */
export type SessionCookies = Pick<HttpServices, 'sessions' | 'urls'>;

const options = ({ urls }: SessionCookies, site: Site) => ({
  path: `/${site.id}`,
  httpOnly: true,
  sameSite: 'lax' as const,
  secure: urls.secureCookies,
});

export async function currentSession(
  { sessions }: Pick<HttpServices, 'sessions'>,
  request: FastifyRequest,
): Promise<{ session: BrowserSession; user: User } | null> {
  const site = siteOf(request);
  return site ? sessions.resolve(site, request.cookies[SESSION_COOKIE]) : null;
}

/** Ends the browser's previous session, if any, and starts a new one: a fresh token at every sign-in (no fixation). */
export async function signIn(services: SessionCookies, request: FastifyRequest, reply: FastifyReply, user: User): Promise<void> {
  const site = request.site;
  await services.sessions.end(site, request.cookies[SESSION_COOKIE]);
  const { token, session } = await services.sessions.start(site, user);
  reply.setCookie(SESSION_COOKIE, token, { ...options(services, site), expires: session.expiresAt });
}

export async function signOut(services: SessionCookies, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const site = request.site;
  await services.sessions.end(site, request.cookies[SESSION_COOKIE]);
  reply.clearCookie(SESSION_COOKIE, options(services, site));
}
