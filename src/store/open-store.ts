import type { Store } from '../domain/repositories.js';
import type { PostgresStoreOptions } from './postgres.js';
import { createSqliteStore, type SqliteStoreOptions } from './sqlite.js';

/**
 * Picks the store from the database URL; the pool options only concern PostgreSQL (SQLite has one connection).
 * The PostgreSQL driver is loaded only for a postgres:// URL: it holds ~15 MB that a SQLite server never uses.
 */
export async function openStore(url: string, options: PostgresStoreOptions & SqliteStoreOptions = {}): Promise<Store> {
  if (url.startsWith('sqlite:')) return createSqliteStore(url, options);
  if (/^postgres(ql)?:\/\//.test(url)) return (await import('./postgres.js')).createPostgresStore(url, options);
  throw new Error(`database.url must start with sqlite: or postgres://, got "${url.split(':')[0]}:..."`);
}
