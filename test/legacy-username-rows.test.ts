/**
 * Users written before 0008_registration_normalisation have no username_key. The migration keys them as new
 * users are keyed (NFKC, then lower case, the same function), on SQLite and PostgreSQL alike: a legacy user
 * named "ÉLODIE" or "ＢＯＢ" still signs in by username, and a newcomer cannot take their name in another case
 * or width. Of legacy names that fold to one key, the oldest by id keeps it. Real rows, real migrations.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { PhoneNumber } from '../src/domain/phone.js';
import { UniqueViolation } from '../src/domain/store-errors.js';
import { migrationProvider, type StoreKind } from '../src/store/migrations.js';
import { openStore } from '../src/store/open-store.js';
import { openTestPostgres, requirePostgres } from './support/postgres.js';

const NOW = Date.now();
// id, username: as the pre-0008 repository wrote them (username kept as typed, unique only byte for byte).
const LEGACY = [
  ['00000000-0000-4000-8000-000000000001', 'ÉLODIE'],
  ['00000000-0000-4000-8000-000000000002', 'ＢＯＢ'],
  ['00000000-0000-4000-8000-000000000003', 'Ada'],
  ['00000000-0000-4000-8000-000000000004', 'ada'],
] as const;

/** Migrates an empty database to the last migration before 0008 and writes the legacy rows there. */
async function writeLegacyRows(db: Kysely<unknown>, kind: StoreKind): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider(kind),
    migrationTableName: 'otpgate_migrations',
    migrationLockTableName: 'otpgate_migrations_lock',
  });
  const { error } = await migrator.migrateTo('0007_first_party_and_audit');
  if (error) throw error instanceof Error ? error : new Error(`migration to 0007 failed: ${JSON.stringify(error)}`);
  for (const [id, username] of LEGACY)
    await sql`insert into users (id, site_id, username, phone, phone_verified, status, custom_data, created_at, updated_at)
      values (${id}, 's', ${username}, ${null}, 0, 'active', '{}', ${NOW}, ${NOW})`.execute(db);
}

async function assertKeyedAfterUpgrade(url: string): Promise<void> {
  const store = await openStore(url);
  try {
    await store.migrate();
    const users = store.forSite('s').users;
    assert.equal((await users.byUsername('élodie'))?.id, LEGACY[0][0], 'ÉLODIE is found in lower case (not only ASCII folded)');
    assert.equal((await users.byUsername('Élodie'))?.username, 'ÉLODIE', 'and the name is kept as it was typed');
    assert.equal((await users.byUsername('bob'))?.id, LEGACY[1][0], 'ＢＯＢ is keyed by its NFKC form');
    assert.equal((await users.byUsername('ADA'))?.id, LEGACY[2][0], 'of two names with one key, the oldest keeps it');
    assert.equal((await users.byId(LEGACY[3][0]))?.username, 'ada', 'the other account is kept');
    await assert.rejects(
      users.create(
        {
          id: '00000000-0000-4000-8000-000000000005',
          username: 'élodie',
          phone: '+14155550977' as PhoneNumber,
          phoneVerified: true,
          firstName: null,
          lastName: null,
          email: null,
          locale: null,
          status: 'active',
          customData: {},
        },
        new Date(NOW),
      ),
      (e) => e instanceof UniqueViolation && e.field === 'username',
      'a newcomer cannot take a legacy name in another case',
    );
  } finally {
    await store.close();
  }
}

test('sqlite: usernames written before 0008 are keyed NFKC and case-folded', async (t: TestContext) => {
  const dir = mkdtempSync(join(tmpdir(), 'otpgate-legacy-username-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'otpgate.db');
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SqliteDatabase(path) }) });
  try {
    await writeLegacyRows(db, 'sqlite');
  } finally {
    await db.destroy();
  }
  await assertKeyedAfterUpgrade(`sqlite:${path}`);
});

if (await requirePostgres('legacy username rows')) {
  test('postgres: usernames written before 0008 are keyed NFKC and case-folded', async (t: TestContext) => {
    const database = await openTestPostgres();
    t.after(() => database.drop());
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 1 }) }) });
    try {
      await writeLegacyRows(db, 'postgres');
    } finally {
      await db.destroy();
    }
    await assertKeyedAfterUpgrade(database.url);
  });
}
