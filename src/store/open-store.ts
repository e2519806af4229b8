import type { Store } from '../domain/repositories.js';
import { createSqliteStore } from './sqlite.js';

/** Picks the store from the database URL. */
export async function openStore(url: string): Promise<Store> {
  if (url.startsWith('sqlite:')) return createSqliteStore(url);
  if (/^postgres(ql)?:\/\//.test(url)) throw new Error('PostgreSQL support is not built yet; use a sqlite: URL');
  throw new Error(`database.url must start with sqlite: or postgres://, got "${url.split(':')[0]}:..."`);
}
