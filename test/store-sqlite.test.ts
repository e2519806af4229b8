import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../src/domain/repositories.js';
import { createSqliteStore } from '../src/store/sqlite.js';
import { runStoreContract } from './store-contract.js';

runStoreContract('sqlite in memory', async () => createSqliteStore('sqlite::memory:'));

/**
 * A file database in its own temp dir with the settings a server runs with (WAL, busy timeout, checkpoints on a
 * thread of their own), removed on close.
 */
runStoreContract('sqlite file', async (): Promise<Store> => {
  const dir = mkdtempSync(join(tmpdir(), 'otpgate-store-'));
  const store = createSqliteStore(`sqlite:${join(dir, 'nested', 'otpgate.db')}`, { backgroundCheckpoints: true });
  return {
    ...store,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
