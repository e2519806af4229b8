/**
 * The published documents and the error answers, clause by clause: OpenID Connect Discovery 1.0 §3/§4,
 * RFC 8414 §2/§3 (authorization server metadata), RFC 7517 (JWKS), RFC 6749 §5.2 (token errors) and
 * RFC 6750 §3 (protected resource errors: userinfo and Salesforce's identity URL).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pkcePair } from '../support/pkce.js';
import { basic, postForm, postJson, startTestServer, type TestServer } from '../support/test-server.js';

const ISSUER = 'http://otpgate.test/demo';

describe('standards: discovery, metadata, JWKS and error answers', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  const getJson = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${t.url}${path}`, init);
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
  };

  /** A headless sign-in of a new user through the public first-party app: its tokens. */
  async function signIn(phone: string) {
    const init = await postJson(`${t.url}/demo/services/auth/headless/init/registration`, {
      userdata: { mobilePhone: phone, username: `user${phone.slice(-4)}`, firstName: 'Ada' },
      verificationmethod: 'sms',
    });
    const pkce = pkcePair();
    const authorized = await postForm(
      `${t.url}/demo/services/oauth2/authorize`,
      {
        response_type: 'code_credentials',
        client_id: 'public-app',
        redirect_uri: `${ISSUER}/services/oauth2/echo`,
        code_challenge: pkce.challenge,
      },
      {
        'Auth-Request-Type': 'user-registration',
        'Auth-Verification-Type': 'sms',
        Authorization: basic(String(init.body.identifier), t.lastCode(phone)),
      },
    );
    const tokens = await postForm(`${t.url}/demo/services/oauth2/token`, {
      grant_type: 'authorization_code',
      code: String(authorized.body.code),
      client_id: 'public-app',
      redirect_uri: `${ISSUER}/services/oauth2/echo`,
      code_verifier: pkce.verifier,
    });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    return tokens.body as { access_token: string; id: string };
  }

  test('OIDC Discovery: the required members, the issuer of its URL, and only what is implemented', async () => {
    const { status, body } = await getJson('/demo/.well-known/openid-configuration');
    assert.equal(status, 200);
    // §4.3: the issuer is exactly the URL the document was asked of, minus the well-known suffix.
    assert.equal(body.issuer, ISSUER);
    for (const required of [
      'authorization_endpoint',
      'token_endpoint',
      'jwks_uri',
      'response_types_supported',
      'subject_types_supported',
      'id_token_signing_alg_values_supported',
    ])
      assert.ok(body[required], `§3 requires ${required}`);
    // response_types_supported lists OAuth response types of the authorize endpoint: code_credentials is Salesforce's header-driven flow.
    assert.deepEqual(body.response_types_supported, ['code']);
    // No prompt value that is accepted but ignored.
    for (const ignored of ['select_account']) assert.ok(!(body.prompt_values_supported as string[]).includes(ignored), ignored);
    for (const implemented of ['none', 'login', 'consent', 'create'])
      assert.ok((body.prompt_values_supported as string[]).includes(implemented), implemented);
    assert.deepEqual(body.code_challenge_methods_supported, ['S256']);
    // Every claim the id_token or userinfo carries is listed, user_id included.
    for (const claim of [
      'sub',
      'user_id',
      'preferred_username',
      'name',
      'phone_number',
      'phone_number_verified',
      'email',
      'auth_time',
      'at_hash',
    ])
      assert.ok((body.claims_supported as string[]).includes(claim), `claims_supported lists ${claim}`);
    assert.equal(body.end_session_endpoint, `${ISSUER}/services/oauth2/logout`);
  });

  test('RFC 8414: metadata at /.well-known/oauth-authorization-server/{site}, with the same issuer', async () => {
    const { status, body } = await getJson('/.well-known/oauth-authorization-server/demo');
    assert.equal(status, 200);
    assert.equal(body.issuer, ISSUER, '§3.3: the issuer matches the one the URL was built from');
    for (const required of ['authorization_endpoint', 'token_endpoint', 'response_types_supported'])
      assert.ok(body[required], `§2 requires ${required}`);
    assert.ok((body.grant_types_supported as string[]).includes('refresh_token'));
    assert.deepEqual(body.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'none']);
    const unknown = await fetch(`${t.url}/.well-known/oauth-authorization-server/nosuchsite`);
    assert.equal(unknown.status, 404);
  });

  test('JWKS: public signing keys only, each with kid and an alg that discovery lists', async () => {
    const discovery = await getJson('/demo/.well-known/openid-configuration');
    assert.equal(discovery.body.jwks_uri, `${ISSUER}/id/keys`);
    const { status, body } = await getJson('/demo/id/keys');
    assert.equal(status, 200);
    const keys = body.keys as Record<string, unknown>[];
    assert.ok(keys.length >= 1);
    for (const key of keys) {
      assert.ok(typeof key.kid === 'string' && key.kid, 'every key has a kid');
      assert.ok((discovery.body.id_token_signing_alg_values_supported as string[]).includes(String(key.alg)), `alg ${String(key.alg)}`);
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) assert.equal(key[secret], undefined, `no private member ${secret}`);
    }
    assert.equal(new Set(keys.map((k) => k.kid)).size, keys.length, 'kids are unique');
    // OIDC Discovery §3 / Core §15.1: RS256 is supported (and listed); ES256 too, for clients that choose it.
    assert.deepEqual([...(discovery.body.id_token_signing_alg_values_supported as string[])].sort(), ['ES256', 'RS256']);
    assert.deepEqual(keys.map((k) => `${String(k.alg)}/${String(k.kty)}`).sort(), ['ES256/EC', 'RS256/RSA']);
  });

  test('RFC 6749 §5.2: a failed Basic client authentication is 401 invalid_client with a Basic challenge', async () => {
    const wrong = await postForm(
      `${t.url}/demo/services/oauth2/token`,
      { grant_type: 'authorization_code', code: 'x', redirect_uri: 'http://app.test/callback' },
      { Authorization: basic('web-app', 'not-the-secret-0000') },
    );
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'invalid_client');
    assert.match(wrong.headers.get('www-authenticate') ?? '', /^Basic realm="[^"]+"/);
    assert.equal(wrong.headers.get('cache-control'), 'no-store');
    const revoke = await postForm(
      `${t.url}/demo/services/oauth2/revoke`,
      { token: 'x' },
      { Authorization: basic('nobody', 'nothing-at-all-000') },
    );
    assert.equal(revoke.status, 401);
    assert.match(revoke.headers.get('www-authenticate') ?? '', /^Basic /);
    // Credentials in the form: no Authorization header was tried, so no challenge is owed.
    const posted = await postForm(`${t.url}/demo/services/oauth2/token`, {
      grant_type: 'authorization_code',
      code: 'x',
      client_id: 'web-app',
      client_secret: 'not-the-secret-0000',
    });
    assert.equal(posted.status, 401);
    assert.equal(posted.body.error, 'invalid_client');
    const unsupported = await postForm(`${t.url}/demo/services/oauth2/token`, { grant_type: 'password', client_id: 'public-app' });
    assert.equal(unsupported.status, 400);
    assert.equal(unsupported.body.error, 'unsupported_grant_type');
  });

  test('RFC 6750 §3: userinfo and the identity URL: no token, a challenge without error; a bad one, invalid_token', async () => {
    const tokens = await signIn('+14155550161');
    for (const url of [`${t.url}/demo/services/oauth2/userinfo`, tokens.id.replace('http://otpgate.test', t.url)]) {
      const none = await fetch(url);
      assert.equal(none.status, 401, url);
      const challenge = none.headers.get('www-authenticate') ?? '';
      assert.match(challenge, /^Bearer realm="[^"]+"$/, `§3.1: no error attribute without a token (${challenge})`);
      const bad = await fetch(url, { headers: { authorization: 'Bearer not-a-token' } });
      assert.equal(bad.status, 401);
      assert.match(bad.headers.get('www-authenticate') ?? '', /^Bearer realm="[^"]+", error="invalid_token"$/);
      const good = await fetch(url, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      assert.equal(good.status, 200, url);
    }
  });

  test("the identity URL: GET and POST, Bearer or access_token, format=json, Salesforce's shape, its own user only", async () => {
    const tokens = await signIn('+14155550162');
    const url = tokens.id.replace('http://otpgate.test', t.url);
    const [org, userId] = tokens.id.split('/').slice(-2);
    const viaQuery = await getJson(`${new URL(url).pathname}?format=json&access_token=${encodeURIComponent(tokens.access_token)}`);
    assert.equal(viaQuery.status, 200);
    const viaForm = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: tokens.access_token, format: 'json' }),
    });
    assert.equal(viaForm.status, 200);
    const identity = viaQuery.body;
    assert.deepEqual(await viaForm.json(), identity);
    for (const field of [
      'id',
      'user_id',
      'organization_id',
      'username',
      'display_name',
      'nick_name',
      'email',
      'email_verified',
      'first_name',
      'last_name',
      'mobile_phone',
      'mobile_phone_verified',
      'active',
      'user_type',
      'language',
      'locale',
      'utcOffset',
      'last_modified_date',
      'urls',
      'is_app_installed',
    ])
      assert.ok(field in identity, `the identity answer has ${field}`);
    assert.equal(identity.id, tokens.id);
    assert.equal(identity.user_id, userId);
    assert.equal(identity.organization_id, org);
    assert.equal(identity.username, 'user0162');
    assert.equal(identity.first_name, 'Ada');
    assert.equal(identity.mobile_phone, '+14155550162', 'the default scope (api) shows the phone');
    assert.equal(identity.mobile_phone_verified, true);
    assert.equal(identity.active, true);

    const xml = await fetch(`${url}?format=xml`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(xml.status, 400);
    const twice = await fetch(`${url}?access_token=${encodeURIComponent(tokens.access_token)}`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(twice.status, 400, 'RFC 6750 §2: one way only');
    const other = await signIn('+14155550163');
    const someoneElse = await fetch(url, { headers: { authorization: `Bearer ${other.access_token}` } });
    assert.equal(someoneElse.status, 404, "another user's identity URL is not found");
    const otherSite = await fetch(`${t.url}/demo/id/00DAAAAAAAAAAAAAAA/${userId}`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(otherSite.status, 404);
  });
});
