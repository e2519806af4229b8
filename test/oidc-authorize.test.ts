/**
 * The browser authorization and end-session endpoints at their edges: which problems are shown as a page
 * (client or redirect_uri not trusted) and which go back to the app (RFC 6749 §4.1.2.1).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createBrowser } from './support/browser-fetch.js';
import { seedUser, signIn } from './support/hosted-flows.js';
import { pkcePair } from './support/pkce.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const CALLBACK = 'http://app.test/callback';

describe('OpenID Connect authorize and end-session edges', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      sites: [
        {
          id: 'demo',
          name: 'Demo',
          handlers: ['console'],
          clients: [
            { clientId: 'spa', redirectUris: [CALLBACK], postLogoutRedirectUris: ['http://app.test/bye'] },
            // A legacy confidential app that turned PKCE off; web-strict is one on the default.
            {
              clientId: 'web',
              clientSecret: 'web-secret-0123456789',
              redirectUris: [CALLBACK, 'http://app.test/other'],
              requirePkce: false,
            },
            { clientId: 'web-strict', clientSecret: 'web-strict-secret-0123456789', redirectUris: [CALLBACK] },
          ],
        },
      ],
    });
  });
  after(() => t.close());

  const authorize = (params: Record<string, string>) => `${t.url}/demo/services/oauth2/authorize?${new URLSearchParams(params).toString()}`;
  const pkce = pkcePair();
  const good = {
    response_type: 'code',
    client_id: 'spa',
    redirect_uri: CALLBACK,
    scope: 'openid',
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    state: 's1',
  };

  test('an unknown client or an unregistered redirect_uri gets an error page, never a redirect', async () => {
    const browser = createBrowser(t.url);
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ ...good, client_id: 'nobody' }, /isn&#39;t registered with Demo/],
      [{ ...good, redirect_uri: 'http://evil.test/cb' }, /return address that isn&#39;t registered/],
      [{ ...good, client_id: 'web', redirect_uri: '' }, /return address that isn&#39;t registered/],
    ];
    for (const [params, message] of cases) {
      const page = await browser.go(authorize(params));
      assert.equal(page.status, 400, JSON.stringify(params));
      assert.match(page.html, message);
    }
    const repeated = await browser.go(`${authorize(good)}&scope=openid`);
    assert.equal(repeated.status, 400, 'a repeated parameter is refused');
  });

  test('once client and redirect_uri are trusted, errors go back to the app with state and iss', async () => {
    const browser = createBrowser(t.url);
    const cases: Array<[Record<string, string>, string]> = [
      [{ ...good, response_type: 'token' }, 'unsupported_response_type'],
      [{ ...good, response_type: '' }, 'invalid_request'],
      [{ ...good, code_challenge: '' }, 'invalid_request'],
      [{ ...good, code_challenge_method: 'plain' }, 'invalid_request'],
      [{ ...good, scope: 'openid admin' }, 'invalid_scope'],
      [{ ...good, request: 'eyJ...' }, 'request_not_supported'],
      [{ ...good, request_uri: 'urn:x' }, 'request_uri_not_supported'],
      [{ ...good, prompt: 'none login' }, 'invalid_request'],
      [{ ...good, prompt: 'none' }, 'login_required'],
      [{ ...good, max_age: 'soon' }, 'invalid_request'],
    ];
    for (const [params, error] of cases) {
      const page = await browser.go(authorize(params));
      assert.equal(page.status, 303, JSON.stringify(params));
      const url = new URL(page.url);
      assert.equal(url.origin + url.pathname, CALLBACK);
      assert.equal(url.searchParams.get('error'), error, JSON.stringify(params));
      assert.equal(url.searchParams.get('state'), 's1');
      assert.equal(url.searchParams.get('iss'), 'http://otpgate.test/demo');
    }
  });

  test('PKCE is required of a confidential client too (RFC 9700), unless it turned PKCE off', async () => {
    const browser = createBrowser(t.url);
    const refused = await browser.go(
      authorize({ response_type: 'code', client_id: 'web-strict', redirect_uri: CALLBACK, scope: 'openid' }),
    );
    const error = new URL(refused.url);
    assert.equal(`${error.origin}${error.pathname}`, CALLBACK, 'the error goes back to the app');
    assert.equal(error.searchParams.get('error'), 'invalid_request');
    assert.match(error.searchParams.get('error_description') ?? '', /code_challenge/);
    const withPkce = await browser.go(authorize({ ...good, client_id: 'web-strict' }));
    assert.equal(new URL(withPkce.url).pathname, '/demo/login');
  });

  test('a form POST works like a GET; a confidential client that turned PKCE off may skip it; login_hint fills the number', async () => {
    const browser = createBrowser(t.url);
    const page = await browser.go(`${t.url}/demo/services/oauth2/authorize`, {
      form: { response_type: 'code', client_id: 'web', redirect_uri: 'http://app.test/other', scope: 'openid', login_hint: '+14155550401' },
    });
    assert.equal(new URL(page.url).pathname, '/demo/login');
    assert.match(page.html, /value="\+14155550401"/);
  });

  test('end-session: asks without an id_token_hint; refuses unregistered return addresses and foreign hints', async () => {
    await seedUser(t, '+14155550402');
    const browser = createBrowser(t.url);
    await signIn(browser, t, '+14155550402');
    const logout = `${t.url}/demo/services/oauth2/logout`;

    const ask = await browser.go(`${logout}?client_id=spa&post_logout_redirect_uri=${encodeURIComponent('http://app.test/bye')}&state=k`);
    assert.equal(ask.status, 200);
    assert.match(ask.html, /Do you want to sign out of Demo\?/);
    const bad = await browser.go(`${logout}?client_id=spa&post_logout_redirect_uri=${encodeURIComponent('http://evil.test/')}`);
    assert.equal(bad.status, 400);
    const forged = await browser.go(`${logout}?id_token_hint=eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.`);
    assert.equal(forged.status, 400);
    assert.equal(new URL((await browser.go(`${t.url}/demo/account`)).url).pathname, '/demo/account', 'still signed in');

    const confirmed = await browser.submit(ask, '/demo/logout');
    assert.equal(confirmed.url, 'http://app.test/bye?state=k', 'the confirmation carries the app’s return address');
    assert.equal(new URL((await browser.go(`${t.url}/demo/account`)).url).pathname, '/demo/login');
  });
});
