import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isOtpgateError } from '../domain/errors.js';
import type { Site } from '../domain/site.js';
import { createSiteDirectory } from './site-directory.js';

const siteNamed = (id: string, enabled = true) => ({ id, name: id, enabled }) as Site;

function directoryOver(sites: Map<string, Site>, options: { maxSites?: number; maxUnknown?: number; ttlMs?: number } = {}) {
  const reads: string[] = [];
  const directory = createSiteDirectory({
    ...options,
    load: async (id) => {
      reads.push(id);
      return sites.get(id) ?? null;
    },
  });
  return { directory, reads };
}

test('requests for thousands of unknown site ids leave both caches within their bounds', async () => {
  const { directory } = directoryOver(new Map([['demo', siteNamed('demo')]]), { maxSites: 50, maxUnknown: 100 });
  for (let i = 0; i < 5000; i++) assert.equal(await directory.find(`nope-${i}`), null);
  assert.ok(directory.size().unknown <= 100, `unknown ids kept: ${directory.size().unknown}`);
  assert.equal(directory.size().known, 0, 'misses are not cached as sites');
  assert.equal((await directory.find('demo'))?.id, 'demo');
  assert.equal(directory.size().known, 1);
});

test('a flood of unknown ids does not evict a real site or read it again', async () => {
  const { directory, reads } = directoryOver(new Map([['demo', siteNamed('demo')]]), { maxSites: 10, maxUnknown: 10 });
  await directory.find('demo');
  for (let i = 0; i < 1000; i++) await directory.find(`x${i}`);
  reads.length = 0;
  await directory.find('demo');
  assert.deepEqual(reads, [], 'the real site came from the cache');
});

test('an unknown id is remembered for a moment, then read again (a new site shows up)', async () => {
  const sites = new Map<string, Site>();
  const { directory, reads } = directoryOver(sites, { ttlMs: 30 });
  assert.equal(await directory.find('later'), null);
  assert.equal(await directory.find('later'), null);
  assert.deepEqual(reads, ['later'], 'the second miss was answered from the negative cache');
  sites.set('later', siteNamed('later'));
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal((await directory.find('later'))?.id, 'later');
});

test('concurrent requests for one site read it once', async () => {
  const { directory, reads } = directoryOver(new Map([['demo', siteNamed('demo')]]));
  await Promise.all(Array.from({ length: 20 }, () => directory.find('demo')));
  assert.deepEqual(reads, ['demo']);
});

test('ids that cannot be site ids never reach the database; disabled sites are not served', async () => {
  const { directory, reads } = directoryOver(new Map([['off', siteNamed('off', false)]]));
  assert.equal(await directory.find('../etc'), null);
  assert.equal(await directory.find('UPPER'), null);
  assert.deepEqual(reads, []);
  await assert.rejects(directory.require('off'), (e) => isOtpgateError(e) && e.code === 'site_not_found');
  assert.equal((await directory.find('off'))?.id, 'off', 'an admin lookup still finds it');
});
