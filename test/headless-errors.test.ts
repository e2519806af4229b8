import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { basic, postForm, postJson, startTestServer, type TestServer } from './support/test-server.js';

// Bad input anywhere gets a stable code, a sentence, a request id: never a 500 or a stack trace.
describe('bad input on every endpoint', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  async function expectError(
    response: Promise<{ status: number; body: Record<string, unknown> }> | { status: number; body: Record<string, unknown> },
    status: number,
    code: string,
  ) {
    const { status: actual, body } = await response;
    assert.equal(actual, status, JSON.stringify(body));
    assert.equal(body.error, code);
    assert.equal(typeof body.error_description, 'string');
    assert.ok(String(body.error_description).length > 5);
    assert.match(String(body.request_id), /^[A-Za-z0-9_-]+$/);
    assert.doesNotMatch(JSON.stringify(body), /\bat .*\.(ts|js):\d+/);
  }

  const raw = async (path: string, init: RequestInit) => {
    const response = await fetch(`${t.url}${path}`, init);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  test('passwordless login init', async () => {
    const url = `${t.url}/demo/services/auth/headless/init/passwordless/login`;
    await expectError(
      raw('/demo/services/auth/headless/init/passwordless/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"username":',
      }),
      400,
      'invalid_request',
    );
    await expectError(postJson(url, { verificationmethod: 'sms' }), 400, 'invalid_request');
    await expectError(postJson(url, { username: '+14155550101' }), 400, 'invalid_request');
    await expectError(postJson(url, { username: 42, verificationmethod: 'sms' }), 400, 'invalid_request');
    await expectError(postJson(url, { username: '+14155550101', verificationmethod: 'email' }), 400, 'unsupported_verification_method');
    await expectError(postJson(url, { username: 'x'.repeat(5000), verificationmethod: 'sms' }), 400, 'invalid_request');
    await expectError(postJson(url, { username: 'a', verificationmethod: 'sms', pad: 'x'.repeat(20_000) }), 413, 'payload_too_large');
    await expectError(
      raw('/demo/services/auth/headless/init/passwordless/login', {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: '<a/>',
      }),
      415,
      'unsupported_media_type',
    );
    await expectError(
      postJson(`${t.url}/nosuchsite/services/auth/headless/init/passwordless/login`, { username: 'a', verificationmethod: 'sms' }),
      404,
      'site_not_found',
    );
    await expectError(
      postJson(`${t.url}/Bad..Site/services/auth/headless/init/passwordless/login`, { username: 'a', verificationmethod: 'sms' }),
      404,
      'site_not_found',
    );
  });

  test('registration init', async () => {
    const url = `${t.url}/demo/services/auth/headless/init/registration`;
    await expectError(postJson(url, { verificationmethod: 'sms' }), 400, 'invalid_request');
    await expectError(postJson(url, { userdata: {}, verificationmethod: 'sms' }), 400, 'invalid_request');
    await expectError(postJson(url, { userdata: { mobilePhone: '12' }, verificationmethod: 'sms' }), 400, 'invalid_request');
    await expectError(postJson(url, { userdata: { mobilePhone: '+1 415 555' }, verificationmethod: 'sms' }), 400, 'invalid_phone_number');
    await expectError(
      postJson(url, { userdata: { mobilePhone: '+14155550150', email: 'not-an-email' }, verificationmethod: 'sms' }),
      400,
      'invalid_request',
    );
    await expectError(postJson(url, { userdata: { mobilePhone: '+14155550150' } }), 400, 'invalid_request');
    await expectError(postJson(url, { userdata: 'nope', verificationmethod: 'sms' }), 400, 'invalid_request');
    // Control characters in what people type (a NUL, a terminal escape, a bidi override) are refused, naming the field.
    for (const username of ['gr\u0000ace', 'grace\u001b[2J', 'ecarg\u202e'])
      await expectError(
        postJson(url, { userdata: { mobilePhone: '+14155550150', username }, verificationmethod: 'sms' }),
        400,
        'invalid_request',
      );
    // Taken numbers and usernames answer like new ones: see test/registration-hardening.test.ts.
  });

  test('authorize', async () => {
    const url = `${t.url}/demo/services/oauth2/authorize`;
    const form = { response_type: 'code_credentials', client_id: 'server-app', redirect_uri: 'http://app.test/callback' };
    const headers = { 'Auth-Request-Type': 'passwordless-login', 'Auth-Verification-Type': 'sms', Authorization: basic('abc', '123456') };
    await expectError(postForm(url, form, { ...headers, 'Auth-Request-Type': 'Named-User' }), 400, 'invalid_request');
    await expectError(postForm(url, form, { ...headers, 'Auth-Verification-Type': 'email' }), 400, 'unsupported_verification_method');
    await expectError(postForm(url, { ...form, response_type: 'code' }, headers), 400, 'unsupported_response_type');
    await expectError(postForm(url, { ...form, client_id: 'nobody' }, headers), 401, 'invalid_client');
    await expectError(postForm(url, { ...form, redirect_uri: 'http://evil.test/' }, headers), 400, 'unauthorized_client');
    await expectError(postForm(url, { ...form, client_id: 'public-app' }, headers), 400, 'invalid_request');
    await expectError(postForm(url, { ...form, code_challenge: 'short' }, headers), 400, 'invalid_request');
    await expectError(postForm(url, { ...form, scope: 'openid admin' }, headers), 400, 'invalid_scope');
    await expectError(postForm(url, form, { ...headers, Authorization: 'Basic !!!' }), 400, 'invalid_request');
    await expectError(
      postForm(url, form, { ...headers, Authorization: basic('no-such-identifier', '123456') }),
      400,
      'verification_not_found',
    );
    await expectError(postForm(url, form, { ...headers, Authorization: basic('../../etc', '123456') }), 400, 'verification_not_found');
  });

  test('token, userinfo, revoke, unknown paths', async () => {
    const url = `${t.url}/demo/services/oauth2/token`;
    const secret = { authorization: basic('server-app', 'server-app-secret-123456') };
    await expectError(postForm(url, { grant_type: 'authorization_code', code: 'x' }), 401, 'invalid_client');
    await expectError(postForm(url, { code: 'x' }, secret), 400, 'invalid_request');
    await expectError(postForm(url, { grant_type: 'password' }, secret), 400, 'unsupported_grant_type');
    await expectError(postForm(url, { grant_type: 'authorization_code' }, secret), 400, 'invalid_request');
    await expectError(postForm(url, { grant_type: 'authorization_code', code: 'made-up' }, secret), 400, 'invalid_grant');
    await expectError(postForm(url, { grant_type: 'refresh_token', refresh_token: 'made-up' }, secret), 400, 'invalid_grant');
    await expectError(raw('/demo/services/oauth2/userinfo', { headers: { authorization: 'Bearer nope' } }), 401, 'invalid_token');
    await expectError(raw('/demo/services/oauth2/userinfo', {}), 401, 'invalid_token');
    await expectError(postForm(`${t.url}/demo/services/oauth2/revoke`, {}, secret), 400, 'invalid_request');
    await expectError(raw('/demo/services/nothing', {}), 404, 'not_found');
    await expectError(raw('/demo/services/auth/headless/init/verification', { method: 'POST' }), 401, 'invalid_token');
  });
});
