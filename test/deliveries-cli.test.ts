/**
 * `otpgate deliveries`: what a support person runs to see which handler or country is failing. Real sends
 * through a chain whose first handler fails, then the real CLI on the same database.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { assertFails, cliOnServer, json, removeCliFixtures } from './cli-harness.js';
import { person } from './support/people.js';
import { postJson, startTestServer } from './support/test-server.js';

interface DeliveryRow {
  verification: string;
  handler: string;
  attempt: number;
  result: string;
  country: string | null;
  callouts: string[];
}

describe('otpgate deliveries', () => {
  after(removeCliFixtures);

  test('lists recent attempts newest first, by handler, result and country; refuses filters it cannot read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otpgate-deliveries-'));
    const failing = join(dir, 'failing.mjs');
    writeFileSync(
      failing,
      `export default { async sendOneTimePassword() { return { result: 'PROVIDER_ERROR', detail: 'upstream 503' }; } };\n`,
    );
    const sites = [{ id: 'demo', name: 'Demo', handlers: [failing, 'console'] }];
    const t = await startTestServer({ sites, delivery: { retries: 1, backoffMs: 0 } });
    try {
      const register = (phone: string) =>
        postJson(
          `${t.url}/demo/services/auth/headless/init/registration`,
          { userdata: { mobilePhone: phone }, verificationmethod: 'sms' },
          person(),
        );
      const us = await register('+14155550151');
      const fr = await register('+33612345678');
      assert.equal(us.status, 200);
      assert.equal(fr.status, 200);

      const run = cliOnServer(t.databaseUrl, sites);
      const all = json<DeliveryRow[]>(await run('deliveries', '--site', 'demo', '--json'));
      assert.deepEqual(
        all.map((a) => [
          a.verification === fr.body.identifier ? 'fr' : 'us',
          a.handler.replace(/^.*failing.*$/, 'failing'),
          a.result,
          a.country,
        ]),
        [
          ['fr', 'console', 'SUCCESS', 'FR'],
          ['fr', 'failing', 'PROVIDER_ERROR', 'FR'],
          ['fr', 'failing', 'PROVIDER_ERROR', 'FR'],
          ['us', 'console', 'SUCCESS', 'US'],
          ['us', 'failing', 'PROVIDER_ERROR', 'US'],
          ['us', 'failing', 'PROVIDER_ERROR', 'US'],
        ],
      );
      const failedInFrance = json<DeliveryRow[]>(
        await run('deliveries', '--site', 'demo', '--result', 'PROVIDER_ERROR', '--country', 'fr', '--json'),
      );
      assert.deepEqual(
        failedInFrance.map((a) => [a.attempt, a.result, a.country]),
        [
          [2, 'PROVIDER_ERROR', 'FR'],
          [1, 'PROVIDER_ERROR', 'FR'],
        ],
      );
      assert.equal(json<DeliveryRow[]>(await run('deliveries', '--site', 'demo', '--handler', 'console', '--json')).length, 2);
      assert.equal(json<DeliveryRow[]>(await run('deliveries', '--site', 'demo', '--limit', '1', '--json')).length, 1);
      assert.deepEqual(json<DeliveryRow[]>(await run('deliveries', '--site', 'demo', '--since', '2999-01-01', '--json')), []);

      assertFails(await run('deliveries', '--site', 'demo', '--result', 'LOST'), 'invalid_request');
      assertFails(await run('deliveries', '--site', 'demo', '--country', 'France'), 'invalid_request');
      assertFails(await run('deliveries', '--site', 'demo', '--since', 'last week'), 'invalid_request');
      assertFails(await run('deliveries', '--site', 'nope'), 'site_not_found');
    } finally {
      await t.close();
    }
  });
});
