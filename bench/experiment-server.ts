/**
 * `otpgate serve`, rebuilt from src/ parts with optional changes switched on, to measure a proposed
 * src/ change before anyone makes it. Used by `npm run bench -- --experiment NAME[,NAME]`; the bench
 * otherwise runs the real `src/cli/main.ts serve`. "none" builds the unchanged server this way.
 *
 *   stmt-cache      better-sqlite3 statements prepared once per SQL text (kysely prepares on every query)
 *   reserve-single  (adopted: main's send limits are one guarded upsert, no transaction; kept as a no-op name)
 *   abort-reason    AbortController#abort() without a reason reuses one error instead of building a
 *                   DOMException each time (the dispatcher aborts after every delivery)
 *   random-pool     crypto.randomBytes for small sizes served from a 16 KiB pool instead of one
 *                   OpenSSL call each (randomToken, randomDigits, request ids)
 *   fast-fetch      global fetch (what context.callout uses) served by undici.request on a keep-alive Agent,
 *                   body buffered into a real Response: the handler API is unchanged
 *   group-commit    writes of one event-loop turn share one transaction, committed on setImmediate
 *                   (upper bound of "fewer commits per login"; needs reserve-single; note: a reply can
 *                   leave before its commit, so this is a measurement, not a proposal as is)
 *   safe-group-commit  src/store/sqlite-dialect.ts (now the default store): statement cache + group commit where each write
 *                   resolves only after its COMMIT (a reply never leaves before its data is committed)
 *   cluster         two worker processes (node:cluster) on the same SQLite file: uses the second core
 *   sql-timing      measure only: time spent preparing and running each SQL text (written to the report)
 *
 * With BENCH_REPORT=<file> the server writes, when it stops, its memory use (process.memoryUsage and V8
 * heap spaces) and, with sql-timing, the per-statement timings as JSON.
 *
 * Usage (by the bench): node --import tsx bench/experiment-server.ts <config> <experiments>
 */
import cluster from 'node:cluster';
import crypto from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { getHeapSpaceStatistics } from 'node:v8';
import type SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { createOtpgate } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import type { Store } from '../src/domain/repositories.js';
import { createKyselyStore } from '../src/store/kysely-store.js';
import type { Database } from '../src/store/schema.js';
import { createSqliteStore, openSqliteDatabase } from '../src/store/sqlite.js';
import { sqliteGroupCommitDialect as groupCommitDialect, type GroupCommitStats } from '../src/store/sqlite-dialect.js';

export const EXPERIMENTS = [
  'stmt-cache',
  'reserve-single',
  'abort-reason',
  'random-pool',
  'fast-fetch',
  'group-commit',
  'safe-group-commit',
  'cluster',
  'sql-timing',
] as const;

const [configPath, list = ''] = process.argv.slice(2);
const enabled = new Set(list.split(',').filter(Boolean));
for (const name of enabled)
  if (!(EXPERIMENTS as readonly string[]).includes(name)) throw new Error(`unknown experiment ${name}; known: ${EXPERIMENTS.join(', ')}`);
if (enabled.has('group-commit') && !enabled.has('reserve-single'))
  throw new Error('group-commit needs reserve-single (no explicit transactions inside the group)');
if (enabled.has('safe-group-commit') && (enabled.has('group-commit') || enabled.has('stmt-cache') || enabled.has('sql-timing')))
  throw new Error('safe-group-commit has its own statement cache; do not combine it with stmt-cache, group-commit or sql-timing');

if (enabled.has('abort-reason')) {
  const reason = new DOMException('This operation was aborted', 'AbortError');
  const abort = AbortController.prototype.abort;
  AbortController.prototype.abort = function (this: AbortController, why?: unknown) {
    return abort.call(this, why === undefined ? reason : why);
  };
}

if (enabled.has('random-pool')) {
  const original = crypto.randomBytes;
  let pool = original(16384);
  let offset = 0;
  crypto.randomBytes = ((size: number, callback?: unknown) => {
    if (callback !== undefined || size > 512) return (original as (...a: unknown[]) => unknown)(size, callback);
    if (offset + size > pool.length) {
      pool = original(16384);
      offset = 0;
    }
    const out = Buffer.allocUnsafe(size);
    pool.copy(out, 0, offset, offset + size);
    pool.fill(0, offset, offset + size); // a byte is handed out once
    offset += size;
    return out;
  }) as typeof crypto.randomBytes;
  syncBuiltinESMExports(); // `import { randomBytes } from 'node:crypto'` in src/ now sees the pooled one
}

if (enabled.has('fast-fetch')) {
  const { Agent, request } = await import('undici');
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 128 });
  const original = globalThis.fetch;
  const noBody = new Set([101, 103, 204, 205, 304]);
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const simple =
      (typeof input === 'string' || input instanceof URL) &&
      (init?.body == null || typeof init.body === 'string') &&
      (init?.redirect ?? 'follow') !== 'error';
    if (!simple) return original(input, init);
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => (headers[name] = value));
    const res = await request(input, {
      method: (init?.method ?? 'GET') as 'GET',
      headers,
      body: (init?.body as string | undefined) ?? null,
      signal: init?.signal ?? undefined,
      dispatcher: agent,
    });
    const body = await res.body.arrayBuffer();
    const out = new Headers();
    for (const [name, value] of Object.entries(res.headers))
      for (const v of Array.isArray(value) ? value : [value ?? '']) out.append(name, v);
    return new Response(noBody.has(res.statusCode) ? null : body, { status: res.statusCode, headers: out });
  };
}

