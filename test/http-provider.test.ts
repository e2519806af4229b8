/**
 * The generic HTTP provider: a custom SMS API described in configuration. Its request is built from templates
 * (escaped for JSON, forms and URLs), sent through a named credential, and the answer judged by the rules.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { httpProviderSchema } from '../src/config/http-provider-schema.js';
import { createHttpProvider } from '../src/delivery/builtin/http-provider.js';
import { asOutcome, CODE, deliveryContext, deliveryRequest } from './examples/delivery-fixture.js';
import { startLoopbackServer, type LoopbackServer, type Reply } from './examples/loopback-server.js';
import { person } from './support/people.js';
import { postJson, startTestServer } from './support/test-server.js';

let reply: Reply = { status: 201, json: { data: { id: 'm-1', state: 'queued' } } };
let provider: LoopbackServer;
before(async () => (provider = await startLoopbackServer(() => reply)));
after(() => provider.close());

const ACME = {
  type: 'http',
  url: 'callout:Acme/v1/sms?to={{phoneNumber}}',
  headers: { 'x-request-id': '{{identifier}}' },
  body: { json: { to: '{{phoneNumber}}', text: '{{defaultText}}', meta: { attempt: '{{attempt}}', tags: ['otp', '{{locale}}'] } } },
  success: { jsonPointer: '/data/state', equals: 'queued' },
  errors: [
    { status: [400], jsonPointer: '/error/code', equals: 'bad_number', result: 'INVALID_PHONE_NUMBER' },
    { bodyContains: 'country not enabled', result: 'COUNTRY_BLOCK' },
  ],
  providerMessageId: '/data/id',
};
const credentials = () => ({ Acme: { url: provider.url, auth: { type: 'bearer' as const, token: 'acme-token' } } });
const send = async (config: Record<string, unknown> = ACME, overrides = {}) => {
  const handler = createHttpProvider(httpProviderSchema.parse(config));
  return asOutcome(await handler.sendOneTimePassword(deliveryRequest(overrides), deliveryContext(credentials()).context));
};

describe('the generic HTTP provider', () => {
  test('builds the request from templates (JSON leaves escaped by JSON, the URL URL-encoded); the credential adds the auth', async () => {
    reply = { status: 201, json: { data: { id: 'm-1', state: 'queued' } } };
    const text = 'He said "hi" \\ {"x":1}\n #' + CODE;
    assert.deepEqual(await send(ACME, { defaultText: text }), { result: 'SUCCESS', providerMessageId: 'm-1' });
    const request = provider.requests.at(-1)!;
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/v1/sms');
    assert.equal(request.query.get('to'), '+14155550101', 'the + survives as %2B');
    assert.equal(request.headers.authorization, 'Bearer acme-token');
    assert.equal(request.headers['x-request-id'], deliveryRequest().identifier);
    assert.equal(request.contentType, 'application/json');
    assert.deepEqual(JSON.parse(request.rawBody), { to: '+14155550101', text, meta: { attempt: '1', tags: ['otp', 'en-US'] } });
  });

  test('a form body is URL-encoded field by field', async () => {
    reply = { status: 200, json: {} };
    const config = { type: 'http', url: 'callout:Acme/send', body: { form: { To: '{{phoneNumber}}', Body: '{{defaultText}}' } } };
    assert.equal((await send(config)).result, 'SUCCESS');
    const request = provider.requests.at(-1)!;
    assert.equal(request.contentType, 'application/x-www-form-urlencoded');
    assert.equal(request.form.get('To'), '+14155550101');
    assert.equal(request.form.get('Body'), deliveryRequest().defaultText);
  });

  test('the answer decides: error rules first, then the success rule, then what the HTTP status means', async () => {
    const cases: [Reply, Record<string, unknown>][] = [
      [
        { status: 400, json: { error: { code: 'bad_number' } } },
        { result: 'INVALID_PHONE_NUMBER', detail: 'matched an error rule (HTTP 400)' },
      ],
      [
        { status: 403, rawBody: 'country not enabled' },
        { result: 'COUNTRY_BLOCK', detail: 'matched an error rule (HTTP 403)' },
      ],
      [
        { status: 201, json: { data: { id: 'm-2', state: 'failed' } } },
        { result: 'PROVIDER_ERROR', detail: 'unexpected answer (HTTP 201)' },
      ],
      [
        { status: 429, json: {}, headers: { 'retry-after': '2' } },
        { result: 'PROVIDER_ERROR', detail: 'provider answered 429', retryAfterMs: 2000 },
      ],
      [
        { status: 502, rawBody: `echo ${CODE}` },
        { result: 'PROVIDER_ERROR', detail: 'provider answered 502' },
      ],
      [
        { status: 401, json: {} },
        { result: 'EXCEPTION', detail: 'configuration: auth refused (HTTP 401)' },
      ],
    ];
    for (const [answer, expected] of cases) {
      reply = answer;
      assert.deepEqual(await send(), expected, JSON.stringify(answer));
    }
  });

  test('the configuration refuses a misspelt template field and credentials in headers', () => {
    const typo = httpProviderSchema.safeParse({ ...ACME, body: { json: { to: '{{phonNumber}}' } } });
    assert.ok(!typo.success);
    assert.match(typo.error.issues[0]!.message, /unknown template field\(s\) \{\{phonNumber\}\}/);
    const secret = httpProviderSchema.safeParse({ ...ACME, headers: { Authorization: 'Bearer x' } });
    assert.ok(!secret.success);
    assert.match(secret.error.issues[0]!.message, /named credential/);
  });

  test('end to end: a registration code goes out through the configured provider', async () => {
    reply = { status: 201, json: { data: { id: 'm-9', state: 'queued' } } };
    const t = await startTestServer({
      namedCredentials: { Acme: { url: provider.url, auth: { type: 'bearer', token: 'acme-token' } } },
      sites: [{ id: 'demo', name: 'Demo', handlers: [{ ...ACME, name: 'acme' }] }] as never,
    });
    try {
      const init = await postJson(
        `${t.url}/demo/services/auth/headless/init/registration`,
        { userdata: { mobilePhone: '+14155550181' }, verificationmethod: 'sms' },
        person(),
      );
      assert.equal(init.status, 200, JSON.stringify(init.body));
      const sent = JSON.parse(provider.requests.at(-1)!.rawBody) as { to: string; text: string };
      assert.equal(sent.to, '+14155550181');
      assert.match(sent.text, /#\d{6}$/);
      const [attempt] = await t.store.forSite('demo').deliveryAttempts.forVerification(String(init.body.identifier));
      assert.deepEqual([attempt!.handler, attempt!.result, attempt!.providerMessageId], ['acme', 'SUCCESS', 'm-9']);
    } finally {
      await t.close();
    }
  });
});
