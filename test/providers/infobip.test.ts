/**
 * What is particular to Infobip: our message id makes a retry idempotent (a second send of the same message is
 * refused as a duplicate, which the client reads as "the first one went out"), and, since Infobip signs no delivery
 * report, the notifyUrl otpgate hands it carries a token from the receipt credential's secret, checked on the way back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { infobipHandlerSchema } from '../../src/config/provider-schema.js';
import { createProviderHandler } from '../../src/delivery/providers/index.js';
import { infobipMessageId } from '../../src/delivery/providers/infobip.js';
import { asOutcome, deliveryContext, deliveryRequest } from '../examples/delivery-fixture.js';
import type { ProviderFake } from '../fakes/providers/modes.js';
import { startFakeInfobipApi } from '../fakes/providers/infobip.js';
import { postJson, startTestServer, type TestServer } from '../support/test-server.js';

describe('infobip', () => {
  let fake: ProviderFake;
  before(async () => (fake = await startFakeInfobipApi()));
  after(() => fake.close());

  test('a retry of one send is not sent twice; the next send of the verification is a new message', async () => {
    const spec = infobipHandlerSchema.parse({ type: 'infobip', credential: 'IB', from: 'Acme', notifyUrl: false });
    const handler = createProviderHandler(spec, {
      receiptUrl: () => null,
      credential: () => assert.fail('infobip calls through its credential, it never reads it'),
    });
    const send = async (request: ReturnType<typeof deliveryRequest>) => {
      const { context } = deliveryContext({ IB: fake.credential });
      return asOutcome(await handler.sendOneTimePassword(request, context));
    };
    const first = deliveryRequest({ identifier: 'vrf_idem_1' });
    const before = fake.sent.length;
    const sent = await send(first);
    // The dispatcher's retry after an answer that got lost: same send, attempt 2.
    const retried = await send({ ...first, attempt: 2 });
    assert.equal(sent.result, 'SUCCESS');
    assert.equal(retried.result, 'SUCCESS');
    assert.equal(retried.providerMessageId, sent.providerMessageId);
    assert.equal(fake.sent.length, before + 1, 'one message reached the provider');

    const resend = await send({ ...first, expiresAt: new Date(first.expiresAt.getTime() + 60_000) });
    assert.equal(resend.result, 'SUCCESS');
    assert.notEqual(resend.providerMessageId, sent.providerMessageId);
    assert.equal(fake.sent.length, before + 2);
    assert.equal(sent.providerMessageId, infobipMessageId(first));
  });

  describe('receipts through the server', () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer({
        namedCredentials: { Infobip_Main: { ...fake.credential, receiptSecret: 'infobip-receipt-secret-1' } } as never,
        sites: [{ id: 'demo', name: 'Demo', handlers: [{ type: 'infobip', credential: 'Infobip_Main', from: 'Acme' }] }] as never,
      });
    });
    after(() => t.close());

    test('the notifyUrl carries a token; a report to it is stored, one without it or with another is refused', async () => {
      const init = await postJson(`${t.url}/demo/services/auth/headless/init/registration`, {
        userdata: { mobilePhone: '+14155550161' },
        verificationmethod: 'sms',
      });
      assert.equal(init.status, 200, JSON.stringify(init.body));
      const message = fake.sent.at(-1)!;
      const notify = new URL(message.callbackUrl!);
      assert.equal(notify.origin + notify.pathname, 'http://otpgate.test/demo/receipts/infobip');
      assert.match(notify.searchParams.get('token') ?? '', /^[A-Za-z0-9_-]{43}$/);

      const report = (group: string) =>
        JSON.stringify({ results: [{ messageId: message.id, to: message.to, status: { groupName: group, name: `${group}_TO_HANDSET` } }] });
      const post = (search: string, body: string) =>
        fetch(`${t.url}${notify.pathname}${search}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

      assert.equal((await post('', report('DELIVERED'))).status, 401);
      assert.equal((await post('?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', report('DELIVERED'))).status, 401);
      const delivered = await post(notify.search, report('DELIVERED'));
      assert.deepEqual(await delivered.json(), { recorded: 1, unchanged: 0, unknown: 0 });
      const [attempt] = await t.store.forSite('demo').deliveryAttempts.forVerification(String(init.body.identifier));
      assert.equal(attempt!.receipt?.status, 'delivered');
      assert.equal(attempt!.receipt?.providerStatus, 'DELIVERED_TO_HANDSET');
    });
  });
});
