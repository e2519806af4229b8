/**
 * What people type, made comparable and safe to keep: Unicode NFKC (so "ｆｏｏ" and "foo", or a ligature and its
 * letters, are one name), no control characters (a NUL or a terminal escape has no place in a name and
 * breaks logs and other systems), and case-folded keys for uniqueness (so "Ada" and "ada" are one username).
 */
import { OtpgateError } from './errors.js';

// C0 and C1 controls (Unicode category Cc), and the bidirectional overrides that make text display unlike what it is.
const CONTROL = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/u;

/** NFKC and trimmed; refuses control characters, naming the field. */
export function normaliseText(value: string, field: string): string {
  const normal = value.normalize('NFKC').trim();
  if (CONTROL.test(normal)) throw new OtpgateError('invalid_request', `${field} must not contain control characters.`);
  return normal;
}

/** The uniqueness key of a username: NFKC, then case-folded (locale-independent). */
export const usernameKey = (username: string): string => username.normalize('NFKC').trim().toLowerCase();

/** Emails are compared without case in practice: kept NFKC and lower case. */
export const normaliseEmail = (email: string, field: string): string => normaliseText(email, field).toLowerCase();

// Keys that name a secret. Passwords are out of scope (otpgate signs in by SMS code); a client that sends one
// anyway, as the Salesforce SDKs do, must not have it kept.
const SECRET_KEY = /password|passwd|passphrase|secret|^(pass|pwd|pin|otp|token|credentials?|access_token|refresh_token)$/i;

/** A copy of `data` without secret-looking fields, at any depth. */
export function withoutSecrets<T extends Record<string, unknown>>(data: T): T {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([key]) => !SECRET_KEY.test(key))
        .map(([key, inner]) => [key, strip(inner)]),
    );
  };
  return strip(data) as T;
}
