/**
 * Property-based fuzzing (fast-check) of every headless and OAuth input, over real HTTP on loopback: phone
 * numbers, codes, identifiers, Basic and Bearer credentials, JSON and form bodies of any shape, and headers.
 * The property: no answer is a 5xx, and no answer shows a stack trace or a path of ours.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { startTestServer, type TestServer } from './support/test-server.js';

const RUNS = 60;

/** Text of any kind: ASCII, Unicode (astral included), control characters, and the odd very long string. */
const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', '%00', '../../etc/passwd', '<script>', '${jndi:x}', '+1 415 555 0101', '+14155550101', '123456'),
  fc.string({ minLength: 300, maxLength: 2000 }),
);
/** Any JSON value, nested and wide, including the types an endpoint does not expect. */
const json = fc.jsonValue({ maxDepth: 6 });
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,200}$/);

describe('fuzz: every headless and OAuth input (fast-check)', () => {
  let t: TestServer;
  before(async () => {
    // With /metrics on, so its bearer check is fuzzed too.
    t = await startTestServer({ metrics: { token: 'fuzz-metrics-token-0123456789abcdef' } });
  });
  after(() => t.close());

  async function send(path: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<void> {
    const response = await fetch(`${t.url}${path}`, {
      method: init.method ?? 'POST',
      headers: init.headers ?? {},
      body: init.body ?? null,
      // A redirect to a client's registered URI (an OAuth error sent back to the app) is an answer, not a place to go.
      redirect: 'manual',
    });
    const body = await response.text();
    assert.ok(response.status < 500, `${path}: ${response.status} ${body.slice(0, 300)}`);
    assert.doesNotMatch(body, /\n\s+at |node_modules|\/src\/|\.ts:\d+/, `${path}: an internal detail leaked: ${body.slice(0, 300)}`);
  }
  const b64 = (value: string) => Buffer.from(value).toString('base64');

  const jsonEndpoints = [
    '/demo/services/auth/headless/init/passwordless/login',
    '/demo/services/auth/headless/init/registration',
    '/demo/services/auth/headless/init/verification',
    '/demo/services/auth/headless/verify/verification',
    '/demo/services/auth/headless/init/phone',
    '/demo/services/auth/headless/verify/phone',
  ];
  const formEndpoints = ['/demo/services/oauth2/authorize', '/demo/services/oauth2/token', '/demo/services/oauth2/revoke'];

  // Found by this suite on PostgreSQL (which refuses a NUL in any text it compares): now a 400 everywhere.
  test('a NUL character anywhere is a 400, on every database', async () => {
    const nul = 'a\u0000b';
    const json = (path: string, body: unknown) =>
      send(path, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const form = (path: string, body: Record<string, string>) =>
      send(path, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString() });
    await json('/demo/services/auth/headless/init/passwordless/login', { username: nul, verificationmethod: 'sms' });
    await json('/demo/services/auth/headless/init/registration', { userdata: { mobilePhone: '+14155550101' }, customdata: { [nul]: nul } });
    await form('/demo/services/oauth2/token', { grant_type: 'authorization_code', code: 'x', client_id: nul });
    await form('/demo/services/oauth2/token', { grant_type: 'refresh_token', refresh_token: nul, client_id: 'public-app' });
    for (const user of [nul, '%00', 'a%00b'])
      await send('/demo/services/oauth2/token', {
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${b64(`${user}:secret`)}` },
        body: 'grant_type=refresh_token&refresh_token=x',
      });
    const answer = await fetch(`${t.url}/demo/services/auth/headless/init/passwordless/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: nul, verificationmethod: 'sms' }),
    });
    assert.equal(answer.status, 400);
  });

  test('JSON bodies of any shape, raw bytes and wrong content types on the headless endpoints', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...jsonEndpoints),
        fc.oneof(
          json.map((v) => JSON.stringify(v)),
          fc.record({ username: text, verificationmethod: fc.oneof(text, fc.constant('sms')) }).map((v) => JSON.stringify(v)),
          fc
            .record({
              userdata: fc.dictionary(fc.constantFrom('mobilePhone', 'email', 'username', 'firstName', 'password'), fc.oneof(text, json)),
            })
            .map((v) => JSON.stringify({ ...v, verificationmethod: 'sms' })),
          fc.record({ identifier: text, otp: text, phone: text }).map((v) => JSON.stringify(v)),
          text,
        ),
        fc.constantFrom('application/json', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded'),
        fc.option(
          fc.oneof(
            text.map((v) => `Bearer ${v}`),
            headerValue,
          ),
          { nil: undefined },
        ),
        async (path, body, contentType, authorization) => {
          const headers: Record<string, string> = { 'content-type': contentType };
          if (authorization !== undefined && /^[\x20-\x7e]*$/.test(authorization)) headers.authorization = authorization;
          await send(path, { headers, body });
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('authorize, token and revoke: any form fields, Basic credentials of any content, any Auth-* headers', async () => {
    const field = fc.constantFrom(
      'response_type',
      'client_id',
      'redirect_uri',
      'scope',
      'code',
      'code_challenge',
      'code_challenge_method',
      'code_verifier',
      'grant_type',
      'refresh_token',
      'token',
      'state',
      'nonce',
      'prompt',
      'max_age',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...formEndpoints),
        fc.array(
          fc.tuple(
            field,
            fc.oneof(text, fc.constantFrom('code_credentials', 'authorization_code', 'refresh_token', 'public-app', 'server-app')),
          ),
          {
            maxLength: 8,
          },
        ),
        fc.option(
          fc.oneof(
            fc.tuple(text, text).map(([user, pass]) => `Basic ${b64(`${user}:${pass}`)}`),
            text.map((v) => `Basic ${v}`),
            headerValue,
          ),
          { nil: undefined },
        ),
        fc.option(fc.constantFrom('passwordless-login', 'user-registration', 'x'), { nil: undefined }),
        async (path, pairs, authorization, requestType) => {
          const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
          if (authorization !== undefined && /^[\x20-\x7e]*$/.test(authorization)) headers.authorization = authorization;
          if (requestType !== undefined) {
            headers['auth-request-type'] = requestType;
            headers['auth-verification-type'] = 'sms';
          }
          const form = new URLSearchParams();
          for (const [key, value] of pairs) form.append(key, value);
          await send(path, { headers, body: form.toString() });
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('GET endpoints and headers: userinfo, discovery, JWKS, echo, authorize page, /metrics with any query and header', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          '/demo/services/oauth2/userinfo',
          '/demo/.well-known/openid-configuration',
          '/demo/id/keys',
          '/demo/services/oauth2/echo',
          '/demo/services/oauth2/authorize',
          '/demo/services/oauth2/logout',
          '/metrics',
        ),
        fc.dictionary(fc.string({ maxLength: 12 }), text, { maxKeys: 6 }),
        fc.record(
          { authorization: headerValue, 'x-request-id': headerValue, 'x-forwarded-for': headerValue, 'accept-language': headerValue },
          { requiredKeys: [] },
        ),
        async (path, query, headers) => {
          await send(`${path}?${new URLSearchParams(query).toString()}`, { method: 'GET', headers });
        },
      ),
      { numRuns: RUNS },
    );
  });
});
