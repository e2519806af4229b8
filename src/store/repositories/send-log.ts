import { sql, type Kysely } from 'kysely';
import type { SendLogRepository } from '../../domain/repositories.js';
import type { StoreKind } from '../migrations.js';
import { toDate, type Database } from '../schema.js';
import { deleteInBatches } from './batched-delete.js';

export function createSendLogRepository(db: Kysely<Database>, siteId: string, kind: StoreKind): SendLogRepository {
  // Inside the PostgreSQL transaction this must run on the transaction's own connection: asking the pool for
  // a second one while holding the lock could wait forever behind requests queued on that lock.
  const oldestSince = async (phone: string, since: Date, executor: Kysely<Database> = db) => {
    const row = await executor
      .selectFrom('send_events')
      .select('sent_at')
      .where('site_id', '=', siteId)
      .where('phone', '=', phone)
      .where('sent_at', '>', since.getTime())
      .orderBy('sent_at')
      .limit(1)
      .executeTakeFirst();
    return row ? toDate(row.sent_at) : since;
  };
  return {
    async reserve(phone, now, since, limit) {
      if (kind === 'sqlite') {
        // One statement is atomic in SQLite, and it lets the insert join the group commit
        // (an explicit transaction would have to run alone).
        const inserted = await sql`
          insert into send_events (site_id, phone, sent_at)
          select ${siteId}, ${phone}, ${now.getTime()}
          where (
            select count(*) from send_events where site_id = ${siteId} and phone = ${phone} and sent_at > ${since.getTime()}
          ) < ${limit}`.execute(db);
        if (Number(inserted.numAffectedRows ?? 0n) === 1) return { ok: true as const };
        return { ok: false as const, oldest: await oldestSince(phone, since) };
      }
      return db.transaction().execute(async (trx) => {
        // Count-then-insert must not interleave with another request for the same phone: a lock scoped
        // to this site and phone serialises them across every instance.
        await sql`select pg_advisory_xact_lock(hashtextextended(${`${siteId}|${phone}`}, 0))`.execute(trx);
        const recent = await trx
          .selectFrom('send_events')
          .select(({ fn }) => fn.countAll<number>().as('n'))
          .where('site_id', '=', siteId)
          .where('phone', '=', phone)
          .where('sent_at', '>', since.getTime())
          .executeTakeFirstOrThrow();
        if (Number(recent.n) >= limit) return { ok: false as const, oldest: await oldestSince(phone, since, trx) };
        await trx.insertInto('send_events').values({ site_id: siteId, phone, sent_at: now.getTime() }).execute();
        return { ok: true as const };
      });
    },
    purgeBefore: (before) => deleteInBatches(db, 'send_events', 'id', 'sent_at', siteId, before),
  };
}
