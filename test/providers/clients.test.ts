/**
 * Every built-in provider client against its loopback fake, in the five answers a provider gives: one row per
 * provider (add yours to PROVIDER_ROWS), the same expectations for all.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { providerHandlerSchemas, type ProviderHandlerSpec } from '../../src/config/provider-schema.js';
import { credentialFor } from '../../src/delivery/named-credentials.js';
import { createProviderHandler } from '../../src/delivery/providers/index.js';
import { asOutcome, CODE, deliveryContext, deliveryRequest } from '../examples/delivery-fixture.js';
import { FAKE_RETRY_AFTER_SECONDS, type FakeMode, type ProviderFake } from '../fakes/providers/modes.js';
import { PLIVO_AUTH_ID, startFakePlivoApi } from '../fakes/providers/plivo.js';
import { SINCH_SERVICE_PLAN, startFakeSinchApi } from '../fakes/providers/sinch.js';
import { startFakeBirdApi } from '../fakes/providers/bird.js';
import { startFakeInfobipApi } from '../fakes/providers/infobip.js';
import { SNS_REGION, startFakeSnsApi } from '../fakes/providers/sns.js';
import { startFakeTelesignApi } from '../fakes/providers/telesign.js';
import { startFakeVonageApi } from '../fakes/providers/vonage.js';
import { startFakeTwilioApi, TWILIO_ACCOUNT_SID } from '../fakes/providers/twilio.js';

export interface ProviderRow {
  kind: string;
  start(): Promise<ProviderFake>;
  /** The handler's config, as a site owner writes it, using credential `Provider_Test`. */
  config: Record<string, unknown>;
  /** The wait a rate-limited answer should yield; default: the fake's Retry-After. */
  rateLimitWaitMs?: number;
  /** False for a provider that takes no per-message receipt URL. */
  receiptUrl?: false;
}

export const PROVIDER_ROWS: ProviderRow[] = [
  {
    kind: 'twilio',
    start: startFakeTwilioApi,
    config: { type: 'twilio', credential: 'Provider_Test', accountSid: TWILIO_ACCOUNT_SID, from: '+15005550006', statusCallback: true },
  },
  {
    kind: 'vonage',
    start: startFakeVonageApi,
    config: { type: 'vonage', credential: 'Provider_Test', from: 'Acme', statusReport: true },
    // Status 1 (throttled) comes without Retry-After; the client waits the 1 s the per-key limit implies.
    rateLimitWaitMs: 1000,
  },
  {
    kind: 'plivo',
    start: startFakePlivoApi,
    config: { type: 'plivo', credential: 'Provider_Test', authId: PLIVO_AUTH_ID, from: '14155550000', statusCallback: true },
  },
  {
    kind: 'sinch',
    start: startFakeSinchApi,
    config: { type: 'sinch', credential: 'Provider_Test', servicePlanId: SINCH_SERVICE_PLAN, from: '+14155550000', callbackUrl: true },
  },
  {
    kind: 'telesign',
    start: startFakeTelesignApi,
    config: { type: 'telesign', credential: 'Provider_Test', callbackUrl: true },
  },
  {
    kind: 'infobip',
    start: startFakeInfobipApi,
    config: { type: 'infobip', credential: 'Provider_Test', from: 'Acme', notifyUrl: true },
    // Infobip sends no Retry-After; the client waits the 1 s its per-second limits imply.
    rateLimitWaitMs: 1000,
  },
  {
    kind: 'bird',
    start: startFakeBirdApi,
    config: { type: 'bird', credential: 'Provider_Test', from: 'Acme', reportUrl: true },
  },
  {
    kind: 'sns',
    start: startFakeSnsApi,
    config: { type: 'sns', credential: 'Provider_Test', region: SNS_REGION },
    // SNS takes no callback URL (delivery status goes to CloudWatch) and sends no Retry-After with Throttled.
    receiptUrl: false,
    rateLimitWaitMs: 1000,
  },
];

const RECEIPT_BASE = 'https://otp.example.com';
/** The spec as config loading makes it (defaults applied), by the first kind schema that accepts the config. */
const providerSpec = (config: Record<string, unknown>): ProviderHandlerSpec => {
  for (const schema of providerHandlerSchemas) {
    const parsed = schema.safeParse(config);
    if (parsed.success) return parsed.data;
  }
  throw new Error(`no provider schema accepts ${JSON.stringify(config)}`);
};

for (const row of PROVIDER_ROWS) {
  describe(`${row.kind} client`, () => {
    let fake: ProviderFake;
    before(async () => (fake = await row.start()));
    after(() => fake.close());

    const send = async (mode: FakeMode) => {
      fake.mode = mode;
      const handler = createProviderHandler(providerSpec(row.config), {
        receiptUrl: (site, name) => `${RECEIPT_BASE}/${site}/receipts/${name}`,
        credential: (_site, name) => credentialFor(new Map([['Provider_Test', fake.credential]]), name, 'demo'),
      });
      const { context, logLines } = deliveryContext({ Provider_Test: fake.credential }, AbortSignal.timeout(5_000), 'demo');
      const outcome = asOutcome(await handler.sendOneTimePassword(deliveryRequest({ siteId: 'demo' }), context));
      assert.ok(!JSON.stringify(outcome).includes(CODE), 'the outcome never carries the code');
      assert.ok(!logLines.join('\n').includes(CODE), 'nor the log');
      return outcome;
    };

    test('success: the message is sent once, with the text, and its provider id is kept', async () => {
      const outcome = await send('success');
      assert.equal(outcome.result, 'SUCCESS', outcome.detail);
      const message = fake.sent.at(-1)!;
      assert.equal(outcome.providerMessageId, message.id);
      assert.equal(message.to.replace(/^\+/, ''), '14155550101');
      assert.ok(message.text.includes(CODE));
      assert.equal(message.callbackUrl, row.receiptUrl === false ? null : `${RECEIPT_BASE}/demo/receipts/${row.kind}`);
    });

    test('invalid number: INVALID_PHONE_NUMBER', async () => {
      assert.equal((await send('invalid_number')).result, 'INVALID_PHONE_NUMBER');
    });

    test('rate limit: PROVIDER_ERROR that waits as long as Retry-After says', async () => {
      const outcome = await send('rate_limit');
      assert.equal(outcome.result, 'PROVIDER_ERROR');
      assert.equal(outcome.retryAfterMs, row.rateLimitWaitMs ?? FAKE_RETRY_AFTER_SECONDS * 1000);
    });

    test('auth refused: EXCEPTION naming the configuration', async () => {
      const outcome = await send('auth_failure');
      assert.equal(outcome.result, 'EXCEPTION');
      assert.match(outcome.detail ?? '', /configuration: auth refused/);
    });

    test('outage: PROVIDER_ERROR, so the chain retries or fails over', async () => {
      const outcome = await send('outage');
      assert.equal(outcome.result, 'PROVIDER_ERROR');
      assert.equal(outcome.retryAfterMs, undefined);
    });
  });
}
