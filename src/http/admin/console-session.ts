import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { constantTimeEqual } from '../../crypto/code-hasher.js';
import type { AdminServices, SiteUrls } from '../services.js';

/**
 * The admin console's own sign-in: a cookie `{expiry}.{nonce}.{mac}`, the MAC under a key derived from admin.token.
 * Stateless, so every instance accepts it; changing the token signs everyone out. HttpOnly, SameSite=Strict (no
 * other site's page can ride it, not even a link), Secure on https, path /admin, and short (admin.sessionMinutes).
 * Signing out clears the cookie; a copied cookie stays valid until it expires, which the short lifetime bounds.
 */
const COOKIE = 'otpgate_admin';

const keyOf = (token: string) => createHmac('sha256', token).update('otpgate admin console session v1').digest();
const macOf = (token: string, value: string) => createHmac('sha256', keyOf(token)).update(value).digest('base64url');

const cookieOptions = (urls: Pick<SiteUrls, 'secureCookies'>) => ({
  path: '/admin',
  httpOnly: true,
  sameSite: 'strict' as const,
  secure: urls.secureCookies,
});

export function startConsoleSession(
  admin: Pick<AdminServices, 'token' | 'sessionMinutes'>,
  urls: Pick<SiteUrls, 'secureCookies'>,
  reply: FastifyReply,
  now: Date,
): void {
  if (admin.token === null) return;
  const expires = new Date(now.getTime() + admin.sessionMinutes * 60_000);
  const value = `${expires.getTime()}.${randomBytes(16).toString('base64url')}`;
  reply.setCookie(COOKIE, `${value}.${macOf(admin.token, value)}`, { ...cookieOptions(urls), expires });
}

export function endConsoleSession(urls: Pick<SiteUrls, 'secureCookies'>, reply: FastifyReply): void {
  reply.clearCookie(COOKIE, cookieOptions(urls));
}

/** Whether the request carries a console session that this token made and that has not expired. */
export function hasConsoleSession(admin: Pick<AdminServices, 'token'>, request: FastifyRequest, now: Date): boolean {
  const cookie = request.cookies[COOKIE];
  if (admin.token === null || !cookie) return false;
  const cut = cookie.lastIndexOf('.');
  const value = cookie.slice(0, cut);
  const expires = Number(value.split('.')[0]);
  return (
    cut > 0 && constantTimeEqual(cookie.slice(cut + 1), macOf(admin.token, value)) && Number.isFinite(expires) && expires > now.getTime()
  );
}