// ------------------------------------------------------------------------------------------------
// SQL timing

interface SqlTiming {
  prepares: number;
  prepareMs: number;
  runs: number;
  runMs: number;
}
const sqlTimings = new Map<string, SqlTiming>();
let groupStats: GroupCommitStats | null = null;
const timingFor = (text: string) => {
  let t = sqlTimings.get(text);
  if (!t) sqlTimings.set(text, (t = { prepares: 0, prepareMs: 0, runs: 0, runMs: 0 }));
  return t;
};

/** A statement whose all/run/get are timed into sqlTimings. */
function timedStatement(text: string, statement: SqliteDatabase.Statement): SqliteDatabase.Statement {
  const timing = timingFor(text);
  const timed =
    <A extends unknown[], R>(fn: (...args: A) => R) =>
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

// ------------------------------------------------------------------------------------------------
// Store

/** src/store/sqlite.ts, with the store-level experiments applied. */
function openStore(url: string): Store {
  const cache = enabled.has('stmt-cache');
  const timing = enabled.has('sql-timing');
  const group = enabled.has('group-commit');
  const safeGroup = enabled.has('safe-group-commit');
  if (!cache && !timing && !group && !safeGroup && !enabled.has('reserve-single')) return createSqliteStore(url);

  const database = openSqliteDatabase(url);
  const statements = new Map<string, SqliteDatabase.Statement>();
  const commit = () => {
    if (database.inTransaction) database.exec('commit');
  };
  const grouped = (text: string, statement: SqliteDatabase.Statement): SqliteDatabase.Statement => {
    if (!/^\s*(insert|update|delete)\b/i.test(text)) return statement;
    const open = () => {
      if (!database.inTransaction) {
        database.exec('begin immediate');
        setImmediate(commit);
      }
    };
    return {
      reader: statement.reader,
      all: (...a: unknown[]) => (open(), statement.all(...a)),
      run: (...a: unknown[]) => (open(), statement.run(...a)),
      get: (...a: unknown[]) => (open(), statement.get(...a)),
      iterate: (...a: unknown[]) => statement.iterate(...a),
    } as unknown as SqliteDatabase.Statement;
  };
  const prepare = (text: string) => {
    if (group) return grouped(text, prepareTimed(text));
    return prepareTimed(text);
  };
  const prepareTimed = (text: string) => {
    if (!timing) return database.prepare(text);
    const started = performance.now();
    const statement = database.prepare(text);
    const t = timingFor(text);
    t.prepares++;
    t.prepareMs += performance.now() - started;
    return timedStatement(text, statement);
  };
  const facade = {
    close: () => (commit(), database.close()),
    prepare(text: string) {
      if (!cache) return prepare(text);
      let statement = statements.get(text);
      if (!statement) {
        if (statements.size >= 500) statements.clear(); // crude bound; the app has a few dozen query shapes
        statement = prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
  };
  const dialect = safeGroup ? groupCommitDialect(database) : new SqliteDialect({ database: facade });
  if ('stats' in dialect) groupStats = dialect.stats;
  const db = new Kysely<Database>({ dialect });
  const store = createKyselyStore(db, 'sqlite');
  // reserve-single is what main does now (the send limits are guarded upserts, no explicit transaction).
  return store;
}

// ------------------------------------------------------------------------------------------------
// Serve

const { config } = loadConfig({ path: configPath! });

function writeReport() {
  const file = process.env.BENCH_REPORT;
  if (!file) return;
  // With --expose-gc the report shows the live heap, not live + garbage not yet collected.
  (globalThis as { gc?: () => void }).gc?.();
  writeFileSync(
    cluster.isPrimary ? file : `${file}.${process.pid}`,
    JSON.stringify({
      memory: process.memoryUsage(),
      heapSpaces: getHeapSpaceStatistics().map((s) => ({
        name: s.space_name,
        sizeMb: s.space_size / 1048576,
        usedMb: s.space_used_size / 1048576,
      })),
      groupCommit: groupStats,
      sql: [...sqlTimings.entries()]
        .map(([text, t]) => ({ sql: text, ...t }))
        .sort((a, b) => b.prepareMs + b.runMs - (a.prepareMs + a.runMs)),
    }),
  );
}

async function serve(announce: boolean) {
  const app = await createOtpgate({ config, store: openStore(config.database.url) });
  const address = await app.listen();
  if (announce) process.stdout.write(`otpgate listening on ${address} (experiments: ${[...enabled].join(', ') || 'none'})\n`);
  const stop = async () => {
    writeReport();
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

if (enabled.has('cluster') && cluster.isPrimary) {
  // Migrate and write the configured sites once, then fork; the workers share the port and the file.
  const setup = await createOtpgate({ config, store: openStore(config.database.url) });
  await setup.close();
  const workers = [cluster.fork(), cluster.fork()];
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('listening', resolve))));
  process.stdout.write(
    `otpgate listening on http://${config.server.host}:${config.server.port} ` +
      `(experiments: ${[...enabled].join(', ')}; ${workers.length} workers)\n`,
  );
  const stop = async () => {
    await Promise.all(workers.map((w) => new Promise((resolve) => (w.once('exit', resolve), w.process.kill('SIGINT')))));
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
} else {
  await serve(cluster.isPrimary);
}
