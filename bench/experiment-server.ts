/**
 * `otpgate serve`, rebuilt from src/ parts with optional changes switched on, to measure a proposed
 * src/ change before anyone makes it. Used by `npm run bench -- --experiment NAME[,NAME]`; the bench
 * otherwise runs the real `src/cli/main.ts serve`.
 *
 *   stmt-cache    better-sqlite3 statements prepared once per SQL text (kysely prepares on every query)
 *   abort-reason  AbortController#abort() without a reason reuses one error instead of building a
 *                 DOMException each time (the dispatcher aborts after every delivery)
 *   sql-timing    measure only: time spent preparing and running each SQL text (written to the report)
 *
 * With BENCH_REPORT=<file> the server writes, when it stops, its memory use (process.memoryUsage and V8
 * heap spaces) and, with sql-timing, the per-statement timings as JSON.
 *
 * Usage (by the bench): node --import tsx bench/experiment-server.ts <config> <experiments>
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { createOtpgate } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import { buildServer } from '../src/http/server.js';
import type { Store } from '../src/domain/repositories.js';
import { createKyselyStore } from '../src/store/kysely-store.js';
import type { Database } from '../src/store/schema.js';
import { createSqliteStore } from '../src/store/sqlite.js';

export const EXPERIMENTS = ['stmt-cache', 'abort-reason', 'sql-timing'] as const;

const [configPath, list = ''] = process.argv.slice(2);
const enabled = new Set(list.split(',').filter(Boolean));
for (const name of enabled) if (!(EXPERIMENTS as readonly string[]).includes(name)) throw new Error(`unknown experiment ${name}; known: ${EXPERIMENTS.join(', ')}`);

if (enabled.has('abort-reason')) {
  const reason = new DOMException('This operation was aborted', 'AbortError');
  const abort = AbortController.prototype.abort;
  AbortController.prototype.abort = function (this: AbortController, why?: unknown) {
    return abort.call(this, why === undefined ? reason : why);
  };
}

interface SqlTiming {
  prepares: number;
  prepareMs: number;
  runs: number;
  runMs: number;
}
const sqlTimings = new Map<string, SqlTiming>();
const timingFor = (sql: string) => {
  let t = sqlTimings.get(sql);
  if (!t) sqlTimings.set(sql, (t = { prepares: 0, prepareMs: 0, runs: 0, runMs: 0 }));
  return t;
};

/** A statement whose all/run/get are timed into sqlTimings. */
function timedStatement(sql: string, statement: SqliteDatabase.Statement): SqliteDatabase.Statement {
  const timing = timingFor(sql);
  const timed = <A extends unknown[], R>(fn: (...args: A) => R) =>
    (...args: A): R => {
      const started = performance.now();
      try {
        return fn(...args);
      } finally {
        timing.runs++;
        timing.runMs += performance.now() - started;
      }
    };
  return {
    reader: statement.reader,
    all: timed((...a: unknown[]) => statement.all(...a)),
    run: timed((...a: unknown[]) => statement.run(...a)),
    get: timed((...a: unknown[]) => statement.get(...a)),
    iterate: (...a: unknown[]) => statement.iterate(...a),
  } as unknown as SqliteDatabase.Statement;
}

/** src/store/sqlite.ts, optionally with a statement cache in front of better-sqlite3's prepare() and timings. */
function sqliteStore(url: string, options: { cache: boolean; timing: boolean }): Store {
  const path = url.replace(/^sqlite:(\/\/)?/, '');
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new SqliteDatabase(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  const statements = new Map<string, SqliteDatabase.Statement>();
  const prepare = (sql: string) => {
    if (!options.timing) return database.prepare(sql);
    const started = performance.now();
    const statement = database.prepare(sql);
    const timing = timingFor(sql);
    timing.prepares++;
    timing.prepareMs += performance.now() - started;
    return timedStatement(sql, statement);
  };
  const cached = {
    close: () => database.close(),
    prepare(sql: string) {
      if (!options.cache) return prepare(sql);
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= 500) statements.clear(); // crude bound; the app has a few dozen query shapes
        statement = prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cached as unknown as SqliteDatabase.Database }) });
  return createKyselyStore(db, 'sqlite');
}

const { config } = loadConfig({ path: configPath! });
const store =
  enabled.has('stmt-cache') || enabled.has('sql-timing')
    ? sqliteStore(config.database.url, { cache: enabled.has('stmt-cache'), timing: enabled.has('sql-timing') })
    : createSqliteStore(config.database.url);
const app = await createOtpgate({ config, store });
const server = await buildServer(app);
const address = await server.listen({ host: config.server.host, port: config.server.port });
process.stdout.write(`otpgate listening on ${address} (experiments: ${[...enabled].join(', ') || 'none'})\n`);
const stop = async () => {
  if (process.env.BENCH_REPORT) {
    writeFileSync(
      process.env.BENCH_REPORT,
      JSON.stringify({
        memory: process.memoryUsage(),
        heapSpaces: getHeapSpaceStatistics().map((s) => ({ name: s.space_name, sizeMb: s.space_size / 1048576, usedMb: s.space_used_size / 1048576 })),
        sql: [...sqlTimings.entries()].map(([sql, t]) => ({ sql, ...t })).sort((a, b) => b.prepareMs + b.runMs - (a.prepareMs + a.runMs)),
      }),
    );
  }
  await server.close();
  await app.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
