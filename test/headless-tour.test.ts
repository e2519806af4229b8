import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { pkcePair } from './support/pkce.js';
import { createSkewedClock } from './support/skewed-clock.js';
import { basic, postForm, postJson, startTestServer, type TestServer } from './support/test-server.js';

// The README's five-minute tour, over real HTTP: register, log in, exchange, userinfo.
describe('headless identity API tour', () => {
  let t: TestServer;
  const clock = createSkewedClock();
  before(async () => {
    t = await startTestServer({}, { clock });
  });
  after(() => t.close());

  const site = () => `${t.url}/demo`;

  async function authorize(requestType: string, identifier: string, code: string, extra: Record<string, string> = {}, urlSafe = false) {
    return postForm(
      `${site()}/services/oauth2/authorize`,
      { response_type: 'code_credentials', client_id: 'public-app', redirect_uri: 'http://app.test/callback', ...extra },
      { 'Auth-Request-Type': requestType, 'Auth-Verification-Type': 'sms', Authorization: basic(identifier, code, urlSafe) },
    );
  }

  test('register, then log in, then use the tokens', async () => {
    const phone = '+14155550101';
    const init = await postJson(`${site()}/services/auth/headless/init/registration`, {
      userdata: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', username: 'ada', mobilePhone: phone },
      customdata: { plan: 'pro' },
      verificationmethod: 'sms',
    });
    assert.equal(init.status, 200);
    assert.equal(init.body.email, 'ada@example.com');
    assert.match(String(init.body.identifier), /^[A-Za-z0-9_-]{20,}$/);
    // No user exists before the code is verified.
    assert.equal(await t.store.forSite('demo').users.byPhone(phone as never), null);

    const code = t.lastCode(phone);
    assert.match(code, /^\d{6}$/);
    const pkce = pkcePair();
    const authorized = await authorize('user-registration', String(init.body.identifier), code, {
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      state: 'xyz',
    });
    assert.equal(authorized.status, 302);
    const location = new URL(authorized.headers.get('location')!);
    assert.equal(location.origin + location.pathname, 'http://app.test/callback');
    assert.equal(location.searchParams.get('state'), 'xyz');
    assert.equal(location.searchParams.get('sfdc_community_id'), 'demo');
    assert.equal(location.searchParams.get('sfdc_community_url'), 'http://otpgate.test/demo');

    const tokens = await postForm(`${site()}/services/oauth2/token`, {
      grant_type: 'authorization_code',
      code: location.searchParams.get('code')!,
      client_id: 'public-app',
      redirect_uri: 'http://app.test/callback',
      code_verifier: pkce.verifier,
    });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    for (const field of [
      'access_token',
      'id_token',
      'refresh_token',
      'token_type',
      'scope',
      'issued_at',
      'sfdc_community_url',
      'sfdc_community_id',
    ])
      assert.ok(tokens.body[field], `token response has ${field}`);
    assert.equal(tokens.body.token_type, 'Bearer');

    const jwks = (await (await fetch(`${site()}/id/keys`)).json()) as { keys: never[] };
    const { payload } = await jwtVerify(String(tokens.body.id_token), createLocalJWKSet(jwks), {
      issuer: 'http://otpgate.test/demo',
      audience: 'public-app',
    });
    assert.equal(payload.phone_number, phone);
    assert.equal(payload.phone_number_verified, true);

    const userinfo = await fetch(`${site()}/services/oauth2/userinfo`, {
      headers: { authorization: `Bearer ${String(tokens.body.access_token)}` },
    });
    assert.equal(userinfo.status, 200);
    const user = (await userinfo.json()) as Record<string, unknown>;
    assert.equal(user.sub, payload.sub);
    assert.equal(user.preferred_username, 'ada');
    assert.equal(user.given_name, 'Ada');
    assert.equal(user.phone_number, phone);

    // The same person logs in with the phone, verifying through the echo endpoint with URL-safe base64.
    const login = await postJson(`${site()}/services/auth/headless/init/passwordless/login`, {
      username: phone,
      verificationmethod: 'sms',
    });
    assert.deepEqual(Object.keys(login.body).sort(), ['identifier', 'status']);
    const echoed = await authorize(
      'passwordless-login',
      String(login.body.identifier),
      t.lastCode(phone),
      { redirect_uri: 'http://otpgate.test/demo/services/oauth2/echo', code_challenge: pkce.challenge },
      true,
    );
    assert.equal(echoed.status, 200, JSON.stringify(echoed.body));
    assert.equal(echoed.body.sfdc_community_id, 'demo');
    const loginTokens = await postForm(`${site()}/services/oauth2/token`, {
      grant_type: 'authorization_code',
      code: String(echoed.body.code),
      client_id: 'public-app',
      redirect_uri: 'http://otpgate.test/demo/services/oauth2/echo',
      code_verifier: pkce.verifier,
    });
    assert.equal(loginTokens.status, 200);
    const again = await fetch(`${site()}/services/oauth2/userinfo`, {
      headers: { authorization: `Bearer ${String(loginTokens.body.access_token)}` },
    });
    assert.equal(((await again.json()) as { sub: string }).sub, payload.sub);
  });

  test('an unknown phone gets the same answer as a known one and no message', async () => {
    const before = t.messages.length;
    const unknown = await postJson(`${site()}/services/auth/headless/init/passwordless/login`, {
      username: '+14155550199',
      verificationmethod: 'sms',
    });
    assert.equal(unknown.status, 200);
    assert.equal(unknown.body.status, 'success');
    assert.match(String(unknown.body.identifier), /^[A-Za-z0-9_-]{20,}$/);
    assert.equal(t.messages.length, before);
    // Whatever code is guessed, it never verifies.
    const guess = await authorize('passwordless-login', String(unknown.body.identifier), '123456', {
      code_challenge: pkcePair().challenge,
    });
    assert.equal(guess.status, 400);
    assert.equal(guess.body.error, 'invalid_code');
  });

  test('an authorization code works once, and only with its PKCE verifier', async () => {
    const phone = '+14155550102';
    const init = await postJson(`${site()}/services/auth/headless/init/registration`, {
      userdata: { mobilePhone: phone },
      verificationmethod: 'sms',
    });
    const pkce = pkcePair();
    const authorized = await authorize('user-registration', String(init.body.identifier), t.lastCode(phone), {
      code_challenge: pkce.challenge,
    });
    const code = new URL(authorized.headers.get('location')!).searchParams.get('code')!;
    const exchange = (verifier: string) =>
      postForm(`${site()}/services/oauth2/token`, {
        grant_type: 'authorization_code',
        code,
        client_id: 'public-app',
        redirect_uri: 'http://app.test/callback',
        code_verifier: verifier,
      });
    const wrong = await exchange(pkcePair().verifier);
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error, 'invalid_grant');
    // A failed verifier still consumed the code: codes are single-use whatever happens.
    const right = await exchange(pkce.verifier);
    assert.equal(right.body.error, 'invalid_grant');
  });

  test('refresh tokens rotate, and reusing an old one ends the login', async () => {
    const phone = '+14155550103';
    const init = await postJson(`${site()}/services/auth/headless/init/registration`, {
      userdata: { mobilePhone: phone },
      verificationmethod: 'sms',
    });
    const authorized = await postForm(
      `${site()}/services/oauth2/authorize`,
      { response_type: 'code_credentials', client_id: 'server-app', redirect_uri: 'http://app.test/callback' },
      {
        'Auth-Request-Type': 'user-registration',
        'Auth-Verification-Type': 'sms',
        Authorization: basic(String(init.body.identifier), t.lastCode(phone)),
      },
    );
    const code = new URL(authorized.headers.get('location')!).searchParams.get('code')!;
    const secretAuth = { authorization: basic('server-app', 'server-app-secret-123456') };
    const badSecret = await postForm(
      `${site()}/services/oauth2/token`,
      { grant_type: 'authorization_code', code, redirect_uri: 'http://app.test/callback' },
      { authorization: basic('server-app', 'wrong-secret-wrong-secret') },
    );
    assert.equal(badSecret.status, 401);
    assert.equal(badSecret.body.error, 'invalid_client');
    const first = await postForm(
      `${site()}/services/oauth2/token`,
      { grant_type: 'authorization_code', code, redirect_uri: 'http://app.test/callback' },
      secretAuth,
    );
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const second = await postForm(
      `${site()}/services/oauth2/token`,
      { grant_type: 'refresh_token', refresh_token: String(first.body.refresh_token) },
      secretAuth,
    );
    assert.equal(second.status, 200);
    assert.notEqual(second.body.refresh_token, first.body.refresh_token);
    const raced = await postForm(
      `${site()}/services/oauth2/token`,
      { grant_type: 'refresh_token', refresh_token: String(first.body.refresh_token) },
      secretAuth,
    );
    assert.equal(raced.status, 200, 'a second refresh inside the grace window (10 s) is a race, not theft');
    clock.advance(11_000);
    const replay = await postForm(
      `${site()}/services/oauth2/token`,
      { grant_type: 'refresh_token', refresh_token: String(first.body.refresh_token) },
      secretAuth,
    );
    assert.equal(replay.body.error, 'invalid_grant');
    const afterReplay = await postForm(
      `${site()}/services/oauth2/token`,
      { grant_type: 'refresh_token', refresh_token: String(second.body.refresh_token) },
      secretAuth,
    );
    assert.equal(afterReplay.body.error, 'invalid_grant', 'the whole family is revoked after a replay');
    const userinfo = await fetch(`${site()}/services/oauth2/userinfo`, {
      headers: { authorization: `Bearer ${String(second.body.access_token)}` },
    });
    assert.equal(userinfo.status, 401);
  });
});
