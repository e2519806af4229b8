import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface HmacSecret {
  id: string;
  secret: string;
}

export interface CodeHasher {
  /** HMAC under the current (first) secret. */
  hash(identifier: string, code: string): { hash: string; keyId: string };
  /** Compares in constant time under the secret the hash was made with (older secrets still verify). */
  verify(identifier: string, code: string, stored: { hash: string; keyId: string }): boolean;
}

/**
 * Codes are stored as HMAC(secret, identifier || code): a database dump alone cannot brute-force the
 * small code space, and binding the identifier means one code hash cannot be replayed elsewhere.
 * Secrets rotate: new codes use the first, existing codes verify under the one they were made with.
 */
export function createCodeHasher(secrets: readonly HmacSecret[]): CodeHasher {
  const current = secrets[0];
  if (!current) throw new Error('at least one HMAC secret is required');
  const byId = new Map(secrets.map((s) => [s.id, s.secret]));
  const mac = (secret: string, identifier: string, code: string) =>
    // A separator keeps ("ab","1") and ("a","b1") apart.
    createHmac('sha256', secret).update(identifier).update('\x00').update(code).digest();
  return {
    hash(identifier, code) {
      return { hash: mac(current.secret, identifier, code).toString('base64url'), keyId: current.id };
    },
    verify(identifier, code, stored) {
      const secret = byId.get(stored.keyId);
      if (secret === undefined) return false;
      const expected = Buffer.from(stored.hash, 'base64url');
      const actual = mac(secret, identifier, code);
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    },
  };
}

/**
 * The stored form of a bearer secret we look up by value (tokens, authorization codes, client secrets).
 * Unkeyed on purpose: these are high-entropy, so a plain SHA-256 cannot be reversed, and lookups keep
 * working when the HMAC secrets rotate. Pass a namespace to keep kinds apart.
 */
export function hashToken(namespace: string, token: string): string {
  return createHash('sha256').update(namespace).update('\x00').update(token).digest('base64url');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
