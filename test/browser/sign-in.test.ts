/** Registering and signing in on the hosted pages in Chromium, as a new user would, found by label and role. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createManualClock } from '../../src/domain/clock.js';
import { seedUser, wrongCode } from '../support/hosted-flows.js';
import { pkcePair } from '../support/pkce.js';
import { startTestServer } from '../support/test-server.js';
import { alertText, describeInChromium, freshPage } from './chromium.js';

describeInChromium('sign-in pages in Chromium', (browser) => {
  test('a new user registers, signs out, and signs in again', async (t) => {
    const server = await startTestServer();
    t.after(() => server.close());
    const page = await freshPage(t, browser());

    await page.goto(`${server.url}/demo/login`);
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('First name').fill('Ada');
    await page.getByLabel('Last name').fill('Lovelace');
    await page.getByLabel('Country or region').selectOption('US');
    await page.getByLabel('Mobile number').fill('(415) 555-0601');
    await page.getByRole('button', { name: 'Send code' }).click();
    assert.equal(await alertText(page), 'We sent a code to +1 415 555 0601.');
    assert.equal(await page.locator(':focus').getAttribute('id'), 'code', 'the code field has the focus');
    await page.getByLabel('Code').fill(server.lastCode('+14155550601'));
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.waitForURL('**/demo/account');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Your account');
    assert.match(await page.locator('dl').innerText(), /Ada Lovelace[\s\S]*\+1 415 555 0601 \(verified\)/);

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL('**/demo/login?done=signed_out');
    assert.equal(await alertText(page), "You're signed out.");

    await page.getByLabel('Mobile number').fill('+1 415 555 0601');
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByLabel('Code').fill(server.lastCode('+14155550601'));
    await page.getByLabel('Code').press('Enter');
    await page.waitForURL('**/demo/account');
  });

  test('a wrong code says how many attempts are left; resend waits, then sends; five wrong codes lock', async (t) => {
    const clock = createManualClock(new Date());
    const server = await startTestServer({}, { clock });
    t.after(() => server.close());
    await seedUser(server, '+14155550602');
    const page = await freshPage(t, browser());
    await page.goto(`${server.url}/demo/login`);
    await page.getByLabel('Mobile number').fill('4155550602');
    await page.getByRole('button', { name: 'Send code' }).click();
    const code = server.lastCode('+14155550602');

    await page.getByLabel('Code').fill(wrongCode(code));
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.equal(await alertText(page), 'There is a problem That code is not right. You have 4 attempts left.');
    assert.equal(await page.getByLabel('Code').getAttribute('aria-invalid'), 'true');
    assert.match((await page.getByLabel('Code').getAttribute('aria-describedby')) ?? '', /problem/, 'the field points at the message');

    clock.advance(10_000);
    await page.getByRole('button', { name: 'Send a new code' }).click();
    assert.equal(await alertText(page), 'There is a problem You can ask for a new code in 20 seconds.');
    clock.advance(20_000);
    await page.getByRole('button', { name: 'Send a new code' }).click();
    assert.equal(await alertText(page), 'We sent a new code to +1 415 555 0602.');
    const second = server.lastCode('+14155550602');

    for (let i = 0; i < 4; i++) {
      await page.getByLabel('Code').fill(wrongCode(second));
      await page.getByRole('button', { name: 'Continue' }).click();
    }
    assert.equal(
      await alertText(page),
      'There is a problem Too many wrong codes. Ask for a new code.',
      'a resend did not reset the attempt budget',
    );

    await page.getByRole('button', { name: 'Send a new code' }).click();
    await page.getByLabel('Code').fill(server.lastCode('+14155550602'));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL('**/demo/account');
  });

  test("an app's sign-in goes through the pages and back to the app with a code", async (t) => {
    const server = await startTestServer();
    t.after(() => server.close());
    await seedUser(server, '+14155550603');
    const page = await freshPage(t, browser());
    await page.context().route('http://app.test/**', (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'the app' }));
    const { challenge } = pkcePair();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: 'public-app',
      redirect_uri: 'http://app.test/callback',
      scope: 'openid',
      state: 'st',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const authorize = `${server.url}/demo/services/oauth2/authorize?${query.toString()}`;
    await page.goto(authorize);
    await page.getByLabel('Mobile number').fill('4155550603');
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByLabel('Code').fill(server.lastCode('+14155550603'));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL('http://app.test/callback?**');
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('state'), 'st');
    assert.match(url.searchParams.get('code') ?? '', /^[A-Za-z0-9_-]{20,}$/);
  });
});
