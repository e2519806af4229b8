/**
 * OAuth per RFC 9700 and RFC 6749, tried as an attacker (or an unlucky client) would, over real HTTP:
 * PKCE downgrade, a replayed code, a missing redirect_uri, a refresh family that would live for ever, and two
 * refreshes racing with one refresh token.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { hashToken } from '../src/crypto/code-hasher.js';
import { seedUser } from './support/hosted-flows.js';
import { pkcePair } from './support/pkce.js';
import { createSkewedClock } from './support/skewed-clock.js';
import { basic, postForm, postJson, startTestServer, type TestServer } from './support/test-server.js';

const CALLBACK = 'http://app.test/callback';
const DAY = 86_400_000;

describe('OAuth hardening (RFC 9700)', () => {
  let t: TestServer;
  const clock = createSkewedClock();
  before(async () => {
    t = await startTestServer({}, { clock });
  });
  after(() => t.close());

  const site = () => `${t.url}/demo`;
  const token = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    postForm(`${site()}/services/oauth2/token`, form, headers);
  const bearer = async (accessToken: unknown) =>
    (await fetch(`${site()}/services/oauth2/userinfo`, { headers: { authorization: `Bearer ${String(accessToken)}` } })).status;

  let phones = 0;
  /** Registers a new user headlessly and returns an authorization code for `clientId`. */
  async function authorizationCode(clientId: string, extra: Record<string, string> = {}): Promise<string> {
    const phone = `+1415555${String(600 + phones++).padStart(4, '0')}`;
    const init = await postJson(`${site()}/services/auth/headless/init/registration`, {
      userdata: { mobilePhone: phone },
      verificationmethod: 'sms',
    });
    assert.equal(init.status, 200, JSON.stringify(init.body));
    const authorized = await postForm(
      `${site()}/services/oauth2/authorize`,
      { response_type: 'code_credentials', client_id: clientId, redirect_uri: CALLBACK, ...extra },
      {
        'Auth-Request-Type': 'user-registration',
        'Auth-Verification-Type': 'sms',
        Authorization: basic(String(init.body.identifier), t.lastCode(phone)),
      },
    );
    assert.equal(authorized.status, 302, JSON.stringify(authorized.body));
    return new URL(authorized.headers.get('location')!).searchParams.get('code')!;
  }

  const serverApp = { authorization: basic('server-app', 'server-app-secret-123456') };

  test('a code_verifier for a request that had no code_challenge is refused (PKCE downgrade)', async () => {
    const code = await authorizationCode('server-app');
    const downgraded = await token(
      { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: pkcePair().verifier },
      serverApp,
    );
    assert.equal(downgraded.status, 400);
    assert.equal(downgraded.body.error, 'invalid_grant');
    assert.match(String(downgraded.body.error_description), /no code_challenge/);
  });

  test('a confidential client on the default must send PKCE; its secret alone is not enough', async () => {
    const refused = await postForm(
      `${site()}/services/oauth2/authorize`,
      { response_type: 'code_credentials', client_id: 'web-app', redirect_uri: CALLBACK },
      { 'Auth-Request-Type': 'passwordless-login', 'Auth-Verification-Type': 'sms', Authorization: basic('x', '123456') },
    );
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_request');
    assert.match(String(refused.body.error_description), /code_challenge/);

    const pkce = pkcePair();
    const code = await authorizationCode('web-app', { code_challenge: pkce.challenge });
    const webApp = { authorization: basic('web-app', 'web-app-secret-1234567890') };
    const tokens = await token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: pkce.verifier }, webApp);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
  });

  test('redirect_uri is required at the token endpoint, since the authorization request had one', async () => {
    const pkce = pkcePair();
    const code = await authorizationCode('public-app', { code_challenge: pkce.challenge });
    const missing = await token({ grant_type: 'authorization_code', code, client_id: 'public-app', code_verifier: pkce.verifier });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error, 'invalid_grant');
    assert.match(String(missing.body.error_description), /redirect_uri is required/);
  });

  test('a replayed authorization code revokes the tokens its first exchange issued', async () => {
    const pkce = pkcePair();
    const code = await authorizationCode('public-app', { code_challenge: pkce.challenge });
    const form = { grant_type: 'authorization_code', code, client_id: 'public-app', redirect_uri: CALLBACK, code_verifier: pkce.verifier };
    const first = await token(form);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(await bearer(first.body.access_token), 200);

    const replay = await token(form);
    assert.equal(replay.body.error, 'invalid_grant');
    assert.equal(await bearer(first.body.access_token), 401, 'the access token from the first exchange is revoked');
    const refresh = await token({ grant_type: 'refresh_token', refresh_token: String(first.body.refresh_token), client_id: 'public-app' });
    assert.equal(refresh.body.error, 'invalid_grant', 'and so is its refresh token');
  });

  test('refresh tokens keep the login’s absolute lifetime: rotating does not start a fresh 30 days', async () => {
    const code = await authorizationCode('server-app');
    let current = await token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK }, serverApp);
    assert.equal(current.status, 200);
    // Refresh every 10 days: each rotation would have given another 30 days; the family ends 30 days after sign-in.
    for (let day = 10; day < 30; day += 10) {
      clock.advance(10 * DAY);
      current = await token({ grant_type: 'refresh_token', refresh_token: String(current.body.refresh_token) }, serverApp);
      assert.equal(current.status, 200, `day ${day}: ${JSON.stringify(current.body)}`);
    }
    clock.advance(9 * DAY + 23 * 3_600_000);
    const lastDay = await token({ grant_type: 'refresh_token', refresh_token: String(current.body.refresh_token) }, serverApp);
    assert.equal(lastDay.status, 200, 'day 29 23:00: still within the family');
    assert.ok(Number(lastDay.body.expires_in) <= 3600, 'no access token outlives the family');
    clock.advance(2 * 3_600_000);
    const expired = await token({ grant_type: 'refresh_token', refresh_token: String(lastDay.body.refresh_token) }, serverApp);
    assert.equal(expired.body.error, 'invalid_grant', 'day 30: the family has ended, however recently it rotated');
  });

  test('refreshes racing with one refresh token each get a pair of the same login; a replay after the window revokes it', async () => {
    const code = await authorizationCode('server-app');
    const first = await token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK }, serverApp);
    const form = { grant_type: 'refresh_token', refresh_token: String(first.body.refresh_token) };
    const raced = await Promise.all([token(form, serverApp), token(form, serverApp), token(form, serverApp)]);
    assert.deepEqual(
      raced.map((r) => r.status),
      [200, 200, 200],
      JSON.stringify(raced.map((r) => r.body)),
    );
    assert.equal(new Set(raced.map((r) => r.body.refresh_token)).size, 3, 'each caller gets its own new pair');
    for (const r of raced) assert.equal(await bearer(r.body.access_token), 200);

    clock.advance(11_000);
    const replay = await token(form, serverApp);
    assert.equal(replay.body.error, 'invalid_grant', 'after 10 s the old refresh token is a theft signal');
    for (const r of raced) {
      assert.equal(await bearer(r.body.access_token), 401, 'the whole login is revoked');
      const next = await token({ grant_type: 'refresh_token', refresh_token: String(r.body.refresh_token) }, serverApp);
      assert.equal(next.body.error, 'invalid_grant');
    }
  });

  test('a revocation amid a burst of refreshes of one token leaves no pair alive (those minted meanwhile included)', async () => {
    // A thief replays a just-rotated refresh token within the grace window as fast as it can while the user revokes
    // the login: a pair made while the revocation ran must not come out alive. Each trial is a fresh login of one
    // user, its refresh token stored as the token endpoint stores one.
    const user = await seedUser(t, '+14155550690');
    for (let trial = 0; trial < 16; trial++) {
      const refreshToken = `trial-${trial}-${randomUUID()}`;
      const now = clock.now();
      await t.store.forSite('demo').grants.insertTokens([
        {
          tokenHash: hashToken('refresh', refreshToken),
          kind: 'refresh',
          clientId: 'server-app',
          userId: user.id,
          scope: 'api refresh_token',
          familyId: randomUUID(),
          authTime: now,
          expiresAt: new Date(now.getTime() + DAY),
          revokedAt: null,
          replacedAt: null,
          stepUpAt: null,
          createdAt: now,
        },
      ]);
      const burst: Promise<{ status: number; body: Record<string, unknown> }>[] = [];
      let revoked: Promise<{ status: number }> | null = null;
      for (let k = 0; k < 40; k++) {
        if (k === 2 + trial * 2) revoked = postForm(`${site()}/services/oauth2/revoke`, { token: refreshToken }, serverApp);
        burst.push(token({ grant_type: 'refresh_token', refresh_token: refreshToken }, serverApp));
      }
      const answers = await Promise.all(burst);
      assert.equal((await revoked!).status, 200);
      for (const answer of answers.filter((a) => a.status === 200)) {
        assert.equal(await bearer(answer.body.access_token), 401, `trial ${trial}: an access token outlived the revocation`);
        const next = await token({ grant_type: 'refresh_token', refresh_token: String(answer.body.refresh_token) }, serverApp);
        assert.equal(next.body.error, 'invalid_grant', `trial ${trial}: a refresh token outlived the revocation`);
      }
    }
  });

  test('an app granted openid alone learns no phone number, not even as the username a number-only user has', async () => {
    const seen = async (scope: string) => {
      const pkce = pkcePair();
      const code = await authorizationCode('third-party-app', { code_challenge: pkce.challenge, scope });
      const issued = await token({
        grant_type: 'authorization_code',
        code,
        client_id: 'third-party-app',
        redirect_uri: CALLBACK,
        code_verifier: pkce.verifier,
      });
      assert.equal(issued.status, 200, JSON.stringify(issued.body));
      const auth = { authorization: `Bearer ${String(issued.body.access_token)}` };
      const idToken = JSON.parse(Buffer.from(String(issued.body.id_token).split('.')[1]!, 'base64url').toString()) as Record<
        string,
        unknown
      >;
      const userinfo = (await (await fetch(`${site()}/services/oauth2/userinfo`, { headers: auth })).json()) as Record<string, unknown>;
      const identityPath = new URL(String(issued.body.id)).pathname;
      const identity = (await (await fetch(`${t.url}${identityPath}`, { headers: auth })).json()) as Record<string, unknown>;
      return { idToken, userinfo, identity };
    };
    const openid = await seen('openid');
    for (const [where, answer] of Object.entries(openid))
      assert.ok(!JSON.stringify(answer).includes('+1415555'), `${where} shows the number: ${JSON.stringify(answer)}`);
    assert.equal(openid.identity.username, null);
    const phone = await seen('openid phone');
    assert.match(String(phone.idToken.preferred_username), /^\+1415555\d{4}$/, 'granted the phone, the app sees it');
    assert.equal(phone.identity.username, phone.idToken.phone_number);
  });

  test('a refresh token revoked by the user (RFC 7009) gets no grace, even a second later', async () => {
    const code = await authorizationCode('server-app');
    const first = await token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK }, serverApp);
    const rotated = await token({ grant_type: 'refresh_token', refresh_token: String(first.body.refresh_token) }, serverApp);
    assert.equal(rotated.status, 200);
    const revoked = await postForm(`${site()}/services/oauth2/revoke`, { token: String(rotated.body.refresh_token) }, serverApp);
    assert.equal(revoked.status, 200);
    const late = await token({ grant_type: 'refresh_token', refresh_token: String(first.body.refresh_token) }, serverApp);
    assert.equal(late.body.error, 'invalid_grant', 'a signed-out login stays signed out');
  });
});
