/**
 * Real PostgreSQL for tests: every caller gets a database of its own (`otpgate_t_<random>`), created
 * through an admin connection and dropped afterwards, so tests never see each other's rows and can run
 * in parallel. The server is the one on this machine (trust auth); .ci/run starts it when it is down.
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
  // Lowercase letters and digits only: the name needs no quoting rules beyond the double quotes.
  const name = `otpgate_t_${randomBytes(8).toString('hex')}`;
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

export const REQUIRE_ALL = process.env.OTPGATE_TEST_REQUIRE_ALL === '1';

export const UNREACHABLE = `PostgreSQL is not reachable at ${ADMIN_URL} (start it, e.g. \`pg_ctlcluster 15 main start\`)`;

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
