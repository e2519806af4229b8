/** The account page in Chromium: the second factor a site may ask for, then a phone change. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seedUser } from '../support/hosted-flows.js';
import { startTestServer } from '../support/test-server.js';
import { alertText, describeInChromium, freshPage } from './chromium.js';

describeInChromium('account page in Chromium', (browser) => {
  test('confirm with a second code, then change the phone; the old number works until the new one is verified', async (t) => {
    const server = await startTestServer({
      sites: [{ id: 'demo', name: 'Demo', handlers: ['console'], secondFactor: { account: true, maxAgeSeconds: 300 } }],
    });
    t.after(() => server.close());
    const user = await seedUser(server, '+14155550701');
    const page = await freshPage(t, browser());

    await page.goto(`${server.url}/demo/login`);
    await page.getByLabel('Mobile number').fill('4155550701');
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByLabel('Code').fill(server.lastCode('+14155550701'));
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.waitForURL('**/demo/account/confirm?**');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), "Confirm it's you");
    const sent = server.messages.length;
    await page.getByRole('button', { name: 'Send code' }).click();
    assert.equal(server.messages.length, sent + 1);
    await page.getByLabel('Code').fill(server.lastCode('+14155550701'));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL('**/demo/account');

    await page.getByLabel('New mobile number').fill('+14155550702');
    await page.getByRole('button', { name: 'Send code' }).click();
    assert.equal(await alertText(page), 'We sent a code to +1 415 555 0702.');
    assert.equal((await server.store.forSite('demo').users.byId(user.id))?.phone, '+14155550701', 'the old number stays meanwhile');
    await page.getByLabel('Code').fill(server.lastCode('+14155550702'));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL('**/demo/account?done=phone_changed');
    assert.equal(await alertText(page), 'Your mobile number is now +1 415 555 0702.');
    assert.match(await page.locator('dl').innerText(), /\+1 415 555 0702 \(verified\)/);

    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.waitForURL('**/demo/login?done=signed_out_everywhere');
  });
});
