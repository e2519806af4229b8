import { sql, type Kysely } from 'kysely';
import type { PhoneLockRepository } from '../../domain/repositories.js';
import { toDate, type Database } from '../schema.js';
import { prepare } from '../prepared-query.js';

/** One row per phone with wrong codes since its last right one; the count and the lock are one guarded upsert. */
export function createPhoneLockRepository(db: Kysely<Database>, siteId: string): PhoneLockRepository {
  // Every code checked reads it (prepared-query.ts).
  const selectStatus = prepare(db, (p: { phone: string }) =>
    db.selectFrom('phone_locks').select(['failures', 'locked_at']).where('site_id', '=', siteId).where('phone', '=', p.phone),
  );
  return {
    async countFailure(phone, limit, now) {
      const at = now.getTime();
      const row = await db
        .insertInto('phone_locks')
        .values({ site_id: siteId, phone, failures: 1, locked_at: limit > 0 && limit <= 1 ? at : null })
        .onConflict((oc) =>
          oc.columns(['site_id', 'phone']).doUpdateSet({
            failures: sql`phone_locks.failures + 1`,
            // Set once, by the failure that reaches the limit; later ones keep the time it was locked.
            locked_at: sql`case when phone_locks.locked_at is null and ${limit} > 0 and phone_locks.failures + 1 >= ${limit}
              then ${at} else phone_locks.locked_at end`,
          }),
        )
        .returning(['failures', 'locked_at'])
        .executeTakeFirstOrThrow();
      const failures = Number(row.failures);
      // Exactly one failure reaches the limit, however many arrive at once.
      return { failures, locked: limit > 0 && failures === limit };
    },
    async reset(phone) {
      await db.deleteFrom('phone_locks').where('site_id', '=', siteId).where('phone', '=', phone).where('locked_at', 'is', null).execute();
    },
    async status(phone) {
      const row = (await selectStatus({ phone })).rows[0];
      return row ? { failures: Number(row.failures), lockedAt: row.locked_at === null ? null : toDate(row.locked_at) } : null;
    },
    async unlock(phone) {
      const result = await db
        .deleteFrom('phone_locks')
        .where('site_id', '=', siteId)
        .where('phone', '=', phone)
        .where('locked_at', 'is not', null)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    async locked() {
      const rows = await db
        .selectFrom('phone_locks')
        .select(['phone', 'failures', 'locked_at'])
        .where('site_id', '=', siteId)
        .where('locked_at', 'is not', null)
        .orderBy('locked_at', 'desc')
        .execute();
      return rows.map((r) => ({ phone: r.phone, failures: Number(r.failures), lockedAt: toDate(r.locked_at!) }));
    },
  };
}
