/**
 * Routing by destination: a handler with `destinations` serves only those countries or number prefixes, others
 * skip it; the chain order still decides among the links that serve a number. Real HTTP, SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { configSchema } from '../src/config/schema.js';
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
