import type { Kysely, Selectable } from 'kysely';
import type { ConsentRepository } from '../../domain/repositories.js';
import { toDate, type ConsentsTable, type Database } from '../schema.js';

export function createConsentRepository(db: Kysely<Database>, siteId: string): ConsentRepository {
  const toConsent = (r: Selectable<ConsentsTable>) => ({
    clientId: r.client_id,
    scopes: r.scope.split(' ').filter(Boolean),
    grantedAt: toDate(r.granted_at),
  });
  const repository: ConsentRepository = {
    async get(userId, clientId) {
      const row = await db
        .selectFrom('consents')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('user_id', '=', userId)
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      return row ? toConsent(row) : null;
    },
    async grant(userId, clientId, scopes, at) {
      // Added to what was allowed before: asking for one more scope must not silently drop the others.
      const before = await repository.get(userId, clientId);
      const scope = [...new Set([...(before?.scopes ?? []), ...scopes])].join(' ');
      await db
        .insertInto('consents')
        .values({ site_id: siteId, user_id: userId, client_id: clientId, scope, granted_at: at.getTime() })
        .onConflict((oc) => oc.columns(['site_id', 'user_id', 'client_id']).doUpdateSet({ scope, granted_at: at.getTime() }))
        .execute();
    },
    async list(userId) {
      const rows = await db
        .selectFrom('consents')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('user_id', '=', userId)
        .orderBy('client_id')
        .execute();
      return rows.map(toConsent);
    },
    async revoke(userId, clientId) {
      const result = await db
        .deleteFrom('consents')
        .where('site_id', '=', siteId)
        .where('user_id', '=', userId)
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
  return repository;
}
