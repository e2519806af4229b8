/**
 * A third-party app signs its users in exactly as it would with any OpenID provider: openid-client v6
 * (a certified relying-party library) with discovery, PKCE, nonce and state, and no otpgate-specific code.
 * The user's side is driven through the hosted pages over plain HTTP with a cookie jar.
 */
import assert from 'node:assert/strict';
import { allowIfAsked } from './support/hosted-flows.js';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import type { PhoneNumber } from '../src/domain/phone.js';
import { createBrowser, hiddenFields, type Browser, type Page } from './support/browser-fetch.js';
import { createSkewedClock } from './support/skewed-clock.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const ISSUER = 'http://otpgate.test/demo';
const CALLBACK = 'http://rp.test/callback';
const SIGNED_OUT = 'http://rp.test/signed-out';

describe('OpenID Connect relying party (openid-client)', () => {
  let t: TestServer;
  const clock = createSkewedClock();
  before(async () => {
    t = await startTestServer(
      {
        sites: [
          {
            id: 'demo',
            name: 'Demo',
            handlers: ['console'],
            clients: [
              { clientId: 'rp-spa', redirectUris: [CALLBACK], postLogoutRedirectUris: [SIGNED_OUT] },
              { clientId: 'rp-web', clientSecret: 'rp-web-secret-0123456789', redirectUris: [CALLBACK] },
            ],
          },
        ],
      },
      { clock },
    );
  });
  after(() => t.close());

  /** What a real deployment's DNS would do: the issuer's host name is served on the test's loopback port. */
  const loopbackFetch: client.CustomFetch = (url, options) => fetch(url.replace('http://otpgate.test', t.url), options);

  /** PKCE parameters for an authorization URL (S256). */
  async function pkceParams(verifier = client.randomPKCECodeVerifier()): Promise<Record<string, string>> {
    return { code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' };
  }

  async function discover(clientId: string, auth: client.ClientAuth): Promise<client.Configuration> {
    const config = await client.discovery(new URL(ISSUER), clientId, undefined, auth, {
      execute: [client.allowInsecureRequests],
      [client.customFetch]: loopbackFetch,
    });
    // Verify id_token signatures against the JWKS too (by default a code-flow client may trust the TLS channel).
    client.enableNonRepudiationChecks(config);
    return config;
  }

  async function seedUser(phone: string) {
    return t.store.forSite('demo').users.create(
      {
        id: randomUUID(),
        username: phone,
        phone: phone as PhoneNumber,
        phoneVerified: true,
        firstName: 'Grace',
        lastName: 'Hopper',
        email: null,
        locale: 'en',
        status: 'active',
        customData: {},
      },
      new Date(),
    );
  }

  /** Types the phone on the login page, then the code from the text message. */
  async function signInOnPage(browser: Browser, login: Page, phone: string): Promise<Page> {
    assert.equal(login.status, 200);
    assert.match(new URL(login.url).pathname, /^\/demo\/login$/);
    const verify = await browser.submit(login, '/demo/login', { country: 'US', phone });
    assert.equal(verify.status, 200, verify.html);
    return allowIfAsked(browser, await browser.submit(verify, '/demo/login/verify', { code: t.lastCode(phone), action: 'verify' }));
  }

  test('discovery advertises the browser flow, end-session and the phone claims', async () => {
    const config = await discover('rp-spa', client.None());
    const metadata = config.serverMetadata();
    assert.equal(metadata.issuer, ISSUER);
    assert.deepEqual(metadata.response_types_supported, ['code']);
    assert.equal(metadata.end_session_endpoint, `${ISSUER}/services/oauth2/logout`);
    assert.ok(metadata.claims_supported?.includes('phone_number_verified'));
    assert.ok(metadata.claims_supported?.includes('auth_time'));
  });

  test('a public app signs a user in with PKCE, validates the id_token, reads userinfo, refreshes and signs out', async () => {
    const phone = '+14155550171';
    const user = await seedUser(phone);
    const config = await discover('rp-spa', client.None());
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const state = client.randomState();
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid profile phone offline_access',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
      state,
    });

    const browser = createBrowser(t.url);
    const before = Math.floor(Date.now() / 1000);
    const callback = await signInOnPage(browser, await browser.go(authorizationUrl.href), phone);
    assert.equal(callback.status, 303);
    assert.ok(callback.url.startsWith(`${CALLBACK}?`), callback.url);

    const tokens = await client.authorizationCodeGrant(config, new URL(callback.url), {
      pkceCodeVerifier: verifier,
      expectedNonce: nonce,
      expectedState: state,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    assert.equal(claims.sub, user.id);
    assert.equal(claims.aud, 'rp-spa');
    assert.equal(claims.nonce, nonce);
    assert.equal(claims.phone_number, phone);
    assert.equal(claims.phone_number_verified, true);
    assert.ok(typeof claims.auth_time === 'number' && claims.auth_time >= before - 1, 'auth_time is the sign-in time');
    assert.ok(typeof claims.at_hash === 'string');

    const info = await client.fetchUserInfo(config, tokens.access_token, user.id);
    assert.equal(info.phone_number, phone);
    assert.equal(info.name, 'Grace Hopper');

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.equal(refreshed.claims()?.auth_time, claims.auth_time, 'a refresh keeps the original auth_time');
    // Two tabs refreshing at once: the late one, inside the grace window, gets its own pair of the same login.
    const raced = await client.refreshTokenGrant(config, tokens.refresh_token!);
    assert.ok(raced.refresh_token && raced.refresh_token !== refreshed.refresh_token, 'a new pair, not a copy of the first');
    clock.advance(11_000);
    await assert.rejects(
      client.refreshTokenGrant(config, tokens.refresh_token!),
      (e: { error?: string }) => e.error === 'invalid_grant',
      'a rotated refresh token is dead once the grace window has passed',
    );
    await assert.rejects(
      client.refreshTokenGrant(config, raced.refresh_token),
      (e: { error?: string }) => e.error === 'invalid_grant',
      'and the replay after the window revoked the whole login',
    );

    // Signed in already: the next sign-in of any app goes straight back, no page in between.
    const again = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      prompt: 'none',
    });
    const silent = await browser.go(again.href);
    assert.ok(silent.url.startsWith(CALLBACK) && new URL(silent.url).searchParams.has('code'), silent.url);

    const endSession = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: SIGNED_OUT,
      state: 'bye',
    });
    const signedOut = await browser.go(endSession.href);
    assert.equal(signedOut.url, `${SIGNED_OUT}?state=bye`);

    const afterLogout = await browser.go(again.href);
    const error = new URL(afterLogout.url);
    assert.equal(error.searchParams.get('error'), 'login_required');
    assert.equal(error.searchParams.get('state'), state);
    assert.equal(error.searchParams.get('iss'), ISSUER);
    await assert.rejects(
      client.authorizationCodeGrant(config, error, { pkceCodeVerifier: verifier, expectedState: state }),
      (e: { error?: string }) => e.error === 'login_required',
    );
  });

  test("a registration started from an app's sign-in ends back at the app, signed in (confidential client)", async () => {
    const phone = '+14155550172';
    const config = await discover('rp-web', client.ClientSecretBasic('rp-web-secret-0123456789'));
    const nonce = client.randomNonce();
    const state = client.randomState();
    // A confidential client sends PKCE too (RFC 9700): its secret does not stop an injected code.
    const verifier = client.randomPKCECodeVerifier();
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid profile phone',
      nonce,
      state,
      ui_locales: 'de',
      ...(await pkceParams(verifier)),
    });

    const browser = createBrowser(t.url);
    const login = await browser.go(authorizationUrl.href);
    assert.match(login.html, /<html lang="de">/, 'ui_locales picks the page language');
    const registerHref = /<a href="([^"]*\/demo\/register[^"]*)">/.exec(login.html)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(registerHref, 'the login page links to registration, keeping the app request');
    const form = await browser.go(new URL(registerHref, login.url).href);
    const verify = await browser.submit(form, '/demo/register', {
      first_name: 'Katherine',
      last_name: 'Johnson',
      email: 'kj@example.com',
      country: 'US',
      phone,
    });
    assert.equal(verify.status, 200);
    const callback = await allowIfAsked(
      browser,
      await browser.submit(verify, '/demo/register/verify', { code: t.lastCode(phone), action: 'verify' }),
    );
    assert.ok(callback.url.startsWith(`${CALLBACK}?`), callback.url);

    const tokens = await client.authorizationCodeGrant(config, new URL(callback.url), {
      pkceCodeVerifier: verifier,
      expectedNonce: nonce,
      expectedState: state,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    assert.equal(claims.given_name, 'Katherine');
    assert.equal(claims.phone_number, phone);
    assert.equal(claims.locale, 'de', 'the new user keeps the language they registered in');
  });

  test('prompt=login and max_age=0 ask again even with a session; prompt=create opens registration', async () => {
    const phone = '+14155550173';
    await seedUser(phone);
    const config = await discover('rp-web', client.ClientSecretBasic('rp-web-secret-0123456789'));
    const browser = createBrowser(t.url);
    const first = await signInOnPage(
      browser,
      await browser.go(client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', ...(await pkceParams()) }).href),
      phone,
    );
    assert.ok(first.url.startsWith(CALLBACK));

    for (const extra of [{ prompt: 'login' }, { max_age: '0' }] as Record<string, string>[]) {
      const page = await browser.go(
        client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', ...extra, ...(await pkceParams()) }).href,
      );
      assert.equal(new URL(page.url).pathname, '/demo/login', JSON.stringify(extra));
      // Signing in again satisfies the request: back at the app, not looping through the login page.
      const done = await signInOnPage(browser, page, phone);
      assert.ok(done.url.startsWith(CALLBACK), `${JSON.stringify(extra)}: ${done.url}`);
    }

    const create = await browser.go(
      client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', prompt: 'create', ...(await pkceParams()) }).href,
    );
    assert.equal(new URL(create.url).pathname, '/demo/register');
    assert.ok(hiddenFields(create.html, '/demo/register').return_to?.startsWith('/demo/services/oauth2/authorize?'));
  });
});
