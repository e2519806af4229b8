import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { Store } from '../domain/repositories.js';
import { createKyselyStore } from './kysely-store.js';
import { queryLogger, timedExecutor, type QueryListener } from './query-timing.js';
import { runPreparedQueriesDirectly } from './prepared-query.js';
import { AUTO_CHECKPOINT_PAGES, startCheckpointer } from './sqlite-checkpointer.js';
import { sqliteGroupCommitDialect } from './sqlite-dialect.js';
import type { Database } from './schema.js';

export interface SqliteStoreOptions {
  onQuery?: QueryListener;
  /** WAL checkpoints on a worker thread instead of inside commits on this one (the server; sqlite-checkpointer.ts). */
  backgroundCheckpoints?: boolean;
  /** Told when the checkpoint thread fails (the connection then checkpoints itself again). */
  onCheckpointError?: (error: unknown) => void;
}

/** `sqlite:PATH` or `sqlite::memory:`. WAL lets readers run beside the one writer; NORMAL sync is safe under WAL. */
export function createSqliteStore(url: string, options: SqliteStoreOptions = {}): Store {
  const database = openSqliteDatabase(url);
  const dialect = sqliteGroupCommitDialect(database);
  const db = new Kysely<Database>({ dialect, ...(options.onQuery ? { log: queryLogger(options.onQuery) } : {}) });
  runPreparedQueriesDirectly(db, options.onQuery ? timedExecutor(dialect.execute, options.onQuery) : dialect.execute);
  const checkpointer =
    options.backgroundCheckpoints && !database.memory
      ? startCheckpointer(database, database.name, options.onCheckpointError ? { onError: options.onCheckpointError } : {})
      : null;
  return createKyselyStore(db, 'sqlite', async () => {
    await checkpointer?.stop();
    await db.destroy();
  });
}

const pathOf = (url: string) => url.replace(/^sqlite:(\/\/)?/, '');

/** The better-sqlite3 connection with otpgate's settings (also used by bench/experiment-server.ts). */
export function openSqliteDatabase(url: string): SqliteDatabase.Database {
  const path = pathOf(url);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new SqliteDatabase(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  // Without a checkpoint thread, checkpoints run inside a commit on the main thread: smaller, more frequent ones
  // (256 pages instead of 1000) cut the p99 under load from ~110-130 ms to ~65 ms (bench/README.md).
  database.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
  return database;
}
