import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Site } from '../domain/site.js';
import { hashSecret, verifySecret } from '../crypto/secret-hash.js';
import { createSqliteStore } from '../store/sqlite.js';
import { createClientService } from './clients.js';

const store = createSqliteStore('sqlite::memory:');
const site = { id: 'acme' } as Site;
const other = { id: 'beta' } as Site;
const client = (clientId: string, name: string) => ({ clientId, name, secretHash: null, redirectUris: ['https://app.example/cb'] });
before(async () => {
  await store.migrate();
  await store.forSite('acme').clients.upsert(client('web', 'Web of acme'));
  await store.forSite('beta').clients.upsert(client('web', 'Web of beta'));
});
after(() => store.close());

test('clients are kept per site, and no client_id reads as another site or another client', async () => {
  const clients = createClientService(store);
  assert.equal((await clients.find(site, 'web'))?.name, 'Web of acme');
  assert.equal((await clients.find(other, 'web'))?.name, 'Web of beta');
  for (const forged of ['web\n', 'web"', '["acme","web"]', 'web\nacme', '"],["beta","web'])
    assert.equal(await clients.find(site, forged), null, forged);
});

test('a client added or changed elsewhere is seen once the cache time has passed', async () => {
  const clients = createClientService(store, { ttlMs: 50 });
  assert.equal(await clients.find(site, 'late'), null);
  await store.forSite('acme').clients.upsert(client('late', 'Late'));
  assert.equal(await clients.find(site, 'late'), null, 'an unknown id is remembered as unknown for the cache time');
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.equal((await clients.find(site, 'late'))?.name, 'Late');
  await store.forSite('acme').clients.upsert({ ...client('late', 'Renamed') });
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.equal((await clients.find(site, 'late'))?.name, 'Renamed');
});

test('a legacy secret upgraded from a stale cached client never writes the stale row back over a rotation', async () => {
  const clients = createClientService(store, { ttlMs: 60_000 });
  const oldSecret = 'legacy-secret-0123456789abcdef';
  const legacy = createHash('sha256').update('client-secret').update('\x00').update(oldSecret).digest('base64url');
  const repo = store.forSite('acme').clients;
  await repo.upsert({ ...client('svc', 'Service'), secretHash: legacy });
  assert.equal((await clients.find(site, 'svc'))?.secretHash, legacy, 'now cached with the legacy hash');

  // Rotated elsewhere (another instance, the CLI): a new secret and a new redirect URI.
  const newSecret = 'rotated-secret-0123456789abcdef';
  await repo.upsert({ ...client('svc', 'Service'), secretHash: await hashSecret(newSecret), redirectUris: ['https://new.example/cb'] });

  await assert.rejects(clients.authenticate(site, { clientId: 'svc', secret: oldSecret }), { code: 'invalid_client' });
  const stored = await repo.byId('svc');
  assert.deepEqual(stored?.redirectUris, ['https://new.example/cb']);
  assert.equal((await verifySecret(newSecret, stored.secretHash!)).ok, true, 'the rotation stands');
  assert.equal((await clients.authenticate(site, { clientId: 'svc', secret: newSecret })).clientId, 'svc');
});
