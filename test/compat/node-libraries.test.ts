/**
 * OpenID Connect libraries for Node sign a user in with no otpgate-specific code, each making its own requests:
 * oauth4webapi 3 (public client, PKCE, RFC 9207 iss), openid-client 6 (confidential, PKCE), and
 * passport-openidconnect in an express 4 app (confidential; it sends no PKCE, so its client turns PKCE off).
 * The user's side goes through the hosted pages (test/support/browser-fetch.ts).
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import session from 'express-session';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import passportModule from 'passport';
import OpenIDConnectStrategy from 'passport-openidconnect';
import { createBrowser, type Browser, type Page } from '../support/browser-fetch.js';
import { allowIfAsked, seedUser } from '../support/hosted-flows.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const ISSUER = 'http://otpgate.test/demo';
const CALLBACK = 'http://rp.test/callback';

describe('OpenID Connect libraries for Node', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      sites: [
        {
          id: 'demo',
          name: 'Demo',
          handlers: ['console'],
          clients: [
            { clientId: 'oauth4webapi-app', redirectUris: [CALLBACK] },
            { clientId: 'openid-client-app', clientSecret: 'openid-client-secret-0123456789', redirectUris: [CALLBACK] },
            { clientId: 'passport-app', clientSecret: 'passport-secret-0123456789', redirectUris: [CALLBACK], requirePkce: false },
          ],
        },
      ],
    });
  });
  after(() => t.close());

  /** DNS for the test: the issuer's host name is served on the loopback port. */
  const local = (url: string) => url.replace('http://otpgate.test', t.url);
  const loopbackFetch = (url: string, options?: RequestInit) => fetch(local(url), options);

  /** At the login page an authorization request led to: phone, then the code; the app's callback URL. */
  async function signInAt(browser: Browser, authorizationUrl: string, phone: string): Promise<string> {
    const login: Page = await browser.go(authorizationUrl);
    assert.equal(new URL(login.url).pathname, '/demo/login', login.url);
    const verify = await browser.submit(login, '/demo/login', { country: 'US', phone });
    const callback = await allowIfAsked(
      browser,
      await browser.submit(verify, '/demo/login/verify', { code: t.lastCode(phone), action: 'verify' }),
    );
    assert.ok(callback.url.startsWith(`${CALLBACK}?`), callback.url);
    return callback.url;
  }

  test('oauth4webapi 3: discovery, PKCE, iss in the response, code grant, id_token, userinfo', async () => {
    const phone = '+14155550151';
    const user = await seedUser(t, phone);
    const options = { [oauth.customFetch]: loopbackFetch, [oauth.allowInsecureRequests]: true };
    const issuer = new URL(ISSUER);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, options));
    const app: oauth.Client = { client_id: 'oauth4webapi-app' };
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(as.authorization_endpoint!);
    for (const [k, v] of Object.entries({
      client_id: app.client_id,
      redirect_uri: CALLBACK,
      response_type: 'code',
      scope: 'openid profile phone',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    }))
      url.searchParams.set(k, v);

    const callback = await signInAt(createBrowser(t.url), url.href, phone);
    const params = oauth.validateAuthResponse(as, app, new URL(callback), state);
    const response = await oauth.authorizationCodeGrantRequest(as, app, oauth.None(), params, CALLBACK, verifier, options);
    const result = await oauth.processAuthorizationCodeResponse(as, app, response, { expectedNonce: nonce, requireIdToken: true });
    const claims = oauth.getValidatedIdTokenClaims(result)!;
    assert.equal(claims.sub, user.id);
    const info = await oauth.processUserInfoResponse(
      as,
      app,
      claims.sub,
      await oauth.userInfoRequest(as, app, result.access_token, options),
    );
    assert.equal(info.phone_number, phone);
  });

  test('openid-client 6: a confidential client with PKCE signs in and reads userinfo', async () => {
    const phone = '+14155550152';
    const user = await seedUser(t, phone);
    const config = await client.discovery(new URL(ISSUER), 'openid-client-app', 'openid-client-secret-0123456789', undefined, {
      execute: [client.allowInsecureRequests],
      [client.customFetch]: (url, options) => fetch(local(url), options),
    });
    client.enableNonRepudiationChecks(config);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid profile',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const callback = await signInAt(createBrowser(t.url), authorizationUrl.href, phone);
    const tokens = await client.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier, expectedState: state });
    assert.equal(tokens.claims()?.sub, user.id);
    const info = await client.fetchUserInfo(config, tokens.access_token, user.id);
    assert.equal(info.name, 'Ada Lovelace');
  });

  test('passport-openidconnect (express 4): the strategy signs the user in, with the userinfo profile', async () => {
    const phone = '+14155550153';
    const user = await seedUser(t, phone);
    const discovery = (await (await fetch(local(`${ISSUER}/.well-known/openid-configuration`))).json()) as Record<string, string>;
    const passport = new passportModule.Passport();
    passport.use(
      'otpgate',
      new OpenIDConnectStrategy(
        {
          issuer: discovery.issuer!,
          authorizationURL: discovery.authorization_endpoint!,
          // The strategy calls these from the server side: through the loopback address, as DNS would.
          tokenURL: local(discovery.token_endpoint!),
          userInfoURL: local(discovery.userinfo_endpoint!),
          clientID: 'passport-app',
          clientSecret: 'passport-secret-0123456789',
          callbackURL: CALLBACK,
          scope: ['profile', 'phone'],
          nonce: true,
        },
        (_issuer, uiProfile, _idProfile, _context, _idToken, _accessToken, _refreshToken, _params, done) =>
          done(null, { id: uiProfile.id, name: uiProfile.displayName, phone: uiProfile._json?.phone_number }),
      ),
    );
    passport.serializeUser((u, done) => done(null, u));
    passport.deserializeUser((u, done) => done(null, u));
    const app = express();
    app.use(session({ secret: 'rp-session-secret-0123456789', resave: false, saveUninitialized: false }));
    app.use(passport.initialize());
    app.use(passport.session());
    app.get('/login', passport.authenticate('otpgate'));
    app.get('/callback', passport.authenticate('otpgate', { successRedirect: '/me', failureRedirect: '/failed', failureMessage: true }));
    app.get('/me', (req, res) => res.json(req.user ?? null));
    const server = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const rp = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const start = await fetch(`${rp}/login`, { redirect: 'manual' });
      const cookie = start.headers.get('set-cookie')!.split(';')[0]!;
      const callback = await signInAt(createBrowser(t.url), start.headers.get('location')!, phone);
      const back = await fetch(callback.replace('http://rp.test', rp), { redirect: 'manual', headers: { cookie } });
      assert.equal(back.headers.get('location'), '/me', `the strategy accepted the sign-in (${back.status})`);
      const signedIn = back.headers.get('set-cookie')?.split(';')[0] ?? cookie;
      const me = (await (await fetch(`${rp}/me`, { headers: { cookie: signedIn } })).json()) as Record<string, unknown>;
      assert.deepEqual(me, { id: user.id, name: 'Ada Lovelace', phone });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
