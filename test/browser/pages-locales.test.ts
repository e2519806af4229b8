/**
 * Every hosted page in two languages, in a phone-sized Chromium: the declared language, the translated
 * heading, a label for every field, nothing wider than the screen. Writes the screenshots in docs/ with OTPGATE_UPDATE_SCREENSHOTS=1.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { translator, type Locale, type MessageKey } from '../../src/i18n/index.js';
import { seedUser, wrongCode } from '../support/hosted-flows.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { describeInChromium, freshPage, screenshot } from './chromium.js';

const LOGO_SVG = [
  '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">',
  '<circle cx="20" cy="20" r="16" fill="#0f766e"/>',
  '<text x="44" y="27" font-family="sans-serif" font-size="20" font-weight="700" fill="#0f172a">Demo</text>',
  '</svg>',
].join('');
const LOGO = `data:image/svg+xml,${encodeURIComponent(LOGO_SVG)}`;

describeInChromium('every page in two languages', (browser) => {
  for (const [locale, phone] of [
    ['en', '+14155550801'],
    ['fr', '+14155550802'],
  ] as Array<[Locale, string]>) {
    test(`${locale}: login, code, register, second factor, account, sign out, error`, async (t) => {
      const server = await startTestServer({
        sites: [
          {
            id: 'demo',
            name: 'Demo',
            handlers: ['console'],
            branding: { primaryColor: '#0f766e', logoUrl: LOGO },
            secondFactor: { account: true, maxAgeSeconds: 300 },
            clients: [{ clientId: 'public-app', redirectUris: ['http://app.test/callback'] }],
          },
        ],
      });
      t.after(() => server.close());
      // A fixed "member since", so the screenshots only change when the pages do.
      await seedUser(server, phone, {
        firstName: 'Ada',
        lastName: 'Lovelace',
        email: 'ada@example.com',
        createdAt: new Date('2026-01-15T12:00:00Z'),
      });
      const page = await freshPage(t, browser());
      const tr = translator(locale);
      const check = (name: string, heading: MessageKey) =>
        checkPage(page, server, { name: `${name}-${locale}`, locale, heading: tr(heading, { site: 'Demo' }) });

      await page.goto(`${server.url}/demo/register?lang=${locale}`);
      await check('register', 'register.title');
      await page.goto(`${server.url}/demo/login`);
      await check('login', 'login.title');

      await page.getByLabel(tr('phone.number')).fill(phone.slice(2));
      await page.getByRole('button', { name: tr('login.submit') }).click();
      await check('verify', 'verify.title');
      await page.getByLabel(tr('verify.code')).fill(wrongCode(server.lastCode(phone)));
      await page.getByRole('button', { name: tr('verify.submit') }).click();
      await check('verify-wrong-code', 'verify.title');
      await page.getByLabel(tr('verify.code')).fill(server.lastCode(phone));
      await page.getByRole('button', { name: tr('verify.submit') }).click();

      await page.waitForURL('**/demo/account/confirm?**');
      await check('confirm', 'confirm.title');
      await page.getByRole('button', { name: tr('confirm.submit') }).click();
      await page.getByLabel(tr('verify.code')).fill(server.lastCode(phone));
      await page.getByRole('button', { name: tr('verify.submit') }).click();
      await page.waitForURL('**/demo/account');
      await check('account', 'account.title');

      await page.goto(`${server.url}/demo/logout`);
      await check('logout', 'logout.title');
      // A fixed request id: the error page shows it as the reference, and the screenshot should not churn.
      await page.setExtraHTTPHeaders({ 'x-request-id': 'req-8f2c1d' });
      await page.goto(`${server.url}/demo/services/oauth2/authorize?client_id=unknown-app&response_type=code`);
      await check('error', 'error.title');
    });
  }
});

/** The checks every page passes, then its screenshot. */
async function checkPage(page: Page, server: TestServer, expected: { name: string; locale: Locale; heading: string }): Promise<void> {
  assert.ok(page.url().startsWith(server.url), `${expected.name}: still on the server (${page.url()})`);
  assert.equal(await page.locator('html').getAttribute('lang'), expected.locale, `${expected.name}: declares its language`);
  const headings = page.getByRole('heading', { level: 1 });
  assert.equal(await headings.count(), 1, `${expected.name}: one h1`);
  assert.equal(await headings.innerText(), expected.heading, `${expected.name}: heading in ${expected.locale}`);
  const unlabelled = await page.evaluate<string[]>(
    `[...document.querySelectorAll('input:not([type=hidden]), select')]` +
      `.filter((e) => !e.labels || e.labels.length === 0).map((e) => e.name)`,
  );
  assert.deepEqual(unlabelled, [], `${expected.name}: every field has a label`);
  const unnamed = await page.evaluate<number>(
    `[...document.querySelectorAll('button, a')].filter((e) => !e.textContent.trim() && !e.getAttribute('aria-label')).length`,
  );
  assert.equal(unnamed, 0, `${expected.name}: every button and link has a name`);
  assert.ok(
    await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth'),
    `${expected.name}: fits a phone screen`,
  );
  // Autofocus lands a moment after load; wait for it so the screenshot is the same every run.
  await page.waitForFunction(`!document.querySelector('[autofocus]') || document.activeElement === document.querySelector('[autofocus]')`);
  await screenshot(page, expected.name);
}
