import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { DeliveryOutcome, DeliveryRequest, DeliveryResult } from '../../src/delivery/contract.js';
import telesign from '../../examples/telesign-handler.js';
import { asOutcome, basicCredential, CODE, deliveryContext, deliveryRequest } from './delivery-fixture.js';
import { startFakeTelesign, type FakeTelesign, type TelesignFailure } from './fake-telesign.js';

async function fakeTelesign(t: TestContext): Promise<FakeTelesign> {
  const fake = await startFakeTelesign();
  t.after(() => fake.close());
  return fake;
}

interface SendOptions {
  apiKey?: string;
  customerId?: string;
  signal?: AbortSignal;
  request?: Partial<DeliveryRequest>;
}

/** Runs the example handler once, through a real callout whose named credential points at the fake. */
async function send(fake: FakeTelesign, options: SendOptions = {}) {
  const credential = basicCredential(`${fake.url}/v1/messaging`, options.customerId ?? fake.customerId, options.apiKey ?? fake.apiKey);
  const fixture = deliveryContext({ Telesign_SMS_Named: credential }, options.signal);
  const outcome = asOutcome(await telesign.sendOneTimePassword(deliveryRequest(options.request), fixture.context));
  assertNoSecrets(outcome, fixture.logLines);
  return { outcome, ...fixture };
}

/** The attempt log keeps `detail`; it must carry neither the code nor the phone number. */
function assertNoSecrets(outcome: DeliveryOutcome, logLines: string[]): void {
  for (const text of [outcome.detail ?? '', ...logLines]) {
    assert.ok(!text.includes(CODE), `code leaked into: ${text}`);
    assert.ok(!text.includes('4155550101'), `phone number leaked into: ${text}`);
  }
}

test('posts the documented form with Basic auth and reports SUCCESS with the reference_id', async (t) => {
  const fake = await fakeTelesign(t);
  const { outcome, callouts } = await send(fake);

  assert.equal(outcome.result, 'SUCCESS');
  assert.equal(fake.sent.length, 1);
  assert.equal(outcome.providerMessageId, fake.sent[0]?.referenceId);

  const [received] = fake.requests;
  assert.ok(received);
  assert.equal(received.method, 'POST');
  assert.equal(received.path, '/v1/messaging');
  assert.match(received.contentType, /^application\/x-www-form-urlencoded/);
  assert.equal(received.headers.accept, 'application/json');
  assert.deepEqual(received.basicAuth, { username: fake.customerId, password: fake.apiKey });
  assert.deepEqual(Object.fromEntries(received.form), {
    is_primary: 'true',
    phone_number: '14155550101',
    // Decoded intact: '&', '+', '%', the apostrophe and non-ASCII survived the form encoding.
    message: deliveryRequest().defaultText,
    message_type: 'OTP',
    account_lifecycle_event: 'sign-in',
    external_id: deliveryRequest().identifier,
  });
  assert.ok(received.form.get('message')?.includes(CODE));
  assert.deepEqual(
    callouts.map(({ method, status, url }) => ({ method, status, url })),
    [{ method: 'POST', status: 200, url: `${fake.url}/v1/messaging` }],
  );
});

test('tells Telesign the account phase of each use case', async (t) => {
  const fake = await fakeTelesign(t);
  await send(fake, { request: { useCase: 'self_registration' } });
  await send(fake, { request: { useCase: 'phone_registration' } });
  await send(fake, { request: { useCase: 'identity_verification' } });
  assert.deepEqual(
    fake.requests.map((r) => r.form.get('account_lifecycle_event')),
    ['create', 'update', 'sign-in'],
  );
});

test('leaves out an identifier Telesign would reject as external_id (over 100 characters)', async (t) => {
  const fake = await fakeTelesign(t);
  const { outcome } = await send(fake, { request: { identifier: 'v'.repeat(101) } });
  assert.equal(outcome.result, 'SUCCESS');
  assert.equal(fake.requests[0]?.form.has('external_id'), false);
});

test('wrong API key or customer id is PROVIDER_ERROR with the Telesign code', async (t) => {
  const fake = await fakeTelesign(t);
  const wrongKey = await send(fake, { apiKey: 'bm90LXRoZS1rZXk=' });
  assert.equal(wrongKey.outcome.result, 'PROVIDER_ERROR');
  assert.match(wrongKey.outcome.detail ?? '', /HTTP 401 code 10022/);
  const wrongCustomer = await send(fake, { customerId: 'CUST-9999' });
  assert.equal(wrongCustomer.outcome.result, 'PROVIDER_ERROR');
  assert.match(wrongCustomer.outcome.detail ?? '', /code 10015/);
  assert.equal(fake.sent.length, 0);
});

