import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCodeHasher, constantTimeEqual } from './code-hasher.js';
import { randomDigits, randomToken } from './random.js';

test('randomDigits gives the asked length of digits only', () => {
  for (const length of [4, 6, 10]) assert.match(randomDigits(length), new RegExp(`^\\d{${length}}$`));
  assert.throws(() => randomDigits(0), RangeError);
});

test('randomDigits is uniform: each digit near 10% over 200k draws', () => {
  const counts = new Array<number>(10).fill(0);
  const draws = 200_000;
  let s = '';
  while (s.length < draws) s += randomDigits(64);
  for (const ch of s.slice(0, draws)) counts[Number(ch)]!++;
  // A modulo-biased generator puts 0-5 at ~10.16% and 6-9 at ~9.77%; 0.25% is ~8 standard deviations.
  for (const c of counts) assert.ok(Math.abs(c / draws - 0.1) < 0.0025, `digit share ${c / draws}`);
});

test('randomToken never hands out the same bytes twice, across many refills of the pool it draws from', () => {
  // 5000 tokens of 32 bytes span 40 refills of the 4 KiB pool; a reused or overlapping slice would repeat a token.
  const tokens = new Set(Array.from({ length: 5000 }, () => randomToken(32)));
  assert.equal(tokens.size, 5000);
  // Consecutive tokens share no 8-byte run either (an off-by-some overlap would).
  const a = Buffer.from(randomToken(32), 'base64url');
  const b = Buffer.from(randomToken(32), 'base64url');
  for (let i = 0; i + 8 <= 32; i++) assert.equal(b.includes(a.subarray(i, i + 8)), false);
});

test('randomToken is url-safe and unique', () => {
  const a = randomToken();
  assert.match(a, /^[A-Za-z0-9_-]{32}$/);
  assert.notEqual(a, randomToken());
});

test('code hash verifies the right code only, bound to its identifier', () => {
  const hasher = createCodeHasher([{ id: 'k1', secret: 'secret-one' }]);
  const stored = hasher.hash('ident-1', '123456');
  assert.equal(stored.keyId, 'k1');
  assert.ok(!stored.hash.includes('123456'));
  assert.equal(hasher.verify('ident-1', '123456', stored), true);
  assert.equal(hasher.verify('ident-1', '123457', stored), false);
  assert.equal(hasher.verify('ident-2', '123456', stored), false);
});

test('rotation: new codes use the first secret, old hashes still verify, removed secrets do not', () => {
  const old = createCodeHasher([{ id: 'k1', secret: 'one' }]).hash('i', '999999');
  const rotated = createCodeHasher([
    { id: 'k2', secret: 'two' },
    { id: 'k1', secret: 'one' },
  ]);
  assert.equal(rotated.hash('i', '1').keyId, 'k2');
  assert.equal(rotated.verify('i', '999999', old), true);
  assert.equal(createCodeHasher([{ id: 'k2', secret: 'two' }]).verify('i', '999999', old), false);
});

test('constantTimeEqual', () => {
  assert.equal(constantTimeEqual('abc', 'abc'), true);
  assert.equal(constantTimeEqual('abc', 'abd'), false);
  assert.equal(constantTimeEqual('abc', 'abcd'), false);
});
