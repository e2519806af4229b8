import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePhone } from './phone.js';

test('parsePhone answers a repeated number as it did the first time, per default country, refusals included', () => {
  for (let round = 0; round < 2; round++) {
    // Without a +, the default country decides: the same digits are a US mobile and not a valid GB number.
    assert.deepEqual(parsePhone('4155552671', 'US'), { e164: '+14155552671', country: 'US', prefix: '+1415' });
    assert.equal(parsePhone('4155552671', 'GB'), null);
    assert.deepEqual(parsePhone('+447400123456'), { e164: '+447400123456', country: 'GB', prefix: '+44740' });
    assert.equal(parsePhone('+44 20 7946 0000'), null, 'a fixed line cannot receive a text');
    assert.equal(parsePhone('not a number'), null);
  }
});

test('a remembered answer cannot be changed by one caller for the next', () => {
  const first = parsePhone('+14155552671');
  assert.ok(first);
  assert.throws(() => {
    (first as { country: string | null }).country = 'XX';
  }, TypeError);
  assert.equal(parsePhone('+14155552671')?.country, 'US');
});
