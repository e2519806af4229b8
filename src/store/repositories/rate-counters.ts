import { sql, type Kysely } from 'kysely';
import type { RateCounterRepository } from '../../domain/repositories.js';
import { currentWindowCap, hasRoom, windowStart, type CounterReading, type RateCounter } from '../../domain/rate-window.js';
import type { Database } from '../schema.js';
import { prepareEach } from '../prepared-query.js';
import { deleteInBatches } from './batched-delete.js';
import { turnBatch } from '../turn-batch.js';

/**
 * Two rows per limit (this window and the last), whatever the traffic: a read, then one guarded upsert for
 * every counter of a send (of all the sends of an event-loop turn, below). The guard (`count + n <= cap`) is checked
 * by the database on the row it locks, so of concurrent sends on any number of instances only as many succeed as
 * the window has room for.
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
          count: p[`by${i}`] as number,
          expires_at: p[`expires${i}`] as number,
        })),
      )
      .onConflict((oc) => {
        const update = oc
          .columns(['site_id', 'counter_key', 'window_start'])
          .doUpdateSet({ count: sql`rate_counters.count + excluded.count` });
        return guarded
          ? update.where(sql<boolean>`rate_counters.count + excluded.count <= case rate_counters.counter_key ${capOf} end`)
          : update;
      })
      .returning(['counter_key', 'window_start']);
  });

  /** Adds `by` to each counter's current window; `guarded` refuses the rows that would pass their cap. */
  const upsert = async (rows: Increment[], guarded: boolean) => {
    const values: Values = {};
    // Sorted, so that concurrent upserts lock rows in one order (no deadlock on PostgreSQL).
    [...rows]
      .sort((a, b) => (a.counter.key < b.counter.key ? -1 : a.counter.key > b.counter.key ? 1 : a.start - b.start))
      .forEach((r, i) => {
        values[`key${i}`] = r.counter.key;
        values[`start${i}`] = r.start;
        values[`expires${i}`] = r.start + 2 * r.counter.windowMs;
        values[`cap${i}`] = r.cap;
        values[`by${i}`] = r.by;
      });
    return (await upsertQuery({ n: rows.length, guarded }, values)).rows.map((row) => ({ ...row, window_start: Number(row.window_start) }));
  };

  /** Takes back what a refused reservation counted. */
  const giveBack = async (counted: { counter_key: string; window_start: number }[], rows: Increment[]) => {
    for (const row of counted) {
      const by = rows.find((r) => r.counter.key === row.counter_key && r.start === row.window_start)?.by ?? 1;
      await db
        .updateTable('rate_counters')
        .set({ count: sql`count - ${by}` })
        .where('site_id', '=', siteId)
        .where('counter_key', '=', row.counter_key)
        .where('window_start', '=', row.window_start)
        .execute();
    }
  };

  /** One send alone: every counter counted, or (a concurrent send took the last room of one) none. */
  const reserveAlone = async (rows: Increment[]): Promise<boolean> => {
    const counted = await upsert(rows, true);
    if (counted.length === rows.length) return true;
    await giveBack(counted, rows);
    return false;
  };

  /*
   * The sends of one event-loop turn are counted together (turn-batch.ts), up to 16 per statement: each counter is
   * raised by the number of sends that count against it, guarded by the smallest cap any of them computed. If that
   * fits, counting them one by one would have fitted too. If it does not (or a counter would take more than its cap
   * in one go, or a window turned over within the turn), what it took is given back and each send is counted alone,
   * as before; a send whose own statement fails gets that error, the others their answers.
   */
  const reserveTogether = async (sends: Increment[][]): Promise<Outcome[]> => {
    const merged = sends.length > 1 ? mergeGuarded(sends) : null;
    if (merged) {
      const counted = await upsert(merged, true);
      if (counted.length === merged.length) return sends.map(() => ({ ok: true }));
      await giveBack(counted, merged);
    }
    const settled = await Promise.allSettled(sends.map(reserveAlone));
    return settled.map((s) => (s.status === 'fulfilled' ? { ok: s.value } : { error: s.reason as unknown }));
  };
  const reserveTurn = turnBatch(async (sends: Increment[][]): Promise<Outcome[]> => {
    const outcomes: Outcome[] = [];
    for (let i = 0; i < sends.length; i += SENDS_PER_STATEMENT) {
      const group = sends.slice(i, i + SENDS_PER_STATEMENT);
      // A failed joint statement fails its own group's sends, not the groups already counted or still to come.
      outcomes.push(...(await reserveTogether(group).catch((error: unknown) => group.map(() => ({ error })))));
    }
    return outcomes;
  });

  /** What only measures is always counted: the turn's sends together, each counter raised by its share. */
  const addTurn = turnBatch(async (sends: Increment[][]): Promise<void[]> => {
    const rows = mergeAdds(sends);
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) await upsert(rows.slice(i, i + ROWS_PER_STATEMENT), false);
    return sends.map(() => undefined);
  });

  return {
    async add(counters, at) {
      if (counters.length === 0) return;
      const now = at.getTime();
      await addTurn(counters.map((counter) => ({ counter, start: windowStart(now, counter.windowMs), cap: 0, by: 1 })));
    },
    read: (counters, at) => (counters.length === 0 ? Promise.resolve([]) : read(counters, at.getTime())),
    async reserve(counters, at) {
      if (counters.length === 0) return { ok: true, readings: [] };
      const now = at.getTime();
      const readings = await read(counters, now);
      if (!counters.every((c, i) => hasRoom(c, readings[i]!, now))) return { ok: false, readings };
      const rows = counters.map((c, i) => ({
        counter: c,
        start: windowStart(now, c.windowMs),
        cap: currentWindowCap(c, readings[i]!.previous, now),
        by: 1,
      }));
      const outcome = await reserveTurn(rows);
      if ('error' in outcome) throw outcome.error;
      if (outcome.ok) return { ok: true, readings };
      // A concurrent send took the last room of some counter: report afresh.
      return { ok: false, readings: await read(counters, now) };
    },
    purgeBefore: (before) => deleteInBatches(db, 'rate_counters', 'id', 'expires_at', siteId, before),
  };
}

