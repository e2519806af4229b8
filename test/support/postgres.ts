/**
 * Real PostgreSQL for tests: every caller gets a database of its own (`otpgate_t_<time>_<random>`), created
 * through an admin connection and dropped afterwards, so tests never see each other's rows and can run
 * in parallel. The server is the one on this machine (trust auth; OTPGATE_TEST_PG_ADMIN_URL
 * points elsewhere); .ci/run starts it when it is down.
 */
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';

const ADMIN_URL = process.env.OTPGATE_TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestPostgres {
  /** URL of the fresh, empty database. */
  url: string;
  /** Drops the database, closing whatever connections are still open to it. */
  drop(): Promise<void>;
}

let admin: pg.Pool | undefined;
/**
 * One small admin pool per test process; allowExitOnIdle so it never holds the process open. No
 * connection timeout: it also bounds the wait for a free client, and on a busy machine creates and drops
 * queued behind each other can take seconds (postgresAvailable has already proved the server answers).
 */
function adminPool(): pg.Pool {
  admin ??= new pg.Pool({ connectionString: ADMIN_URL, max: 3, allowExitOnIdle: true });
  return admin;
}

let reachable: Promise<boolean> | undefined;
/** Whether the test PostgreSQL answers within a few seconds (asked once per process). */
export function postgresAvailable(): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3_000 });
    client.on('error', () => {}); // a refused or dropped connection is the answer, not a crash
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return reachable;
}

export async function openTestPostgres(): Promise<TestPostgres> {
  await (swept ??= sweepAbandoned());
  // Lowercase letters and digits only, so the name needs nothing but the double quotes. The creation time
  // in the name is what lets a later run recognise a database abandoned by an interrupted one.
  const name = `otpgate_t_${Date.now().toString(36)}_${randomBytes(6).toString('hex')}`;
  await adminPool().query(`create database "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      // FORCE (PostgreSQL 13+): a test that failed halfway may have left its pool open.
      await adminPool().query(`drop database if exists "${name}" with (force)`);
    },
  };
}

const ABANDONED_AFTER_MS = 3_600_000;
let swept: Promise<void> | undefined;
/**
 * A run stopped with Ctrl-C never drops its databases: the first test database of each process removes
 * those made over an hour ago that nobody is connected to (no test runs that long).
 */
async function sweepAbandoned(): Promise<void> {
  const { rows } = await adminPool().query<{ datname: string }>(
    `select datname from pg_database d
      where datname ~ '^otpgate_t_[0-9a-z]+_[0-9a-f]+$'
        and not exists (select 1 from pg_stat_activity a where a.datname = d.datname)`,
  );
  const cutoff = Date.now() - ABANDONED_AFTER_MS;
  for (const { datname } of rows) {
    const made = parseInt(datname.split('_')[2] ?? '', 36);
    if (made < cutoff)
      await adminPool()
        .query(`drop database if exists "${datname}"`)
        .catch(() => {}); // another process may be sweeping too
  }
}

export const REQUIRE_ALL = process.env.OTPGATE_TEST_REQUIRE_ALL === '1';

export const UNREACHABLE = `PostgreSQL is not reachable at ${ADMIN_URL} (start it; .ci/run shows how)`;

/**
 * For a test file that needs PostgreSQL: true when it answers. When it does not, registers a test that
 * fails (CI sets OTPGATE_TEST_REQUIRE_ALL=1: a missing database must not pass as green) or one that is
 * skipped with a loud warning (a laptop without PostgreSQL), and returns false.
 */
export async function requirePostgres(what: string): Promise<boolean> {
  if (await postgresAvailable()) return true;
  if (REQUIRE_ALL) {
    test(`${what}: PostgreSQL is required`, () => {
      throw new Error(`${UNREACHABLE}; OTPGATE_TEST_REQUIRE_ALL=1 makes that a failure.`);
    });
  } else {
    console.warn(`\n!!! SKIPPED ${what}: ${UNREACHABLE}. These tests did NOT run. !!!\n`);
    test(`${what} (PostgreSQL)`, { skip: UNREACHABLE }, () => {});
  }
  return false;
}
