import { randomBytes } from 'node:crypto';

/**
 * `length` decimal digits, each uniform over 0-9. Bytes >= 250 are rejected and redrawn: taking
 * `byte % 10` of every byte would make 0-5 slightly likelier than 6-9 (256 is not a multiple of 10).
 */
export function randomDigits(length: number): string {
  if (!Number.isInteger(length) || length < 1 || length > 64) throw new RangeError('length must be 1-64');
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= 250) continue;
      out += String(byte % 10);
      if (out.length === length) break;
    }
  }
  return out;
}

/** An unguessable opaque token (identifiers, authorization codes, access and refresh tokens). */
export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}
