/**
 * The primary provider dies under load: every code still arrives (through the secondary), none twice, the
 * circuit breaker stops calling the dead primary except for its probes, and a probe brings it back once it
 * answers again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually } from './support/eventually.js';
import { numbersAcrossPrefixes, person } from './support/people.js';
import { SMS_ENDPOINT_HANDLER, startSmsEndpoint, type SmsEndpoint } from './support/sms-endpoint.js';
import { postJson, startTestServer, type TestServer } from './support/test-server.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const OPEN_SECONDS = 1;

describe('fail-over under load with a circuit breaker', () => {
  let t: TestServer;
  let primary: SmsEndpoint;
  let secondary: SmsEndpoint;
  before(async () => {
    primary = await startSmsEndpoint();
    secondary = await startSmsEndpoint();
    const dir = mkdtempSync(join(tmpdir(), 'otpgate-failover-'));
    const handler = join(dir, 'sms-endpoint.mjs');
    writeFileSync(handler, SMS_ENDPOINT_HANDLER);
    const link = (name: string, credential: string) => ({
      type: 'module',
      name,
      path: handler,
      options: { credential },
      credentials: [credential],
    });
    t = await startTestServer({
      namedCredentials: {
        Primary: { url: primary.url, auth: { type: 'none' } },
        Secondary: { url: secondary.url, auth: { type: 'none' } },
      },
      delivery: { retries: 1, backoffMs: 0 },
      sites: [
        {
          id: 'demo',
          name: 'Demo',
          handlers: [
            { ...link('primary', 'Primary'), breaker: { failures: 3, openSeconds: OPEN_SECONDS } },
            link('secondary', 'Secondary'),
          ],
          clients: [
            {
              clientId: 'server-app',
              clientSecret: 'server-app-secret-123456',
              redirectUris: ['http://app.test/callback'],
              requirePkce: false,
            },
          ],
        },
      ] as never,
    });
  });
  after(async () => {
    await t.close();
    await primary.close();
    await secondary.close();
  });

  /** One person registers: the code goes out, is read from whichever provider got it, and is redeemed. */
  async function registerAndVerify(phone: string): Promise<{ identifier: string; handlers: string[] }> {
    const init = await postJson(
      `${t.url}/demo/services/auth/headless/init/registration`,
      { userdata: { mobilePhone: phone }, verificationmethod: 'sms' },
      person(),
    );
    assert.equal(init.status, 200, JSON.stringify(init.body));
    const identifier = String(init.body.identifier);
    const delivered = [...primary.messages, ...secondary.messages].filter((m) => m.id === identifier);
    assert.equal(delivered.length, 1, `the code of ${identifier} arrived ${delivered.length} times`);
    const code = /#(\d{6})$/.exec(delivered[0]!.text)![1]!;
    const authorized = await fetch(`${t.url}/demo/services/oauth2/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'auth-request-type': 'user-registration',
        'auth-verification-type': 'sms',
        authorization: basic(identifier, code),
      },
      body: new URLSearchParams({ response_type: 'code_credentials', client_id: 'server-app', redirect_uri: 'http://app.test/callback' }),
    });
    assert.equal(authorized.status, 302, await authorized.text());
    const attempts = await t.store.forSite('demo').deliveryAttempts.forVerification(identifier);
    return { identifier, handlers: attempts.map((a) => `${a.handler}:${a.result}`) };
  }

  /** `count` registrations, `concurrency` at a time. */
  async function load(phones: string[], concurrency: number) {
    const results: Awaited<ReturnType<typeof registerAndVerify>>[] = [];
    for (let i = 0; i < phones.length; i += concurrency) {
      results.push(...(await Promise.all(phones.slice(i, i + concurrency).map(registerAndVerify))));
    }
    return results;
  }

  test('every code arrives exactly once while the primary dies; the dead primary is skipped, then probed back', async () => {
    const phones = numbersAcrossPrefixes(150, 311);
    // Healthy: the primary serves.
    const healthy = await load(phones.slice(0, 30), 10);
    assert.ok(healthy.every((r) => r.handlers.join() === 'primary:SUCCESS'));

    // The primary dies mid-load, while sends are in flight.
    const during = load(phones.slice(30, 120), 10);
    await eventually(
      async () => primary.messages.length,
      (n) => n >= 40,
    );
    await primary.stop();
    const startedAfterKill = Date.now();
    const results = await during;
    const loadSeconds = (Date.now() - startedAfterKill) / 1000;

    // Every person was registered with one message (asserted in registerAndVerify), from the secondary once the
    // primary was gone.
    const failedOnPrimary = results.filter((r) => r.handlers.some((h) => h.startsWith('primary:') && h !== 'primary:SUCCESS'));
    assert.ok(failedOnPrimary.length > 0, 'some sends met the dead primary');
    assert.ok(results.every((r) => r.handlers.at(-1) === 'primary:SUCCESS' || r.handlers.at(-1) === 'secondary:SUCCESS'));
    // The breaker: after 3 failures in a row (plus the sends already under way at the time), the primary is only
    // probed, at most once per open period; without it, every one of the remaining sends would try it twice.
    const primaryFailures = failedOnPrimary.flatMap((r) => r.handlers.filter((h) => h.startsWith('primary:'))).length;
    const skipped = results.filter((r) => r.handlers.join() === 'secondary:SUCCESS').length;
    assert.ok(skipped >= 40, `${skipped} sends went straight to the secondary`);
    assert.ok(primaryFailures <= 3 + 2 * 10 + Math.ceil(loadSeconds / OPEN_SECONDS) + 1, `${primaryFailures} attempts on the dead primary`);

    // The primary answers again: after the open period, one probe succeeds and the primary serves again.
    await primary.start();
    await new Promise((resolve) => setTimeout(resolve, OPEN_SECONDS * 1000 + 100));
    const recovered = await load(phones.slice(120, 130), 1);
    assert.equal(recovered[0]!.handlers.join(), 'primary:SUCCESS');
    assert.ok(recovered.every((r) => r.handlers.join() === 'primary:SUCCESS'));
  });
});
