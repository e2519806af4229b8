/**
 * The consent screen (OIDC Core 3.1.2.4): a third-party app asks the user once for what it wants, again for more
 * and on prompt=consent; prompt=none cannot ask; Don't allow sends the app access_denied; the site's own apps never
 * ask; revoking on the account page makes the app ask again and ends its tokens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createBrowser, type Browser, type Page } from './support/browser-fetch.js';
import { seedUser, signIn } from './support/hosted-flows.js';
import { pkcePair } from './support/pkce.js';
import { postForm, startTestServer, type TestServer } from './support/test-server.js';

const CALLBACK = 'http://app.test/callback';

describe('the consent screen', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      sites: [
        {
          id: 'demo',
          name: 'Demo',
          handlers: ['console'],
          clients: [
            { clientId: 'photos', name: 'Photo Printer', redirectUris: [CALLBACK] },
            { clientId: 'own-app', redirectUris: [CALLBACK], firstParty: true },
          ],
        },
      ],
    });
  });
  after(() => t.close());

  const pkce = pkcePair();
  const authorize = (params: Record<string, string> = {}) =>
    `${t.url}/demo/services/oauth2/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: 'photos',
      redirect_uri: CALLBACK,
      scope: 'openid profile',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      state: 'st',
      ...params,
    }).toString()}`;
  const isConsent = (page: Page) => page.html.includes('action="/demo/consent"');
  const callback = (page: Page) => new URL(page.url).searchParams;
  const signedIn = async (phone: string): Promise<Browser> => {
    await seedUser(t, phone);
    const browser = createBrowser(t.url);
    await signIn(browser, t, phone);
    return browser;
  };

  test('first time: the page names the app and what it asks; Allow returns a code, and the next sign-in does not ask', async () => {
    const browser = await signedIn('+14155550401');
    const asked = await browser.go(authorize());
    assert.ok(isConsent(asked), asked.html.slice(0, 300));
    assert.match(asked.html, /<h1[^>]*>Allow Photo Printer\?<\/h1>/);
    assert.match(asked.html, /Photo Printer wants to use your Demo account to:/);
    assert.match(asked.html, /<li>Know who you are<\/li><li>See your name<\/li>/);
    const allowed = await browser.submit(asked, '/demo/consent', { decision: 'allow' });
    assert.ok(allowed.url.startsWith(`${CALLBACK}?`), allowed.url);
    assert.ok(callback(allowed).get('code'));
    assert.equal(callback(allowed).get('state'), 'st');
    const again = await browser.go(authorize({ state: 'st2' }));
    assert.ok(again.url.startsWith(`${CALLBACK}?`), 'remembered');
    assert.ok(callback(again).get('code'));
  });

  test("Don't allow sends the app access_denied with its state and iss", async () => {
    const browser = await signedIn('+14155550402');
    const denied = await browser.submit(await browser.go(authorize()), '/demo/consent', { decision: 'deny' });
    assert.ok(denied.url.startsWith(`${CALLBACK}?`), denied.url);
    assert.equal(callback(denied).get('error'), 'access_denied');
    assert.equal(callback(denied).get('state'), 'st');
    assert.equal(callback(denied).get('iss'), 'http://otpgate.test/demo');
    assert.equal(callback(denied).get('code'), null);
  });

  test('more scopes ask again; prompt=consent asks again; prompt=none cannot ask: consent_required', async () => {
    const browser = await signedIn('+14155550403');
    await browser.submit(await browser.go(authorize()), '/demo/consent', { decision: 'allow' });
    const more = await browser.go(authorize({ scope: 'openid profile phone' }));
    assert.ok(isConsent(more));
    assert.match(more.html, /See your mobile number/);
    const forced = await browser.go(authorize({ prompt: 'consent' }));
    assert.ok(isConsent(forced), 'prompt=consent');
    // Allowing it does not loop: the request goes on without prompt=consent.
    const allowed = await browser.submit(forced, '/demo/consent', { decision: 'allow' });
    assert.ok(callback(allowed).get('code'));

    const other = await signedIn('+14155550404');
    const silent = await other.go(authorize({ prompt: 'none' }));
    assert.equal(callback(silent).get('error'), 'consent_required');
  });

  test("the site's own app never asks", async () => {
    const browser = await signedIn('+14155550405');
    const page = await browser.go(authorize({ client_id: 'own-app' }));
    assert.ok(callback(page).get('code'));
  });

  test("revoking on the account page ends the app's tokens, and its next sign-in asks again", async () => {
    const browser = await signedIn('+14155550406');
    const allowed = await browser.submit(await browser.go(authorize({ scope: 'openid refresh_token' })), '/demo/consent', {
      decision: 'allow',
    });
    const tokens = await postForm(`${t.url}/demo/services/oauth2/token`, {
      grant_type: 'authorization_code',
      code: callback(allowed).get('code')!,
      redirect_uri: CALLBACK,
      client_id: 'photos',
      code_verifier: pkce.verifier,
    });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    const account = await browser.go(`${t.url}/demo/account`);
    assert.match(account.html, /<h2 id="apps">Apps you allowed<\/h2>/);
    assert.match(account.html, /<span>Photo Printer<\/span>/);
    const revoked = await browser.submit(account, '/demo/account/apps/revoke', { client_id: 'photos' });
    assert.match(revoked.html, /Photo Printer can no longer use your account\./);
    assert.doesNotMatch(revoked.html, /Apps you allowed/);
    const refresh = await postForm(`${t.url}/demo/services/oauth2/token`, {
      grant_type: 'refresh_token',
      refresh_token: String(tokens.body.refresh_token),
      client_id: 'photos',
    });
    assert.equal(refresh.status, 400);
    assert.equal(refresh.body.error, 'invalid_grant');
    assert.ok(isConsent(await browser.go(authorize())), 'asks again');
  });

  test('the consent form needs the CSRF token and a signed-in user', async () => {
    const browser = await signedIn('+14155550407');
    const asked = await browser.go(authorize());
    const forged = await browser.send(`${t.url}/demo/consent`, { form: { request: 'client_id=photos', decision: 'allow' } });
    assert.equal(forged.status, 403);
    assert.ok(isConsent(await browser.go(authorize())), 'nothing was granted');
    assert.ok(isConsent(asked));
  });
});
