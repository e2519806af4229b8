/**
 * Client secrets at rest: scrypt with a random salt per secret, so a leaked table gives nothing a fast hash
 * or a precomputed table could reverse, and two clients with the same secret store different hashes.
 * The stored form describes itself (`scrypt$N$r$p$salt$hash`), so the cost can be raised later and old
 * hashes still verify. Hashes written before this (unsalted SHA-256) still verify and are reported for upgrade.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { constantTimeEqual, hashToken } from './code-hasher.js';

/** N = 2^15, r = 8, p = 1: RFC 7914's interactive-login range, ~32 MB and tens of milliseconds per hash. */
const COST = { N: 32_768, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
/** A stored hash with a larger cost than this is refused rather than run (a tampered row must not exhaust memory). */
const MAX_N = 1 << 17;

const scrypt = (secret: string, salt: Buffer, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCallback(secret, salt, KEY_LENGTH, { ...options, maxmem: 256 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(secret, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export interface SecretCheck {
  ok: boolean;
  /** The stored hash is of an older kind or cost: rehash the secret that just verified. */
  upgrade: boolean;
}

export async function verifySecret(secret: string, stored: string): Promise<SecretCheck> {
  if (!stored.startsWith('scrypt$')) {
    // Before scrypt: SHA-256 of a namespace and the secret, unsalted.
    const ok = constantTimeEqual(hashToken('client-secret', secret), stored);
    return { ok, upgrade: ok };
  }
  const [, n, r, p, salt, hash] = stored.split('$');
  const options = { N: Number(n), r: Number(r), p: Number(p) };
  if (!salt || !hash || ![options.N, options.r, options.p].every(Number.isSafeInteger) || options.N > MAX_N)
    return { ok: false, upgrade: false };
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(secret, Buffer.from(salt, 'base64url'), options);
  const ok = expected.length === actual.length && timingSafeEqual(expected, actual);
  return { ok, upgrade: ok && (options.N !== COST.N || options.r !== COST.r || options.p !== COST.p) };
}
