/**
 * A second channel: when SMS fails, the user is offered the site's other way (a voice call here) and can take
 * it at once; the code then arrives by that channel and signs them in. A site without one refuses the channel.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { createBrowser } from './support/browser-fetch.js';
import { handlerModule } from './support/handler-module.js';
import { seedUser } from './support/hosted-flows.js';
import { person } from './support/people.js';
import { postJson, startTestServer, type TestServer } from './support/test-server.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('a second channel when SMS fails', () => {
  let t: TestServer;
  afterEach(() => t.close());
  const failingSms = () => ({ type: 'module', name: 'sms-provider', path: handlerModule('down', `return 'PROVIDER_ERROR';`) });
  const start = (handlers: unknown[]) =>
    startTestServer({
      delivery: { retries: 0 },
      sites: [
        {
          id: 'demo',
          name: 'Demo',
          handlers,
          clients: [
            { clientId: 'server-app', clientSecret: 'server-app-secret-123456', redirectUris: ['http://app.test/cb'], requirePkce: false },
          ],
        },
      ] as never,
    });
  const register = (phone: string, method: string, headers: Record<string, string>) =>
    postJson(
      `${t.url}/demo/services/auth/headless/init/registration`,
      { userdata: { mobilePhone: phone }, verificationmethod: method },
      headers,
    );

  test('SMS fails: the answer offers a call, the call goes out at once, and its code registers the user', async () => {
    t = await start([failingSms(), { type: 'console', name: 'voice-provider', channel: 'voice' }]);
    const who = person();
    const sms = await register('+14155550161', 'sms', who);
    assert.equal(sms.status, 502);
    assert.equal(sms.body.error, 'delivery_failed');
    assert.deepEqual(sms.body.alternatives, ['voice']);
    assert.equal(t.messages.length, 0);

    // No resend wait: the SMS never arrived. The same request continues the same verification.
    const voice = await register('+14155550161', 'voice', who);
    assert.equal(voice.status, 200, JSON.stringify(voice.body));
    const [call] = t.messages;
    assert.equal(call!.channel, 'voice');
    assert.equal(call!.phone, '+14155550161');
    const attempts = await t.store.forSite('demo').deliveryAttempts.forVerification(String(voice.body.identifier));
    assert.deepEqual(
      attempts.map((a) => `${a.handler}:${a.result}`),
      ['sms-provider:PROVIDER_ERROR', 'voice-provider:SUCCESS'],
    );

    // Once the call went out, another one waits like any resend.
    const again = await register('+14155550161', 'voice', who);
    assert.equal(again.status, 429);
    assert.equal(again.body.limit, 'resend');

    const authorized = await fetch(`${t.url}/demo/services/oauth2/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'auth-request-type': 'user-registration',
        'auth-verification-type': 'sms',
        authorization: basic(String(voice.body.identifier), call!.code),
      },
      body: new URLSearchParams({ response_type: 'code_credentials', client_id: 'server-app', redirect_uri: 'http://app.test/cb' }),
    });
    assert.equal(authorized.status, 302, await authorized.text());
  });

  test('a resend by the second channel after an SMS that did arrive waits like any resend', async () => {
    t = await start(['console', { type: 'console', name: 'voice-provider', channel: 'voice' }]);
    const who = person();
    assert.equal((await register('+14155550162', 'sms', who)).status, 200);
    const voice = await register('+14155550162', 'voice', who);
    assert.equal(voice.status, 429);
    assert.equal(voice.body.limit, 'resend');
    assert.deepEqual(
      t.messages.map((m) => m.channel),
      ['sms'],
    );
  });

  test('a site without a voice handler refuses the channel before anything is counted or sent', async () => {
    t = await start(['console']);
    const refused = await register('+14155550163', 'voice', person());
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'unsupported_verification_method');
    assert.match(String(refused.body.error_description), /voice/);
    const login = await postJson(
      `${t.url}/demo/services/auth/headless/init/passwordless/login`,
      { username: 'nobody-here', verificationmethod: 'whatsapp' },
      person(),
    );
    assert.equal(login.status, 400);
    assert.equal(login.body.error, 'unsupported_verification_method');
    assert.equal(t.messages.length, 0);
    assert.equal((await register('+14155550163', 'fax', person())).body.error, 'unsupported_verification_method');
  });

  test('no offer where the second channel does not serve the number', async () => {
    t = await start([failingSms(), { type: 'console', name: 'uk-voice', channel: 'voice', destinations: ['GB'] }]);
    const sms = await register('+14155550164', 'sms', person());
    assert.equal(sms.status, 502);
    assert.equal(sms.body.alternatives, undefined);
  });

  test('the hosted sign-in page offers the call after the SMS fails, and the call signs the user in', async () => {
    t = await start([failingSms(), { type: 'console', name: 'voice-provider', channel: 'voice' }]);
    await seedUser(t, '+14155550165');
    const browser = createBrowser(t.url);
    const login = await browser.go(`${t.url}/demo/login`);
    assert.doesNotMatch(login.html, /name="channel"/);
    const failed = await browser.submit(login, '/demo/login', { country: 'US', phone: '+14155550165' });
    assert.equal(failed.status, 502);
    assert.match(
      failed.html,
      /<button type="submit" name="channel" value="voice" class="secondary">Call me with the code instead<\/button>/,
    );
    const verify = await browser.submit(failed, '/demo/login', { country: 'US', phone: '+14155550165', channel: 'voice' });
    assert.equal(verify.status, 200, verify.html);
    assert.equal(t.messages.at(-1)!.channel, 'voice');
    assert.match(verify.html, /We&#39;re calling|We're calling/);
    assert.match(verify.html, /you hear on the call/);
    const signedIn = await browser.submit(verify, '/demo/login/verify', { code: t.lastCode('+14155550165'), action: 'verify' });
    assert.equal(new URL(signedIn.url).pathname, '/demo/account', signedIn.html.slice(0, 500));
  });
});
