import assert from 'node:assert/strict';
import { test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { prepare, prepareInsert, runPreparedQueriesDirectly } from '../src/store/prepared-query.js';
import { timedExecutor } from '../src/store/query-timing.js';
import { sqliteGroupCommitDialect } from '../src/store/sqlite-dialect.js';

interface Db {
  notes: { id: number; owner: string; body: string; kind: string };
}

function database(t: { after(fn: () => Promise<void>): void }) {
  const sqlite = new SqliteDatabase(':memory:');
  sqlite.exec("create table notes (id integer primary key, owner text not null, body text not null, kind text not null default 'plain')");
  const db = new Kysely<Db>({ dialect: new SqliteDialect({ database: sqlite }) });
  t.after(() => db.destroy());
  return db;
}

test('a prepared query binds each call’s own values: the shape is compiled once, the values never stick', async (t) => {
  const db = database(t);
  const insert = prepareInsert(db, 'notes');
  await insert([{ id: 1, owner: 'ann', body: 'a', kind: 'x' }]);
  await insert([
    { id: 2, owner: 'bob', body: 'b', kind: 'y' },
    { id: 3, owner: 'bob', body: 'c', kind: 'y' },
  ]);
  const byOwner = prepare(db, (p: { owner: string; limit: number }) =>
    db.selectFrom('notes').select(['id', 'body']).where('owner', '=', p.owner).orderBy('id').limit(p.limit),
  );
  assert.deepEqual((await byOwner({ owner: 'bob', limit: 5 })).rows, [
    { id: 2, body: 'b' },
    { id: 3, body: 'c' },
  ]);
  assert.deepEqual((await byOwner({ owner: 'ann', limit: 5 })).rows, [{ id: 1, body: 'a' }]);
  assert.deepEqual((await byOwner({ owner: 'bob', limit: 1 })).rows, [{ id: 2, body: 'b' }]);
  // The same answers as the plain builder gives.
  assert.deepEqual(
    (await byOwner({ owner: 'bob', limit: 5 })).rows,
    await db.selectFrom('notes').select(['id', 'body']).where('owner', '=', 'bob').orderBy('id').limit(5).execute(),
  );
});

test('a prepared insert leaves an undefined column to its default, as Kysely does, and rows that differ still go in', async (t) => {
  const db = database(t);
  const insert = prepareInsert(db, 'notes');
  await insert([{ id: 1, owner: 'ann', body: 'a', kind: undefined as unknown as string }]);
  await insert([{ id: 2, owner: 'ann', body: 'b', kind: 'x' }]);
  await insert([
    { id: 3, owner: 'ann', body: 'c', kind: 'y' },
    { owner: 'ann', body: 'd', kind: 'z' } as { id: number; owner: string; body: string; kind: string },
  ]);
  assert.deepEqual(await db.selectFrom('notes').select(['id', 'kind']).orderBy('id').execute(), [
    { id: 1, kind: 'plain' },
    { id: 2, kind: 'x' },
    { id: 3, kind: 'y' },
    { id: 4, kind: 'z' },
  ]);
});

test('a prepared query called without one of its values is refused before anything runs', async (t) => {
  const db = database(t);
  const byOwner = prepare(db, (p: { owner: string }) => db.selectFrom('notes').selectAll().where('owner', '=', p.owner));
  await assert.rejects(() => byOwner({} as { owner: string }), /no value for "owner"/);
});

test('on SQLite prepared queries skip Kysely’s executor: still timed, never inside a transaction not their own', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'otpgate-prepared-'));
  const dialect = sqliteGroupCommitDialect(new SqliteDatabase(join(dir, 'notes.db')));
  const db = new Kysely<Db>({ dialect });
  t.after(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  const schema = "create table notes (id integer primary key, owner text not null, body text not null, kind text not null default 'plain')";
  await sql.raw(schema).execute(db);
  const timed: string[] = [];
  runPreparedQueriesDirectly(
    db,
    timedExecutor(dialect.execute, (operation) => timed.push(operation)),
  );
  const count = prepare(db, (p: { owner: string }) =>
    db
      .selectFrom('notes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('owner', '=', p.owner),
  );

  await prepareInsert(db, 'notes')([{ id: 1, owner: 'ann', body: 'a', kind: 'x' }]);
  assert.equal((await count({ owner: 'ann' })).rows[0]?.n, 1);
  assert.deepEqual(timed, ['insert', 'select']);

  // A transaction's own prepared queries go through it (undone with it); one from outside waits for it to end.
  let outside: Promise<unknown> | undefined;
  await assert.rejects(
    db.transaction().execute(async (trx) => {
      await prepareInsert<Db, 'notes'>(trx, 'notes')([{ id: 2, owner: 'ann', body: 'b', kind: 'x' }]);
      outside = count({ owner: 'ann' });
      throw new Error('undo');
    }),
    /undo/,
  );
  assert.deepEqual(((await outside) as { rows: { n: number }[] }).rows, [{ n: 1 }]);
  assert.deepEqual(timed, ['insert', 'select', 'select'], 'the transaction’s insert went through Kysely, not the direct path');
});
