import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { DeliveryOutcome, DeliveryRequest, DeliveryResult, OneTimePasswordDeliveryHandler } from '../../src/delivery/contract.js';
import twilioFromEnv, { createTwilioHandler } from '../../examples/twilio-handler.js';
import { asOutcome, basicCredential, CODE, deliveryContext, deliveryRequest } from './delivery-fixture.js';
import { startFakeTwilio, type FakeTwilio, type TwilioFailure } from './fake-twilio.js';

const FROM = '+15005550006';

async function fakeTwilio(t: TestContext): Promise<FakeTwilio> {
  const fake = await startFakeTwilio();
  t.after(() => fake.close());
  return fake;
}

interface SendOptions {
  handler?: OneTimePasswordDeliveryHandler;
  authToken?: string;
  signal?: AbortSignal;
  request?: Partial<DeliveryRequest>;
}

/** Runs a Twilio handler once, through a real callout whose `Twilio` named credential points at the fake. */
async function send(fake: FakeTwilio, options: SendOptions = {}) {
  const handler = options.handler ?? createTwilioHandler({ accountSid: fake.accountSid, from: FROM });
  const credential = basicCredential(fake.url, fake.accountSid, options.authToken ?? fake.authToken);
  const fixture = deliveryContext({ Twilio: credential }, options.signal);
  const outcome = asOutcome(await handler.sendOneTimePassword(deliveryRequest(options.request), fixture.context));
  assertNoSecrets(outcome, fixture.logLines);
  return { outcome, ...fixture };
}

/** The attempt log keeps `detail`; it must carry neither the code nor the phone number Twilio echoes. */
function assertNoSecrets(outcome: DeliveryOutcome, logLines: string[]): void {
  for (const text of [outcome.detail ?? '', ...logLines]) {
    assert.ok(!text.includes(CODE), `code leaked into: ${text}`);
    assert.ok(!text.includes('4155550101'), `phone number leaked into: ${text}`);
  }
}

test('creates the message with the documented form and Basic auth, SUCCESS with the sid', async (t) => {
  const fake = await fakeTwilio(t);
  const { outcome, callouts } = await send(fake);

  assert.equal(outcome.result, 'SUCCESS');
  assert.match(outcome.providerMessageId ?? '', /^SM[0-9a-f]{32}$/);
  assert.equal(outcome.providerMessageId, fake.sent[0]?.sid);

  const [received] = fake.requests;
  assert.ok(received);
  assert.equal(received.method, 'POST');
  assert.equal(received.path, `/2010-04-01/Accounts/${fake.accountSid}/Messages.json`);
  assert.match(received.contentType, /^application\/x-www-form-urlencoded/);
  assert.equal(received.headers.accept, 'application/json');
  assert.deepEqual(received.basicAuth, { username: fake.accountSid, password: fake.authToken });
  assert.equal(received.form.get('To'), '+14155550101');
  assert.equal(received.form.get('From'), FROM);
  assert.equal(received.form.has('MessagingServiceSid'), false);
  // Decoded intact: '&', '+', '%', the apostrophe and non-ASCII survived the form encoding.
  assert.equal(received.form.get('Body'), deliveryRequest().defaultText);
  assert.ok(received.form.get('Body')?.includes(CODE));
  // The code expires in 10 minutes; Twilio should drop the SMS rather than deliver it later than that.
  const validity = Number(received.form.get('ValidityPeriod'));
  assert.ok(validity > 590 && validity <= 600, `ValidityPeriod ${validity}`);
  assert.deepEqual(
    callouts.map(({ method, status }) => ({ method, status })),
    [{ method: 'POST', status: 201 }],
  );
});

test('sends through a Messaging Service and a status callback when configured', async (t) => {
  const fake = await fakeTwilio(t);
  const handler = createTwilioHandler({
    accountSid: fake.accountSid,
    messagingServiceSid: 'MG' + 'b2'.repeat(16),
    statusCallback: 'https://otp.example.com/delivery/twilio',
  });
  const { outcome } = await send(fake, { handler });
  assert.equal(outcome.result, 'SUCCESS');
  const form = fake.requests[0]?.form;
  assert.equal(form?.get('MessagingServiceSid'), 'MG' + 'b2'.repeat(16));
  assert.equal(form?.has('From'), false);
  assert.equal(form?.get('StatusCallback'), 'https://otp.example.com/delivery/twilio');
});

test('a code already past its expiry still gets the minimum ValidityPeriod Twilio accepts', async (t) => {
  const fake = await fakeTwilio(t);
  await send(fake, { request: { expiresAt: new Date(Date.now() - 1_000) } });
  assert.equal(fake.requests[0]?.form.get('ValidityPeriod'), '1');
});

test('wrong auth token is PROVIDER_ERROR 20003', async (t) => {
  const fake = await fakeTwilio(t);
  const { outcome } = await send(fake, { authToken: 'not-the-token' });
  assert.equal(outcome.result, 'PROVIDER_ERROR');
  assert.match(outcome.detail ?? '', /HTTP 401 error 20003: authentication failed/);
  assert.equal(fake.sent.length, 0);
});

