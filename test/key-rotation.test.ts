/** Signing key rotation: the new key signs, old keys stay published, and several instances agree quickly. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { systemClock } from '../src/domain/clock.js';
import { createKeyring } from '../src/oauth/signing-keys.js';
import { createSqliteStore } from '../src/store/sqlite.js';
import { assertFails, assertOk, cliFixture, json, removeCliFixtures } from './cli-harness.js';
import { seedUser } from './support/hosted-flows.js';
import { basic, postForm, postJson, startTestServer } from './support/test-server.js';

describe('signing key rotation', () => {
  after(removeCliFixtures);

  test('two instances on one database sign with the rotated keys within the cache time', async (t) => {
    const store = createSqliteStore('sqlite::memory:');
    t.after(() => store.close());
    await store.migrate();
    const a = createKeyring(store, systemClock, { cacheMs: 2000 }); // longer than an RSA key takes to make
    const b = createKeyring(store, systemClock, { cacheMs: 2000 });
    const first = (await a.signingKey('demo')).kid;
    assert.equal((await b.signingKey('demo')).kid, first, 'the first key is shared, not one per instance');
    const firstEc = (await a.signingKey('demo', 'ES256')).kid;
    assert.notEqual(firstEc, first, 'a key per algorithm');

    const [rotated, rotatedEc] = await a.rotate('demo');
    assert.notEqual(rotated, first);
    assert.equal((await a.signingKey('demo')).kid, rotated, 'the rotating instance switches at once');
    assert.equal((await a.signingKey('demo', 'ES256')).kid, rotatedEc, 'for both algorithms');
    assert.equal((await b.signingKey('demo')).kid, first, 'the other instance still has its cached key');
    await new Promise((resolve) => setTimeout(resolve, 2100));
    assert.equal((await b.signingKey('demo')).kid, rotated, 'and switches once its cache expires');
    assert.equal((await b.signingKey('demo', 'ES256')).kid, rotatedEc);
    assert.deepEqual(
      (await b.jwks('demo')).keys.map((k) => k.kid).sort(),
      [rotated, rotatedEc, first, firstEc].sort(),
      'every key is published',
    );
  });

  test('id_tokens signed before a rotation still verify against the JWKS; new ones use the new key', async (t) => {
    const server = await startTestServer();
    t.after(() => server.close());
    await seedUser(server, '+14155550501');
    const idToken = async () => {
      const init = await postJson(`${server.url}/demo/services/auth/headless/init/passwordless/login`, {
        username: '+14155550501',
        verificationmethod: 'sms',
      });
      const authorized = await postForm(
        `${server.url}/demo/services/oauth2/authorize`,
        { response_type: 'code_credentials', client_id: 'server-app', redirect_uri: 'http://app.test/callback', scope: 'openid' },
        {
          'Auth-Request-Type': 'passwordless-login',
          'Auth-Verification-Type': 'sms',
          Authorization: basic(String(init.body.identifier), server.lastCode('+14155550501')),
        },
      );
      const code = new URL(authorized.headers.get('location')!).searchParams.get('code')!;
      const tokens = await postForm(
        `${server.url}/demo/services/oauth2/token`,
        { grant_type: 'authorization_code', code, redirect_uri: 'http://app.test/callback' },
        { authorization: basic('server-app', 'server-app-secret-123456') },
      );
      return String(tokens.body.id_token);
    };
    const before = await idToken();
    await server.keyring.rotate('demo');
    const afterRotation = await idToken();
    assert.notEqual(decodeProtectedHeader(before).kid, decodeProtectedHeader(afterRotation).kid);
    const jwks = (await (await fetch(`${server.url}/demo/id/keys`)).json()) as JSONWebKeySet;
    // The RSA key of before, and a key of each algorithm from the rotation.
    assert.deepEqual(jwks.keys.map((k) => k.kty).sort(), ['EC', 'RSA', 'RSA']);
    assert.equal(decodeProtectedHeader(afterRotation).alg, 'RS256', 'the default alg, the one every library accepts');
    for (const token of [before, afterRotation]) {
      const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: 'http://otpgate.test/demo', audience: 'server-app' });
      assert.equal(typeof payload.auth_time, 'number');
    }
  });

  test('otpgate keys rotate and keys list', async () => {
    const cli = cliFixture();
    const rotated = await cli.run('keys', 'rotate', '--site', 'demo');
    assertOk(rotated);
    const kids = /signs with keys (\S+), (\S+);/.exec(rotated.stdout)?.slice(1);
    assert.ok(kids, rotated.stdout);
    assertOk(await cli.run('keys', 'rotate', '--site', 'demo'));
    const keys = json<Array<{ kid: string; alg: string; signing: boolean }>>(await cli.run('keys', 'list', '--site', 'demo', '--json'));
    assert.equal(keys.length, 4);
    assert.deepEqual(
      keys
        .filter((k) => k.signing)
        .map((k) => k.alg)
        .sort(),
      ['ES256', 'RS256'],
      'one signing key per algorithm',
    );
    assert.deepEqual(
      keys
        .filter((k) => !k.signing)
        .map((k) => k.kid)
        .sort(),
      [...kids].sort(),
      'the earlier keys stay, no longer signing',
    );
    assert.doesNotMatch(JSON.stringify(keys), /"d"/, 'no private key material is printed');
    assertFails(await cli.run('keys', 'rotate', '--site', 'nope'), 'site_not_found');
  });
});
