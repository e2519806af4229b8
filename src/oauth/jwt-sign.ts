/**
 * A JWT in compact serialisation (RFC 7515 §7.1, RFC 7519), signed on libuv's thread pool. jose signs with
 * node:crypto's synchronous one-shot call: an RSA-2048 signature held the event loop for ~5 % of a login
 * (issue 12), while the machine's other core sat partly idle. The callback form of `crypto.sign` runs the same
 * OpenSSL operation on a pool thread. jose still makes and reads the keys and verifies tokens, in the tests too.
 */
import { sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { SigningAlg } from '../domain/oauth.js';

const signOnPool = promisify(sign);

const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function signJwt(
  header: { alg: SigningAlg; kid: string; typ: 'JWT' },
  claims: Record<string, unknown>,
  key: KeyObject,
): Promise<string> {
  const input = `${segment(header)}.${segment(claims)}`;
  // Both algorithms hash with SHA-256; ES256 wants the raw r||s form (RFC 7518 §3.4), not DER.
  const signature = await signOnPool('sha256', Buffer.from(input), header.alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${signature.toString('base64url')}`;
}
