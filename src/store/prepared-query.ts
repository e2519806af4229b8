/**
 * Query shapes built and compiled by Kysely once, then run with new values. Building a query (immutable nodes,
 * frozen at every step) and compiling it cost more than SQLite takes to run most of them: about a seventh of the
 * server's time under load went to Kysely (bench/README.md, issue 12). The hot queries of a login are fixed
 * shapes, so each is built once with stand-ins for its values; a call puts its values where the stand-ins went.
 *
 * A shape must not depend on the values: a builder that branches on a value (an optional filter, a list whose
 * length varies) needs one prepared query per branch, or stays a plain Kysely query.
 */
import type { Compilable, CompiledQuery, Insertable, Kysely, QueryResult } from 'kysely';

/** Where a value goes; Kysely passes any non-expression value through to the parameters untouched. */
class Slot {
  constructor(readonly name: string) {}
}

type Template = { compiled: CompiledQuery; slots: readonly unknown[] };

function compile(build: (standIns: Record<string, unknown>) => Compilable<unknown>): Template {
  const standIns = new Proxy({}, { get: (_, name) => new Slot(String(name)) });
  const compiled = build(standIns).compile();
  return { compiled, slots: compiled.parameters };
}

/** Runs a compiled query on the database's connection, outside any transaction, as Kysely's executor would. */
export type DirectExecutor = (compiled: CompiledQuery) => Promise<QueryResult<unknown>>;

const directExecutors = new WeakMap<object, DirectExecutor>();

/**
 * Lets prepared queries on `db` skip Kysely's executor (a connection acquired and released, result plugins, the
 * log wrapper: about a sixth of what a login allocated on SQLite, bench/README.md, issue 12). The executor must do
 * what those did that matters here: time the query for the metrics. Queries in a transaction still go through it.
 */
export function runPreparedQueriesDirectly<DB>(db: Kysely<DB>, execute: DirectExecutor): void {
  directExecutors.set(db, execute);
}

function run<R>(db: Kysely<unknown>, { compiled, slots }: Template, given: Record<string, unknown>): Promise<QueryResult<R>> {
  const parameters = slots.map((slot) => {
    if (!(slot instanceof Slot)) return slot;
    const value = given[slot.name];
    // Kysely would have left an undefined column out of an insert; a fixed shape cannot, so it is a caller's bug.
    if (value === undefined) throw new TypeError(`prepared query: no value for "${slot.name}"`);
    return value;
  });
  const direct = db.isTransaction ? undefined : directExecutors.get(db);
  if (direct) return direct({ ...compiled, parameters }) as Promise<QueryResult<R>>;
  return db.executeQuery<R>({ ...compiled, parameters });
}

/**
 * `build` receives stand-ins typed as the values (so the builder type-checks as usual) and must use them only
 * as values (in comparisons, `set()`, `limit()`), never branch on them.
 */
export function prepare<DB, P extends object, R>(
  db: Kysely<DB>,
  build: (values: P) => Compilable<R>,
): (values: P) => Promise<QueryResult<R>> {
  let template: Template | null = null;
  return async (values: P) => {
    template ??= compile(build as unknown as (standIns: Record<string, unknown>) => Compilable<unknown>);
    return run<R>(db as Kysely<unknown>, template, values as Record<string, unknown>);
  };
}

/**
 * A query with a few shapes (an optional filter, a list of n values): one prepared query per shape, made on first
 * use. `shape` is a small JSON-able value that `build` branches on; the values it must use only as values.
 */
export function prepareEach<DB, S, P extends object, R>(
  db: Kysely<DB>,
  build: (shape: S, values: P) => Compilable<R>,
): (shape: S, values: P) => Promise<QueryResult<R>> {
  const shapes = new Map<string, (values: P) => Promise<QueryResult<R>>>();
  return (shape, values) => {
    const key = JSON.stringify(shape);
    let query = shapes.get(key);
    if (!query) shapes.set(key, (query = prepare(db, (p: P) => build(shape, p))));
    return query(values);
  };
}

/**
 * An INSERT of rows into `table`, compiled once per shape: the columns the rows give a value (an undefined one is
 * left out, so the column takes its default, as Kysely does) and how many rows there are. Rows that differ in
 * their columns are inserted as a plain Kysely query.
 */
export function prepareInsert<DB, T extends keyof DB & string>(
  db: Kysely<DB>,
  table: T,
): (rows: readonly Insertable<DB[T]>[]) => Promise<QueryResult<never>> {
  const templates = new Map<string, Template>();
  const loose = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
  const definedColumns = (row: object) => Object.keys(row).filter((c) => (row as Record<string, unknown>)[c] !== undefined);
  return async (rows) => {
    const columns = definedColumns(rows[0] ?? {});
    const shape = columns.join(',');
    if (rows.some((row) => definedColumns(row).join(',') !== shape)) return loose.executeQuery<never>(loose.insertInto(table).values(rows));
    const key = `${rows.length}:${shape}`;
    let template = templates.get(key);
    if (!template) {
      template = compile((standIns) =>
        loose.insertInto(table).values(rows.map((_, i) => Object.fromEntries(columns.map((c) => [c, standIns[`${i}.${c}`]])))),
      );
      templates.set(key, template);
    }
    const given: Record<string, unknown> = {};
    rows.forEach((row, i) => {
      for (const c of columns) given[`${i}.${c}`] = (row as Record<string, unknown>)[c];
    });
    return run<never>(db as Kysely<unknown>, template, given);
  };
}
