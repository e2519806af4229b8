/**
 * The admin API as an operator's script uses it: off without admin.token, refused without the token, then the
 * sites and their chains (no secrets), a report that moved with real sends, deliveries filtered to the failing
 * handler, verifications without codes, a test message and a lift that are audited, and bad filters answered with
 * invalid_request. Real HTTP, SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { person } from './support/people.js';
import { postJson, startTestServer, type TestServer } from './support/test-server.js';

const TOKEN = 'admin-token-0123456789abcdef-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('admin API', () => {
  test('without admin.token there is no admin API', async () => {
    const t = await startTestServer();
    try {
      const response = await fetch(`${t.url}/admin/api/sites`, { headers: auth });
      assert.equal(response.status, 404);
    } finally {
      await t.close();
    }
  });

  describe('with a token', () => {
    let t: TestServer;
    const dir = mkdtempSync(join(tmpdir(), 'otpgate-admin-'));
    const failing = join(dir, 'flaky.mjs');
    writeFileSync(
      failing,
      `export default { async sendOneTimePassword() { return { result: 'PROVIDER_ERROR', detail: 'upstream 503' }; } };\n`,
    );
    before(async () => {
      t = await startTestServer({
        admin: { token: TOKEN },
        delivery: { retries: 0, backoffMs: 0 },
        namedCredentials: {
          Shop_Hook: { url: 'http://127.0.0.1:9/hook', auth: { type: 'bearer', token: 'very-secret-hook-token' } },
        } as never,
        sites: [
          {
            id: 'demo',
            name: 'Demo',
            handlers: [
              { type: 'module', name: 'flaky', path: failing, breaker: false },
              { type: 'console', name: 'backup' },
              { type: 'webhook', name: 'voice', credential: 'Shop_Hook', channel: 'voice' },
            ],
            clients: [{ clientId: 'public-app', redirectUris: ['http://app.test/callback'], firstParty: true }],
          },
        ] as never,
      });
    });
    after(() => t.close());

    const get = async (path: string, headers: Record<string, string> = auth) => {
      const response = await fetch(`${t.url}/admin/api${path}`, { headers });
      return { status: response.status, body: await response.json() };
    };
    const post = (path: string, body: unknown) => postJson(`${t.url}/admin/api${path}`, body, { ...auth, ...person() });
    const register = (phone: string) =>
      postJson(
        `${t.url}/demo/services/auth/headless/init/registration`,
        { userdata: { mobilePhone: phone }, verificationmethod: 'sms' },
        person(),
      );

    test('no token, a wrong one, or another scheme: 401 invalid_token', async () => {
      const attempts: Record<string, string>[] = [
        {},
        { authorization: `Bearer ${TOKEN.slice(0, -1)}x` },
        { authorization: `Basic ${Buffer.from(`a:${TOKEN}`).toString('base64')}` },
      ];
      for (const headers of attempts) {
        const { status, body } = await get('/sites', headers);
        assert.equal(status, 401);
        assert.equal((body as { error: string }).error, 'invalid_token');
      }
      // Without the token an unknown site and a known one get the same answer: nothing tells which sites exist.
      for (const path of ['/sites/demo', '/sites/no-such-site', '/sites/no-such-site/users?phone=%2B14155550100'])
        assert.equal((await get(path, {})).status, 401, path);
      assert.equal((await get('/sites/no-such-site')).status, 404, 'with the token: not found');
    });

    test('sites list each chain by name, kind, channel and credential names; no secret appears', async () => {
      const { status, body } = await get('/sites');
      assert.equal(status, 200);
      const text = JSON.stringify(body);
      assert.ok(!text.includes('very-secret-hook-token') && !text.includes('127.0.0.1:9'), 'no credential value');
      const [demo] = body as { id: string; handlers: { name: string; type: string; channel: string; credentials: string[] }[] }[];
      assert.equal(demo!.id, 'demo');
      assert.deepEqual(
        demo!.handlers.map((h) => [h.name, h.type, h.channel, h.credentials]),
        [
          ['flaky', 'module', 'sms', []],
          ['backup', 'console', 'sms', []],
          ['voice', 'webhook', 'voice', ['Shop_Hook']],
        ],
      );
    });

    test('after real sends: the report, the failing handler found by deliveries, verifications without codes', async () => {
      for (const phone of ['+14155550181', '+14155550182', '+447400123456']) assert.equal((await register(phone)).status, 200);
      const report = (await get('/sites/demo/report?hours=2&bucketMinutes=10')).body as {
        buckets: { delivered: number; failed: number; started: number }[];
        byHandler: { key: string; attempts: number; successRate: number }[];
        byCountry: { key: string; attempts: number }[];
        conversion: number;
      };
      const total = (k: 'delivered' | 'failed' | 'started') => report.buckets.reduce((n, b) => n + b[k], 0);
      assert.deepEqual([total('delivered'), total('failed'), total('started')], [3, 3, 3]);
      assert.deepEqual(
        report.byHandler.map((r) => [r.key, r.attempts, r.successRate]),
        [
          ['backup', 3, 1],
          ['flaky', 3, 0],
        ],
      );
      assert.deepEqual(report.byCountry.map((r) => [r.key, r.attempts]).sort(), [
        ['GB', 2],
        ['US', 4],
      ]);
      assert.equal(report.conversion, 0);
      const flaky = (await get('/sites/demo/report?hours=2&bucketMinutes=10&handler=flaky')).body as typeof report;
      const flakyTotal = (k: 'delivered' | 'failed') => flaky.buckets.reduce((n, b) => n + b[k], 0);
      assert.deepEqual([flakyTotal('delivered'), flakyTotal('failed')], [0, 3], "one handler's attempts over time");
      assert.equal((await get('/sites/demo/report?handler=flaky&country=US')).status, 400);

      const failed = (await get('/sites/demo/deliveries?result=PROVIDER_ERROR&country=us')).body as { handler: string; detail: string }[];
      assert.equal(failed.length, 2);
      assert.ok(failed.every((a) => a.handler === 'flaky' && a.detail === 'upstream 503'));

      const verifications = (await get('/sites/demo/verifications?limit=2')).body as Record<string, unknown>[];
      assert.equal(verifications.length, 2);
      assert.equal(verifications[0]!.phone, '…3456');
      assert.equal(verifications[0]!.status, 'pending');
      const one = (await get(`/sites/demo/verifications/${String(verifications[0]!.id)}`)).body as {
        deliveries: { handler: string; result: string }[];
      };
      assert.deepEqual(
        one.deliveries.map((d) => [d.handler, d.result]),
        [
          ['flaky', 'PROVIDER_ERROR'],
          ['backup', 'SUCCESS'],
        ],
        'a verification shows its delivery attempts',
      );
      assert.equal((await get('/sites/demo/verifications/nope')).status, 400);
      const text = JSON.stringify(verifications);
      assert.ok(!/code_?hash|codeHash/i.test(text) && !text.includes('+44'), 'no code hash, no whole number');
    });

    test('filters that cannot be read: invalid_request naming them', async () => {
      for (const [query, name] of [
        ['limit=0', 'limit'],
        ['since=yesterday', 'since'],
        ['country=USA', 'country'],
        ['result=MAYBE', 'result'],
      ]) {
        const { status, body } = await get(`/sites/demo/deliveries?${query}`);
        assert.equal(status, 400, query);
        assert.equal((body as { error: string }).error, 'invalid_request');
        assert.match((body as { error_description: string }).error_description, new RegExp(`^${name} `));
      }
      assert.equal((await get('/sites/nope/deliveries')).status, 404);
      assert.equal((await get('/sites/demo/report?hours=soon')).status, 400);
    });

    test('a test message goes through the chain and is audited with who asked', async () => {
      const sent = await post('/sites/demo/test-message', { phone: '+14155550189' });
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
      assert.equal(sent.body.result, 'SUCCESS');
      assert.deepEqual(
        (sent.body.attempts as { handler: string; result: string }[]).map((a) => [a.handler, a.result]),
        [
          ['flaky', 'PROVIDER_ERROR'],
          ['backup', 'SUCCESS'],
        ],
      );
      assert.equal((await post('/sites/demo/test-message', { phone: 'twelve' })).body.error, 'invalid_phone_number');
      const audit = (await get('/sites/demo/audit?type=test_message_sent')).body as { type: string; ip: string; detail: { by: string } }[];
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.detail.by, 'admin_api');
      assert.match(audit[0]!.ip, /^\d+\.\d+\.\d+\.\d+$/);
    });

    test('users, clients and throttles; lifting what is not throttled is not_found, a malformed destination invalid_request', async () => {
      const user = await get('/sites/demo/users?phone=%2B14155550181');
      assert.equal(user.status, 404, 'registration not finished: no user yet');
      assert.equal((await get('/sites/demo/users')).status, 400);
      const clients = (await get('/sites/demo/clients')).body as { clientId: string; confidential: boolean }[];
      assert.deepEqual(
        clients.map((c) => [c.clientId, c.confidential]),
        [['public-app', false]],
      );
      assert.deepEqual((await get('/sites/demo/blocks')).body, []);
      assert.equal((await post('/sites/demo/blocks/lift', { destination: 'prefix:+1201' })).status, 404);
      assert.equal((await post('/sites/demo/blocks/lift', { destination: '+1201' })).status, 400);
    });
  });
});
