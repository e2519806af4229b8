import { sql, type Kysely, type Selectable } from 'kysely';
import type { PhoneNumber } from '../../domain/phone.js';
import type { VerificationRepository } from '../../domain/repositories.js';
import type { UseCase } from '../../domain/use-case.js';
import { classify, type Verification, type VerificationState } from '../../domain/verification.js';
import { toDate, type Database, type VerificationsTable } from '../schema.js';
import { prepare, prepareEach, prepareInsert } from '../prepared-query.js';
import { deleteInBatches } from './batched-delete.js';

export function createVerificationRepository(db: Kysely<Database>, siteId: string): VerificationRepository {
  // The shapes every code sent and checked runs (prepared-query.ts).
  const selectById = prepare(db, (p: { id: string }) =>
    db.selectFrom('verifications').selectAll().where('site_id', '=', siteId).where('id', '=', p.id),
  );
  const insertRows = prepareInsert(db, 'verifications');
  // The guard is the whole point: the increment happens only while pending, unexpired and under budget,
  // so N concurrent submissions can never spend more than max_attempts.
  const countGuarded = prepare(db, (p: { id: string; now: number }) =>
    db
      .updateTable('verifications')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('site_id', '=', siteId)
      .where('id', '=', p.id)
      .where('state', '=', 'pending')
      .where('expires_at', '>', p.now)
      .where((eb) => eb('attempts', '<', eb.ref('max_attempts')))
      .returningAll(),
  );
  const markVerifiedGuarded = prepare(db, (p: { id: string }) =>
    db
      .updateTable('verifications')
      .set({ state: 'verified' })
      .where('site_id', '=', siteId)
      .where('id', '=', p.id)
      .where('state', '=', 'pending')
      .returningAll(),
  );
  // Eight shapes: by phone or not, for a user or for nobody yet, and the limit. The limit is written into the SQL:
  // SQLite's planner weighs a bound LIMIT, so binding one made it prepare the statement again on every call
  // (14 µs instead of 2 µs, the costliest query of a login: bench/README.md, issue 12).
  const findResendableQuery = prepareEach(
    db,
    (
      shape: { byPhone: boolean; forNobody: boolean; limit: 1 | 10 },
      p: { useCase: string; phone: string; userId: string; now: number },
    ) => {
      let q = db
        .selectFrom('verifications')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('use_case', '=', p.useCase)
        .where('state', '=', 'pending')
        .where('expires_at', '>', p.now)
        .where((eb) => eb('attempts', '<', eb.ref('max_attempts')));
      if (shape.byPhone) q = q.where('phone', '=', p.phone);
      q = shape.forNobody ? q.where('user_id', 'is', null) : q.where('user_id', '=', p.userId);
      return q.orderBy('created_at', 'desc').limit(sql.lit(shape.limit));
    },
  );
  const byId = async (id: string) => {
    const row = (await selectById({ id })).rows[0];
    return row ? toVerification(row) : null;
  };
  return {
    byId,
    async insert(v) {
      await insertRows([
        {
          id: v.id,
          site_id: siteId,
          use_case: v.useCase,
          user_id: v.userId,
          phone: v.phone,
          code_hash: v.codeHash,
          key_id: v.keyId,
          state: v.state,
          attempts: v.attempts,
          max_attempts: v.maxAttempts,
          sends: v.sends,
          last_sent_at: v.lastSentAt.getTime(),
          expires_at: v.expiresAt.getTime(),
          created_at: v.createdAt.getTime(),
          deliverable: v.deliverable ? 1 : 0,
          locale: v.locale,
          experience_id: v.experienceId,
          payload: JSON.stringify(v.payload),
        },
      ]);
    },
    async findResendable({ useCase, phone, userId, requestKey, now }) {
      // Other requests for the same phone may have started newer verifications; the per-phone send limit keeps
      // their number small, so the few newest are enough to find this request's own.
      const rows = (
        await findResendableQuery(
          { byPhone: phone !== undefined, forNobody: userId === null, limit: requestKey === undefined ? 1 : 10 },
          { useCase, phone: phone ?? '', userId: userId ?? '', now: now.getTime() },
        )
      ).rows;
      const found = rows.map(toVerification).find((v) => requestKey === undefined || v.payload.requestKey === requestKey);
      return found ?? null;
    },
    async recordResend(id, change) {
      const result = await db
        .updateTable('verifications')
        .set((eb) => ({
          code_hash: change.codeHash,
          key_id: change.keyId,
          last_sent_at: change.sentAt.getTime(),
          expires_at: change.expiresAt.getTime(),
          sends: eb('sends', '+', 1),
        }))
        .where('site_id', '=', siteId)
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .where('last_sent_at', '=', change.previousSentAt.getTime())
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async countAttempt(id, now) {
      const row = (await countGuarded({ id, now: now.getTime() })).rows[0];
      if (row) return { kind: 'counted', verification: toVerification(row) };
      const current = await byId(id);
      if (!current) return { kind: 'not_found' };
      // Why the count was refused, by the domain's one rule (the guard above is that rule in SQL).
      switch (classify(current, now)) {
        case 'verified':
        case 'locked':
          return { kind: 'not_pending', verification: current };
        case 'expired':
          return { kind: 'expired' };
        case 'exhausted':
        case 'pending': // a resend moved expiresAt between the refused write and this read; answered as before
          return { kind: 'exhausted' };
      }
    },
    async markVerified(id) {
      const row = (await markVerifiedGuarded({ id })).rows[0];
      return row ? toVerification(row) : null;
    },
    purgeExpired: (before) => deleteInBatches(db, 'verifications', 'id', 'expires_at', siteId, before),
    async recent({ since, useCase, state, limit }) {
      let query = db.selectFrom('verifications').selectAll().where('site_id', '=', siteId);
      if (since) query = query.where('created_at', '>=', since.getTime());
      if (useCase) query = query.where('use_case', '=', useCase);
      if (state) query = query.where('state', '=', state);
      return (await query.orderBy('created_at', 'desc').limit(limit).execute()).map(toVerification);
    },
    async series({ since, bucketMs }) {
      // The bucket size is our own whole number, written into the SQL so that SELECT and GROUP BY are one expression.
      const bucket = sql<number>`created_at / ${sql.lit(Math.max(1, Math.floor(bucketMs)))}`;
      const rows = await db
        .selectFrom('verifications')
        .select((eb) => [
          bucket.as('bucket'),
          'use_case',
          eb.fn.countAll<number | string>().as('started'),
          eb.fn.sum<number | string>(eb.case().when('state', '=', 'verified').then(1).else(0).end()).as('verified'),
        ])
        .where('site_id', '=', siteId)
        .where('created_at', '>=', since.getTime())
        .groupBy([sql`created_at / ${sql.lit(Math.max(1, Math.floor(bucketMs)))}`, 'use_case'])
        .execute();
      return rows.map((r) => ({
        bucket: new Date(Number(r.bucket) * Math.max(1, Math.floor(bucketMs))),
        useCase: r.use_case,
        started: Number(r.started),
        verified: Number(r.verified ?? 0),
      }));
    },
  };
}

function toVerification(row: Selectable<VerificationsTable>): Verification {
  return {
    id: row.id,
    siteId: row.site_id,
    useCase: row.use_case as UseCase,
    userId: row.user_id,
    phone: row.phone as PhoneNumber,
    codeHash: row.code_hash,
    keyId: row.key_id,
    state: row.state as VerificationState,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    sends: Number(row.sends),
    lastSentAt: toDate(row.last_sent_at),
    expiresAt: toDate(row.expires_at),
    createdAt: toDate(row.created_at),
    deliverable: Number(row.deliverable) === 1,
    locale: row.locale,
    experienceId: row.experience_id,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
  };
}
