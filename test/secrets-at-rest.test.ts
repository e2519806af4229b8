/**
 * Secrets at rest, tried as someone holding a copy of the database would: client secrets are salted scrypt
 * (nothing a fast hash or a table reverses), and signing private keys are sealed with a key the database
 * does not hold. Old rows (unsalted SHA-256, keys in clear) keep working and are upgraded.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { composeServices } from '../src/app.js';
import { configSchema, type ConfigInput } from '../src/config/schema.js';
import { verifySecret } from '../src/crypto/secret-hash.js';
import { createManualClock } from '../src/domain/clock.js';
import { isOtpgateError } from '../src/domain/errors.js';
import { createKeyring } from '../src/oauth/signing-keys.js';
import { createSqliteStore } from '../src/store/sqlite.js';
import { assertFails, assertOk, cliFixture, json, removeCliFixtures, runCli } from './cli-harness.js';
import { basic, postForm, startTestServer } from './support/test-server.js';

const SECRET = 'same-secret-for-both-clients-0123456789';
const KEK = 'kek-one:' + 'k'.repeat(40);

describe('client secrets at rest', () => {
  test('configured secrets are stored as salted scrypt: two clients with one secret store different hashes', async (t) => {
    const server = await startTestServer({
      sites: [
        {
          id: 'demo',
          name: 'Demo',
          handlers: ['console'],
          clients: [
            { clientId: 'one', clientSecret: SECRET, redirectUris: ['http://app.test/cb'] },
            { clientId: 'two', clientSecret: SECRET, redirectUris: ['http://app.test/cb'] },
          ],
        },
      ],
    });
    t.after(() => server.close());
    const clients = server.store.forSite('demo').clients;
    const [one, two] = [(await clients.byId('one'))!.secretHash!, (await clients.byId('two'))!.secretHash!];
    assert.match(one, /^scrypt\$/);
    assert.notEqual(one, two, 'a salt per secret');
    const fastHashes = [
      createHash('sha256').update(SECRET).digest('base64url'),
      createHash('sha256').update(SECRET).digest('hex'),
      createHash('sha256').update('client-secret').update('\x00').update(SECRET).digest('base64url'),
    ];
    for (const fast of fastHashes) assert.ok(!one.includes(fast) && !two.includes(fast), 'no fast hash of the secret is stored');

    // The token endpoint still authenticates them, and refuses a wrong secret every time (a right one is remembered, a wrong one never).
    const token = (secret: string) =>
      postForm(
        `${server.url}/demo/services/oauth2/token`,
        { grant_type: 'refresh_token', refresh_token: 'x' },
        { authorization: basic('one', secret) },
      );
    assert.equal((await token(SECRET)).body.error, 'invalid_grant', 'authenticated; the grant is what fails');
    assert.equal((await token(SECRET)).body.error, 'invalid_grant');
    assert.equal((await token(`${SECRET}x`)).status, 401);
    assert.equal((await token(SECRET.slice(0, -1))).status, 401);

    // A restart keeps the stored hash (it still matches) instead of rewriting it.
    const restartedHash = (await clients.byId('one'))!.secretHash;
    assert.equal(restartedHash, one);
  });

  test('a secret stored by an older version (unsalted SHA-256) still authenticates, and is upgraded to scrypt', async (t) => {
    const server = await startTestServer();
    t.after(() => server.close());
    const secret = 'legacy-app-secret-0123456789abcdef';
    const legacy = createHash('sha256').update('client-secret').update('\x00').update(secret).digest('base64url');
    const clients = server.store.forSite('demo').clients;
    await clients.upsert({ clientId: 'legacy', name: 'Legacy', secretHash: legacy, redirectUris: ['http://app.test/cb'] });

    const wrong = await postForm(
      `${server.url}/demo/services/oauth2/token`,
      { grant_type: 'refresh_token', refresh_token: 'x' },
      { authorization: basic('legacy', 'not-the-secret-0123456789') },
    );
    assert.equal(wrong.status, 401);
    assert.equal((await clients.byId('legacy'))!.secretHash, legacy, 'a wrong secret upgrades nothing');

    const right = await postForm(
      `${server.url}/demo/services/oauth2/token`,
      { grant_type: 'refresh_token', refresh_token: 'x' },
      { authorization: basic('legacy', secret) },
    );
    assert.equal(right.body.error, 'invalid_grant', 'authenticated with the legacy hash');
    const upgraded = (await clients.byId('legacy'))!.secretHash!;
    assert.match(upgraded, /^scrypt\$/);
    assert.deepEqual(await verifySecret(secret, upgraded), { ok: true, upgrade: false });
  });
});

describe('signing keys at rest', () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    removeCliFixtures();
  });
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'otpgate-keys-'));
    dirs.push(dir);
    return dir;
  };
  const configFor = (dbFile: string, keyEncryption: ConfigInput['secrets']['keyEncryption']) =>
    configSchema.parse({
      server: { logLevel: 'silent', baseUrl: 'http://otpgate.test' },
      database: { url: `sqlite:${dbFile}` },
      secrets: { hmac: [{ id: 't', secret: 'test-secret-test-secret-123' }], keyEncryption },
      sites: [{ id: 'demo', name: 'Demo', handlers: ['console'] }],
    });
  const fileBytes = (dbFile: string) =>
    Buffer.concat([dbFile, `${dbFile}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f))).toString('latin1');

  test('with a key-encryption key, no private key material is in the database files (WAL included)', async () => {
    const dbFile = join(tempDir(), 'keys.db');
    const services = await composeServices({ config: configFor(dbFile, [{ id: 'kek1', secret: 'k'.repeat(40) }]) });
    await services.keyring.signingKey('demo');
    await services.keyring.rotate('demo');
    const jwks = await services.keyring.jwks('demo');
    await services.close();
    const bytes = fileBytes(dbFile);
    assert.ok(
      jwks.keys.every((k) => bytes.includes(k.kty === 'RSA' ? k.n! : k.x!)),
      'the scan reads the right file: public keys are there',
    );
    assert.doesNotMatch(bytes, /"d"\s*:/, 'no JWK private component in clear');
    assert.match(bytes, /enc:v1:kek1:/);
  });

  test('a missing or wrong key-encryption key stops startup with a clear error; the right one starts', async () => {
    const dbFile = join(tempDir(), 'keys.db');
    const first = await composeServices({ config: configFor(dbFile, [{ id: 'kek1', secret: 'k'.repeat(40) }]) });
    await first.keyring.signingKey('demo');
    await first.close();

    const refused = (error: unknown, pattern: RegExp) =>
      isOtpgateError(error) && error.code === 'key_encryption_failed' && pattern.test(error.message);
    await assert.rejects(composeServices({ config: configFor(dbFile, [{ id: 'kek1', secret: 'w'.repeat(40) }]) }), (e) =>
      refused(e, /"kek1" does not open/),
    );
    await assert.rejects(composeServices({ config: configFor(dbFile, [{ id: 'kek2', secret: 'k'.repeat(40) }]) }), (e) =>
      refused(e, /"kek1", which is not configured/),
    );
    await assert.rejects(composeServices({ config: configFor(dbFile, []) }), (e) => refused(e, /not configured/));
    const again = await composeServices({ config: configFor(dbFile, [{ id: 'kek1', secret: 'k'.repeat(40) }]) });
    await again.keyring.signingKey('demo');
    await again.close();
  });

  test('otpgate keys encrypt seals keys written in clear, and re-seals under a new key-encryption key', async () => {
    const cli = cliFixture();
    assertOk(await cli.run('keys', 'rotate', '--site', 'demo'));
    const stored = () => {
      const db = new Database(join(cli.dir, 't.db'), { readonly: true });
      try {
        return (db.prepare('select private_jwk from signing_keys').all() as { private_jwk: string }[]).map((r) => r.private_jwk);
      } finally {
        db.close();
      }
    };
    assert.match(stored()[0]!, /"d"/, 'without a key-encryption key (development) the key is in clear');

    const withKek = (env: string, ...args: string[]) => runCli(['-c', cli.configPath, ...args], { OTPGATE_KEY_ENCRYPTION_KEYS: env });
    const sealed = await withKek(KEK, 'keys', 'encrypt');
    assertOk(sealed);
    assert.match(sealed.stdout, /re-sealed 2 key\(s\) on 1 site\(s\)/, 'one key of each algorithm');
    assert.ok(stored().every((k) => k.startsWith('enc:v1:kek-one:')));
    assertFails(await cli.run('keys', 'list', '--site', 'demo'), 'key_encryption_failed');

    // Rotation: the new key first, the old one still listed so what it sealed opens.
    const rotatedEnv = `kek-two:${'t'.repeat(40)},${KEK}`;
    assertOk(await withKek(rotatedEnv, 'keys', 'encrypt', '--site', 'demo'));
    assert.ok(stored().every((k) => k.startsWith('enc:v1:kek-two:')));
    const listed = json<Array<{ encrypted: boolean }>>(
      await withKek(`kek-two:${'t'.repeat(40)}`, 'keys', 'list', '--site', 'demo', '--json'),
    );
    assert.deepEqual(
      listed.map((k) => k.encrypted),
      [true, true],
      'the old key-encryption key is no longer needed',
    );
  });
});

describe('otpgate keys retire', () => {
  test('old keys leave the JWKS only once every token they signed has expired; the signing keys (one per algorithm) never', async (t) => {
    const store = createSqliteStore('sqlite::memory:');
    t.after(() => store.close());
    await store.migrate();
    const clock = createManualClock(new Date('2026-06-01T00:00:00Z'));
    const keyring = createKeyring(store, clock, { cacheMs: 10_000 });
    // The JWKS publishes a key of each algorithm from the start.
    const first = (await keyring.jwks('demo')).keys.map((k) => ({ kid: k.kid!, alg: k.alg, kty: k.kty }));
    assert.deepEqual(first.map((k) => [k.alg, k.kty]).sort(), [
      ['ES256', 'EC'],
      ['RS256', 'RSA'],
    ]);
    clock.advance(60_000);
    const second = await keyring.rotate('demo');
    assert.equal(second.length, 2, 'a rotation makes a new key of each algorithm');
    assert.deepEqual(
      (await Promise.all(['RS256', 'ES256'].map(async (alg) => (await keyring.signingKey('demo', alg as 'RS256')).kid))).sort(),
      [...second].sort(),
    );
    const lifetime = 3600;

    const fails = (code: string) => (error: unknown) => isOtpgateError(error) && error.code === code;
    for (const kid of second) await assert.rejects(keyring.retire('demo', lifetime, kid), fails('key_active'));
    for (const { kid } of first)
      await assert.rejects(keyring.retire('demo', lifetime, kid), fails('key_in_use'), 'its id_tokens may still be valid');
    await assert.rejects(keyring.retire('demo', lifetime, 'nope'), fails('key_not_found'));
    assert.deepEqual(await keyring.retire('demo', lifetime), [], 'nothing to retire yet');

    // The rotation's two keys are a millisecond apart (newest strictly newer), so a second more covers both.
    clock.advance(lifetime * 1000 + 11_000);
    assert.deepEqual((await keyring.retire('demo', lifetime)).sort(), first.map((k) => k.kid).sort());
    assert.deepEqual((await keyring.jwks('demo')).keys.map((k) => k.kid).sort(), [...second].sort());
  });

  test('the command refuses the signing key with a clear error', async () => {
    const cli = cliFixture();
    assertOk(await cli.run('keys', 'rotate', '--site', 'demo'));
    const [active] = json<Array<{ kid: string }>>(await cli.run('keys', 'list', '--site', 'demo', '--json'));
    assertFails(await cli.run('keys', 'retire', '--site', 'demo', '--kid', active!.kid), 'key_active');
    const none = await cli.run('keys', 'retire', '--site', 'demo');
    assertOk(none);
    assert.match(none.stdout, /no key can be retired yet/);
  });
});