const failures: Array<{ failure: TwilioFailure; result: DeliveryResult; detail: RegExp }> = [
  { failure: { kind: 'invalid_number' }, result: 'INVALID_PHONE_NUMBER', detail: /HTTP 400 error 21211/ },
  { failure: { kind: 'not_mobile' }, result: 'INVALID_PHONE_NUMBER', detail: /error 21614/ },
  { failure: { kind: 'country_blocked' }, result: 'COUNTRY_BLOCK', detail: /error 21408/ },
  { failure: { kind: 'unroutable' }, result: 'PROVIDER_ERROR', detail: /error 21612/ },
  { failure: { kind: 'rate_limited' }, result: 'MESSAGE_LIMIT_EXCEEDED', detail: /HTTP 429 error 20429/ },
  { failure: { kind: 'server_error' }, result: 'EXCEPTION', detail: /HTTP 500/ },
];

for (const { failure, result, detail } of failures) {
  test(`Twilio ${failure.kind} → ${result}`, async (t) => {
    const fake = await fakeTwilio(t);
    fake.failNext(failure);
    const { outcome } = await send(fake);
    assert.equal(outcome.result, result);
    assert.match(outcome.detail ?? '', detail);
    assert.equal(outcome.providerMessageId, undefined);
    assert.equal(outcome.retryAfterMs, undefined);
  });
}

test('a 429 with Retry-After becomes retryAfterMs', async (t) => {
  const fake = await fakeTwilio(t);
  fake.failNext({ kind: 'rate_limited', retryAfter: '2' });
  const { outcome } = await send(fake);
  assert.equal(outcome.result, 'MESSAGE_LIMIT_EXCEEDED');
  assert.equal(outcome.retryAfterMs, 2_000);
});

test('a provider slower than the delivery deadline is EXCEPTION, not a hang', async (t) => {
  const fake = await fakeTwilio(t);
  fake.failNext({ kind: 'slow', delayMs: 10_000 });
  const started = Date.now();
  const { outcome, callouts } = await send(fake, { signal: AbortSignal.timeout(150) });
  assert.equal(outcome.result, 'EXCEPTION');
  assert.match(outcome.detail ?? '', /TimeoutError/);
  assert.ok(Date.now() - started < 5_000);
  assert.equal(callouts[0]?.status, null);
});

test('an unreachable provider is EXCEPTION', async (t) => {
  const fake = await fakeTwilio(t);
  await fake.close(); // the port is now closed: connection refused
  const { outcome } = await send(fake);
  assert.equal(outcome.result, 'EXCEPTION');
  assert.match(outcome.detail ?? '', /ECONNREFUSED/);
});

test('the default export reads the account and sender from the environment at call time', async (t) => {
  const fake = await fakeTwilio(t);
  const names = ['TWILIO_ACCOUNT_SID', 'TWILIO_FROM', 'TWILIO_MESSAGING_SERVICE_SID'] as const;
  const saved = names.map((name) => [name, process.env[name]] as const);
  t.after(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  for (const name of names) delete process.env[name];

  const unset = await send(fake, { handler: twilioFromEnv });
  assert.equal(unset.outcome.result, 'PROVIDER_ERROR');
  assert.match(unset.outcome.detail ?? '', /TWILIO_ACCOUNT_SID/);
  assert.equal(fake.requests.length, 0);

  process.env.TWILIO_ACCOUNT_SID = fake.accountSid;
  process.env.TWILIO_FROM = FROM;
  const set = await send(fake, { handler: twilioFromEnv });
  assert.equal(set.outcome.result, 'SUCCESS');
  assert.equal(fake.requests[0]?.form.get('From'), FROM);
});

test('the fake rejects what Twilio documents as rejected', async (t) => {
  const fake = await fakeTwilio(t);
  const path = `/2010-04-01/Accounts/${fake.accountSid}/Messages.json`;
  const basic = (user: string, pass: string) => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');
  const authorization = basic(fake.accountSid, fake.authToken);
  const post = async (body: string, headers: Record<string, string>, at = path) => {
    const response = await fetch(fake.url + at, { method: 'POST', body, headers });
    const json = (await response.json()) as { code: number };
    return [response.status, json.code];
  };
  const form = { 'content-type': 'application/x-www-form-urlencoded', authorization };
  assert.deepEqual(await post('From=%2B15005550006&Body=hi', form), [400, 21604]);
  assert.deepEqual(await post('To=%2B14155550101&Body=hi', form), [400, 21603]);
  assert.deepEqual(await post('To=%2B14155550101&From=%2B15005550006', form), [400, 21602]);
  assert.deepEqual(await post('{"To":"+14155550101"}', { ...form, 'content-type': 'application/json' }), [400, 21604]);
  const other = `/2010-04-01/Accounts/AC${'c3'.repeat(16)}/Messages.json`;
  assert.deepEqual(await post('To=%2B14155550101&From=%2B15005550006&Body=hi', form, other), [401, 20003]);
  const apiKey = { ...form, authorization: basic('SK' + 'd4'.repeat(16), fake.authToken) };
  assert.deepEqual(await post('To=%2B14155550101&From=%2B15005550006&Body=hi', apiKey), [201, undefined]);
});
