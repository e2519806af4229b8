import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BrowserSession } from '../../domain/session.js';
import type { Site } from '../../domain/site.js';
import type { User } from '../../domain/user.js';
import type { HttpServices } from '../services.js';
import { siteOf } from './context.js';

/**
 * One cookie per site (path /{site}): HttpOnly so no script can read it, SameSite=Lax so other sites'
 * forms cannot ride it while links from apps still arrive signed in, Secure whenever the server is https and
 * always in production. It expires with the session: at the idle timeout, moved on by activity, never past
 * the absolute lifetime.
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

/**
 * The signed-in session behind the request's cookie, or null (none, revoked, idle too long, past its absolute
 * lifetime). A session whose activity this request recorded gets its cookie again with the moved expiry, so
 * the browser forgets the cookie when the server would refuse it.
 */
export async function currentSession(
  services: SessionCookies,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<{ session: BrowserSession; user: User } | null> {
  const site = siteOf(request);
  const token = request.cookies[SESSION_COOKIE];
  if (!site || !token) return null;
  const resolved = await services.sessions.resolve(site, token);
  if (!resolved) return null;
  if (resolved.renewed) reply.setCookie(SESSION_COOKIE, token, { ...options(services, site), expires: resolved.endsAt });
  return { session: resolved.session, user: resolved.user };
}

/** Ends the browser's previous session, if any, and starts a new one: a fresh token at every sign-in (no fixation). */
export async function signIn(services: SessionCookies, request: FastifyRequest, reply: FastifyReply, user: User): Promise<void> {
  const site = request.site;
  await services.sessions.end(site, request.cookies[SESSION_COOKIE]);
  const { token, endsAt } = await services.sessions.start(site, user);
  reply.setCookie(SESSION_COOKIE, token, { ...options(services, site), expires: endsAt });
}

export async function signOut(services: SessionCookies, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const site = request.site;
  await services.sessions.end(site, request.cookies[SESSION_COOKIE]);
  reply.clearCookie(SESSION_COOKIE, options(services, site));
}