/** Bounds on what one statement carries (parameters, and the prepared shapes: one per row count). */
const SENDS_PER_STATEMENT = 16;
const ROWS_PER_STATEMENT = 64;

type Outcome = { ok: boolean } | { error: unknown };

/** One counter's share of a send (or of a turn's sends): raise it `by`, and (guarded) not past `cap`. */
interface Increment {
  counter: RateCounter;
  start: number;
  cap: number;
  by: number;
}

/** A turn's unguarded adds as one increment per counter and window. */
function mergeAdds(sends: Increment[][]): Increment[] {
  const merged = new Map<string, Increment>();
  for (const row of sends.flat()) {
    const slot = `${row.counter.key}\n${row.start}`;
    const seen = merged.get(slot);
    if (seen) seen.by += row.by;
    else merged.set(slot, { ...row });
  }
  return [...merged.values()];
}

/** A turn's sends as one increment per counter, or null when they cannot be counted together. */
function mergeGuarded(sends: Increment[][]): Increment[] | null {
  const merged = new Map<string, Increment>();
  for (const row of sends.flat()) {
    const seen = merged.get(row.counter.key);
    if (!seen) merged.set(row.counter.key, { ...row });
    else if (seen.start !== row.start)
      return null; // the guard's caps are per counter key: one window per key
    else {
      seen.by += row.by;
      seen.cap = Math.min(seen.cap, row.cap);
    }
  }
  // A new row is inserted with its whole share, which the guard does not check: it must fit the cap by itself.
  for (const row of merged.values()) if (row.by > row.cap) return null;
  return [...merged.values()];
}
