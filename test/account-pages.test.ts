/** The signed-in pages: account, phone change, the second factor, sign out here and everywhere. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { afterEach, describe, test } from 'node:test';
import { createManualClock } from '../src/domain/clock.js';
import { createLogger } from '../src/observability/logger.js';
import type { PhoneNumber } from '../src/domain/phone.js';
import { alertText, createBrowser, hiddenFields } from './support/browser-fetch.js';
import { seedUser, signIn, wrongCode } from './support/hosted-flows.js';
import { basic, postForm, postJson, startTestServer, type TestServer } from './support/test-server.js';

describe('account pages', () => {
  let t: TestServer;
  afterEach(() => t.close());

  test('the account page needs a session and comes back to itself after sign-in', async () => {
    t = await startTestServer();
    await seedUser(t, '+14155550301');
    const browser = createBrowser(t.url);
    const login = await browser.go(`${t.url}/demo/account`);
    assert.equal(new URL(login.url).pathname, '/demo/login');
    assert.equal(hiddenFields(login.html, '/demo/login').return_to, '/demo/account');
    const account = await signIn(browser, t, '+14155550301');
    assert.equal(new URL(account.url).pathname, '/demo/account');
    assert.match(account.html, /\+1 415 555 0301 \(verified\)/);
  });

  test('an anonymous visit to the account page is redirected to sign-in and logs nothing at warn or above', async () => {
    const lines: string[] = [];
    const logger = createLogger('warn', new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
    t = await startTestServer({}, { logger });
    for (const path of ['/demo/account', '/demo/account?lang=fr']) {
      const response = await fetch(`${t.url}${path}`, { redirect: 'manual' });
      assert.equal(response.status, 303);
      assert.equal(response.headers.get('location'), '/demo/login?return_to=%2Fdemo%2Faccount');
    }
    // The reply is sent once the hooks finish; give a late error the moment it would take to be logged.
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(lines, [], 'no warning or error was logged');
  });

  test('changing the phone: the code goes to the new number and the old one stays until it is entered', async () => {
    const clock = createManualClock(new Date());
    t = await startTestServer({}, { clock });
    const user = await seedUser(t, '+14155550302');
    await seedUser(t, '+14155550399');
    const users = t.store.forSite('demo').users;
    const browser = createBrowser(t.url);
    const signedIn = await signIn(browser, t, '+14155550302');
    // Signing in with a code to this phone is a fresh re-authentication, for secondFactor.maxAgeSeconds (5 minutes).
    clock.advance(301_000);

    // Re-authentication on the current phone first (secondFactor.phoneChange, on by default).
    const confirm = await browser.submit(signedIn, '/demo/account/phone', { country: 'US', phone: '4155550303' });
    assert.equal(new URL(confirm.url).pathname, '/demo/account/confirm', 'a phone change asks for the current phone first');
    assert.equal(await users.byId(user.id).then((u) => u?.phone), '+14155550302');
    const stepUp = await browser.submit(confirm, '/demo/account/confirm');
    const account = await browser.submit(stepUp, '/demo/account/confirm/verify', { code: t.lastCode('+14155550302'), action: 'verify' });
    assert.equal(new URL(account.url).pathname, '/demo/account');

    // A number that belongs to another account gets a code like any other (no probing for accounts); whoever holds
    // that phone is told once they type it.
    const taken = await browser.submit(account, '/demo/account/phone', { country: 'US', phone: '4155550399' });
    assert.equal(taken.status, 200);
    assert.equal(alertText(taken.html), 'We sent a code to +1 415 555 0399.');
    const refused = await browser.submit(taken, '/demo/account/phone/verify', { code: t.lastCode('+14155550399'), action: 'verify' });
    assert.equal(refused.status, 409);
    assert.equal(alertText(refused.html), 'There is a problem That number belongs to another account.');
    assert.equal((await users.byId(user.id))?.phone, '+14155550302');

    let verify = await browser.submit(account, '/demo/account/phone', { country: 'US', phone: '4155550303' });
    assert.equal(verify.status, 200);
    assert.equal(alertText(verify.html), 'We sent a code to +1 415 555 0303.');
    assert.equal((await users.byId(user.id))?.phone, '+14155550302', 'the old phone stays until the new one is verified');
    verify = await browser.submit(verify, '/demo/account/phone/verify', { code: wrongCode(t.lastCode('+14155550303')), action: 'verify' });
    assert.equal(alertText(verify.html), 'There is a problem That code is not right. You have 4 attempts left.');
    assert.equal((await users.byId(user.id))?.phone, '+14155550302');

    const done = await browser.submit(verify, '/demo/account/phone/verify', { code: t.lastCode('+14155550303'), action: 'verify' });
    assert.equal(new URL(done.url).pathname, '/demo/account');
    assert.equal(alertText(done.html), 'Your mobile number is now +1 415 555 0303.');
    assert.equal((await users.byId(user.id))?.phone, '+14155550303');
    assert.equal(await users.byPhone('+14155550302' as PhoneNumber), null);
    const notice = t.messages.filter((m) => m.phone === '+14155550302').at(-1);
    assert.match(notice?.text ?? '', /phone number of your Demo account was changed/, 'the old phone is told');
    assert.equal((await browser.go(`${t.url}/demo/account`)).status, 200, 'the session that made the change stays signed in');
  });

  test('a site can require a fresh SMS code before the account page; it stays fresh for maxAgeSeconds', async () => {
    const clock = createManualClock(new Date());
    t = await startTestServer(
      { sites: [{ id: 'demo', name: 'Demo', handlers: ['console'], secondFactor: { account: true, maxAgeSeconds: 120 } }] },
      { clock },
    );
    await seedUser(t, '+14155550304');
    const browser = createBrowser(t.url);
    const confirm = await signIn(browser, t, '+14155550304');
    assert.equal(new URL(confirm.url).pathname, '/demo/account/confirm');
    assert.match(confirm.html, /\+1 ••• ••• ••04/, 'the number is masked');
    const sends = t.messages.length;

    let verify = await browser.submit(confirm, '/demo/account/confirm');
    assert.equal(t.messages.length, sends + 1, 'a code only after the button');
    verify = await browser.submit(verify, '/demo/account/confirm/verify', {
      code: wrongCode(t.lastCode('+14155550304')),
      action: 'verify',
    });
    assert.equal(verify.status, 400);
    const account = await browser.submit(verify, '/demo/account/confirm/verify', { code: t.lastCode('+14155550304'), action: 'verify' });
    assert.equal(new URL(account.url).pathname, '/demo/account');

    clock.advance(119_000);
    assert.equal(new URL((await browser.go(`${t.url}/demo/account`)).url).pathname, '/demo/account');
    clock.advance(2_000);
    const again = await browser.go(`${t.url}/demo/account`);
    assert.equal(new URL(again.url).pathname, '/demo/account/confirm', 'stale after maxAgeSeconds');
    // A phone change is refused without it too.
    const refused = await browser.go(`${t.url}/demo/account/phone`, {
      form: { ...hiddenFields(account.html, '/demo/account/phone'), country: 'US', phone: '4155550305' },
    });
    assert.equal(new URL(refused.url).pathname, '/demo/account/confirm');
  });

  test('sign out asks first, then ends this browser only', async () => {
    t = await startTestServer();
    await seedUser(t, '+14155550306');
    const laptop = createBrowser(t.url);
    const phone = createBrowser(t.url);
    await signIn(laptop, t, '+14155550306');
    await signIn(phone, t, '+14155550306');
    const ask = await laptop.go(`${t.url}/demo/logout`);
    assert.equal(ask.status, 200);
    assert.match(ask.html, /Do you want to sign out of Demo\?/);
    const out = await laptop.submit(ask, '/demo/logout');
    assert.equal(new URL(out.url).pathname, '/demo/login');
    assert.equal(alertText(out.html), "You're signed out.");
    assert.equal(laptop.jar.has('otpgate_session'), false, 'the cookie is cleared');
    assert.equal(new URL((await laptop.go(`${t.url}/demo/account`)).url).pathname, '/demo/login');
    assert.equal(new URL((await phone.go(`${t.url}/demo/account`)).url).pathname, '/demo/account', 'the other browser stays signed in');
  });

  test("sign out everywhere ends every session and revokes every app's tokens", async () => {
    t = await startTestServer();
    const user = await seedUser(t, '+14155550307');
    const laptop = createBrowser(t.url);
    const phone = createBrowser(t.url);
    const account = await signIn(laptop, t, '+14155550307');
    await signIn(phone, t, '+14155550307');

    const init = await postJson(`${t.url}/demo/services/auth/headless/init/passwordless/login`, {
      username: '+14155550307',
      verificationmethod: 'sms',
    });
    const authorized = await postForm(
      `${t.url}/demo/services/oauth2/authorize`,
      { response_type: 'code_credentials', client_id: 'server-app', redirect_uri: 'http://app.test/callback' },
      {
        'Auth-Request-Type': 'passwordless-login',
        'Auth-Verification-Type': 'sms',
        Authorization: basic(String(init.body.identifier), t.lastCode('+14155550307')),
      },
    );
    const code = new URL(authorized.headers.get('location')!).searchParams.get('code')!;
    const tokens = await postForm(
      `${t.url}/demo/services/oauth2/token`,
      { grant_type: 'authorization_code', code, redirect_uri: 'http://app.test/callback' },
      { authorization: basic('server-app', 'server-app-secret-123456') },
    );
    const bearer = { authorization: `Bearer ${String(tokens.body.access_token)}` };
    assert.equal((await fetch(`${t.url}/demo/services/oauth2/userinfo`, { headers: bearer })).status, 200);

    const out = await laptop.submit(account, '/demo/logout/everywhere');
    assert.equal(alertText(out.html), "You're signed out on every device, and apps must ask you to sign in again.");
    assert.equal(new URL((await phone.go(`${t.url}/demo/account`)).url).pathname, '/demo/login');
    assert.equal((await fetch(`${t.url}/demo/services/oauth2/userinfo`, { headers: bearer })).status, 401);
    const refresh = await postForm(
      `${t.url}/demo/services/oauth2/token`,
      { grant_type: 'refresh_token', refresh_token: String(tokens.body.refresh_token) },
      { authorization: basic('server-app', 'server-app-secret-123456') },
    );
    assert.equal(refresh.body.error, 'invalid_grant');
    assert.ok(await t.store.forSite('demo').users.byId(user.id), 'the account itself stays');
  });
});
