/**
 * oidc-client-ts, the standard library of single-page apps, running in Chromium on a page of its own origin
 * (test/compat/spa/oidc-client-app.ts, bundled with esbuild): signs in through the hosted pages, calls userinfo,
 * refreshes silently with its refresh token, signs out. The same app on an origin its client does not allow is
 * refused by the browser's CORS rules. A Salesforce headless client written with fetch in a page signs in from its
 * client's origin too. Hosts are named as in a deployment (test/support/host-proxy.ts).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, test, type TestContext } from 'node:test';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { describeInChromium } from '../browser/chromium.js';
import { seedUser } from '../support/hosted-flows.js';
import { startHostProxy } from '../support/host-proxy.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

interface AppUser {
  sub: string;
  phone?: string;
  accessToken: string;
  refreshToken?: string;
}
interface SpaApp {
  metadata(): Promise<Record<string, unknown>>;
  signIn(): Promise<void>;
  renew(): Promise<AppUser | null>;
  user(): Promise<AppUser | null>;
  userinfo(): Promise<Record<string, unknown>>;
  signOut(): Promise<void>;
}
declare const app: SpaApp;

describeInChromium(
  'oidc-client-ts in Chromium (CORS per client)',
  (browser: () => Browser) => {
    let t: TestServer;
    let spa: Server;
    let proxy: Awaited<ReturnType<typeof startHostProxy>>;
    before(async () => {
      t = await startTestServer({
        sites: [
          {
            id: 'demo',
            name: 'Demo',
            handlers: ['console'],
            clients: [
              {
                clientId: 'spa',
                redirectUris: ['http://spa.test/callback'],
                postLogoutRedirectUris: ['http://spa.test/signed-out'],
                allowedOrigins: ['http://spa.test'],
              },
              // The same app served from an origin nobody allowed.
              { clientId: 'elsewhere', redirectUris: ['http://elsewhere.test/callback'] },
            ],
          },
        ],
      });
      const bundle = await build({
        entryPoints: [fileURLToPath(new URL('./spa/oidc-client-app.ts', import.meta.url))],
        bundle: true,
        write: false,
        format: 'iife',
        platform: 'browser',
        target: 'chrome120',
      });
      const script = bundle.outputFiles[0]!.text;
      spa = createServer((req, res) => {
        if (req.url === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
        else
          res
            .writeHead(200, { 'content-type': 'text/html' })
            .end('<!doctype html><html><body><script src="/app.js"></script></body></html>');
      });
      await new Promise<void>((resolve) => spa.listen(0, '127.0.0.1', resolve));
      const spaUrl = `http://127.0.0.1:${(spa.address() as AddressInfo).port}`;
      proxy = await startHostProxy({ 'otpgate.test': () => t.url, 'spa.test': () => spaUrl, 'elsewhere.test': () => spaUrl });
    });
    after(async () => {
      await proxy?.close();
      spa?.closeAllConnections();
      await new Promise((resolve) => spa?.close(resolve));
      await t?.close();
    });

    async function pageOf(tc: TestContext): Promise<Page> {
      const context = await browser().newContext({ proxy: { server: proxy.url } });
      context.setDefaultTimeout(10_000);
      tc.after(() => context.close());
      return context.newPage();
    }

    /** From the app's sign-in button to its callback page: the hosted login, phone, code. */
    async function signInFrom(page: Page, phone: string): Promise<{ ok: boolean; error?: string; user?: AppUser }> {
      await page.evaluate(() => void app.signIn());
      await page.waitForURL(/^http:\/\/otpgate\.test\/demo\/login/);
      await page.getByLabel('Country or region').selectOption('US');
      await page.getByLabel('Mobile number').fill(phone);
      await page.getByRole('button', { name: 'Send code' }).click();
      await page.getByLabel('Code').fill(t.lastCode(phone));
      await page.getByRole('button', { name: 'Continue' }).click();
      // A third-party app's first sign-in asks the user to allow it.
      const allow = page.getByRole('button', { name: 'Allow', exact: true });
      const result = page.locator('body[data-result]');
      await Promise.race([allow.waitFor().catch(() => {}), result.waitFor({ state: 'attached' }).catch(() => {})]);
      if (await allow.isVisible()) await allow.click();
      await page.waitForSelector('body[data-result]', { state: 'attached' });
      return JSON.parse((await page.locator('body').getAttribute('data-result'))!) as { ok: boolean; error?: string; user?: AppUser };
    }

    test('from an allowed origin: discovery, sign-in, userinfo, silent refresh, sign-out', async (tc) => {
      const phone = '+14155550131';
      const user = await seedUser(t, phone);
      const page = await pageOf(tc);
      await page.goto('http://spa.test/?client=spa');
      const metadata = await page.evaluate(() => app.metadata());
      assert.equal(metadata.issuer, 'http://otpgate.test/demo');

      const result = await signInFrom(page, phone);
      assert.equal(result.ok, true, result.error);
      assert.equal(result.user?.sub, user.id);
      assert.equal(result.user?.phone, phone);
      assert.ok(result.user?.refreshToken, 'offline_access gave a refresh token');
      const info = await page.evaluate(() => app.userinfo());
      assert.equal(info.phone_number, phone, 'the page read userinfo (a preflighted request: Authorization header)');

      const renewed = await page.evaluate(() => app.renew());
      assert.ok(renewed && renewed.accessToken !== result.user?.accessToken, 'a new access token without leaving the page');
      assert.notEqual(renewed.refreshToken, result.user?.refreshToken, 'the refresh token rotated');

      await page.evaluate(() => void app.signOut());
      await page.waitForURL(/^http:\/\/spa\.test\/signed-out/);
      assert.equal(await page.evaluate(() => app.user()), null);
      await page.goto('http://otpgate.test/demo/account');
      assert.match(page.url(), /^http:\/\/otpgate\.test\/demo\/login/, 'the otpgate session ended too');
    });

    test("from an origin its client does not allow: the browser refuses to hand the page otpgate's answers", async (tc) => {
      const phone = '+14155550132';
      await seedUser(t, phone);
      const page = await pageOf(tc);
      const logged: string[] = [];
      page.on('console', (message) => logged.push(message.text()));
      await page.goto('http://elsewhere.test/?client=elsewhere');
      // The public documents are readable from anywhere.
      assert.equal((await page.evaluate(() => app.metadata())).issuer, 'http://otpgate.test/demo');
      const result = await signInFrom(page, phone);
      assert.equal(result.ok, false, 'the token response is not readable from this origin');
      assert.match(result.error ?? '', /fetch/i, result.error);
      assert.equal(await page.evaluate(() => app.user()), null);
      // A request with an Authorization header is stopped at its preflight.
      await assert.rejects(
        page.evaluate(() => app.userinfo()),
        /Failed to fetch/,
      );
      // It was the browser's CORS check that refused, not an error of the server.
      const blocked = logged.filter((line) => /from origin 'http:\/\/elsewhere\.test' has been blocked by CORS policy/.test(line));
      assert.ok(
        blocked.some((line) => line.includes('/services/oauth2/token')),
        logged.join('\n'),
      );
      assert.ok(
        blocked.some((line) => line.includes('/services/oauth2/userinfo') && /preflight/.test(line)),
        logged.join('\n'),
      );
    });

    test("a Salesforce headless client in a page (fetch, as tutorials write it) signs in from its client's origin", async (tc) => {
      const phone = '+14155550133';
      const user = await seedUser(t, phone);
      const page = await pageOf(tc);
      await page.goto('http://spa.test/?client=spa');
      const site = 'http://otpgate.test/demo';
      // Every call below is preflighted (JSON body, Auth-* and Authorization headers).
      const init = await page.evaluate(
        async ({ site, phone }) =>
          (await fetch(`${site}/services/auth/headless/init/passwordless/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ username: phone, verificationmethod: 'sms' }),
          }).then((r) => r.json())) as { identifier: string },
        { site, phone },
      );
      const verifier = randomBytes(32).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const tokens = await page.evaluate(
        async ({ site, identifier, code, verifier, challenge }) => {
          // No helper functions in here: the page gets this function's source, without the test's module around it.
          const echo = `${site}/services/oauth2/echo`;
          const authorized = (await fetch(`${site}/services/oauth2/authorize`, {
            method: 'POST',
            headers: {
              'Auth-Request-Type': 'passwordless-login',
              'Auth-Verification-Type': 'sms',
              Authorization: `Basic ${btoa(`${identifier}:${code}`)}`,
              'Content-Type': 'application/x-www-form-urlencoded',
            },
            body: new URLSearchParams({
              response_type: 'code_credentials',
              client_id: 'spa',
              redirect_uri: echo,
              code_challenge: challenge,
            }).toString(),
          }).then((r) => r.json())) as { code: string };
          const token = (await fetch(`${site}/services/oauth2/token`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
              grant_type: 'authorization_code',
              code: authorized.code,
              client_id: 'spa',
              redirect_uri: echo,
              code_verifier: verifier,
            }).toString(),
          }).then((r) => r.json())) as { access_token: string; id: string };
          const identity = (await fetch(token.id, { headers: { Authorization: `Bearer ${token.access_token}` } }).then((r) =>
            r.json(),
          )) as { user_id: string; username: string };
          return { identity };
        },
        { site, identifier: init.identifier, code: t.lastCode(phone), verifier, challenge },
      );
      assert.equal(tokens.identity.user_id, user.id);
      // This user's username is their number, and this app (not first-party) was not granted the phone.
      assert.equal(tokens.identity.username, null);
    });
  },
  {
    // PKCE needs WebCrypto, which a page has only in a secure context: the test origins stand in for https ones.
    args: ['--unsafely-treat-insecure-origin-as-secure=http://spa.test,http://elsewhere.test,http://otpgate.test'],
  },
);
