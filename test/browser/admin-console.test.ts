/**
 * The admin console in Chromium, as an operator uses it during a load: sign in with the admin token, watch the
 * charts, and, when the primary provider (the Twilio fake) starts failing mid-load, find it from the console
 * alone: its row turns "Failing", the chart counts failed attempts, and filtering the deliveries by result shows
 * its PROVIDER_ERROR attempts. Then a test message, and sign out. Screenshots go to docs/screenshots when
 * OTPGATE_UPDATE_SCREENSHOTS=1.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFakeTwilioApi, TWILIO_ACCOUNT_SID } from '../fakes/providers/twilio.js';
import { numbersAcrossPrefixes, person } from '../support/people.js';
import { postJson, startTestServer } from '../support/test-server.js';
import { alertText, describeInChromium, screenshot } from './chromium.js';

const TOKEN = 'admin-token-0123456789abcdef-0123456789';

describeInChromium('admin console in Chromium', (browser) => {
  test('sign in, watch a load, find the provider that starts failing, send a test message, sign out', async (t) => {
    const twilio = await startFakeTwilioApi();
    const server = await startTestServer({
      admin: { token: TOKEN },
      delivery: { retries: 0, backoffMs: 0 },
      namedCredentials: { Twilio_Main: twilio.credential } as never,
      sites: [
        {
          id: 'demo',
          name: 'Demo Shop',
          handlers: [
            { type: 'twilio', credential: 'Twilio_Main', accountSid: TWILIO_ACCOUNT_SID, from: '+15005550006', breaker: false },
            { type: 'console', name: 'backup' },
          ],
        },
      ] as never,
    });
    t.after(async () => {
      await server.close();
      await twilio.close();
    });
    const numbers = numbersAcrossPrefixes(24, 181);
    const load = (phones: string[]) =>
      Promise.all(
        phones.map(async (phone) => {
          const sent = await postJson(
            `${server.url}/demo/services/auth/headless/init/registration`,
            { userdata: { mobilePhone: phone }, verificationmethod: 'sms' },
            person(),
          );
          assert.equal(sent.status, 200, JSON.stringify(sent.body));
        }),
      );

    const context = await browser().newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    context.setDefaultTimeout(10_000);
    t.after(() => context.close());
    const page = await context.newPage();

    await page.goto(`${server.url}/admin`);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Sign in to the admin console');
    await page.getByLabel('Admin token').fill('not-the-token-0123456789abcdef-0123456789');
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.equal(await alertText(page), 'That is not the admin token.');
    await page.getByLabel('Admin token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}/admin`);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Overview');

    // The first half of the load: the primary delivers everything.
    await load(numbers.slice(0, 12));
    await page.getByRole('link', { name: 'Demo Shop (demo)' }).click();
    await page.waitForURL('**/admin/sites/demo?hours=24');
    const twilioRow = page.locator('section[aria-labelledby=handlers] tr[data-key=twilio]');
    assert.match(await twilioRow.innerText(), /twilio\s+12\s+12\s+100 %\s+100 %\s+OK/);

    // The provider starts failing mid-load; the chain fails over to the backup, the console shows which one broke.
    twilio.mode = 'outage';
    await load(numbers.slice(12));
    await page.getByRole('link', { name: 'Refresh every 10 s' }).click();
    await page.waitForURL('**/admin/sites/demo?hours=24&refresh=10');
    assert.match(await twilioRow.innerText(), /twilio\s+24\s+12\s+50\.0 %\s+50\.0 %\s+Failing/);
    assert.match(await page.locator('section[aria-labelledby=handlers] tr[data-key=backup]').innerText(), /backup\s+12\s+12\s+100 %/);
    assert.equal(await page.locator('#chart-sends-desc').textContent(), '24 delivered and 12 failed attempts in the last 24 h.');
    await screenshot(page, 'admin-console-site');
    // The failing handler's own attempts over time.
    await page.getByRole('link', { name: 'Chart twilio' }).click();
    await page.waitForURL('**/admin/sites/demo?hours=24&chart=handler:twilio#charts');
    assert.equal(await page.locator('#chart-sends-title').textContent(), 'Delivery attempts of handler twilio per 24 min');
    assert.equal(await page.locator('#chart-sends-desc').textContent(), '12 delivered and 12 failed attempts in the last 24 h.');

    await page.getByLabel('Result').selectOption('PROVIDER_ERROR');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL('**/admin/sites/demo?hours=24&handler=&result=PROVIDER_ERROR&country=');
    const rows = page.locator('#deliveries-table tbody tr');
    assert.equal(await rows.count(), 12);
    for (const text of await rows.allInnerTexts()) assert.match(text, /\ttwilio\t1\tPROVIDER_ERROR\t(US|CA)\t\d+\ttwilio HTTP 503/);

    await page.getByLabel('Mobile number').fill('+14155550199');
    await page.getByRole('button', { name: 'Send test message' }).click();
    assert.equal(await alertText(page), 'Test message delivered (twilio PROVIDER_ERROR, backup SUCCESS).');
    const audit = await server.store.forSite('demo').audit.list({ type: 'test_message_sent', limit: 5 });
    assert.equal(audit[0]?.detail.by, 'admin_console');

    await page.getByRole('link', { name: 'Overview' }).click();
    await page.waitForURL(`${server.url}/admin`);
    await screenshot(page, 'admin-console-overview');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${server.url}/admin`);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Sign in to the admin console');
    await page.goto(`${server.url}/admin/sites/demo`);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Sign in to the admin console', 'signed out means signed out');
  });
});
