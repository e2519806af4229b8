/**
 * NIST SP 800-63B 5.2.2, tried as a patient attacker: wrong codes in a row against one phone, over as many
 * verifications as it takes. At 100 with no right code between, the phone is locked (not even the right code
 * works, no new code is sent) until an administrator runs `otpgate phone unlock`; every step is in the audit
 * log, which `otpgate audit` shows. Real HTTP, SQLite and PostgreSQL, and the real CLI.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { ConfigInput } from '../src/config/schema.js';
import { assertFails, assertOk, cliOnServer, removeCliFixtures } from './cli-harness.js';
import { seedUser } from './support/hosted-flows.js';
import { eventually } from './support/eventually.js';
import { person } from './support/people.js';
import { basic, postForm, postJson, startTestServer, type TestServer } from './support/test-server.js';

type SiteInput = NonNullable<ConfigInput['sites']>[number];

const PHONE = '+14155550961';

describe('phone lock after wrong codes in a row', () => {
  let t: TestServer;
  afterEach(async () => {
    await t.close();
    removeCliFixtures();
  });

  // The guess budget and send limits are raised so that only the lock stands between the attacker and the phone.
  const site: SiteInput = {
    id: 'demo',
    name: 'Demo',
    handlers: ['console'],
    policy: { maxAttempts: 20, resendIntervalSeconds: 0, maxSendsPerPhonePerHour: 1000, sendsPerPhone: { perDay: 10_000 } },
    guessBudget: { perHour: 1000, perDay: 10_000 },
    clients: [{ clientId: 'app', clientSecret: 'app-secret-0123456789abcdef', redirectUris: ['http://app.test/cb'], requirePkce: false }],
  };
  async function start() {
    t = await startTestServer({ sites: [site] });
    await seedUser(t, PHONE);
  }
  const cli = () => cliOnServer(t.databaseUrl, [site]);
  const initLogin = () =>
    postJson(`${t.url}/demo/services/auth/headless/init/passwordless/login`, { username: PHONE, verificationmethod: 'sms' }, person());
  // A registration for the (taken) number: its owner gets a notice, the attacker an identifier to guess against.
  const initRegistration = () =>
    postJson(
      `${t.url}/demo/services/auth/headless/init/registration`,
      { userdata: { mobilePhone: PHONE }, verificationmethod: 'sms' },
      person(),
    );
  const submit = (identifier: unknown, code: string, type = 'passwordless-login') =>
    postForm(
      `${t.url}/demo/services/oauth2/authorize`,
      { response_type: 'code_credentials', client_id: 'app', redirect_uri: 'http://app.test/cb' },
      { 'Auth-Request-Type': type, 'Auth-Verification-Type': 'sms', Authorization: basic(String(identifier), code) },
    );
  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  let identifier: unknown = null;
  /** `n` wrong codes, starting new verifications (logins, or registrations) whenever one locks. Returns the last answer. */
  async function wrongCodes(n: number, through: 'login' | 'registration' = 'login') {
    let last: Awaited<ReturnType<typeof submit>> | null = null;
    for (let i = 0; i < n; i++) {
      if (identifier === null) {
        const started = through === 'login' ? await initLogin() : await initRegistration();
        assert.equal(started.status, 200, JSON.stringify(started.body));
        identifier = started.body.identifier;
      }
      last = await submit(identifier, wrong(t.lastCode(PHONE)), through === 'login' ? 'passwordless-login' : 'user-registration');
      assert.ok(['invalid_code', 'verification_locked'].includes(String(last.body.error)), `guess ${i}: ${JSON.stringify(last.body)}`);
      if (last.body.error === 'verification_locked') identifier = null;
    }
    return last!;
  }

  test('100 wrong codes in a row lock the phone until an administrator unlocks it', async () => {
    identifier = null;
    await start();
    await wrongCodes(99);
    // Not locked yet: a new verification still starts.
    assert.equal((await initLogin()).status, 200);
    identifier = null;
    await wrongCodes(1);

    const sentBefore = t.messages.length;
    const started = await initLogin();
    assert.equal(started.status, 429);
    assert.equal(started.body.error, 'phone_locked');
    assert.equal(t.messages.length, sentBefore, 'no code is sent to a locked phone');

    const run = cli();
    const locked = await run('phone', 'locked', '--site', 'demo', '--json');
    assertOk(locked);
    assert.deepEqual(
      (JSON.parse(locked.stdout) as { phone: string; failures: number }[]).map((l) => [l.phone, l.failures]),
      [[PHONE, 100]],
    );
    assertFails(await run('phone', 'unlock', '--site', 'demo', '--phone', 'not-a-number'), 'invalid_phone_number');
    assertFails(await run('phone', 'unlock', '--site', 'demo', '--phone', '+14155550962'), 'not_found');
    assertOk(await run('phone', 'unlock', '--site', 'demo', '--phone', PHONE));

    // A running server sees the unlock within its refresh time (src/flows/send-guards.ts).
    const again = await eventually(initLogin, (r) => r.status === 200);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal((await submit(again.body.identifier, t.lastCode(PHONE))).status, 302, 'the right code works again');

    const audit = await run('audit', '--site', 'demo', '--phone', PHONE, '--json');
    assertOk(audit);
    const types = (JSON.parse(audit.stdout) as { type: string }[]).map((e) => e.type);
    for (const type of ['phone_locked', 'phone_unlocked', 'code_sent', 'code_failed', 'verification_locked', 'code_verified'])
      assert.ok(types.includes(type), `${type} is in the audit log`);
    assert.equal(types[0], 'code_verified', 'newest first');
    assert.equal(types.filter((x) => x === 'phone_locked').length, 1);
  });

  test('the right code resets the count: 99 wrong, one right, 99 wrong is not a lock', async () => {
    identifier = null;
    await start();
    await wrongCodes(99);
    const started = await initLogin();
    identifier = started.body.identifier;
    assert.equal((await submit(identifier, t.lastCode(PHONE))).status, 302);
    identifier = null;
    await wrongCodes(99);
    assert.equal((await initLogin()).status, 200);
  });

  test('a right code for a verification started before the lock is refused', async () => {
    identifier = null;
    await start();
    const victim = await initLogin();
    const victimCode = t.lastCode(PHONE);
    // The wrong codes go to registrations of the number: every use case counts toward the phone's lock.
    await wrongCodes(100, 'registration');
    const answer = await submit(victim.body.identifier, victimCode);
    assert.equal(answer.status, 429);
    assert.equal(answer.body.error, 'phone_locked');
  });

  test('a used code offered again is refused and audited with who offered it (OWASP ASVS 2.8.5)', async () => {
    identifier = null;
    await start();
    const started = await initLogin();
    const code = t.lastCode(PHONE);
    assert.equal((await submit(started.body.identifier, code)).status, 302);
    const replay = await submit(started.body.identifier, code);
    assert.equal(replay.body.error, 'already_used');
    const reused = await t.store.forSite('demo').audit.list({ type: 'code_reused', limit: 10 });
    assert.equal(reused.length, 1);
    assert.equal(reused[0]!.useCase, 'passwordless_login');
    assert.ok(reused[0]!.requestId, 'the request that offered it');
  });

  test('otpgate audit filters by type and time, and refuses what it cannot read', async () => {
    identifier = null;
    await start();
    await wrongCodes(2);
    const run = cli();
    const sent = await run('audit', '--site', 'demo', '--type', 'code_sent', '--json');
    assertOk(sent);
    const events = JSON.parse(sent.stdout) as { type: string; ip: string; phoneHash: string; detail: string }[];
    assert.equal(events.length, 1);
    assert.match(events[0]!.ip, /^\d+\.\d+\.\d+\.\d+$/, 'the client address the trusted hop gave');
    assert.ok(!JSON.stringify(events).includes(PHONE.slice(1)), 'no phone number in clear');
    const future = await run('audit', '--site', 'demo', '--since', '2999-01-01', '--json');
    assert.deepEqual(JSON.parse(future.stdout), []);
    assertFails(await run('audit', '--site', 'demo', '--since', 'yesterday'), 'invalid_request');
    assertFails(await run('audit', '--site', 'demo', '--limit', '0'), 'invalid_request');
    assertFails(await run('audit', '--site', 'nope'), 'site_not_found');
  });
});
