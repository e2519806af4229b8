import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { RateCounterRepository } from '../../domain/repositories.js';
import { hasRoom, previousWeight, windowStart, type CounterReading, type RateCounter } from '../../domain/rate-window.js';
import type { Database } from '../schema.js';
import { prepareEach } from '../prepared-query.js';
import { deleteInBatches } from './batched-delete.js';
import { turnBatch } from '../turn-batch.js';

/**
 * Two rows per limit (this window and the last), whatever the traffic: a read, then one guarded upsert for
 * every counter of a send (of all the sends of an event-loop turn, below). The guard (this window's count, plus `n`,
 * plus the last window's count as it is now, weighted, within the limit) is checked by the database on the row it
 * locks, so of concurrent sends on any number of instances only as many succeed as the window has room for. On
 * PostgreSQL the last window's count is read as the statement starts: a send of another instance still writing to it
 * is not seen (a few milliseconds at a window's edge, where this instance's own sends are ordered: `oneAtATime`).
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

  /*
   * The guard reads the previous window's count as the statement runs, not as the send read it: sends counted just
   * after a window turned over must see what sends stamped just before it added to that window meanwhile, or both
   * windows fill (an attacker times a burst at the edge). New rows are guarded too (INSERT ... SELECT ... WHERE).
   */
  const guardedQuery = prepareEach(db, (n: number, p: Values) => {
    const range = Array.from({ length: n }, (_, i) => i);
    const num = (name: string, i: number, type: 'bigint' | 'double precision') => sql`cast(${p[`${name}${i}`]} as ${sql.raw(type)})`;
    // (key, window start, by, expires, limit, weight, window length): column1 to column7 of the VALUES list.
    const rows = range.map((i) => {
      const numbers = [num('start', i, 'bigint'), num('by', i, 'bigint'), num('expires', i, 'bigint')];
      const terms = [num('limit', i, 'double precision'), num('weight', i, 'double precision'), num('window', i, 'bigint')];
      return sql`(${sql.join([sql`${p[`key${i}`]}`, ...numbers, ...terms])})`;
    });
    const perKey = (name: string) =>
      sql`case rate_counters.counter_key ${sql.join(
        range.map((i) => sql`when ${p[`key${i}`]} then ${num(name, i, 'double precision')}`),
        sql` `,
      )} end`;
    type Ref = RawBuilder<unknown>;
    const previous = (key: Ref, start: Ref, window: Ref) =>
      sql`coalesce((select p.count from rate_counters p
        where p.site_id = ${siteId} and p.counter_key = ${key} and p.window_start = ${start} - ${window}), 0)`;
    // A send stamped before a window turned over and counted after a send of the new window: refused, since the newer
    // window has already weighed this one as its previous. Rare, at the edge only, and it fails closed.
    const closed = (key: Ref, start: Ref) =>
      sql`exists (select 1 from rate_counters q where q.site_id = ${siteId} and q.counter_key = ${key} and q.window_start > ${start})`;
    const [newKey, newStart, oldKey, oldStart] = [
      sql`v.column1`,
      sql`v.column2`,
      sql`rate_counters.counter_key`,
      sql`rate_counters.window_start`,
    ];
    const query = sql<Counted>`insert into rate_counters (site_id, counter_key, window_start, count, expires_at)
      select ${siteId}, v.column1, v.column2, v.column3, v.column4 from (values ${sql.join(rows)}) as v
      where v.column3 + ${previous(newKey, newStart, sql`v.column7`)} * v.column6 <= v.column5 and not ${closed(newKey, newStart)}
      on conflict (site_id, counter_key, window_start) do update set count = rate_counters.count + excluded.count
      where rate_counters.count + excluded.count
        + ${previous(oldKey, oldStart, perKey('window'))} * ${perKey('weight')} <= ${perKey('limit')}
        and not ${closed(oldKey, oldStart)}
      returning counter_key, window_start`;
    return { compile: () => query.compile(db) };
  });

  const addQuery = prepareEach(db, (n: number, p: Values) =>
    db
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
      .onConflict((oc) =>
        oc.columns(['site_id', 'counter_key', 'window_start']).doUpdateSet({ count: sql`rate_counters.count + excluded.count` }),
      )
      .returning(['counter_key', 'window_start']),
  );

  /** Adds `by` to each counter's current window; `guarded` refuses the rows that would pass their limit. */
  const upsert = async (rows: Increment[], guarded: boolean) => {
    const values: Values = {};
    // Sorted, so that concurrent upserts lock rows in one order (no deadlock on PostgreSQL).
    [...rows]
      .sort((a, b) => (a.counter.key < b.counter.key ? -1 : a.counter.key > b.counter.key ? 1 : a.start - b.start))
      .forEach((r, i) => {
        values[`key${i}`] = r.counter.key;
        values[`start${i}`] = r.start;
        values[`expires${i}`] = r.start + 2 * r.counter.windowMs;
        values[`by${i}`] = r.by;
        values[`limit${i}`] = r.counter.limit;
        values[`weight${i}`] = r.weight;
        values[`window${i}`] = r.counter.windowMs;
      });
    const { rows: counted } = guarded ? await guardedQuery(rows.length, values) : await addQuery(rows.length, values);
    return counted.map((row) => ({ ...row, window_start: Number(row.window_start) }));
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
   * raised by the number of sends that count against it, its previous window weighed as at the earliest of them. If
   * that fits, counting them one by one would have fitted too. If it does not (or a window turned over within the
   * turn), what it took is given back and each send is counted alone, in order; a send whose own statement fails gets
   * that error, the others their answers.
   */
  const reserveTogether = async (sends: Increment[][]): Promise<Outcome[]> => {
    const merged = sends.length > 1 ? mergeGuarded(sends) : null;
    if (merged) {
      const counted = await upsert(merged, true);
      if (counted.length === merged.length) return sends.map(() => ({ ok: true }));
      await giveBack(counted, merged);
    }
    // One after another, in the order the sends were counted: each one's guard sees what the ones before it added.
    const outcomes: Outcome[] = [];
    for (const send of sends)
      outcomes.push(
        await reserveAlone(send).then(
          (ok) => ({ ok }),
          (error: unknown) => ({ error }),
        ),
      );
    return outcomes;
  };
  const reserveTurn = turnBatch(
    async (sends: Increment[][]): Promise<Outcome[]> => {
      const outcomes: Outcome[] = [];
      for (let i = 0; i < sends.length; i += SENDS_PER_STATEMENT) {
        const group = sends.slice(i, i + SENDS_PER_STATEMENT);
        // A failed joint statement fails its own group's sends, not the groups already counted or still to come.
        outcomes.push(...(await reserveTogether(group).catch((error: unknown) => group.map(() => ({ error })))));
      }
      return outcomes;
    },
    { oneAtATime: true },
  );

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
      await addTurn(counters.map((counter) => ({ counter, start: windowStart(now, counter.windowMs), weight: 0, by: 1 })));
    },
    read: (counters, at) => (counters.length === 0 ? Promise.resolve([]) : read(counters, at.getTime())),
    async reserve(counters, at) {
      if (counters.length === 0) return { ok: true, readings: [] };
      const now = at.getTime();
      const readings = await read(counters, now);
      if (!counters.every((c, i) => hasRoom(c, readings[i]!, now))) return { ok: false, readings };
      const rows = counters.map((c) => ({
        counter: c,
        start: windowStart(now, c.windowMs),
        weight: previousWeight(now, c.windowMs),
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
type Counted = { counter_key: string; window_start: number };

/**
 * One counter's share of a send (or of a turn's sends): raise it `by`, and (guarded) not past its limit, counting
 * the previous window's count at `weight` (how much of it the sliding window still covers at the send's time).
 */
interface Increment {
  counter: RateCounter;
  start: number;
  weight: number;
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
      return null; // the guard's terms are per counter key: one window per key
    else {
      seen.by += row.by;
      // The earliest send weighs the previous window most: if the joint guard fits with that, each send's would.
      seen.weight = Math.max(seen.weight, row.weight);
    }
  }
  return [...merged.values()];
}
