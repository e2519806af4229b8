/**
 * A Kysely SQLite dialect for better-sqlite3 that (1) prepares each SQL text once and (2) group-commits:
 * every write made while the event loop runs one turn joins one transaction, committed on setImmediate,
 * and a write's promise resolves only after that COMMIT, so no caller (and no HTTP reply) goes on
 * before its write is durable (to the degree `synchronous` gives). Reads never wait.
 *
 * Why: at ~300 logins/s the server spent most of its SQLite time in ~10 auto-commits per login
 * (each one a WAL append, wal-index update and, every ~1000 pages, a checkpoint with fsync).
 *
 * Explicit transactions (db.transaction()) still work: they first commit the open group, then run alone
 * (other queries wait) until they commit or roll back. Guarded writes stay atomic: statements run one
 * at a time on the one connection, and SQLite undoes a failing statement alone.
 * Measured in bench/README.md (with the statement cache: about 1.8x the logins per second).
 */
import type SqliteDatabase from 'better-sqlite3';
import {
  type CompiledQuery,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';
import type { DirectExecutor } from './prepared-query.js';

interface Group {
  done: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const MAX_IDLE_HANDLES = 256;

const WRITE = /^\s*(insert|update|delete|replace)\b/i;

export interface GroupCommitStats {
  groups: number;
  writes: number;
}

export function sqliteGroupCommitDialect(
  database: SqliteDatabase.Database,
  options: { maxStatements?: number } = {},
): Dialect & { stats: GroupCommitStats; execute: DirectExecutor } {
  const statements = new Map<string, SqliteDatabase.Statement>();
  const maxStatements = options.maxStatements ?? 500;
  const stats: GroupCommitStats = { groups: 0, writes: 0 };
  let group: Group | null = null;
  /** Set while an explicit transaction owns the connection; others queue behind it. */
  let exclusive: Promise<void> | null = null;
  let releaseExclusive: (() => void) | null = null;

  const prepare = (text: string) => {
    let statement = statements.get(text);
    if (!statement) {
      if (statements.size >= maxStatements) statements.clear();
      statement = database.prepare(text);
      statements.set(text, statement);
    }
    return statement;
  };

  const commitGroup = () => {
    const current = group;
    group = null;
    if (!current) return;
    try {
      database.exec('commit');
      current.resolve();
    } catch (error) {
      try {
        if (database.inTransaction) database.exec('rollback');
      } catch {
        /* already rolled back */
      }
      current.reject(error);
    }
  };

  const openGroup = (): Group => {
    if (group) return group;
    database.exec('begin immediate');
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    done.catch(() => {}); // rejections are delivered to each waiting write
    group = { done, resolve, reject };
    stats.groups++;
    setImmediate(commitGroup);
    return group;
  };

  const run = (compiled: CompiledQuery): QueryResult<unknown> => {
    const statement = prepare(compiled.sql);
    const parameters = compiled.parameters as unknown[];
    if (statement.reader) return { rows: statement.all(parameters) };
    const { changes, lastInsertRowid } = statement.run(parameters);
    return {
      numAffectedRows: changes !== undefined && changes !== null ? BigInt(changes) : undefined,
      insertId: lastInsertRowid !== undefined && lastInsertRowid !== null ? BigInt(lastInsertRowid) : undefined,
      rows: [],
    };
  };

  /**
   * A handle per concurrent user, so an explicit transaction knows its own queries from everyone else's. Released
   * handles are kept and handed out again: Kysely wraps every handle it has not seen before (query logging, for the
   * metrics), so a new handle per query was wrapped anew per query.
   */
  const idle: DatabaseConnection[] = [];
  const makeConnection = (): DatabaseConnection => {
    const self: DatabaseConnection = {
      async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
        while (exclusive && owner !== self) await exclusive;
        if (owner === self || !WRITE.test(compiled.sql)) return run(compiled) as QueryResult<R>;
        const joined = openGroup();
        stats.writes++;
        const result = run(compiled); // a failing statement is undone alone (SQLite statement atomicity)
        await joined.done;
        return result as QueryResult<R>;
      },
      async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
        while (exclusive && owner !== self) await exclusive;
        const rows = prepare(compiled.sql).iterate(compiled.parameters);
        for (const row of rows) yield { rows: [row as R] };
      },
    };
    return self;
  };
  let owner: DatabaseConnection | null = null;

  const endExclusive = () => {
    owner = null;
    exclusive = null;
    releaseExclusive?.();
  };

  const driver: Driver = {
    async init() {},
    async acquireConnection() {
      return idle.pop() ?? makeConnection();
    },
    async beginTransaction(connection) {
      while (exclusive) await exclusive;
      exclusive = new Promise<void>((resolve) => (releaseExclusive = resolve));
      owner = connection;
      commitGroup(); // the explicit transaction must not take other requests' pending writes with it
      database.exec('begin immediate');
    },
    async commitTransaction() {
      try {
        database.exec('commit');
      } finally {
        endExclusive();
      }
    },
    async rollbackTransaction() {
      try {
        if (database.inTransaction) database.exec('rollback');
      } finally {
        endExclusive();
      }
    },
    async releaseConnection(connection) {
      // Bounded by the number of queries in flight at once; a burst's extra handles are left to the GC.
      if (idle.length < MAX_IDLE_HANDLES) idle.push(connection);
    },
    async destroy() {
      commitGroup();
      database.close();
    },
  };

  // The handle of queries run without Kysely's executor (prepared-query.ts): never a transaction's owner.
  const direct = makeConnection();
  return {
    stats,
    execute: (compiled) => direct.executeQuery(compiled),
    createAdapter: (): DialectAdapter => new SqliteAdapter(),
    createDriver: () => driver,
    createQueryCompiler: (): QueryCompiler => new SqliteQueryCompiler(),
    createIntrospector: (db: Kysely<unknown>): DatabaseIntrospector => new SqliteIntrospector(db),
  };
}
