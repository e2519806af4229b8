import type { Insertable, Kysely } from 'kysely';
import type { AuditRepository } from '../../domain/repositories.js';
import { toDate, type AuditEventsTable, type Database } from '../schema.js';

/** Rows per insert: 10 columns each, well under SQLite's and PostgreSQL's parameter limits. */
const MAX_BATCH = 500;
import { deleteInBatches } from './batched-delete.js';

/** Append-only: events are written and read, never changed; purge removes them after the retention time. */
export function createAuditRepository(db: Kysely<Database>, siteId: string): AuditRepository {
  // Events recorded in the same turn of the event loop go in as one multi-row insert. Each caller still waits
  // for its row to be written (and sees its error): batching saves statements, it never defers durability.
  let pending: { row: Insertable<AuditEventsTable>; done: (error?: unknown) => void }[] = [];
  const flush = async () => {
    const batch = pending;
    pending = [];
    try {
      for (let i = 0; i < batch.length; i += MAX_BATCH)
        await db
          .insertInto('audit_events')
          .values(batch.slice(i, i + MAX_BATCH).map((b) => b.row))
          .execute();
      for (const b of batch) b.done();
    } catch (error) {
      for (const b of batch) b.done(error);
    }
  };
  return {
    record(event) {
      const row = {
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
      };
      return new Promise<void>((resolve, reject) => {
        pending.push({
          row,
          done: (error) => (error === undefined ? resolve() : reject(error instanceof Error ? error : new Error(String(error)))),
        });
        if (pending.length === 1) setImmediate(() => void flush());
      });
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
