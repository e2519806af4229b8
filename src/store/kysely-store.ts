import { Migrator, sql, type Kysely } from 'kysely';
import type { SiteStore, Store } from '../domain/repositories.js';
import { migrationProvider, type StoreKind } from './migrations.js';
import { createDeliveryAttemptRepository } from './repositories/delivery-attempts.js';
import { createClientRepository, createGrantRepository, createSigningKeyRepository } from './repositories/oauth.js';
import { createSendLogRepository } from './repositories/send-log.js';
import { createSessionRepository } from './repositories/sessions.js';
import { createSiteRepository } from './repositories/sites.js';
import { createUserRepository } from './repositories/users.js';
import { createVerificationRepository } from './repositories/verifications.js';
import type { Database } from './schema.js';

/** The Store over any Kysely database; SQLite and PostgreSQL differ only in how the Kysely is made. */
export function createKyselyStore(db: Kysely<Database>, kind: StoreKind, onClose: () => Promise<void> = () => db.destroy()): Store {
  const siteStores = new Map<string, SiteStore>();
  return {
    kind,
    sites: createSiteRepository(db),
    forSite(siteId) {
      let store = siteStores.get(siteId);
      if (!store) {
        store = {
          siteId,
          users: createUserRepository(db, siteId),
          verifications: createVerificationRepository(db, siteId),
          sendLog: createSendLogRepository(db, siteId, kind),
          deliveryAttempts: createDeliveryAttemptRepository(db, siteId),
          clients: createClientRepository(db, siteId),
          grants: createGrantRepository(db, siteId),
          signingKeys: createSigningKeyRepository(db, siteId),
          sessions: createSessionRepository(db, siteId),
        };
        siteStores.set(siteId, store);
      }
      return store;
    },
    async migrate() {
      const migrator = new Migrator({ db, provider: migrationProvider(kind), migrationTableName: 'otpgate_migrations', migrationLockTableName: 'otpgate_migrations_lock' });
      const { error, results } = await migrator.migrateToLatest();
      const failed = results?.find((r) => r.status === 'Error');
      if (error) throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    close: onClose,
  };
}
