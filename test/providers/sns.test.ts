/**
 * What is particular to SNS: the AWS SDK's request goes through the attempt's callout (so it is recorded and cut
 * off at the deadline), the SDK makes one attempt (the dispatcher owns retries), and the SMS attributes are sent.
 * End to end through the server: a registration's code travels by the SNS fake.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { postJson, startTestServer, type TestServer } from '../support/test-server.js';
import { SNS_REGION, startFakeSnsApi, type FakeSns } from '../fakes/providers/sns.js';

describe('sns', () => {
  let fake: FakeSns;
  let t: TestServer;
  before(async () => {
    fake = await startFakeSnsApi();
    t = await startTestServer({
      namedCredentials: { Sns_Main: fake.credential } as never,
      delivery: { retries: 0, backoffMs: 0 },
      sites: [
        {
          id: 'demo',
          name: 'Demo',
          handlers: [{ type: 'sns', credential: 'Sns_Main', region: SNS_REGION, senderId: 'Acme', breaker: false }],
        },
      ] as never,
    });
  });
  after(async () => {
    await t.close();
    await fake.close();
  });

  const register = (phone: string) =>
    postJson(`${t.url}/demo/services/auth/headless/init/registration`, { userdata: { mobilePhone: phone }, verificationmethod: 'sms' });

  test('a code goes out by Publish with the SMS attributes; the attempt keeps the MessageId and the callout', async () => {
    const init = await register('+14155550171');
    assert.equal(init.status, 200, JSON.stringify(init.body));
    const message = fake.sent.at(-1)!;
    assert.equal(message.to, '+14155550171');
    assert.match(message.text, /\b\d{6}\b/);
    assert.deepEqual(fake.attributes.at(-1), { 'AWS.SNS.SMS.SMSType': 'Transactional', 'AWS.SNS.SMS.SenderID': 'Acme' });
    const [attempt] = await t.store.forSite('demo').deliveryAttempts.forVerification(String(init.body.identifier));
    assert.equal(attempt!.result, 'SUCCESS');
    assert.equal(attempt!.providerMessageId, message.id);
    assert.deepEqual(
      attempt!.callouts.map((c) => [c.method, c.url, c.status]),
      [['POST', `${fake.url}/`, 200]],
    );
  });

  test('an outage is one request, not the SDK retrying behind the dispatcher', async () => {
    fake.mode = 'outage';
    try {
      const before = fake.requests.length;
      const init = await register('+14155550172');
      assert.equal(init.status, 502);
      assert.equal(init.body.error, 'delivery_failed');
      assert.equal(fake.requests.length, before + 1);
    } finally {
      fake.mode = 'success';
    }
  });
});
