/**
 * The store contract on real PostgreSQL (a fresh database per store, dropped on close), plus what only
 * PostgreSQL has to prove: instances that start together migrate safely, and int8 reads as a number.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pg from 'pg';
import type { Store } from '../src/domain/repositories.js';
import { migrationProvider } from '../src/store/migrations.js';
import { createPostgresPool, createPostgresStore } from '../src/store/postgres.js';
import { runStoreContract } from './store-contract.js';
import { openTestPostgres, requirePostgres } from './support/postgres.js';

if (await requirePostgres('store contract: postgres')) {
  // Every test has a database of its own, so tests can overlap: creating and migrating a database is
  // mostly waiting on the server, and one at a time the suite takes about three times as long.
  describe('postgres, three tests at a time', { concurrency: 3 }, () => {
    runStoreContract('postgres', async (): Promise<Store> => {
      const database = await openTestPostgres();
      const store = createPostgresStore(database.url);
      return {
        ...store,
        async close() {
          await store.close();
          await database.drop();
        },
      };
    });
  });

  test('postgres: revocationReached waits for a revocation still running and reads what it committed', async (t) => {
    // The refresh grant's last check (oauth/tokens.ts): a plain read would see the token as it was before a
    // revocation that another connection has begun but not yet committed, and hand out a pair it does not reach.
    const database = await openTestPostgres();
    const store = createPostgresStore(database.url);
    const client = new pg.Client({ connectionString: database.url });
    t.after(async () => {
      await Promise.all([store.close(), client.end()]);
      await database.drop();
    });
    await store.migrate();
    const grants = store.forSite('a').grants;
    const now = new Date();
    await grants.insertTokens([
      {
        tokenHash: 'rotated',
        kind: 'refresh',
        clientId: 'app',
        userId: 'u1',
        scope: 'openid',
        familyId: 'f1',
        authTime: now,
        expiresAt: new Date(now.getTime() + 3_600_000),
        revokedAt: null,
        replacedAt: null,
        stepUpAt: null,
        createdAt: now,
      },
    ]);
    assert.equal(await grants.rotateToken('rotated', now), true);
    await client.connect();
    await client.query('begin');
    // What revokeFamily does, left uncommitted for a moment.
    await client.query(`update tokens set replaced_at = null where site_id = 'a' and family_id = 'f1'`);
    const reached = grants.revocationReached('rotated');
    assert.notEqual((await grants.tokenByHash('rotated'))?.replacedAt ?? null, null, 'a read still sees the rotation alone');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await client.query('commit');
    assert.equal(await reached, true);
  });

  test('postgres: three instances starting together on one fresh database all migrate, and the schema is made once', async (t) => {
    const database = await openTestPostgres();
    const stores = [1, 2, 3].map(() => createPostgresStore(database.url, { poolSize: 2 }));
    const client = new pg.Client({ connectionString: database.url });
    // One hook, in order: drop (which terminates connections) only once every connection is closed.
    t.after(async () => {
      await Promise.all([...stores.map((s) => s.close()), client.end()]);
      await database.drop();
    });

    const outcomes = await Promise.allSettled(stores.map((s) => s.migrate()));

    assert.deepEqual(
      outcomes.map((o) => (o.status === 'fulfilled' ? 'ok' : String(o.reason))),
      ['ok', 'ok', 'ok'],
    );
    await client.connect();
    const applied = await client.query<{ name: string }>('select name from otpgate_migrations order by name');
    // Each migration recorded exactly once, none missing.
    assert.deepEqual(
      applied.rows.map((r) => r.name),
      Object.keys(await migrationProvider('postgres').getMigrations()).sort(),
    );
    const tables = await client.query<{ n: string }>(
      `select count(*) as n from information_schema.tables where table_schema = 'public' and table_name = 'verifications'`,
    );
    assert.equal(tables.rows[0]?.n, '1');
    // Every instance works on the shared schema afterwards.
    for (const store of stores) await store.ping();
  });

  test("postgres: an instance waiting for another instance's migration is not cut off by the statement timeout", async (t) => {
    const database = await openTestPostgres();
    const store = createPostgresStore(database.url, { statementTimeoutMs: 100 });
    const other = new pg.Client({ connectionString: database.url });
    t.after(async () => {
      await Promise.all([store.close(), other.end()]);
      await database.drop();
    });
    await other.connect();
    // The advisory lock Kysely's Migrator takes on PostgreSQL (kysely/dist/esm/dialect/postgres/postgres-adapter.js).
    await other.query('select pg_advisory_lock(3853314791062309107)');
    const migrating = store.migrate();
    await new Promise((resolve) => setTimeout(resolve, 500)); // five statement timeouts
    await other.query('select pg_advisory_unlock(3853314791062309107)');
    await migrating;
    await store.ping();
  });

  test('postgres: bigint and count(*) come back as numbers, not strings', async (t) => {
    const database = await openTestPostgres();
    const pool = createPostgresPool(database.url, { poolSize: 1 });
    t.after(async () => {
      await pool.end();
      await database.drop();
    });
    const now = Date.UTC(2026, 0, 1);
    const { rows } = await pool.query(`select count(*) as n, ${now}::bigint as t, sum(x) as s from (values (1), (2)) as v(x)`);
    assert.deepEqual(rows[0], { n: 2, t: now, s: 3 });
  });
}
