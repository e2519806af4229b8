/**
 * The guess budget, tried as an attacker guessing one victim's codes: every mix of resends and new
 * verifications gets at most 10 wrong-code answers per phone per hour (30 a day); once spent, no code for
 * that phone is accepted, not even the right one, and no new code is sent. Real HTTP, SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { createSkewedClock } from './support/skewed-clock.js';
import { seedUser } from './support/hosted-flows.js';
import { basic, postForm, postJson, startTestServer, type TestServer } from './support/test-server.js';

const PHONE = '+14155550951';
const MINUTE = 60_000;

describe('guess budget per phone, across verifications', () => {
  let t: TestServer;
  afterEach(() => t.close());
  const clock = createSkewedClock();

  /** Sends are not what this test is about: a high per-phone send limit leaves the guess budget as the only limit. */
  async function server() {
    t = await startTestServer(
      {
        sites: [
          {
            id: 'demo',
            name: 'Demo',
            handlers: ['console'],
            policy: { maxSendsPerPhonePerHour: 1000 },
            clients: [{ clientId: 'public-app', redirectUris: ['http://app.test/callback'] }],
          },
        ],
      },
      { clock },
    );
    await seedUser(t, PHONE);
  }
  const initLogin = () =>
    postJson(`${t.url}/demo/services/auth/headless/init/passwordless/login`, { username: PHONE, verificationmethod: 'sms' });
  const guess = (identifier: unknown, code: string, requestType = 'passwordless-login') =>
    postForm(
      `${t.url}/demo/services/oauth2/authorize`,
      {
        response_type: 'code_credentials',
        client_id: 'public-app',
        redirect_uri: 'http://app.test/callback',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      },
      { 'Auth-Request-Type': requestType, 'Auth-Verification-Type': 'sms', Authorization: basic(String(identifier), code) },
    );
  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  test('no mix of resends and new verifications gets more than 10 wrong-code answers an hour; then the right code is refused', async () => {
    await server();
    let wrongAnswers = 0;
    let refusal: Awaited<ReturnType<typeof guess>> | null = null;
    // Attacker strategy: two guesses per verification, then a resend (same verification), then a new one.
    for (let round = 0; round < 20 && !refusal; round++) {
      clock.advance(MINUTE); // past the resend interval
      const init = await initLogin();
      if (init.status === 429) {
        refusal = init;
        break;
      }
      for (let i = 0; i < 2; i++) {
        const answer = await guess(init.body.identifier, wrong(t.lastCode(PHONE)));
        if (answer.body.error === 'invalid_code') wrongAnswers++;
        // The guess that used up a verification's 5 is answered "locked"; a guess at a locked one is not compared.
        else if (answer.body.error === 'verification_locked') continue;
        else if (answer.status === 429) {
          refusal = answer;
          break;
        } else assert.fail(JSON.stringify(answer.body));
      }
    }
    assert.ok(wrongAnswers <= 10 && wrongAnswers >= 8, `${wrongAnswers} wrong-code answers`);
    assert.equal(refusal?.body.error, 'too_many_attempts');
    assert.ok(Number(refusal?.headers.get('retry-after')) > 0, 'Retry-After says when');

    // The budget is spent: no new code is sent, and the right code of a code sent before is refused.
    const sends = t.messages.length;
    const init = await initLogin();
    assert.equal(init.status, 429);
    assert.equal(init.body.error, 'too_many_attempts');
    assert.equal(t.messages.length, sends, 'nothing sent');

    clock.advance(61 * MINUTE);
    const fresh = await initLogin();
    assert.equal(fresh.status, 200, 'an hour later the budget has room again');
    const right = await guess(fresh.body.identifier, t.lastCode(PHONE));
    assert.equal(right.status, 302, JSON.stringify(right.body));
  });

  test('the right code does not spend the budget, and a spent budget refuses even the right code', async () => {
    await server();
    clock.advance(2 * 24 * 60 * MINUTE);
    const init = await initLogin();
    const code = t.lastCode(PHONE);
    // Spend the budget on other verifications of the same phone: registrations for it (its owner only gets a
    // notice, but each one is a verification an attacker can guess at).
    const registration = (n: number) =>
      postJson(`${t.url}/demo/services/auth/headless/init/registration`, {
        userdata: { mobilePhone: PHONE, firstName: `Attempt ${n}` },
        verificationmethod: 'sms',
      });
    const answers: string[] = [];
    for (let n = 0; n < 3; n++) {
      const other = await registration(n);
      assert.equal(other.status, 200, JSON.stringify(other.body));
      for (let i = 0; i < 4; i++) answers.push(String((await guess(other.body.identifier, '000000', 'user-registration')).body.error));
    }
    assert.deepEqual(answers.filter((a) => a === 'invalid_code').length, 10, 'ten wrong codes, then the budget refuses');
    assert.deepEqual(answers.slice(10), ['too_many_attempts', 'too_many_attempts']);
    const refused = await guess(init.body.identifier, code);
    assert.equal(refused.status, 429, 'the right code of an earlier verification');
    assert.equal(refused.body.error, 'too_many_attempts');
  });
});
