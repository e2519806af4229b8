import { sql, type Kysely } from 'kysely';
import type { GuessLogRepository, RateWindow } from '../../domain/repositories.js';
import type { StoreKind } from '../migrations.js';
import { toDate, type Database } from '../schema.js';
import { prepare } from '../prepared-query.js';
import { deleteInBatches } from './batched-delete.js';

export function createGuessLogRepository(db: Kysely<Database>, siteId: string, kind: StoreKind): GuessLogRepository {
  // Both run for every code checked (prepared-query.ts).
  const recent = prepare(db, (p: { phone: string; since: number }) =>
    db
      .selectFrom('guess_events')
      .select('guessed_at')
      .where('site_id', '=', siteId)
      .where('phone', '=', p.phone)
      .where('guessed_at', '>', p.since)
      .orderBy('guessed_at'),
  );
  const deleteById = prepare(db, (p: { id: number }) => db.deleteFrom('guess_events').where('site_id', '=', siteId).where('id', '=', p.id));

  /** The first full window's release time, or null when every window has room. */
  async function fullUntil(phone: string, now: Date, windows: RateWindow[]): Promise<Date | null> {
    const longest = Math.max(...windows.map((w) => w.ms));
    const times = (await recent({ phone, since: now.getTime() - longest })).rows.map((r) => Number(r.guessed_at));
    let until: number | null = null;
    for (const { ms, limit } of windows) {
      const inWindow = times.filter((t) => t > now.getTime() - ms);
      // The window has room again once enough of its oldest guesses have aged out of it.
      if (inWindow.length >= limit) until = Math.max(until ?? 0, inWindow[inWindow.length - limit]! + ms);
    }
    return until === null ? null : toDate(until);
  }

  return {
    async reserve(phone, now, windows) {
      if (kind === 'sqlite') {
        // One statement is atomic in SQLite: the insert happens only if every window has room.
        const room = windows
          .map(
            (w) =>
              sql`(select count(*) from guess_events
                   where site_id = ${siteId} and phone = ${phone} and guessed_at > ${now.getTime() - w.ms}) < ${w.limit}`,
          )
          .reduce((all, one) => sql`${all} and ${one}`);
        const inserted = await sql<{ id: number }>`
          insert into guess_events (site_id, phone, guessed_at)
          select ${siteId}, ${phone}, ${now.getTime()} where ${room}
          returning id`.execute(db);
        const row = inserted.rows[0];
        if (row) return { ok: true as const, id: Number(row.id) };
        return { ok: false as const, retryAt: (await fullUntil(phone, now, windows)) ?? now };
      }
      // PostgreSQL: a lock scoped to this site and phone serialises count-then-insert across instances, all in one
      // function call (migration 0019), so a guess costs one round trip.
      const { rows } = await sql<{ id: string | number | null }>`select otpgate_reserve_guess(${siteId}, ${phone}, ${now.getTime()},
          ${windows.map((w) => w.ms)}::bigint[], ${windows.map((w) => w.limit)}::integer[]) as id`.execute(db);
      const id = rows[0]?.id;
      if (id !== null && id !== undefined) return { ok: true as const, id: Number(id) };
      return { ok: false as const, retryAt: (await fullUntil(phone, now, windows)) ?? now };
    },
    async release(id) {
      await deleteById({ id });
    },
    spentUntil: (phone, now, windows) => fullUntil(phone, now, windows),
    purgeBefore: (before) => deleteInBatches(db, 'guess_events', 'id', 'guessed_at', siteId, before),
  };
}
