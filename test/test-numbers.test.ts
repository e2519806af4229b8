/**
 * Test numbers: reserved per site with a fixed code, for app-store reviewers and automated tests. Nothing is
 * sent to them, the fixed code verifies, they answer and are limited like real numbers unless the site exempts
 * them, and production refuses them unless allowed. Real HTTP, SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { configSchema, type ConfigInput } from '../src/config/schema.js';
import { seedUser } from './support/hosted-flows.js';
import { from, person, randomAddress } from './support/people.js';
import { basic, postForm, postJson, startTestServer, type TestServer } from './support/test-server.js';

type SiteInput = NonNullable<ConfigInput['sites']>[number];

const TEST_PHONE = '+14155550199';
const FIXED = '246810';

describe('test numbers', () => {
  let t: TestServer;
  afterEach(() => t.close());

  const site = (testNumbers: SiteInput['testNumbers'] = { numbers: [{ phone: TEST_PHONE, code: FIXED }] }): SiteInput => ({
    id: 'demo',
    name: 'Demo',
    handlers: ['console'],
    testNumbers,
    clients: [{ clientId: 'app', clientSecret: 'app-secret-0123456789abcdef', redirectUris: ['http://app.test/cb'], requirePkce: false }],
  });
  const register = (phone: string, headers = person()) =>
    postJson(
      `${t.url}/demo/services/auth/headless/init/registration`,
      { userdata: { mobilePhone: phone }, verificationmethod: 'sms' },
      headers,
    );
  const login = (phone: string, headers = person()) =>
    postJson(`${t.url}/demo/services/auth/headless/init/passwordless/login`, { username: phone, verificationmethod: 'sms' }, headers);
  const submit = (identifier: unknown, code: string, type: string) =>
    postForm(
      `${t.url}/demo/services/oauth2/authorize`,
      { response_type: 'code_credentials', client_id: 'app', redirect_uri: 'http://app.test/cb' },
      { 'Auth-Request-Type': type, 'Auth-Verification-Type': 'sms', Authorization: basic(String(identifier), code) },
    );

  test('registration and login on a test number: nothing is sent, the fixed code verifies, a wrong one does not', async () => {
    t = await startTestServer({ sites: [site()] });
    const registered = await register(TEST_PHONE);
    assert.equal(registered.status, 200);
    assert.deepEqual(Object.keys(registered.body).sort(), ['email', 'identifier'], 'the same answer as for a real number');
    assert.equal((await submit(registered.body.identifier, '000000', 'user-registration')).body.error, 'invalid_code');
    assert.equal((await submit(registered.body.identifier, FIXED, 'user-registration')).status, 302);

    const started = await login(TEST_PHONE);
    assert.equal(started.status, 200);
    assert.equal((await submit(started.body.identifier, FIXED, 'passwordless-login')).status, 302);
    assert.equal(t.messages.length, 0, 'no message to a test number, ever');
    // The database holds the code only as its HMAC, like any other.
    const stored = await t.store.forSite('demo').verifications.byId(String(started.body.identifier));
    assert.ok(stored && !JSON.stringify(stored).includes(FIXED));
  });

  test('a real number on the same site still gets a random code by SMS', async () => {
    t = await startTestServer({ sites: [site()] });
    await seedUser(t, '+14155550198');
    assert.equal((await login('+14155550198')).status, 200);
    assert.equal(t.messages.length, 1);
    assert.notEqual(t.lastCode('+14155550198'), FIXED);
  });

  test('test numbers are limited like real ones, unless the site exempts them', async () => {
    t = await startTestServer({ sites: [site()] });
    await seedUser(t, TEST_PHONE);
    const one = from(randomAddress());
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await login(TEST_PHONE, one)).body.limit ?? 'ok');
    assert.deepEqual(answers, ['ok', 'resend', 'resend']);
    await t.close();

    t = await startTestServer({ sites: [site({ numbers: [{ phone: TEST_PHONE, code: FIXED }], exemptFromLimits: true })] });
    await seedUser(t, TEST_PHONE);
    for (let i = 0; i < 15; i++) assert.equal((await login(TEST_PHONE, one)).status, 200, `login ${i} from one address`);
  });

  test('the fixed codes stay in the config: the stored site has none', async () => {
    t = await startTestServer({ sites: [site()] });
    const stored = await t.store.sites.byId('demo');
    assert.ok(stored);
    assert.ok(!JSON.stringify(stored.settings).includes(FIXED));
  });
});

test('config: production refuses test numbers unless allowed; a number that is not valid is refused with its path', () => {
  const production = (testNumbers: SiteInput['testNumbers']) =>
    configSchema.safeParse({
      mode: 'production',
      server: { baseUrl: 'https://id.example.com' },
      secrets: {
        hmac: [{ id: 'k', secret: 'a-production-secret-0123456789abcdef' }],
        keyEncryption: [{ id: 'e', secret: 'a-key-encryption-key-0123456789abcdef' }],
      },
      delivery: { defaultHandler: './handler.js' },
      sites: [{ id: 'demo', name: 'Demo', testNumbers }],
    });
  const refused = production({ numbers: [{ phone: TEST_PHONE, code: FIXED }] });
  assert.ok(!refused.success);
  assert.match(JSON.stringify(refused.error.issues), /testNumbers.allowInProduction/);
  assert.ok(production({ numbers: [{ phone: TEST_PHONE, code: FIXED }], allowInProduction: true }).success);
  const invalid = configSchema.safeParse({
    secrets: { hmac: [{ id: 'k', secret: 'dev-secret-0123456789' }] },
    sites: [{ id: 'demo', name: 'Demo', testNumbers: { numbers: [{ phone: '12345', code: FIXED }] } }],
  });
  assert.ok(!invalid.success);
  assert.deepEqual(invalid.error.issues[0]!.path, ['sites', 0, 'testNumbers', 'numbers', 0, 'phone']);
});
