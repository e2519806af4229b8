import type { Kysely } from 'kysely';
import type { SiteRepository, StoredSite } from '../../domain/repositories.js';
import { toDate, type Database, type SitesTable } from '../schema.js';

/**
 * Sites are stored as their settings as given, in JSON: they are read rarely (and cached) and change shape
 * with the config schema, which is why the store keeps them opaque and config/sites.ts checks them on read.
 */
export function createSiteRepository(db: Kysely<Database>): SiteRepository {
  const columns = ['id', 'name', 'settings', 'created_at', 'updated_at'] as const;
  return {
    async upsert(site, now) {
      const settings = JSON.stringify(site.settings);
      await db
        .insertInto('sites')
        .values({ id: site.id, name: site.name, settings, created_at: now.getTime(), updated_at: now.getTime() })
        .onConflict((oc) => oc.column('id').doUpdateSet({ name: site.name, settings, updated_at: now.getTime() }))
        .execute();
    },
    async byId(id) {
      const row = await db.selectFrom('sites').select(columns).where('id', '=', id).executeTakeFirst();
      return row ? toStoredSite(row) : null;
    },
    async list() {
      const rows = await db.selectFrom('sites').select(columns).orderBy('id').execute();
      return rows.map(toStoredSite);
    },
  };
}

function toStoredSite(row: SitesTable): StoredSite {
  const settings = JSON.parse(row.settings) as unknown;
  return { id: row.id, name: row.name, settings, createdAt: toDate(row.created_at), updatedAt: toDate(row.updated_at) };
}
