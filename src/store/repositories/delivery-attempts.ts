import { sql, type Kysely, type Selectable } from 'kysely';
import type { CalloutRecord, DeliveryAttemptRecord, DeliveryAttemptRepository, DeliveryReceipt } from '../../domain/repositories.js';
import { toDate, type Database, type DeliveryAttemptsTable } from '../schema.js';
import { deleteInBatches } from './batched-delete.js';
import { prepareInsert } from '../prepared-query.js';

export function createDeliveryAttemptRepository(db: Kysely<Database>, siteId: string): DeliveryAttemptRepository {
  const insertRows = prepareInsert(db, 'delivery_attempts'); // every code sent writes its attempts (prepared-query.ts)
  return {
    async insertMany(records) {
      if (records.length === 0) return;
      await insertRows(
        records.map((r) => ({
          site_id: siteId,
          verification_id: r.verificationId,
          handler: r.handler,
          attempt: r.attempt,
          result: r.result,
          latency_ms: Math.round(r.latencyMs),
          provider_message_id: r.providerMessageId,
          detail: r.detail,
          callouts: JSON.stringify(r.callouts.map((c) => ({ ...c, latencyMs: Math.round(c.latencyMs) }))),
          country: r.country,
          created_at: r.createdAt.getTime(),
        })),
      );
    },
    async recordReceipt(handler, providerMessageId, receipt) {
      const update = () =>
        db
          .updateTable('delivery_attempts')
          .set({
            receipt_status: receipt.status,
            receipt_provider_status: receipt.providerStatus.slice(0, 40),
            receipt_error_code: receipt.errorCode?.slice(0, 40) ?? null,
            receipt_at: receipt.at.getTime(),
          })
          .where('site_id', '=', siteId)
          .where('handler', '=', handler)
          .where('provider_message_id', '=', providerMessageId)
          // Nothing yet, or "accepted" followed by a final word: a final status stays.
          .where((eb) =>
            receipt.status === 'accepted'
              ? eb('receipt_status', 'is', null)
              : eb.or([eb('receipt_status', 'is', null), eb('receipt_status', '=', 'accepted')]),
          )
          .returningAll()
          .execute();
      let row = (await update())[0];
      if (!row) {
        const known = await db
          .selectFrom('delivery_attempts')
          .select('id')
          .where('site_id', '=', siteId)
          .where('handler', '=', handler)
          .where('provider_message_id', '=', providerMessageId)
          .executeTakeFirst();
        if (!known) return { kind: 'unknown_message' };
        // The send may have stored its attempt between the update and this look: only a second update that finds
        // the row and changes nothing makes the receipt a repeat.
        row = (await update())[0];
        if (!row) return { kind: 'unchanged' };
      }
      return { kind: 'recorded', attempt: toRecord(row) };
    },
    async series({ since, bucketMs, by }) {
      const size = Math.max(1, Math.floor(bucketMs));
      const bucket = sql<number>`created_at / ${sql.lit(size)}`;
      const rows = await db
        .selectFrom('delivery_attempts')
        .select((eb) => [bucket.as('bucket'), eb.ref(by).as('key'), 'result', eb.fn.countAll<number | string>().as('count')])
        .where('site_id', '=', siteId)
        .where('created_at', '>=', since.getTime())
        .groupBy([sql`created_at / ${sql.lit(size)}`, by, 'result'])
        .execute();
      return rows.map((r) => ({
        bucket: new Date(Number(r.bucket) * size),
        key: r.key ?? 'unknown',
        result: r.result,
        count: Number(r.count),
      }));
    },
    purgeBefore: (before) => deleteInBatches(db, 'delivery_attempts', 'id', 'created_at', siteId, before),
    async forVerification(verificationId) {
      const rows = await db
        .selectFrom('delivery_attempts')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('verification_id', '=', verificationId)
        .orderBy('id')
        .execute();
      return rows.map(toRecord);
    },
    async list({ since, handler, result, country, limit }) {
      let query = db.selectFrom('delivery_attempts').selectAll().where('site_id', '=', siteId);
      if (since) query = query.where('created_at', '>=', since.getTime());
      if (handler) query = query.where('handler', '=', handler);
      if (result) query = query.where('result', '=', result);
      if (country) query = query.where('country', '=', country);
      return (await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute()).map(toRecord);
    },
  };
}

const toRecord = (r: Selectable<DeliveryAttemptsTable>): DeliveryAttemptRecord => ({
  verificationId: r.verification_id,
  handler: r.handler,
  attempt: Number(r.attempt),
  result: r.result,
  latencyMs: Number(r.latency_ms),
  providerMessageId: r.provider_message_id,
  detail: r.detail,
  callouts: JSON.parse(r.callouts) as CalloutRecord[],
  country: r.country,
  createdAt: toDate(r.created_at),
  receipt:
    r.receipt_status === null
      ? null
      : {
          status: r.receipt_status as DeliveryReceipt['status'],
          providerStatus: r.receipt_provider_status ?? '',
          errorCode: r.receipt_error_code,
          at: toDate(r.receipt_at ?? r.created_at),
        },
});
