/**
 * Salesforce's identity URL: the token response's `id` names it, `{site}/id/{organizationId}/{userId}`, and the
 * Salesforce Mobile SDKs read the organization and user ids from its last two path segments, then call it with
 * the access token and keep the `username` it answers. otpgate has no Salesforce org: each site gets a stable
 * organization id of its own, derived from the site id, so the URL and the ids in it never change.
 */
import { createHash } from 'node:crypto';
import { parsePhone } from '../domain/phone.js';
import type { User } from '../domain/user.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CHECKSUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/**
 * A Salesforce-shaped organization id (key prefix `00D`, 18 characters): 12 base62 characters of SHA-256 of the
 * site id, then Salesforce's 3-character case checksum, so code that checks an 18-character id accepts it.
 */
export function organizationIdOf(siteId: string): string {
  const digest = createHash('sha256').update(`otpgate-organization:${siteId}`).digest();
  let body = '00D';
  for (let i = 0; body.length < 15; i++) body += BASE62[digest[i]! % 62];
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) if (/[A-Z]/.test(body[chunk * 5 + i]!)) bits |= 1 << i;
    suffix += CHECKSUM[bits];
  }
  return body + suffix;
}

export const identityUrl = (siteUrl: string, siteId: string, userId: string): string =>
  `${siteUrl}/id/${organizationIdOf(siteId)}/${userId}`;

/**
 * Salesforce's identity response shape with only what otpgate knows filled in; the rest is null. Profile, email
 * and phone fields follow the same scopes as the userinfo claims (`api` grants all three, as Salesforce's does).
 */
export function identityResponse(input: { siteUrl: string; siteId: string; user: User; scopes: string[] }): Record<string, unknown> {
  const { siteUrl, siteId, user, scopes } = input;
  const has = (scope: string) => scopes.includes(scope) || scopes.includes('api') || scopes.includes('full');
  const username = shownUsername(user, has('phone'));
  const name = [user.firstName, user.lastName].filter(Boolean).join(' ') || username;
  const profile = has('profile');
  const email = has('email') && user.email !== null;
  const phone = has('phone') && user.phone !== null;
  return {
    id: identityUrl(siteUrl, siteId, user.id),
    asserted_user: true,
    user_id: user.id,
    organization_id: organizationIdOf(siteId),
    username,
    nick_name: username,
    display_name: profile ? name : username,
    email: email ? user.email : null,
    email_verified: email ? false : null,
    first_name: profile ? user.firstName : null,
    last_name: profile ? user.lastName : null,
    mobile_phone: phone ? user.phone : null,
    mobile_phone_verified: phone ? user.phoneVerified : null,
    active: user.status === 'active',
    user_type: null,
    language: profile ? user.locale : null,
    locale: profile ? user.locale : null,
    utcOffset: null,
    last_modified_date: user.updatedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    // Salesforce lists its REST APIs here; otpgate has none of them, only the site and its account page.
    urls: { custom_domain: siteUrl, profile: `${siteUrl}/account` },
    // The token was issued to an app configured on the site: it is installed, in Salesforce's words.
    is_app_installed: true,
  };
}

/**
 * The username as an app may see it. A user registered without one has their phone number as username
 * (flows/site-hooks.ts): that is the number itself, shown only to an app granted the phone (`phone`, `api`, `full`).
 */
export function shownUsername(user: User, phoneGranted: boolean): string | null {
  if (phoneGranted || user.phone === null) return user.username;
  return user.username === user.phone || parsePhone(user.username)?.e164 === user.phone ? null : user.username;
}