const failures: Array<{ failure: TelesignFailure; result: DeliveryResult; detail: RegExp }> = [
  { failure: { kind: 'invalid_number' }, result: 'INVALID_PHONE_NUMBER', detail: /HTTP 400 code 11000/ },
  { failure: { kind: 'country_blocked' }, result: 'COUNTRY_BLOCK', detail: /code 237/ },
  { failure: { kind: 'rate_limited' }, result: 'MESSAGE_LIMIT_EXCEEDED', detail: /HTTP 429 code 10019/ },
  { failure: { kind: 'insufficient_funds' }, result: 'MESSAGE_LIMIT_EXCEEDED', detail: /HTTP 402 code 10030/ },
  { failure: { kind: 'unavailable' }, result: 'EXCEPTION', detail: /HTTP 503 code 10000/ },
  { failure: { kind: 'not_json' }, result: 'EXCEPTION', detail: /HTTP 502$/ },
];

for (const { failure, result, detail } of failures) {
  test(`Telesign ${failure.kind} → ${result}`, async (t) => {
    const fake = await fakeTelesign(t);
    fake.failNext(failure);
    const { outcome } = await send(fake);
    assert.equal(outcome.result, result);
    assert.match(outcome.detail ?? '', detail);
    assert.equal(outcome.retryAfterMs, undefined);
  });
}

test('a 429 Retry-After (seconds or HTTP date) becomes retryAfterMs', async (t) => {
  const fake = await fakeTelesign(t);
  fake.failNext(
    { kind: 'rate_limited', retryAfter: '7' },
    { kind: 'rate_limited', retryAfter: new Date(Date.now() + 30_000).toUTCString() },
  );
  const seconds = await send(fake);
  assert.equal(seconds.outcome.result, 'MESSAGE_LIMIT_EXCEEDED');
  assert.equal(seconds.outcome.retryAfterMs, 7_000);
  const date = await send(fake);
  const wait = date.outcome.retryAfterMs ?? -1;
  // HTTP dates have one-second resolution.
  assert.ok(wait > 27_000 && wait <= 30_000, `retryAfterMs ${wait}`);
});

test('a provider slower than the delivery deadline is EXCEPTION, not a hang', async (t) => {
  const fake = await fakeTelesign(t);
  fake.failNext({ kind: 'slow', delayMs: 10_000 });
  const started = Date.now();
  const { outcome, callouts } = await send(fake, { signal: AbortSignal.timeout(150) });
  assert.equal(outcome.result, 'EXCEPTION');
  assert.match(outcome.detail ?? '', /TimeoutError/);
  assert.ok(Date.now() - started < 5_000);
  assert.equal(fake.requests.length, 1);
  assert.equal(callouts[0]?.status, null);
});

test('an already expired deadline sends nothing', async (t) => {
  const fake = await fakeTelesign(t);
  const { outcome } = await send(fake, { signal: AbortSignal.abort() });
  assert.equal(outcome.result, 'EXCEPTION');
  assert.equal(fake.requests.length, 0);
});

test('the fake rejects what Telesign documents as rejected', async (t) => {
  const fake = await fakeTelesign(t);
  const authorization = 'Basic ' + Buffer.from(`${fake.customerId}:${fake.apiKey}`).toString('base64');
  const post = async (body: string, headers: Record<string, string>) => {
    const response = await fetch(`${fake.url}/v1/messaging`, { method: 'POST', body, headers });
    const json = (await response.json()) as { status: { code: number } };
    return [response.status, json.status.code];
  };
  const form = { 'content-type': 'application/x-www-form-urlencoded', authorization };
  assert.deepEqual(await post('phone_number=15558675309&message=hi', form), [400, 12017]);
  assert.deepEqual(await post('phone_number=15558675309&message=hi&message_type=SPAM', form), [400, 11017]);
  assert.deepEqual(await post('phone_number=%2B1555&message=hi&message_type=OTP', form), [400, 11000]);
  assert.deepEqual(await post('{"phone_number":"15558675309"}', { ...form, 'content-type': 'application/json' }), [400, 12000]);
  assert.deepEqual(
    await post('phone_number=15558675309&message=hi&message_type=OTP', { 'content-type': form['content-type'] }),
    [401, 10009],
  );
  assert.equal(fake.sent.length, 0);
});
