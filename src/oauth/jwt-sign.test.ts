import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { test } from 'node:test';
import { decodeProtectedHeader, generateKeyPair, jwtVerify } from 'jose';
import { signJwt } from './jwt-sign.js';

for (const alg of ['RS256', 'ES256'] as const) {
  test(`a ${alg} token signed on the thread pool verifies with jose, and a changed claim does not`, async () => {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const token = await signJwt(
      { alg, kid: 'k1', typ: 'JWT' },
      { iss: 'https://id.example.com/acme', sub: 'u1', aud: 'app', iat: 1_800_000_000, exp: 4_000_000_000, nonce: 'n-1' },
      privateKey as KeyObject,
    );
    assert.deepEqual(decodeProtectedHeader(token), { alg, kid: 'k1', typ: 'JWT' });
    const { payload } = await jwtVerify(token, publicKey, { issuer: 'https://id.example.com/acme', audience: 'app', algorithms: [alg] });
    assert.equal(payload.sub, 'u1');
    assert.equal(payload.nonce, 'n-1');

    const [header, body, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');
    await assert.rejects(() => jwtVerify(`${header}.${forged}.${signature}`, publicKey), /signature verification failed/);
  });
}
