import type { Kysely } from 'kysely';
import type { SiteRepository } from '../../domain/repositories.js';
import type { Site } from '../../domain/site.js';
import type { Database } from '../schema.js';

/** Sites are stored whole as JSON: they are read rarely (and cached) and change shape with the config schema. */
export function createSiteRepository(db: Kysely<Database>): SiteRepository {
  const toSite = (row: { id: string; name: string; settings: string }): Site => ({ ...(JSON.parse(row.settings) as Site), id: row.id, name: row.name });
  return {
    async upsert(site, now) {
      const settings = JSON.stringify(site);
      await db
        .insertInto('sites')
        .values({ id: site.id, name: site.name, settings, created_at: now.getTime(), updated_at: now.getTime() })
        .onConflict((oc) => oc.column('id').doUpdateSet({ name: site.name, settings, updated_at: now.getTime() }))
        .execute();
    },
    async byId(id) {
      const row = await db.selectFrom('sites').select(['id', 'name', 'settings']).where('id', '=', id).executeTakeFirst();
      return row ? toSite(row) : null;
    },
    async list() {
      const rows = await db.selectFrom('sites').select(['id', 'name', 'settings']).orderBy('id').execute();
      return rows.map(toSite);
    },
  };
}
