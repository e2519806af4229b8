/**
 * A site whose chain is a built-in provider kind, end to end: the code travels through the Twilio fake, the user
 * signs in with it, and the attempt keeps Twilio's message id. Runs on SQLite and on PostgreSQL (on-postgres.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pkcePair } from '../support/pkce.js';
import { basic, postForm, postJson, startTestServer, type TestServer } from '../support/test-server.js';
import type { ProviderFake } from '../fakes/providers/modes.js';
import { startFakeTwilioApi, TWILIO_ACCOUNT_SID } from '../fakes/providers/twilio.js';

describe('a built-in provider handler serves a sign-in', () => {
  let t: TestServer;
  let fake: ProviderFake;
  before(async () => {
    fake = await startFakeTwilioApi();
    t = await startTestServer({
      namedCredentials: { Twilio_Main: fake.credential } as never,
      sites: [
        {
          id: 'demo',
          name: 'Demo',
          handlers: [
            { type: 'twilio', credential: 'Twilio_Main', accountSid: TWILIO_ACCOUNT_SID, from: '+15005550006', statusCallback: true },
          ],
          clients: [{ clientId: 'public-app', redirectUris: ['http://app.test/callback'] }],
        },
      ] as never,
    });
  });
  after(async () => {
    await t.close();
    await fake.close();
  });

  test('register through Twilio, sign in with the code it carried', async () => {
    const phone = '+14155550177';
    const init = await postJson(`${t.url}/demo/services/auth/headless/init/registration`, {
      userdata: { username: 'grace', mobilePhone: phone },
      verificationmethod: 'sms',
    });
    assert.equal(init.status, 200, JSON.stringify(init.body));
    assert.equal(fake.sent.length, 1);
    const [message] = fake.sent;
    assert.equal(message!.to, phone);
    assert.equal(message!.callbackUrl, 'http://otpgate.test/demo/receipts/twilio');
    const code = /\b(\d{6})\b/.exec(message!.text)?.[1];
    assert.ok(code, 'the SMS carries the code');

    const authorized = await postForm(
      `${t.url}/demo/services/oauth2/authorize`,
      {
        response_type: 'code_credentials',
        client_id: 'public-app',
        redirect_uri: 'http://app.test/callback',
        code_challenge: pkcePair().challenge,
      },
      {
        'Auth-Request-Type': 'user-registration',
        'Auth-Verification-Type': 'sms',
        Authorization: basic(String(init.body.identifier), code),
      },
    );
    assert.equal(authorized.status, 302, JSON.stringify(authorized.body));
    assert.ok(new URL(authorized.headers.get('location')!).searchParams.get('code'));

    const attempts = await t.store.forSite('demo').deliveryAttempts.forVerification(String(init.body.identifier));
    assert.deepEqual(
      attempts.map((a) => [a.handler, a.result, a.providerMessageId]),
      [['twilio', 'SUCCESS', message!.id]],
    );
  });

  test('a handler naming a credential that does not exist stops startup', async () => {
    await assert.rejects(
      startTestServer({
        sites: [
          {
            id: 'demo',
            name: 'Demo',
            handlers: [{ type: 'twilio', credential: 'Nope', accountSid: TWILIO_ACCOUNT_SID, from: '+15005550006' }],
          },
        ] as never,
      }),
      /sites\.0\.handlers\.0\.credential: no named credential "Nope"/,
    );
  });
});

test('two handlers of one site under one name stop startup: receipts and fail-over tell handlers apart by name', async () => {
  const fake = await startFakeTwilioApi();
  const twilio = (from: string, name?: string) => ({
    type: 'twilio',
    credential: 'Twilio_Main',
    accountSid: TWILIO_ACCOUNT_SID,
    from,
    ...(name ? { name } : {}),
  });
  const start = (handlers: unknown[]) =>
    startTestServer({
      namedCredentials: { Twilio_Main: fake.credential } as never,
      sites: [{ id: 'demo', name: 'Demo', handlers }] as never,
    });
  try {
    await assert.rejects(start([twilio('+15005550006'), twilio('+15005550007')]), (error: Error & { problems?: string[] }) => {
      assert.deepEqual(error.problems, ['sites.0.handlers: two handlers are named "twilio"; give each its own name:']);
      return true;
    });
    const named = await start([twilio('+15005550006', 'twilio-us'), twilio('+15005550007', 'twilio-backup')]);
    await named.close();
  } finally {
    await fake.close();
  }
});
