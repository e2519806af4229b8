import { sql, type Kysely } from 'kysely';
import type { SendLogRepository } from '../../domain/repositories.js';
import type { StoreKind } from '../migrations.js';
import { toDate, type Database } from '../schema.js';
import { deleteInBatches } from './batched-delete.js';

export function createSendLogRepository(db: Kysely<Database>, siteId: string, kind: StoreKind): SendLogRepository {
  return {
    async reserve(phone, now, since, limit) {
      return db.transaction().execute(async (trx) => {
        // Count-then-insert must not interleave with another request for the same phone. SQLite runs one
        // write transaction at a time; PostgreSQL needs a lock scoped to this site and phone.
        if (kind === 'postgres') await sql`select pg_advisory_xact_lock(hashtextextended(${`${siteId}|${phone}`}, 0))`.execute(trx);
        const recent = await trx
          .selectFrom('send_events')
          .select(['sent_at'])
          .where('site_id', '=', siteId)
          .where('phone', '=', phone)
          .where('sent_at', '>', since.getTime())
          .orderBy('sent_at')
          .execute();
        if (recent.length >= limit) return { ok: false as const, oldest: toDate(recent[0]!.sent_at) };
        await trx.insertInto('send_events').values({ site_id: siteId, phone, sent_at: now.getTime() }).execute();
        return { ok: true as const };
      });
    },
    purgeBefore: (before) => deleteInBatches(db, 'send_events', 'id', 'sent_at', siteId, before),
  };
}
