/**
 * `otpgate serve`, rebuilt from src/ parts with optional changes switched on, to measure a proposed
 * src/ change before anyone makes it. Used by `npm run bench -- --experiment NAME[,NAME]`; the bench
 * otherwise runs the real `src/cli/main.ts serve`.
 *
 *   stmt-cache    better-sqlite3 statements prepared once per SQL text (kysely prepares on every query)
 *   abort-reason  AbortController#abort() without a reason reuses one error instead of building a
 *                 DOMException each time (the dispatcher aborts after every delivery)
 *
 * Usage (by the bench): node --import tsx bench/experiment-server.ts <config> <experiments>
 */
import { mkdirSync } from 'node:fs';
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

export const EXPERIMENTS = ['stmt-cache', 'abort-reason'] as const;

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

/** src/store/sqlite.ts with a statement cache in front of better-sqlite3's prepare(). */
function sqliteStoreWithStatementCache(url: string): Store {
  const path = url.replace(/^sqlite:(\/\/)?/, '');
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new SqliteDatabase(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  const statements = new Map<string, SqliteDatabase.Statement>();
  const cached = {
    close: () => database.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= 500) statements.clear(); // crude bound; the app has a few dozen query shapes
        statement = database.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cached as unknown as SqliteDatabase.Database }) });
  return createKyselyStore(db, 'sqlite');
}

const { config } = loadConfig({ path: configPath! });
const store = enabled.has('stmt-cache') ? sqliteStoreWithStatementCache(config.database.url) : createSqliteStore(config.database.url);
const app = await createOtpgate({ config, store });
const server = await buildServer(app);
const address = await server.listen({ host: config.server.host, port: config.server.port });
process.stdout.write(`otpgate listening on ${address} (experiments: ${[...enabled].join(', ') || 'none'})\n`);
const stop = async () => {
  await server.close();
  await app.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
