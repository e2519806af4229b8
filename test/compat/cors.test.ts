/**
 * CORS per OAuth client (src/http/cors.ts), over real HTTP: what a browser would be told. The browser side of the
 * same rules is test/compat/oidc-client-ts.test.ts (oidc-client-ts in Chromium).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { configSchema } from '../../src/config/schema.js';
import { pkcePair } from '../support/pkce.js';
import { basic, postForm, postJson, startTestServer, type TestServer } from '../support/test-server.js';

const SPA = 'http://spa.test:8080';
const OTHER_APP = 'https://other.test';
const EVIL = 'https://evil.test';

describe('CORS per OAuth client', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      sites: [
        {
          id: 'demo',
          name: 'Demo',
          handlers: ['console'],
          clients: [
            { clientId: 'spa', redirectUris: [`${SPA}/callback`], allowedOrigins: [SPA] },
            { clientId: 'other', redirectUris: [`${OTHER_APP}/callback`], allowedOrigins: [OTHER_APP] },
            { clientId: 'server', clientSecret: 'server-secret-0123456789', redirectUris: ['https://server.test/cb'] },
          ],
        },
      ],
    });
  });
  after(() => t.close());

  const preflight = (path: string, origin: string, method = 'POST', headers = 'content-type') =>
    fetch(`${t.url}${path}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
    });

  test('discovery, RFC 8414 metadata and JWKS are readable from any origin, without credentials', async () => {
    for (const path of ['/demo/.well-known/openid-configuration', '/.well-known/oauth-authorization-server/demo', '/demo/id/keys']) {
      const response = await fetch(`${t.url}${path}`, { headers: { origin: EVIL } });
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('access-control-allow-origin'), '*', path);
      assert.equal(response.headers.get('access-control-allow-credentials'), null, path);
      const pre = await preflight(path, EVIL, 'GET', 'accept');
      assert.equal(pre.status, 204, path);
      assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    }
  });

  test("preflights pass for the site's allowed origins only, on every endpoint a page calls", async () => {
    for (const path of [
      '/demo/services/oauth2/token',
      '/demo/services/oauth2/userinfo',
      '/demo/services/oauth2/revoke',
      '/demo/services/oauth2/logout',
      '/demo/services/oauth2/authorize',
      '/demo/services/auth/headless/init/passwordless/login',
      '/demo/services/auth/headless/init/registration',
      '/demo/id/00DAAAAAAAAAAAAAAA/some-user',
    ]) {
      for (const origin of [SPA, OTHER_APP]) {
        const allowed = await preflight(path, origin, 'POST', 'authorization, content-type, auth-request-type, x-evil');
        assert.equal(allowed.status, 204, `${path} ${origin}`);
        assert.equal(allowed.headers.get('access-control-allow-origin'), origin, `${path} ${origin}`);
        assert.match(allowed.headers.get('access-control-allow-methods') ?? '', /POST/);
        assert.equal(allowed.headers.get('access-control-allow-headers'), 'authorization, content-type, auth-request-type');
        assert.match(allowed.headers.get('vary') ?? '', /Origin/);
        assert.equal(allowed.headers.get('access-control-allow-credentials'), null);
      }
      const refused = await preflight(path, EVIL);
      assert.equal(refused.headers.get('access-control-allow-origin'), null, `${path} refuses ${EVIL}`);
    }
  });

  test("an actual response is readable only by the calling client's origins", async () => {
    const token = (origin: string, form: Record<string, string>) =>
      fetch(`${t.url}/demo/services/oauth2/token`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: 'nope', redirect_uri: `${SPA}/callback`, ...form }),
      });
    const own = await token(SPA, { client_id: 'spa' });
    assert.equal(own.status, 400, 'the code is bad, and the page may read why');
    assert.equal(own.headers.get('access-control-allow-origin'), SPA);
    assert.match(own.headers.get('vary') ?? '', /Origin/);
    assert.match(own.headers.get('access-control-expose-headers') ?? '', /WWW-Authenticate/);
    const anothers = await token(OTHER_APP, { client_id: 'spa' });
    assert.equal(anothers.headers.get('access-control-allow-origin'), null, "another client's origin cannot read the spa's answers");
    const noOrigins = await token(SPA, { client_id: 'server', client_secret: 'wrong-wrong-wrong-wrong' });
    assert.equal(noOrigins.headers.get('access-control-allow-origin'), null, 'a client without allowedOrigins is readable from no page');

    // The headless inits name no client: the site's allowed origins may read them.
    const init = (origin: string) =>
      fetch(`${t.url}/demo/services/auth/headless/init/passwordless/login`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json' },
        body: JSON.stringify({ username: '+14155550141', verificationmethod: 'sms' }),
      });
    assert.equal((await init(OTHER_APP)).headers.get('access-control-allow-origin'), OTHER_APP);
    assert.equal((await init(EVIL)).headers.get('access-control-allow-origin'), null);

    // The hosted pages are no API: no CORS at all.
    const page = await fetch(`${t.url}/demo/login`, { headers: { origin: SPA } });
    assert.equal(page.headers.get('access-control-allow-origin'), null);
  });

  test("userinfo and the identity URL: the access token's client decides, not the client a page claims", async () => {
    const phone = '+14155550142';
    const init = await postJson(`${t.url}/demo/services/auth/headless/init/registration`, {
      userdata: { mobilePhone: phone },
      verificationmethod: 'sms',
    });
    const pkce = pkcePair();
    const echo = 'http://otpgate.test/demo/services/oauth2/echo';
    const authorized = await postForm(
      `${t.url}/demo/services/oauth2/authorize`,
      { response_type: 'code_credentials', client_id: 'spa', redirect_uri: echo, code_challenge: pkce.challenge },
      {
        'Auth-Request-Type': 'user-registration',
        'Auth-Verification-Type': 'sms',
        Authorization: basic(String(init.body.identifier), t.lastCode(phone)),
      },
    );
    const tokens = await postForm(`${t.url}/demo/services/oauth2/token`, {
      grant_type: 'authorization_code',
      code: String(authorized.body.code),
      client_id: 'spa',
      redirect_uri: echo,
      code_verifier: pkce.verifier,
    });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    const bearer = { authorization: `Bearer ${String(tokens.body.access_token)}` };
    for (const url of [`${t.url}/demo/services/oauth2/userinfo`, String(tokens.body.id).replace('http://otpgate.test', t.url)]) {
      const own = await fetch(url, { headers: { ...bearer, origin: SPA } });
      assert.equal(own.status, 200, url);
      assert.equal(own.headers.get('access-control-allow-origin'), SPA, url);
      // A page of another client of the site, holding the spa's token, naming itself: still not readable.
      const other = await fetch(`${url}?client_id=other`, { headers: { ...bearer, origin: OTHER_APP } });
      assert.equal(other.headers.get('access-control-allow-origin'), null, url);
    }
  });

  test('allowedOrigins takes exact origins only', () => {
    const parse = (allowedOrigins: string[]) =>
      configSchema.safeParse({
        secrets: { hmac: [{ id: 'a', secret: 'x'.repeat(32) }] },
        sites: [
          {
            id: 'demo',
            name: 'Demo',
            handlers: ['console'],
            clients: [{ clientId: 'c', redirectUris: ['https://a.test/cb'], allowedOrigins }],
          },
        ],
      }).success;
    assert.equal(parse(['https://app.example.com', 'http://localhost:3000']), true);
    for (const bad of ['https://app.example.com/', 'https://app.example.com/path', '*', 'null', 'app.example.com', 'ftp://files.test'])
      assert.equal(parse([bad]), false, bad);
  });
});
