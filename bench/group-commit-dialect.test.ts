/**
 * The store contract suite (test/store-contract.ts) on the group-commit dialect, to show that the
 * proposed change keeps every store guarantee. Not part of `npm test` (bench/ is not searched); run:
 *   node --import tsx --test bench/group-commit-dialect.test.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { Store } from '../src/domain/repositories.js';
import { createKyselyStore } from '../src/store/kysely-store.js';
import type { Database } from '../src/store/schema.js';
import { runStoreContract } from '../test/store-contract.js';
import { groupCommitDialect } from './group-commit-dialect.js';

function open(path: string): Store {
  const database = new SqliteDatabase(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  return createKyselyStore(new Kysely<Database>({ dialect: groupCommitDialect(database) }), 'sqlite');
}

runStoreContract('sqlite group-commit in memory', async () => open(':memory:'));

runStoreContract('sqlite group-commit file', async (): Promise<Store> => {
  const dir = mkdtempSync(join(tmpdir(), 'otpgate-gc-store-'));
  const store = open(join(dir, 'otpgate.db'));
  return {
    ...store,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
