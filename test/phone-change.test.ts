/**
 * The account takeover of issue 9, tried step by step: an app's token replacing the user's phone (the only
 * thing a login needs). Each step must fail without re-authentication on the current phone by the site's own
 * app, and a change that does go through must tell the old phone and end every other login.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { pkcePair } from './support/pkce.js';
import { createSkewedClock } from './support/skewed-clock.js';
import { basic, postForm, postJson, startTestServer, type TestServer } from './support/test-server.js';

const VICTIM = '+14155550901';
const ATTACKER = '+14155550999';

describe('phone change = re-authentication on the current phone', () => {
  let t: TestServer;
  // Each test sends several codes to the victim; two days between tests keep the per-phone limits (5 an hour, 10 a day,
  // counted over sliding windows that reach into the previous window) out of the way.
  const clock = createSkewedClock();
  beforeEach(() => clock.advance(2 * 24 * 3_600_000));
  before(async () => {
    t = await startTestServer({}, { clock });
    await t.store.forSite('demo').users.create(
      {
        id: 'victim',
        username: 'victim',
        phone: VICTIM as never,
        phoneVerified: true,
        firstName: 'Vic',
        lastName: null,
        email: null,
        locale: null,
        status: 'active',
        customData: {},
      },
      t.clock.now(),
    );
  });
  after(() => t.close());

  const site = () => `${t.url}/demo`;

  /** A headless login of the victim through `clientId`, asking for `scope`; returns the token response. */
  async function login(clientId: string, scope: string): Promise<Record<string, unknown>> {
    const init = await postJson(`${site()}/services/auth/headless/init/passwordless/login`, {
      username: VICTIM,
      verificationmethod: 'sms',
    });
    assert.equal(init.status, 200, JSON.stringify(init.body));
    const pkce = pkcePair();
    const authorized = await postForm(
      `${site()}/services/oauth2/authorize`,
      {
        response_type: 'code_credentials',
        client_id: clientId,
        redirect_uri: 'http://app.test/callback',
        scope,
        code_challenge: pkce.challenge,
      },
      {
        'Auth-Request-Type': 'passwordless-login',
        'Auth-Verification-Type': 'sms',
        Authorization: basic(String(init.body.identifier), t.lastCode(VICTIM)),
      },
    );
    assert.equal(authorized.status, 302, JSON.stringify(authorized.body));
    const tokens = await postForm(`${site()}/services/oauth2/token`, {
      grant_type: 'authorization_code',
      code: new URL(authorized.headers.get('location')!).searchParams.get('code')!,
      client_id: clientId,
      redirect_uri: 'http://app.test/callback',
      code_verifier: pkce.verifier,
    });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    return tokens.body;
  }
  const bearer = (tokens: Record<string, unknown>) => ({ authorization: `Bearer ${String(tokens.access_token)}` });
  const changePhone = (tokens: Record<string, unknown>) =>
    postJson(`${site()}/services/auth/headless/init/phone`, { phone: ATTACKER }, bearer(tokens));
  async function stepUp(tokens: Record<string, unknown>) {
    const init = await postJson(`${site()}/services/auth/headless/init/verification`, {}, bearer(tokens));
    assert.equal(init.status, 200, JSON.stringify(init.body));
    const done = await postJson(
      `${site()}/services/auth/headless/verify/verification`,
      { identifier: init.body.identifier, otp: t.lastCode(VICTIM) },
      bearer(tokens),
    );
    assert.equal(done.status, 200, JSON.stringify(done.body));
  }

  test('a third-party app is never granted api, and its token cannot touch the phone', async () => {
    const thirdParty = await login('third-party-app', 'openid api refresh_token');
    assert.equal(thirdParty.scope, 'openid refresh_token', 'api is dropped for a third-party client');
    const refused = await changePhone(thirdParty);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error, 'insufficient_scope');
    const openidOnly = await login('public-app', 'openid');
    assert.equal((await changePhone(openidOnly)).body.error, 'insufficient_scope', 'first-party, but no api scope');
  });

  test('a first-party api token without a fresh step-up gets step_up_required, naming where to start one', async () => {
    const mine = await login('public-app', 'openid api refresh_token');
    const refused = await changePhone(mine);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error, 'step_up_required');
    assert.equal(refused.body.step_up, '/demo/services/auth/headless/init/verification');
    // Another login's step-up is that login's, not this one's.
    const other = await login('public-app', 'openid api refresh_token');
    await stepUp(other);
    assert.equal((await changePhone(mine)).body.error, 'step_up_required');
  });

  test('a step-up counts for the whole login: the pair a refresh makes keeps it', async () => {
    const mine = await login('public-app', 'openid api refresh_token');
    await stepUp(mine);
    const refreshed = await postForm(`${site()}/services/oauth2/token`, {
      grant_type: 'refresh_token',
      refresh_token: String(mine.refresh_token),
      client_id: 'public-app',
    });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    const started = await changePhone(refreshed.body);
    assert.equal(started.status, 200, JSON.stringify(started.body));
  });

  test('after a step-up the change works; the old phone is told; every other login ends, this one goes on', async () => {
    const earlier = await login('public-app', 'openid api refresh_token');
    const mine = await login('public-app', 'openid api refresh_token');
    await stepUp(mine);
    const init = await changePhone(mine);
    assert.equal(init.status, 200, JSON.stringify(init.body));
    const done = await postJson(
      `${site()}/services/auth/headless/verify/phone`,
      { identifier: init.body.identifier, otp: t.lastCode(ATTACKER) },
      bearer(mine),
    );
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.phone_number, ATTACKER);

    const notice = t.messages.filter((m) => m.phone === VICTIM).at(-1);
    assert.equal(notice?.code, '', 'a notice, without a code');
    assert.match(notice?.text ?? '', /phone_change_notice/);
    assert.match(notice?.text ?? '', /The phone number of your Demo account was changed/);

    const refreshEarlier = await postForm(`${site()}/services/oauth2/token`, {
      grant_type: 'refresh_token',
      refresh_token: String(earlier.refresh_token),
      client_id: 'public-app',
    });
    assert.equal(refreshEarlier.body.error, 'invalid_grant', 'a refresh token issued before the change is refused');
    const userinfo = await fetch(`${site()}/services/oauth2/userinfo`, { headers: bearer(mine) });
    assert.equal(userinfo.status, 200, 'the login that made the change keeps working');
    const refreshMine = await postForm(`${site()}/services/oauth2/token`, {
      grant_type: 'refresh_token',
      refresh_token: String(mine.refresh_token),
      client_id: 'public-app',
    });
    assert.equal(refreshMine.status, 200);

    const [event] = await t.store.forSite('demo').audit.list({ type: 'phone_changed', limit: 5 });
    assert.equal(event?.userId, 'victim');
    assert.ok(event?.phoneHash && !event.phoneHash.includes('4155550901'), 'the audit log keeps a keyed hash, not the number');
    assert.ok(!JSON.stringify(event).includes('4155550999'));
  });
});
