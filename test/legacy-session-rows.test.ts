/**
 * Sessions written before 0006_session_activity have no last_seen_at and a 7-day expires_at. After the upgrade
 * they read their creation as their last activity, so the idle timeout and the 12-hour absolute lifetime reach
 * them too: an old week-long session does not outlive the new limits. Real rows, SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { configSchema, siteSchema } from '../src/config/schema.js';
import { toSite } from '../src/config/sites.js';
import { hashToken } from '../src/crypto/code-hasher.js';
import { createManualClock } from '../src/domain/clock.js';
import type { PhoneNumber } from '../src/domain/phone.js';
import { createSessionService } from '../src/sessions/browser-sessions.js';
import { openStore } from '../src/store/open-store.js';
import { openTestPostgres, requirePostgres } from './support/postgres.js';

const NOW = new Date();
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
// Columns as the pre-0006 repository wrote them: no last_seen_at.
const INSERT =
  'insert into sessions (token_hash, site_id, user_id, auth_time, second_factor_at, created_at, expires_at, revoked_at) ' +
  'values ($1, $2, $3, $4, $5, $6, $7, $8)';
/** A session row of the old 7-day kind, created `ageMs` ago. */
const oldRow = (token: string, userId: string, ageMs: number) => {
  const created = NOW.getTime() - ageMs;
  return [hashToken('session', token), 's', userId, created, null, created, created + 7 * DAY, null] as const;
};

async function assertLegacySessions(url: string, insertRaw: (rows: (readonly unknown[])[]) => Promise<void>): Promise<void> {
  const store = await openStore(url);
  try {
    await store.migrate();
    const config = configSchema.parse({ secrets: { hmac: [{ id: 'k', secret: 'legacy-session-secret-0123456789' }] }, sites: [] });
    const site = toSite(siteSchema.parse({ id: 's', name: 'S' }), config);
    const userId = randomUUID();
    await store.forSite('s').users.create(
      {
        id: userId,
        username: '+14155550699',
        phone: '+14155550699' as PhoneNumber,
        phoneVerified: true,
        firstName: null,
        lastName: null,
        email: null,
        locale: null,
        status: 'active',
        customData: {},
      },
      NOW,
    );
    await insertRaw([oldRow('recent', userId, 10 * MINUTE), oldRow('idle', userId, 2 * 60 * MINUTE)]);

    const recent = await store.forSite('s').sessions.byHash(hashToken('session', 'recent'));
    assert.deepEqual(recent?.lastSeenAt, recent?.createdAt, 'no last_seen_at reads as created_at');

    const sessions = createSessionService(store, createManualClock(NOW));
    const live = await sessions.resolve(site, 'recent');
    assert.ok(live, 'a 10-minute-old session is within the idle timeout');
    assert.deepEqual(live.endsAt, new Date(NOW.getTime() + 30 * MINUTE), 'and now ends 30 idle minutes from this request');
    assert.equal(await sessions.resolve(site, 'idle'), null, 'a 2-hour-old untouched session is idle: refused despite its 7-day end');
  } finally {
    await store.close();
  }
}

test('sqlite: sessions written before 0006 are held to the idle timeout', async (t: TestContext) => {
  const dir = mkdtempSync(join(tmpdir(), 'otpgate-legacy-session-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'otpgate.db');
  await assertLegacySessions(`sqlite:${path}`, async (rows) => {
    const raw = new Database(path);
    try {
      for (const row of rows) raw.prepare(INSERT.replace(/\$\d/g, '?')).run(...row);
    } finally {
      raw.close();
    }
  });
});

if (await requirePostgres('legacy session rows')) {
  test('postgres: sessions written before 0006 are held to the idle timeout', async (t) => {
    const database = await openTestPostgres();
    t.after(() => database.drop());
    await assertLegacySessions(database.url, async (rows) => {
      const raw = new pg.Client({ connectionString: database.url });
      await raw.connect();
      try {
        for (const row of rows) await raw.query(INSERT, [...row]);
      } finally {
        await raw.end();
      }
    });
  });
}
