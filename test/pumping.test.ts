/**
 * SMS pumping, tried as the attacker does it: many addresses (through the trusted proxy) having codes sent
 * to numbers under one premium prefix and never using them. The conversion monitor throttles that prefix
 * before 40 sends while every other destination keeps working; an administrator sees and lifts it with
 * `otpgate blocks`. Real HTTP, SQLite and PostgreSQL, and the real CLI.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { ConfigInput } from '../src/config/schema.js';
import { assertFails, assertOk, cliOnServer, removeCliFixtures } from './cli-harness.js';
import { eventually } from './support/eventually.js';
import { numbersUnder, person } from './support/people.js';
import { basic, postForm, postJson, startTestServer, type TestServer } from './support/test-server.js';

type SiteInput = NonNullable<ConfigInput['sites']>[number];

describe('SMS-pumping defence', () => {
  let t: TestServer;
  afterEach(async () => {
    await t.close();
    removeCliFixtures();
  });

  const site = (extra: Partial<SiteInput> = {}): SiteInput => ({
    id: 'demo',
    name: 'Demo',
    handlers: ['console'],
    clients: [{ clientId: 'app', clientSecret: 'app-secret-0123456789abcdef', redirectUris: ['http://app.test/cb'], requirePkce: false }],
    ...extra,
  });
  const start = async (extra: Partial<SiteInput> = {}) => (t = await startTestServer({ sites: [site(extra)] }));

  const register = (phone: string) =>
    postJson(
      `${t.url}/demo/services/auth/headless/init/registration`,
      { userdata: { mobilePhone: phone }, verificationmethod: 'sms' },
      person(),
    );
  const verify = (identifier: unknown, code: string) =>
    postForm(
      `${t.url}/demo/services/oauth2/authorize`,
      { response_type: 'code_credentials', client_id: 'app', redirect_uri: 'http://app.test/cb' },
      { 'Auth-Request-Type': 'user-registration', 'Auth-Verification-Type': 'sms', Authorization: basic(String(identifier), code) },
    );
  const sentTo = (prefix: string) => t.messages.filter((m) => m.phone.startsWith(prefix)).length;

  const cli = (extra: Partial<SiteInput> = {}) => cliOnServer(t.databaseUrl, [site(extra)]);

  test('200 addresses pumping one prefix: throttled before 40 sends; other prefixes and countries still get codes', async () => {
    await start();
    const pumped = numbersUnder(201, 200);
    const answers = [];
    for (let i = 0; i < pumped.length; i += 4) answers.push(...(await Promise.all(pumped.slice(i, i + 4).map(register))));
    const sent = sentTo('+1201');
    assert.ok(sent >= 30 && sent < 40, `${sent} codes went to +1201`);
    const refused = answers.filter((a) => a.status !== 200);
    assert.equal(refused.length, 200 - sent);
    for (const r of refused) {
      assert.equal(r.status, 429);
      assert.equal(r.body.limit, 'prefix');
      assert.ok(Number(r.headers.get('retry-after')) > 3000, 'throttled for about an hour');
    }
    // Someone in another prefix, and someone in another country, are untouched.
    assert.equal((await register('+12025550123')).status, 200);
    assert.equal((await register('+33612345678')).status, 200);
    assert.equal(t.messages.at(-1)?.phone, '+33612345678');

    const events = await t.store.forSite('demo').audit.list({ type: 'destination_throttled', limit: 10 });
    assert.equal(events.length, 1, 'one audit event, however many requests judged the prefix');
    assert.equal(events[0]!.detail.destination, 'prefix:+1201');
    assert.equal(events[0]!.detail.verified, 0);
  });

  test('a prefix whose codes are used is not throttled, however busy', async () => {
    await start();
    const numbers = numbersUnder(202, 45);
    for (const [i, phone] of numbers.entries()) {
      const started = await register(phone);
      assert.equal(started.status, 200, `${i}: ${JSON.stringify(started.body)}`);
      // One in five people finish their registration: 20 % conversion, above the 10 % line.
      if (i % 5 === 0) assert.equal((await verify(started.body.identifier, t.lastCode(phone))).status, 302);
    }
    assert.equal(sentTo('+1202'), 45);
    assert.deepEqual(await t.store.forSite('demo').sendBlocks.list(t.clock.now()), []);
  });

  test('a country is judged too, with its own threshold, across its prefixes', async () => {
    await start({ pumpingDefence: { prefix: { minSends: 0 }, country: { minSends: 12 } } });
    const numbers = [...numbersUnder(203, 6), ...numbersUnder(205, 6), ...numbersUnder(206, 6)];
    const answers = [];
    for (const n of numbers) answers.push((await register(n)).status);
    assert.equal(answers.filter((s) => s === 200).length, 12);
    assert.equal((await register('+447911123456')).status, 200, 'another country is untouched');
  });

  test('monitor mode refuses nothing and records the destination once', async () => {
    await start({ pumpingDefence: { mode: 'monitor', prefix: { minSends: 5 } } });
    for (const n of numbersUnder(207, 12)) assert.equal((await register(n)).status, 200);
    const events = await t.store.forSite('demo').audit.list({ type: 'destination_poor_conversion', limit: 10 });
    assert.equal(events.length, 1);
    assert.deepEqual(await t.store.forSite('demo').sendBlocks.list(t.clock.now()), []);
  });

  test('otpgate blocks list shows the throttle; lift ends it (audited) and the monitor does not throttle it again at once', async () => {
    const settings = { pumpingDefence: { prefix: { minSends: 5 } } };
    await start(settings);
    for (const n of numbersUnder(208, 6)) await register(n);
    assert.equal(sentTo('+1208'), 5);
    const run = cli(settings);

    const listed = await run('blocks', 'list', '--site', 'demo', '--json');
    assertOk(listed);
    const rows = JSON.parse(listed.stdout) as { destination: string; sends: number; verified: number; active: boolean }[];
    assert.deepEqual(
      rows.map((r) => [r.destination, r.sends, r.verified, r.active]),
      [['prefix:+1208', 5, 0, true]],
    );
    assertFails(await run('blocks', 'lift', '--site', 'demo', '--prefix', '+1209'), 'not_found');
    assertFails(await run('blocks', 'lift', '--site', 'demo', '--prefix', '1208'), 'invalid_request');
    assertFails(await run('blocks', 'lift', '--site', 'demo'), 'invalid_request');
    assertOk(await run('blocks', 'lift', '--site', 'demo', '--prefix', '+1208'));

    // A running server sees the lift within its refresh time (src/flows/send-guards.ts); then sends stay allowed.
    const [first, ...rest] = numbersUnder(208, 3, 700);
    assert.equal(
      (
        await eventually(
          () => register(first!),
          (r) => r.status === 200,
        )
      ).status,
      200,
      'sends resume',
    );
    for (const n of rest) assert.equal((await register(n)).status, 200, 'and stay allowed');
    const lifted = await t.store.forSite('demo').audit.list({ type: 'destination_lifted', limit: 10 });
    assert.equal(lifted.length, 1);
    assert.equal(lifted[0]!.detail.destination, 'prefix:+1208');
    const empty = await run('blocks', 'list', '--site', 'demo');
    assertOk(empty);
    assert.match(empty.stdout, /no destination is throttled/);
  });
});
