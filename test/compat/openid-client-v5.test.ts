/**
 * openid-client v5 (what next-auth v4 and many apps still use) with its DEFAULT settings: it expects RS256 ID
 * tokens unless told otherwise (OIDC Discovery §3, Core §15.1), so this failed while otpgate signed only with ES256.
 * It discovers, signs in with PKCE through the hosted pages, reads userinfo and refreshes. A client configured
 * for ES256 gets ES256 ID tokens.
 */
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { custom, generators, Issuer } from 'openid-client-v5';
import { createBrowser } from '../support/browser-fetch.js';
import { allowIfAsked, seedUser } from '../support/hosted-flows.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const ISSUER = 'http://otpgate.test/demo';
const CALLBACK = 'http://rp.test/callback';

describe('openid-client v5 with default settings', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      sites: [
        {
          id: 'demo',
          name: 'Demo',
          handlers: ['console'],
          clients: [
            { clientId: 'v5-app', clientSecret: 'v5-app-secret-0123456789', redirectUris: [CALLBACK] },
            {
              clientId: 'v5-es256',
              clientSecret: 'v5-es256-secret-0123456789',
              redirectUris: [CALLBACK],
              idTokenSignedResponseAlg: 'ES256',
            },
          ],
        },
      ],
    });
    // DNS for the test: every connection the library opens goes to the server's loopback port.
    const port = Number(new URL(t.url).port);
    const agent = new (class extends Agent {
      override createConnection = () => connect(port, '127.0.0.1');
    })();
    custom.setHttpOptionsDefaults({ agent });
  });
  after(() => t.close());

  async function signIn(clientId: string, secret: string, phone: string, options: Record<string, string> = {}) {
    const issuer = await Issuer.discover(ISSUER);
    const client = new issuer.Client({ client_id: clientId, client_secret: secret, redirect_uris: [CALLBACK], ...options });
    const verifier = generators.codeVerifier();
    const state = generators.state();
    const url = client.authorizationUrl({
      scope: 'openid profile phone refresh_token',
      code_challenge: generators.codeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const browser = createBrowser(t.url);
    const login = await browser.go(url);
    const verify = await browser.submit(login, '/demo/login', { country: 'US', phone });
    const callback = await allowIfAsked(
      browser,
      await browser.submit(verify, '/demo/login/verify', { code: t.lastCode(phone), action: 'verify' }),
    );
    assert.ok(callback.url.startsWith(`${CALLBACK}?`), callback.url);
    const tokens = await client.callback(CALLBACK, client.callbackParams(callback.url), { code_verifier: verifier, state });
    return { client, tokens };
  }

  test('discovers, signs in with PKCE, validates the RS256 id_token, reads userinfo and refreshes', async () => {
    const phone = '+14155550161';
    const user = await seedUser(t, phone);
    const { client, tokens } = await signIn('v5-app', 'v5-app-secret-0123456789', phone);
    assert.equal(decodeProtectedHeader(tokens.id_token!).alg, 'RS256');
    assert.equal(tokens.claims().sub, user.id);
    const info = await client.userinfo(tokens.access_token!);
    assert.equal(info.phone_number, phone);
    const refreshed = await client.refresh(tokens.refresh_token!);
    assert.equal(refreshed.claims().sub, user.id);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token, 'refresh tokens rotate');
  });

  test('a client registered for ES256 gets ES256 id_tokens, which the library validates when told to expect them', async () => {
    const phone = '+14155550162';
    const user = await seedUser(t, phone);
    const { tokens } = await signIn('v5-es256', 'v5-es256-secret-0123456789', phone, { id_token_signed_response_alg: 'ES256' });
    assert.equal(decodeProtectedHeader(tokens.id_token!).alg, 'ES256');
    assert.equal(tokens.claims().sub, user.id);
  });
});
