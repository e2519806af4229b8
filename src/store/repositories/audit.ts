import type { Kysely } from 'kysely';
import type { AuditRepository } from '../../domain/repositories.js';
import { toDate, type Database } from '../schema.js';
import { prepareInsert } from '../prepared-query.js';
import { deleteInBatches } from './batched-delete.js';
import { appendPerTurn } from '../turn-batch.js';

/** Append-only: events are written and read, never changed; purge removes them after the retention time. */
export function createAuditRepository(db: Kysely<Database>, siteId: string): AuditRepository {
  // Every code sent and verified writes one (prepared-query.ts), so a turn's events go in together (turn-batch.ts).
  const append = appendPerTurn(prepareInsert(db, 'audit_events'));
  return {
    async record(event) {
      await append([
        {
          site_id: siteId,
          type: event.type,
          use_case: event.useCase,
          user_id: event.userId,
          phone_hash: event.phoneHash,
          ip: event.ip,
          user_agent: event.userAgent,
          request_id: event.requestId,
          detail: JSON.stringify(event.detail),
          created_at: event.createdAt.getTime(),
        },
      ]);
    },
    async list({ since, type, phoneHash, limit }) {
      let query = db.selectFrom('audit_events').selectAll().where('site_id', '=', siteId);
      if (since) query = query.where('created_at', '>=', since.getTime());
      if (type) query = query.where('type', '=', type);
      if (phoneHash) query = query.where('phone_hash', '=', phoneHash);
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return rows.map((r) => ({
        type: r.type,
        useCase: r.use_case,
        userId: r.user_id,
        phoneHash: r.phone_hash,
        ip: r.ip,
        userAgent: r.user_agent,
        requestId: r.request_id,
        detail: JSON.parse(r.detail) as Record<string, unknown>,
        createdAt: toDate(r.created_at),
      }));
    },
    purgeBefore: (before) => deleteInBatches(db, 'audit_events', 'id', 'created_at', siteId, before),
  };
}
