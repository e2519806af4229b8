import type { Kysely, Selectable } from 'kysely';
import type { SessionRepository } from '../../domain/repositories.js';
import type { BrowserSession } from '../../domain/session.js';
import { toDate, toDateOrNull, type Database, type SessionsTable } from '../schema.js';
import { deleteInBatches } from './batched-delete.js';

export function createSessionRepository(db: Kysely<Database>, siteId: string): SessionRepository {
  const live = (now: Date) =>
    db.updateTable('sessions').where('site_id', '=', siteId).where('revoked_at', 'is', null).where('expires_at', '>', now.getTime());
  return {
    async insert(session) {
      await db
        .insertInto('sessions')
        .values({
          token_hash: session.tokenHash,
          site_id: siteId,
          user_id: session.userId,
          auth_time: session.authTime.getTime(),
          second_factor_at: session.secondFactorAt?.getTime() ?? null,
          created_at: session.createdAt.getTime(),
          expires_at: session.expiresAt.getTime(),
          revoked_at: session.revokedAt?.getTime() ?? null,
          last_seen_at: session.lastSeenAt.getTime(),
        })
        .execute();
    },
    async byHash(tokenHash) {
      const row = await db
        .selectFrom('sessions')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return row ? toSession(row) : null;
    },
    async markSecondFactor(tokenHash, at) {
      const result = await live(at).set({ second_factor_at: at.getTime() }).where('token_hash', '=', tokenHash).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async touch(tokenHash, at) {
      // Not revoked only: a sign-out elsewhere wins over activity recorded at the same moment.
      const result = await db
        .updateTable('sessions')
        .set({ last_seen_at: at.getTime() })
        .where('site_id', '=', siteId)
        .where('token_hash', '=', tokenHash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async revoke(tokenHash, now) {
      const result = await db
        .updateTable('sessions')
        .set({ revoked_at: now.getTime() })
        .where('site_id', '=', siteId)
        .where('token_hash', '=', tokenHash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async revokeUser(userId, now, exceptSession) {
      let query = live(now).set({ revoked_at: now.getTime() }).where('user_id', '=', userId);
      if (exceptSession !== undefined) query = query.where('token_hash', '!=', exceptSession);
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    purgeExpired: (before) => deleteInBatches(db, 'sessions', 'token_hash', 'expires_at', siteId, before),
  };
}

function toSession(row: Selectable<SessionsTable>): BrowserSession {
  return {
    tokenHash: row.token_hash,
    siteId: row.site_id,
    userId: row.user_id,
    authTime: toDate(row.auth_time),
    secondFactorAt: toDateOrNull(row.second_factor_at),
    createdAt: toDate(row.created_at),
    expiresAt: toDate(row.expires_at),
    revokedAt: toDateOrNull(row.revoked_at),
    lastSeenAt: toDate(row.last_seen_at ?? row.created_at),
  };
}
