import { randomFillSync } from 'node:crypto';

/*
 * Bytes from the CSPRNG, drawn 4 KiB at a time: one OpenSSL call per draw cost about 10 µs, and a login takes six
 * small ones (issue 12). Each byte is handed out once (copied out, then the offset moves past it); the pool is as
 * secret as OpenSSL's own state, which also sits in this process's memory.
 */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

function randomBytes(size: number): Buffer {
  if (size > POOL_SIZE / 4) return randomFillSync(Buffer.alloc(size));
  if (offset + size > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + size)); // a copy: the pool's bytes are overwritten later
  offset += size;
  return out;
}

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
