import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { createManualClock } from '../src/domain/clock.js';
import { formatPhoneNumber } from '../src/domain/phone.js';
import { basic, postForm, postJson, startTestServer, type TestServer } from './support/test-server.js';

describe('signed-in use cases: second factor and phone change', () => {
  let t: TestServer;
  afterEach(() => t.close());

  /** Registers over HTTP and returns an access token. */
  async function signedIn(phone: string): Promise<string> {
    const init = await postJson(`${t.url}/demo/services/auth/headless/init/registration`, {
      userdata: { mobilePhone: phone },
      verificationmethod: 'sms',
    });
    const authorized = await postForm(
      `${t.url}/demo/services/oauth2/authorize`,
      { response_type: 'code_credentials', client_id: 'server-app', redirect_uri: 'http://app.test/callback' },
      {
        'Auth-Request-Type': 'user-registration',
        'Auth-Verification-Type': 'sms',
        Authorization: basic(String(init.body.identifier), t.lastCode(phone)),
      },
    );
    const code = new URL(authorized.headers.get('location')!).searchParams.get('code')!;
    const tokens = await postForm(
      `${t.url}/demo/services/oauth2/token`,
      { grant_type: 'authorization_code', code, redirect_uri: 'http://app.test/callback' },
      { authorization: basic('server-app', 'server-app-secret-123456') },
    );
    return String(tokens.body.access_token);
  }

  test('identity verification sends to the verified phone and accepts its code once', async () => {
    const clock = createManualClock(new Date());
    t = await startTestServer({}, { clock });
    const token = await signedIn('+14155550130');
    const auth = { authorization: `Bearer ${token}` };
    const init = await postJson(`${t.url}/demo/services/auth/headless/init/verification`, {}, auth);
    assert.equal(init.status, 200, JSON.stringify(init.body));
    const code = t.lastCode('+14155550130');
    const wrong = await postJson(
      `${t.url}/demo/services/auth/headless/verify/verification`,
      { identifier: init.body.identifier, otp: code === '000000' ? '111111' : '000000' },
      auth,
    );
    assert.equal(wrong.body.error, 'invalid_code');
    const ok = await postJson(
      `${t.url}/demo/services/auth/headless/verify/verification`,
      { identifier: init.body.identifier, otp: code },
      auth,
    );
    assert.equal(ok.status, 200);
    assert.equal(ok.body.status, 'success');
    const replay = await postJson(
      `${t.url}/demo/services/auth/headless/verify/verification`,
      { identifier: init.body.identifier, otp: code },
      auth,
    );
    assert.equal(replay.body.error, 'already_used');
  });

  test('another user cannot use my verification', async () => {
    t = await startTestServer();
    const mine = await signedIn('+14155550131');
    const theirs = await signedIn('+14155550132');
    const init = await postJson(`${t.url}/demo/services/auth/headless/init/verification`, {}, { authorization: `Bearer ${mine}` });
    const stolen = await postJson(
      `${t.url}/demo/services/auth/headless/verify/verification`,
      { identifier: init.body.identifier, otp: t.lastCode('+14155550131') },
      { authorization: `Bearer ${theirs}` },
    );
    assert.equal(stolen.body.error, 'verification_not_found');
  });

  test('changing the phone keeps the old one until the new one is verified', async () => {
    t = await startTestServer();
    const token = await signedIn('+14155550133');
    const auth = { authorization: `Bearer ${token}` };
    await signedIn('+14155550134'); // someone else holds this one
    assert.equal(
      (await postJson(`${t.url}/demo/services/auth/headless/init/phone`, { phone: '+14155550199' }, auth)).body.error,
      'step_up_required',
    );
    await postJson(
      `${t.url}/demo/services/auth/headless/verify/verification`,
      {
        identifier: (await postJson(`${t.url}/demo/services/auth/headless/init/verification`, {}, auth)).body.identifier,
        otp: t.lastCode('+14155550133'),
      },
      auth,
    );
    assert.equal(
      (await postJson(`${t.url}/demo/services/auth/headless/init/phone`, { phone: '+14155550133' }, auth)).body.error,
      'phone_taken',
      'the verified number the user already has is no change',
    );
    // A number another account holds gets a code like any other; whoever holds it is told it is taken once they type it.
    const taken = await postJson(`${t.url}/demo/services/auth/headless/init/phone`, { phone: '+14155550134' }, auth);
    assert.equal(taken.status, 200, JSON.stringify(taken.body));
    const refused = await postJson(
      `${t.url}/demo/services/auth/headless/verify/phone`,
      { identifier: taken.body.identifier, otp: t.lastCode('+14155550134') },
      auth,
    );
    assert.equal(refused.body.error, 'phone_taken');
    assert.equal(
      (await postJson(`${t.url}/demo/services/auth/headless/init/phone`, { phone: 'not a phone' }, auth)).body.error,
      'invalid_phone_number',
    );

    // A phone change asks for a fresh code on the current phone first (step-up), then the code to the new one.
    const stepUp = await postJson(`${t.url}/demo/services/auth/headless/init/verification`, {}, auth);
    const passed = await postJson(
      `${t.url}/demo/services/auth/headless/verify/verification`,
      { identifier: stepUp.body.identifier, otp: t.lastCode('+14155550133') },
      auth,
    );
    assert.equal(passed.status, 200, JSON.stringify(passed.body));
    const init = await postJson(`${t.url}/demo/services/auth/headless/init/phone`, { phone: '+1 (415) 555-0135' }, auth);
    assert.equal(init.status, 200, JSON.stringify(init.body));
    const userinfo = async () =>
      (await (await fetch(`${t.url}/demo/services/oauth2/userinfo`, { headers: auth })).json()) as Record<string, unknown>;
    assert.equal((await userinfo()).phone_number, '+14155550133', 'old phone stays until verified');
    const done = await postJson(
      `${t.url}/demo/services/auth/headless/verify/phone`,
      { identifier: init.body.identifier, otp: t.lastCode('+14155550135') },
      auth,
    );
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.phone_number, '+14155550135');
    assert.equal((await userinfo()).phone_number, '+14155550135');
    assert.equal((await userinfo()).phone_number_verified, true);
  });

  test('a signed-in user cannot learn from a phone change which numbers have accounts', async () => {
    t = await startTestServer();
    const held = ['+14155550161', '+14155550163', '+14155550165'];
    for (const phone of held) await signedIn(phone);
    const token = await signedIn('+14155550160');
    const auth = { authorization: `Bearer ${token}` };
    const stepUp = await postJson(`${t.url}/demo/services/auth/headless/init/verification`, {}, auth);
    await postJson(
      `${t.url}/demo/services/auth/headless/verify/verification`,
      { identifier: stepUp.body.identifier, otp: t.lastCode('+14155550160') },
      auth,
    );
    const answers = new Map<string, string>();
    for (const phone of ['+14155550161', '+14155550162', '+14155550163', '+14155550164', '+14155550165']) {
      const before = t.messages.length;
      const r = await postJson(`${t.url}/demo/services/auth/headless/init/phone`, { phone }, auth);
      answers.set(phone, `${r.status} ${Object.keys(r.body).sort().join(',')} sent ${t.messages.length - before}`);
    }
    // Held and free numbers get the same answer, and each probe is a real send (counted by the send limits).
    assert.equal(new Set(answers.values()).size, 1, JSON.stringify(Object.fromEntries(answers)));
    assert.match([...answers.values()][0]!, /^200 .*identifier.* sent 1$/);
  });

  test('library API: the UserManagement operations', async () => {
    t = await startTestServer();
    const um = t.app.userManagement('demo');
    assert.equal(um.formatPhoneNumber('1', '4155551234'), '+14155551234');
    assert.equal(um.formatPhoneNumber('+1', '(415) 555-1234'), '+14155551234');
    assert.equal(um.formatPhoneNumber('1', '12'), null);
    assert.equal(formatPhoneNumber('44', '7700 900123'), null, 'Ofcom drama range is not a real number');

    const identifier = await um.initSelfRegistration('SMS', { mobilePhone: '+14155550136', firstName: 'Lin', locale: 'de' });
    assert.match(t.messages.at(-1)!.text, /Ihr Demo-Code/);
    const bad = await um.verifySelfRegistration('SMS', identifier, '000000', '/welcome');
    assert.deepEqual(
      { success: bad.success, redirect: bad.redirect, error: bad.error },
      { success: false, redirect: '/welcome', error: 'invalid_code' },
    );
    const registered = await um.verifySelfRegistration('SMS', identifier, t.lastCode('+14155550136'), '/welcome');
    assert.equal(registered.success, true);
    assert.equal(registered.message, 'Token is valid');
    const userId = registered.userId!;

    const mfa = await um.initVerificationMethod(userId, 'SMS');
    assert.equal((await um.verifyVerificationMethod(userId, mfa, t.lastCode('+14155550136'), 'SMS')).success, true);

    assert.equal(await um.initRegisterVerificationMethod(userId, 'SMS', '+14155550137'), null);
    assert.match(String(await um.verifyRegisterVerificationMethod(userId, '000000', 'SMS')), /wrong/);
    assert.equal(await um.verifyRegisterVerificationMethod(userId, t.lastCode('+14155550137'), 'SMS'), null);

    const login = await um.initPasswordlessLogin(userId, 'SMS');
    assert.equal(t.messages.at(-1)!.phone, '+14155550137');
    const result = await um.verifyPasswordlessLogin(userId, 'SMS', login, t.lastCode('+14155550137'), null);
    assert.deepEqual({ success: result.success, redirect: result.redirect }, { success: true, redirect: 'http://otpgate.test/demo' });
    await assert.rejects(um.initVerificationMethod(userId, 'EMAIL' as 'SMS'), /Only the sms/);
  });

  test('library API: a user id that cannot sign in is not told apart by a wrong code; the caller is in the audit log', async () => {
    t = await startTestServer();
    const um = t.app.userManagement('demo', { ip: '203.0.113.9', userAgent: 'app/1', requestId: null });
    const identifier = await um.initSelfRegistration('SMS', { mobilePhone: '+14155550138' });
    const userId = (await um.verifySelfRegistration('SMS', identifier, t.lastCode('+14155550138'), null)).userId!;
    const verified = await t.store.forSite('demo').audit.list({ type: 'code_verified', limit: 5 });
    assert.deepEqual([verified[0]?.ip, verified[0]?.userAgent], ['203.0.113.9', 'app/1'], 'the verify is audited with who asked');

    const wrong = async (user: string) => {
      const login = await um.initPasswordlessLogin(user, 'SMS');
      const result = await um.verifyPasswordlessLogin(user, 'SMS', login, '000000', null);
      return { success: result.success, error: result.error, message: result.message?.replace(/\d+ attempts?/, 'N attempts') };
    };
    assert.deepEqual(await wrong('no-such-user-id'), await wrong(userId));
  });
});
