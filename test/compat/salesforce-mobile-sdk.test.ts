/**
 * The Salesforce Mobile SDKs' native passwordless login and registration against otpgate, request for request
 * as the SDKs' code makes them with its defaults (test/support/salesforce-mobile-sdk.ts): hybrid grant,
 * 171-character code verifier, URL-safe Basic credentials, the app's custom-scheme callback, the identity call.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { PhoneNumber } from '../../src/domain/phone.js';
import { person } from '../support/people.js';
import { salesforceMobileSdk, type SdkStepFailed, type Platform } from '../support/salesforce-mobile-sdk.js';
import { basic, postForm, startTestServer, type TestServer } from '../support/test-server.js';

const SITE_URL = 'http://otpgate.test/demo';
// The SDK templates' default callback URL.
const CALLBACK = 'testsfdc:///mobilesdk/detect/oauth/done';

describe('Salesforce Mobile SDK native login', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      sites: [
        {
          id: 'demo',
          name: 'Demo',
          handlers: ['console'],
          clients: [{ clientId: 'mobile-app', redirectUris: [CALLBACK], firstParty: true }],
        },
      ],
    });
  });
  after(() => t.close());

  /** An app on a device of its own (its own client address, as a load balancer would report it). */
  const sdk = (platform: Platform, device = person()) =>
    salesforceMobileSdk({
      platform,
      clientId: 'mobile-app',
      redirectUri: CALLBACK,
      loginUrl: SITE_URL,
      fetch: (url, init) =>
        fetch(url.replace('http://otpgate.test', t.url), { ...init, headers: { ...(init.headers as Record<string, string>), ...device } }),
    });

  async function seedUser(username: string, phone: string) {
    return t.store.forSite('demo').users.create(
      {
        id: randomUUID(),
        username,
        phone: phone as PhoneNumber,
        phoneVerified: true,
        firstName: 'Ada',
        lastName: 'Lovelace',
        email: username,
        locale: 'en',
        status: 'active',
        customData: {},
      },
      new Date(),
    );
  }

  for (const [platform, phone] of [
    ['android', '+14155550181'],
    ['ios', '+14155550182'],
  ] as const) {
    test(`${platform}: passwordless login ends signed in with the username, org id and user id of the identity URL`, async () => {
      // The Android SDK accepts only e-mail-shaped usernames.
      const username = `${platform}.user@example.com`;
      const user = await seedUser(username, phone);
      const app = sdk(platform);
      const identifier = await app.submitOtpRequest(username);
      const account = await app.submitPasswordlessAuthorizationRequest(t.lastCode(phone), identifier);
      assert.equal(account.username, username);
      assert.equal(account.userId, user.id);
      assert.match(account.orgId, /^00D[A-Za-z0-9]{15}$/, 'a Salesforce-shaped organization id');
      assert.equal(account.idUrl, `${SITE_URL}/id/${account.orgId}/${user.id}`);
      assert.equal(account.communityUrl, SITE_URL);
      assert.equal(account.communityId, 'demo');
      assert.ok(account.refreshToken, 'the default scope includes refresh_token');

      // The same organization id for every user of the site.
      const otherPhone = platform === 'android' ? '+14155550191' : '+14155550192';
      await seedUser(`other.${username}`, otherPhone);
      const otherIdentifier = await app.submitOtpRequest(`other.${username}`);
      const again = await app.submitPasswordlessAuthorizationRequest(t.lastCode(otherPhone), otherIdentifier);
      assert.equal(again.orgId, account.orgId);
      assert.notEqual(again.userId, account.userId);
      // The SDK refreshes with hybrid_refresh when hybrid authentication is on.
      const refreshed = await fetch(`${t.url}/demo/services/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'hybrid_refresh',
          client_id: 'mobile-app',
          refresh_token: again.refreshToken!,
          format: 'json',
        }),
      });
      assert.equal(refreshed.status, 200);
      assert.equal(((await refreshed.json()) as { id: string }).id, again.idUrl);
    });

    test(`${platform}: registration asks for userdata.mobilePhone, then signs the new user in`, async () => {
      const app = sdk(platform);
      const username = `${platform}.new@example.com`;
      const registration = { email: username, firstName: 'Grace', lastName: 'Hopper', username, newPassword: 'secret123' };
      await assert.rejects(app.startRegistration(registration), (e: SdkStepFailed) => {
        const body = JSON.parse(e.body) as { error: string; error_description: string };
        assert.equal(e.status, 400);
        assert.equal(body.error, 'invalid_request');
        assert.match(body.error_description, /userdata\.mobilePhone/);
        return true;
      });
      const newPhone = platform === 'android' ? '+14155550183' : '+14155550184';
      const started = await app.startRegistration({ ...registration, extraUserData: { mobilePhone: newPhone } });
      assert.equal(started.email, username);
      const account = await app.completeRegistration(t.lastCode(newPhone), started.requestIdentifier);
      assert.equal(account.username, username);
      const stored = await t.store.forSite('demo').users.byId(account.userId);
      assert.equal(stored?.phone, newPhone);
    });
  }

  test('hybrid_auth_code gets the checks of authorization_code: verifier length and match, redirect URI, one use', async () => {
    /** A fresh code for a fresh user, authorized with the challenge of a 171-character verifier. */
    async function authorizedCode(n: number): Promise<{ code: string; verifier: string }> {
      const phone = `+1415555021${n}`;
      await seedUser(`checks${n}@example.com`, phone);
      const identifier = await sdk('android').submitOtpRequest(`checks${n}@example.com`);
      const verifier = randomBytes(128).toString('base64url');
      const authorized = await postForm(
        `${t.url}/demo/services/oauth2/authorize`,
        {
          response_type: 'code_credentials',
          client_id: 'mobile-app',
          redirect_uri: CALLBACK,
          code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        },
        {
          'Auth-Request-Type': 'passwordless-login',
          'Auth-Verification-Type': 'sms',
          Authorization: basic(identifier, t.lastCode(phone), true),
        },
      );
      assert.equal(authorized.status, 200, 'a custom-scheme callback gets the JSON answer');
      return { code: String(authorized.body.code), verifier };
    }
    const exchange = (code: string, verifier: string, form: Record<string, string> = {}) =>
      postForm(`${t.url}/demo/services/oauth2/token`, {
        grant_type: 'hybrid_auth_code',
        code,
        client_id: 'mobile-app',
        redirect_uri: CALLBACK,
        code_verifier: verifier,
        ...form,
      });
    const cases: [string, (verifier: string) => Record<string, string>][] = [
      ['a verifier over 256 characters', (v) => ({ code_verifier: v + 'a'.repeat(257 - v.length) })],
      ['a verifier under 43 characters', () => ({ code_verifier: 'a'.repeat(42) })],
      ['another verifier', () => ({ code_verifier: randomBytes(128).toString('base64url') })],
      ['another redirect URI', () => ({ redirect_uri: 'testsfdc:///other' })],
    ];
    for (const [n, [why, change]] of cases.entries()) {
      const { code, verifier } = await authorizedCode(n);
      const refused = await exchange(code, verifier, change(verifier));
      assert.equal(refused.status, 400, why);
      assert.equal(refused.body.error, 'invalid_grant', why);
    }
    const { code, verifier } = await authorizedCode(9);
    assert.equal((await exchange(code, verifier)).status, 200, 'the same request with the right verifier passes');
    assert.equal((await exchange(code, verifier)).body.error, 'invalid_grant', 'a code is good once');
  });

  test('a wrong code stops the SDK at the authorization step, before any token', async () => {
    const phone = '+14155550185';
    await seedUser('wrong.code@example.com', phone);
    const app = sdk('android');
    const identifier = await app.submitOtpRequest('wrong.code@example.com');
    const wrong = t.lastCode(phone) === '000000' ? '111111' : '000000';
    await assert.rejects(app.submitPasswordlessAuthorizationRequest(wrong, identifier), (e: SdkStepFailed) => e.step === 'authorization');
  });
});
