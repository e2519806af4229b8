import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { createManualClock } from '../src/domain/clock.js';
import { seedUser } from './support/hosted-flows.js';
import { basic, postForm, postJson, startTestServer, type TestServer } from './support/test-server.js';

// The default policy, observed over HTTP: 6 digits, 10 minutes, 5 wrong attempts, 30 s between sends, 5 sends per hour.
describe('OTP policy', () => {
  let t: TestServer;
  afterEach(() => t.close());

  const initLogin = (phone: string) =>
    postJson(`${t.url}/demo/services/auth/headless/init/passwordless/login`, { username: phone, verificationmethod: 'sms' });
  const verify = (identifier: string, code: string) =>
    postForm(
      `${t.url}/demo/services/oauth2/authorize`,
      { response_type: 'code_credentials', client_id: 'server-app', redirect_uri: 'http://app.test/callback' },
      { 'Auth-Request-Type': 'passwordless-login', 'Auth-Verification-Type': 'sms', Authorization: basic(identifier, code) },
    );
  const wrong = (code: string) => (code === '000000' ? '111111' : '000000');

  async function registeredUser(phone: string) {
    const um = t.app.userManagement('demo');
    const identifier = await um.initSelfRegistration('SMS', { mobilePhone: phone, firstName: 'Test' });
    const result = await um.verifySelfRegistration('SMS', identifier, t.lastCode(phone), null);
    assert.equal(result.success, true, result.message);
    return result.userId!;
  }

  test('five wrong codes lock the verification; the right code is refused after that', async () => {
    const clock = createManualClock();
    t = await startTestServer({}, { clock });
    const phone = '+14155550110';
    await registeredUser(phone);
    clock.advance(60_000);
    const { body } = await initLogin(phone);
    const code = t.lastCode(phone);
    for (let remaining = 4; remaining >= 1; remaining--) {
      const r = await verify(String(body.identifier), wrong(code));
      assert.equal(r.body.error, 'invalid_code');
      assert.equal(r.body.attempts_remaining, remaining);
    }
    assert.equal((await verify(String(body.identifier), wrong(code))).body.error, 'verification_locked');
    assert.equal((await verify(String(body.identifier), code)).body.error, 'verification_locked');
  });

  test('a resend keeps the identifier and the spent attempts; the old code stops working', async () => {
    const clock = createManualClock();
    t = await startTestServer({}, { clock });
    const phone = '+14155550111';
    await registeredUser(phone);
    clock.advance(60_000);
    const first = await initLogin(phone);
    const firstCode = t.lastCode(phone);
    for (let i = 0; i < 3; i++) await verify(String(first.body.identifier), wrong(firstCode));

    const tooSoon = await initLogin(phone);
    assert.equal(tooSoon.status, 429);
    assert.equal(tooSoon.body.error, 'too_many_requests');
    assert.equal(tooSoon.body.limit, 'resend');
    assert.equal(tooSoon.headers.get('retry-after'), '30');

    clock.advance(31_000);
    const resent = await initLogin(phone);
    assert.equal(resent.body.identifier, first.body.identifier);
    const secondCode = t.lastCode(phone);
    if (secondCode !== firstCode) assert.equal((await verify(String(first.body.identifier), firstCode)).body.error, 'invalid_code');
    const last = await verify(String(first.body.identifier), wrong(secondCode));
    assert.equal(last.body.error, secondCode !== firstCode ? 'verification_locked' : 'invalid_code');
  });

  test('a code expires after 10 minutes', async () => {
    const clock = createManualClock();
    t = await startTestServer({}, { clock });
    const phone = '+14155550112';
    await registeredUser(phone);
    clock.advance(60_000);
    const { body } = await initLogin(phone);
    clock.advance(10 * 60_000 + 1);
    assert.equal((await verify(String(body.identifier), t.lastCode(phone))).body.error, 'code_expired');
  });

  test('at most five sends per phone per hour, whatever the identifiers', async () => {
    const clock = createManualClock();
    t = await startTestServer({}, { clock });
    const phone = '+14155550113';
    await registeredUser(phone); // send 1
    for (let i = 0; i < 4; i++) {
      clock.advance(30_000 * 2 ** i + 1000); // past each resend wait, which doubles
      assert.equal((await initLogin(phone)).status, 200); // sends 2-5
    }
    clock.advance(8 * 30_000 + 1000);
    const refused = await initLogin(phone);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error, 'too_many_requests');
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.equal(refused.body.limit, 'phone');
    // Retrying when told to works.
    clock.advance(Number(refused.headers.get('retry-after')) * 1000);
    const retried = await initLogin(phone);
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
  });

  test('a site can change the policy per use case', async () => {
    t = await startTestServer({
      sites: [
        {
          id: 'demo',
          name: 'Demo',
          handlers: ['console'],
          policy: { codeLength: 8 },
          useCasePolicies: { passwordless_login: { codeLength: 4 } },
        },
      ],
    });
    const phone = '+14155550114';
    await registeredUser(phone);
    assert.match(t.lastCode(phone), /^\d{8}$/, 'registration uses the site policy');
    assert.equal((await initLogin(phone)).status, 200);
    assert.match(t.lastCode(phone), /^\d{4}$/, 'login uses its use-case override');
  });

  test('a username does not tell by a country refusal that it has a user, or where their number is', async () => {
    t = await startTestServer({
      sites: [{ id: 'demo', name: 'Demo', handlers: ['console'], useCasePolicies: { passwordless_login: { allowedCountries: ['US'] } } }],
    });
    await seedUser(t, '+14155550115', { username: 'alice' });
    await seedUser(t, '+447400123456', { username: 'bryony' });
    const answers: Record<string, string> = {};
    for (const username of ['alice', 'bryony', 'nobody-here']) {
      const before = t.messages.length;
      const r = await initLogin(username);
      answers[username] = `${r.status} ${Object.keys(r.body).sort().join(',')}`;
      if (username !== 'alice') assert.equal(t.messages.length, before, `nothing is sent for ${username}`);
    }
    assert.equal(new Set(Object.values(answers)).size, 1, JSON.stringify(answers));
    assert.match(answers.alice!, /^200 /);
    assert.equal(t.messages.at(-1)?.phone, '+14155550115', 'the user whose number is allowed gets the code');
    // A typed number meets the rule itself, whoever holds it.
    assert.equal((await initLogin('+447400123456')).body.error, 'country_not_supported');
    assert.equal((await initLogin('+447400123457')).body.error, 'country_not_supported');
  });
});
