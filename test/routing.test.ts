/**
 * Routing by destination: a handler with `destinations` serves only those countries or number prefixes, others
 * skip it; the chain order still decides among the links that serve a number. Real HTTP, SQLite and PostgreSQL, and
 * the loopback fakes of two providers for a +44 / +1 split.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { configSchema } from '../src/config/schema.js';
import { startFakeTwilioApi, TWILIO_ACCOUNT_SID } from './fakes/providers/twilio.js';
import { startFakeVonageApi } from './fakes/providers/vonage.js';
import { person } from './support/people.js';
import { postJson, startTestServer, type TestServer } from './support/test-server.js';

describe('routing by destination', () => {
  let t: TestServer;
  afterEach(() => t.close());

  const register = (phone: string) =>
    postJson(
      `${t.url}/demo/services/auth/headless/init/registration`,
      { userdata: { mobilePhone: phone }, verificationmethod: 'sms' },
      person(),
    );
  const handlersFor = async (identifier: unknown) =>
    (await t.store.forSite('demo').deliveryAttempts.forVerification(String(identifier))).map((a) => a.handler);

  test('India through its own provider, one area code through another, everyone else through the default', async () => {
    t = await startTestServer({
      sites: [
        {
          id: 'demo',
          name: 'Demo',
          handlers: [
            { type: 'console', name: 'india', destinations: ['IN'] },
            { type: 'console', name: 'bay-area', destinations: ['+1415', '+1650'] },
            { type: 'console', name: 'everyone' },
          ],
        },
      ],
    });
    const india = await register('+919876543210');
    const sanFrancisco = await register('+14155550161');
    const newYork = await register('+12125550162');
    assert.deepEqual(await handlersFor(india.body.identifier), ['india']);
    assert.deepEqual(await handlersFor(sanFrancisco.body.identifier), ['bay-area']);
    assert.deepEqual(await handlersFor(newYork.body.identifier), ['everyone']);
    assert.equal(t.messages.length, 3, 'each got its code');
  });

  test('+44 numbers through one provider, +1 numbers through another (two provider fakes)', async () => {
    const vonage = await startFakeVonageApi();
    const twilio = await startFakeTwilioApi();
    try {
      t = await startTestServer({
        namedCredentials: { Vonage_UK: vonage.credential, Twilio_US: twilio.credential } as never,
        sites: [
          {
            id: 'demo',
            name: 'Demo',
            handlers: [
              { type: 'vonage', name: 'uk', credential: 'Vonage_UK', from: 'Acme', destinations: ['+44'] },
              {
                type: 'twilio',
                name: 'north-america',
                credential: 'Twilio_US',
                accountSid: TWILIO_ACCOUNT_SID,
                from: '+15005550006',
                destinations: ['+1'],
              },
            ],
          },
        ] as never,
      });
      const london = await register('+447911123456');
      const boston = await register('+16175550164');
      assert.equal(london.status, 200, JSON.stringify(london.body));
      assert.equal(boston.status, 200, JSON.stringify(boston.body));
      assert.deepEqual(
        vonage.sent.map((m) => m.to),
        ['447911123456'],
      );
      assert.deepEqual(
        twilio.sent.map((m) => m.to),
        ['+16175550164'],
      );
      assert.deepEqual(await handlersFor(london.body.identifier), ['uk']);
      assert.deepEqual(await handlersFor(boston.body.identifier), ['north-america']);
    } finally {
      await vonage.close();
      await twilio.close();
    }
  });

  test('a destination no handler serves is a configuration gap: delivery_failed, nothing sent', async () => {
    t = await startTestServer({
      sites: [{ id: 'demo', name: 'Demo', handlers: [{ type: 'console', name: 'india', destinations: ['IN'] }] }],
    });
    const refused = await register('+12125550163');
    assert.equal(refused.status, 502);
    assert.equal(refused.body.error, 'delivery_failed');
    assert.equal(t.messages.length, 0);
  });
});

test('config: a destination that is neither a country nor a prefix is refused at startup', () => {
  const parsed = configSchema.safeParse({
    secrets: { hmac: [{ id: 'k', secret: 'dev-secret-0123456789' }] },
    sites: [{ id: 'demo', name: 'Demo', handlers: [{ type: 'console', destinations: ['India'] }] }],
  });
  assert.ok(!parsed.success);
  assert.match(JSON.stringify(parsed.error.issues), /a country \(IN\) or a calling-code prefix/);
});
