import { sql, type Kysely } from 'kysely';
import type { RateCounterRepository } from '../../domain/repositories.js';
import { currentWindowCap, hasRoom, windowStart, type CounterReading, type RateCounter } from '../../domain/rate-window.js';
import type { Database } from '../schema.js';
import { prepareEach } from '../prepared-query.js';
import { deleteInBatches } from './batched-delete.js';

/**
 * Two rows per limit (this window and the last), whatever the traffic: a read, then one guarded upsert for
 * every counter of a send. The guard (`count + 1 <= cap`) is checked by the database on the row it locks, so
 * of concurrent sends on any number of instances only as many succeed as the window has room for.
 */
export function createRateCounterRepository(db: Kysely<Database>, siteId: string): RateCounterRepository {
  // Every send reads and writes its counters: one prepared shape per number of counters (prepared-query.ts).
  type Values = Record<string, string | number>;
  const readQuery = prepareEach(db, (n: number, p: Values) =>
    db
      .selectFrom('rate_counters')
      .select(['counter_key', 'window_start', 'count'])
      .where('site_id', '=', siteId)
      .where(
        'counter_key',
        'in',
        Array.from({ length: n }, (_, i) => p[`key${i}`] as string),
      )
      .where('window_start', '>=', p.oldest as number),
  );

  async function read(counters: RateCounter[], now: number): Promise<CounterReading[]> {
    const values: Values = { oldest: Math.min(...counters.map((c) => windowStart(now, c.windowMs) - c.windowMs)) };
    counters.forEach((c, i) => (values[`key${i}`] = c.key));
    const { rows } = await readQuery(counters.length, values);
    const count = (key: string, start: number) =>
      Number(rows.find((r) => r.counter_key === key && Number(r.window_start) === start)?.count ?? 0);
    return counters.map((c) => {
      const start = windowStart(now, c.windowMs);
      return { current: count(c.key, start), previous: count(c.key, start - c.windowMs) };
    });
  }

  const upsertQuery = prepareEach(db, ({ n, guarded }: { n: number; guarded: boolean }, p: Values) => {
    const capOf = sql.join(
      Array.from({ length: n }, (_, i) => sql`when ${p[`key${i}`]} then cast(${p[`cap${i}`]} as double precision)`),
      sql` `,
    );
    return db
      .insertInto('rate_counters')
      .values(
        Array.from({ length: n }, (_, i) => ({
          site_id: siteId,
          counter_key: p[`key${i}`] as string,
          window_start: p[`start${i}`] as number,
          count: 1,
          expires_at: p[`expires${i}`] as number,
        })),
      )
      .onConflict((oc) => {
        const update = oc.columns(['site_id', 'counter_key', 'window_start']).doUpdateSet({ count: sql`rate_counters.count + 1` });
        return guarded ? update.where(sql<boolean>`rate_counters.count + 1 <= case rate_counters.counter_key ${capOf} end`) : update;
      })
      .returning(['counter_key', 'window_start']);
  });

  /** Adds one to each counter's current window; `guarded` refuses the rows that would pass their cap. */
  const upsert = async (rows: { counter: RateCounter; start: number; cap: number }[], guarded: boolean) => {
    const values: Values = {};
    rows.forEach((r, i) => {
      values[`key${i}`] = r.counter.key;
      values[`start${i}`] = r.start;
      values[`expires${i}`] = r.start + 2 * r.counter.windowMs;
      values[`cap${i}`] = r.cap;
    });
    return (await upsertQuery({ n: rows.length, guarded }, values)).rows;
  };
  // Sorted, so that concurrent upserts lock rows in one order (no deadlock on PostgreSQL).
  const byKey = <T extends { counter: RateCounter }>(rows: T[]) => rows.sort((a, b) => (a.counter.key < b.counter.key ? -1 : 1));

  return {
    async add(counters, at) {
      if (counters.length === 0) return;
      const now = at.getTime();
      await upsert(byKey(counters.map((counter) => ({ counter, start: windowStart(now, counter.windowMs), cap: 0 }))), false);
    },
    read: (counters, at) => (counters.length === 0 ? Promise.resolve([]) : read(counters, at.getTime())),
    async reserve(counters, at) {
      if (counters.length === 0) return { ok: true, readings: [] };
      const now = at.getTime();
      const readings = await read(counters, now);
      if (!counters.every((c, i) => hasRoom(c, readings[i]!, now))) return { ok: false, readings };

      const rows = byKey(
        counters.map((c, i) => ({ counter: c, start: windowStart(now, c.windowMs), cap: currentWindowCap(c, readings[i]!.previous, now) })),
      );
      const counted = await upsert(rows, true);
      if (counted.length === rows.length) return { ok: true, readings };

      // A concurrent send took the last room of some counter: give back what this one took, and report afresh.
      for (const row of counted)
        await db
          .updateTable('rate_counters')
          .set({ count: sql`count - 1` })
          .where('site_id', '=', siteId)
          .where('counter_key', '=', row.counter_key)
          .where('window_start', '=', row.window_start)
          .execute();
      return { ok: false, readings: await read(counters, now) };
    },
    purgeBefore: (before) => deleteInBatches(db, 'rate_counters', 'id', 'expires_at', siteId, before),
  };
}
