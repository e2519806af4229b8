import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isOtpgateError } from './errors.js';
import { normaliseEmail, normaliseText, usernameKey, withoutSecrets } from './text.js';

test('names are NFKC and trimmed; control characters and bidi overrides are refused, naming the field', () => {
  assert.equal(normaliseText('  ＡＤＡ ', 'userdata.firstName'), 'ADA');
  assert.equal(normaliseText('ﬁona', 'userdata.firstName'), 'fiona', 'a ligature is its letters');
  for (const bad of ['ad\u0000a', 'ada\u001b[31m', 'ada\u202egnp.exe', 'a\u0085b'])
    assert.throws(
      () => normaliseText(bad, 'userdata.username'),
      (e) => isOtpgateError(e) && e.code === 'invalid_request' && /userdata\.username/.test(e.message),
    );
});

test('usernames are unique without case or width; emails are kept in lower case', () => {
  assert.equal(usernameKey('Ada'), usernameKey('ada'));
  assert.equal(usernameKey('ＡＤＡ'), usernameKey('ada'));
  assert.equal(normaliseEmail(' Ada@Example.COM ', 'email'), 'ada@example.com');
});

test('withoutSecrets drops passwords and other secrets at any depth, and keeps the rest', () => {
  const cleaned = withoutSecrets({
    firstName: 'Ada',
    password: 'hunter2',
    confirmPassword: 'hunter2',
    shipping: 'keep me',
    nested: { pin: '1234', pinned: true, list: [{ client_secret: 'x', note: 'ok' }] },
  });
  assert.deepEqual(cleaned, { firstName: 'Ada', shipping: 'keep me', nested: { pinned: true, list: [{ note: 'ok' }] } });
});
