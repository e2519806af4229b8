/**
 * bench/compare-config.json is merged into the benchmark's config by ../shared/peers/compare.sh and npm run bench.
 * It must stay valid, and it may only raise thresholds: no limit switched off, no other setting changed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { configSchema, policySchema } from '../src/config/schema.js';

const file = JSON.parse(readFileSync(new URL('../bench/compare-config.json', import.meta.url), 'utf8')) as {
  $comment: string;
  site: { policy: Record<string, Record<string, number>>; pumpingDefence: Record<string, { minSends: number }> };
};

test('bench/compare-config.json is a valid site config that only raises send-limit thresholds', () => {
  assert.deepEqual(Object.keys(file).sort(), ['$comment', 'site']);
  assert.deepEqual(Object.keys(file.site), ['policy', 'pumpingDefence']);
  const parsed = configSchema.parse({
    $comment: file.$comment,
    secrets: { hmac: [{ id: 'b', secret: 'bench-secret-bench-secret-0123' }] },
    sites: [{ id: 'acme', name: 'Acme', ...file.site }],
  });
  const defaults = policySchema.parse({});
  const raised = parsed.sites[0]!.policy;
  for (const [limit, windows] of Object.entries(file.site.policy)) {
    assert.ok(limit.startsWith('sendsPer'), `${limit} is a send limit`);
    const resolved = raised[limit as keyof typeof raised] as Record<string, number>;
    const base = defaults[limit as keyof typeof defaults] as Record<string, number>;
    for (const [window, value] of Object.entries(base)) {
      assert.ok(resolved[window]! >= value, `${limit}.${window} is not lowered`);
      if (value > 0) assert.ok(resolved[window]! > 0, `${limit}.${window} is not switched off`);
    }
    assert.ok(Object.keys(windows).length > 0);
  }
  // The pumping monitor stays on (throttle mode, every rule counting); only its minimum sends are raised.
  const defence = parsed.sites[0]!.pumpingDefence;
  assert.equal(defence.mode, 'throttle');
  assert.deepEqual(Object.keys(file.site.pumpingDefence).sort(), ['country', 'prefix']);
  for (const rule of [defence.prefix, defence.country]) {
    assert.ok(rule.minSends >= 300);
    assert.equal(rule.minVerifiedPercent, 10);
  }
});
