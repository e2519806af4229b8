import { sql, type Kysely, type Selectable } from 'kysely';
import type { SendBlock, SendBlockRepository } from '../../domain/repositories.js';
import { toDate, type Database, type SendBlocksTable } from '../schema.js';
import { deleteInBatches } from './batched-delete.js';

const toBlock = (row: Selectable<SendBlocksTable>): SendBlock => ({
  subject: row.subject,
  blockedAt: toDate(row.blocked_at),
  until: toDate(row.until),
  sends: Number(row.sends),
  verified: Number(row.verified),
  liftedAt: row.lifted_at === null ? null : toDate(row.lifted_at),
});

/** One row per destination, reused: a new block replaces an ended one, so the table stays as small as the destinations. */
export function createSendBlockRepository(db: Kysely<Database>, siteId: string): SendBlockRepository {
  return {
    async block(block, quietMs) {
      const now = block.blockedAt.getTime();
      // The guard runs on the locked row: of concurrent sends that all judge the destination, one blocks it.
      const blocked = await db
        .insertInto('send_blocks')
        .values({
          site_id: siteId,
          subject: block.subject,
          blocked_at: now,
          until: block.until.getTime(),
          sends: block.sends,
          verified: block.verified,
          lifted_at: null,
        })
        .onConflict((oc) =>
          oc
            .columns(['site_id', 'subject'])
            .doUpdateSet({
              blocked_at: sql`excluded.blocked_at`,
              until: sql`excluded.until`,
              sends: sql`excluded.sends`,
              verified: sql`excluded.verified`,
              lifted_at: null,
            })
            .where('send_blocks.until', '<=', now)
            .where((eb) => eb.or([eb('send_blocks.lifted_at', 'is', null), eb('send_blocks.lifted_at', '<=', now - quietMs)])),
        )
        .returning('subject')
        .execute();
      return blocked.length === 1;
    },
    async lift(subject, now) {
      const result = await db
        .updateTable('send_blocks')
        .set({ until: now.getTime(), lifted_at: now.getTime() })
        .where('site_id', '=', siteId)
        .where('subject', '=', subject)
        .where('until', '>', now.getTime())
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async list(now, options = {}) {
      let query = db.selectFrom('send_blocks').selectAll().where('site_id', '=', siteId);
      if (!options.all) query = query.where('until', '>', now.getTime());
      return (await query.orderBy('blocked_at', 'desc').execute()).map(toBlock);
    },
    purgeBefore: (before) => deleteInBatches(db, 'send_blocks', 'id', 'until', siteId, before),
  };
}
