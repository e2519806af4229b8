import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Store } from '../domain/repositories.js';
import { createKyselyStore } from './kysely-store.js';
import { queryLogger, type QueryListener } from './query-timing.js';
import type { Database } from './schema.js';

export interface PostgresStoreOptions {
  /** Connections this instance may hold; the sum over all instances must stay under the server's max_connections. */
  poolSize?: number;
  /** Reports a connection that failed while idle in the pool (server restart, admin shutdown). */
  onIdleError?: (error: Error) => void;
  /** Longest a statement may run (0: no limit). */
  statementTimeoutMs?: number;
  /** Told how long each query took, by its first keyword (the query-latency metric). */
  onQuery?: QueryListener;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * bigint (int8) columns hold epoch milliseconds and identity keys, and count(*) is int8: all far below
 * 2^53, so they are read as numbers rather than pg's default strings. numeric (from sum/avg) likewise;
 * no column stores numeric.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    const parser: unknown = format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
    return parser;
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** `postgres://user:password@host:port/database?sslmode=...`: one pool per process, shared by every site. */
export function createPostgresStore(url: string, options: PostgresStoreOptions = {}): Store {
  const pool = createPostgresPool(url, options);
  const db = kyselyOver(pool, options.onQuery);
  const store = createKyselyStore(db, 'postgres');
  return {
    ...store,
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    // Migrations run on a connection of their own without the statement timeout: an index build on a big
    // table may take minutes, and so may an instance's wait for the advisory lock (Kysely's Migrator takes
    // it on PostgreSQL) while another instance that started at the same moment migrates.
    async migrate() {
      const migrationDb = kyselyOver(createPostgresPool(url, { ...options, poolSize: 1, statementTimeoutMs: 0 }));
      try {
        await createKyselyStore(migrationDb, 'postgres').migrate();
      } finally {
        await migrationDb.destroy();
      }
    },
  };
}

const kyselyOver = (pool: pg.Pool, onQuery?: QueryListener) =>
  new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...(onQuery ? { log: queryLogger(onQuery) } : {}) });

/** The pool with otpgate's limits and type parsers (exported for tests that check them). */
export function createPostgresPool(url: string, options: PostgresStoreOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    // A database that does not answer must fail a request within seconds, not hold it until the client gives up.
    connectionTimeoutMillis: 5_000,
    // Idle connections go back to the server; an instance at rest holds none of its max_connections share.
    idleTimeoutMillis: 30_000,
    // No request's query runs long; one that does is stuck on a lock and must not pin a connection.
    statement_timeout: options.statementTimeoutMs ?? 15_000,
    // A transaction left open by a crashed request would hold its row locks forever.
    idle_in_transaction_session_timeout: 30_000,
    application_name: 'otpgate',
    keepAlive: true,
    types,
  });
  // An idle client that loses its connection emits 'error' on the pool; unheard, that would crash the
  // process. The pool drops the client itself; the next request opens a new connection.
  pool.on('error', (error) => options.onIdleError?.(error));
  return pool;
}
