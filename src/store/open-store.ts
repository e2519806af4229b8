import type { Store } from '../domain/repositories.js';
import { createPostgresStore, type PostgresStoreOptions } from './postgres.js';
import { createSqliteStore } from './sqlite.js';

/** Picks the store from the database URL; the pool options only concern PostgreSQL (SQLite has one connection). */
export async function openStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  if (url.startsWith('sqlite:')) return createSqliteStore(url, options.onQuery ? { onQuery: options.onQuery } : {});
  if (/^postgres(ql)?:\/\//.test(url)) return createPostgresStore(url, options);
  throw new Error(`database.url must start with sqlite: or postgres://, got "${url.split(':')[0]}:..."`);
}
