import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

const BATCH = 500;

/**
 * Deletes one site's rows older than `before`, a few hundred at a time: each statement is short, so a
 * purge never holds a long lock over tables that logins are writing to (SQLite has one writer;
 * PostgreSQL row locks pile up behind a huge DELETE).
 */
export async function deleteInBatches(
  db: Kysely<Database>,
  table: keyof Database,
  key: string,
  timeColumn: string,
  siteId: string,
  before: Date,
): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await sql`
      delete from ${sql.table(table)} where ${sql.ref(key)} in (
        select ${sql.ref(key)} from ${sql.table(table)}
        where site_id = ${siteId} and ${sql.ref(timeColumn)} < ${before.getTime()}
        limit ${BATCH})`.execute(db);
    const deleted = Number(result.numAffectedRows ?? 0n);
    total += deleted;
    if (deleted < BATCH) return total;
  }
}
