import type { Kysely, Selectable } from 'kysely';
import type { CalloutRecord, DeliveryAttemptRecord, DeliveryAttemptRepository } from '../../domain/repositories.js';
import { toDate, type Database, type DeliveryAttemptsTable } from '../schema.js';
import { deleteInBatches } from './batched-delete.js';

export function createDeliveryAttemptRepository(db: Kysely<Database>, siteId: string): DeliveryAttemptRepository {
  return {
    async insertMany(records) {
      if (records.length === 0) return;
      await db
        .insertInto('delivery_attempts')
        .values(
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
        )
        .execute();
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
});
