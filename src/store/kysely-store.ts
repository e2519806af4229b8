import { createConsentRepository } from './repositories/consents.js';
import { Migrator, sql, type Kysely } from 'kysely';
import type { SiteStore, Store } from '../domain/repositories.js';
import { withDomainErrors } from './domain-errors.js';
import { migrationProvider, type StoreKind } from './migrations.js';
import { createDeliveryAttemptRepository } from './repositories/delivery-attempts.js';
import { createClientRepository, createGrantRepository, createSigningKeyRepository } from './repositories/oauth.js';
import { createRateCounterRepository } from './repositories/rate-counters.js';
import { createSendBlockRepository } from './repositories/send-blocks.js';
import { createPhoneLockRepository } from './repositories/phone-locks.js';
import { createSessionRepository } from './repositories/sessions.js';
import { createAuditRepository } from './repositories/audit.js';
import { createGuessLogRepository } from './repositories/guess-log.js';
import { createSiteRepository } from './repositories/sites.js';
import { createUserRepository } from './repositories/users.js';
import { createVerificationRepository } from './repositories/verifications.js';
import type { Database } from './schema.js';

/**
 * The Store over any Kysely database; SQLite and PostgreSQL differ only in how the Kysely is made. Its
 * repositories and ping throw the domain's store errors (domain/store-errors.ts), never a driver's.
 */
export function createKyselyStore(db: Kysely<Database>, kind: StoreKind, onClose: () => Promise<void> = () => db.destroy()): Store {
  const siteStores = new Map<string, SiteStore>();
  // migrate is left as it is: it runs at start and in `otpgate migrate`, where its own message says more.
  const health = withDomainErrors({
    async ping() {
      await sql`select 1`.execute(db);
    },
  });
  return {
    kind,
    sites: withDomainErrors(createSiteRepository(db)),
    forSite(siteId) {
      let store = siteStores.get(siteId);
      if (!store) {
        store = {
          siteId,
          users: withDomainErrors(createUserRepository(db, siteId)),
          verifications: withDomainErrors(createVerificationRepository(db, siteId)),
          sendCounters: withDomainErrors(createRateCounterRepository(db, siteId)),
          sendBlocks: withDomainErrors(createSendBlockRepository(db, siteId)),
          phoneLocks: withDomainErrors(createPhoneLockRepository(db, siteId)),
          guessLog: withDomainErrors(createGuessLogRepository(db, siteId, kind)),
          deliveryAttempts: withDomainErrors(createDeliveryAttemptRepository(db, siteId)),
          clients: withDomainErrors(createClientRepository(db, siteId)),
          grants: withDomainErrors(createGrantRepository(db, siteId)),
          signingKeys: withDomainErrors(createSigningKeyRepository(db, siteId, kind)),
          sessions: withDomainErrors(createSessionRepository(db, siteId)),
          audit: withDomainErrors(createAuditRepository(db, siteId)),
          consents: withDomainErrors(createConsentRepository(db, siteId)),
        };
        siteStores.set(siteId, store);
      }
      return store;
    },
    async migrate() {
      const migrator = new Migrator({
        db,
        provider: migrationProvider(kind),
        migrationTableName: 'otpgate_migrations',
        migrationLockTableName: 'otpgate_migrations_lock',
      });
      const { error, results } = await migrator.migrateToLatest();
      const failed = results?.find((r) => r.status === 'Error');
      if (error) {
        const reason = error instanceof Error ? error.message : JSON.stringify(error);
        throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${reason}`, { cause: error });
      }
    },
    ping: health.ping,
    close: onClose,
  };
}
