import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { AUTO_CHECKPOINT_PAGES, startCheckpointer, WAL_RESTART_PAGES } from '../src/store/sqlite-checkpointer.js';
import { openSqliteDatabase } from '../src/store/sqlite.js';

function tempDb(t: { after(fn: () => void | Promise<void>): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'otpgate-ckpt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'otpgate.db');
}

/** A file database as the server opens it, with its checkpoint thread (a fast one, for the test). */
function withCheckpointer(t: { after(fn: () => void | Promise<void>): void }) {
  const path = tempDb(t);
  const database = openSqliteDatabase(`sqlite:${path}`);
  const checkpointer = startCheckpointer(database, path, { intervalMs: 20 });
  assert.ok(checkpointer);
  t.after(async () => {
    await checkpointer.stop();
    database.close();
  });
  return { path, database };
}

const waitFor = async (check: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
};

test('the checkpoint thread copies committed pages into the database file', async (t) => {
  const { path, database } = withCheckpointer(t);
  assert.equal(
    database.pragma('wal_autocheckpoint', { simple: true }),
    WAL_RESTART_PAGES,
    'the server connection leaves most to the thread',
  );
  database.exec('create table t (id integer primary key, body text)');
  const insert = database.prepare('insert into t (body) values (?)');
  // Well past SQLite's own threshold: without a checkpoint, these pages would stay in the WAL only.
  database.transaction(() => {
    for (let i = 0; i < 4000; i++) insert.run('x'.repeat(200));
  })();
  const before = statSync(path).size;
  assert.ok(await waitFor(() => statSync(path).size > before + 500_000), 'the pages reach the database file');
  // A third connection finds nothing left to copy.
  const reader = new SqliteDatabase(path, { readonly: true });
  t.after(() => reader.close());
  assert.equal((reader.prepare('select count(*) as n from t').get() as { n: number }).n, 4000);
});

test('under a steady stream of commits the WAL file still starts over: it stays bounded, not growing with the data', async (t) => {
  const { path, database } = withCheckpointer(t);
  database.exec('create table t (id integer primary key, body text)');
  const insert = database.prepare('insert into t (body) values (?)');
  const batch = database.transaction(() => {
    for (let i = 0; i < 100; i++) insert.run('y'.repeat(400));
  });
  // ~60 MB of new pages, a commit per event-loop turn (as the server's group commit does), never pausing.
  let largest = 0;
  for (let i = 0; i < 1500; i++) {
    batch();
    if (i % 50 === 0) largest = Math.max(largest, statSync(`${path}-wal`).size);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const data = statSync(path).size;
  assert.ok(data > 50_000_000, `the data reached the database file (${data} bytes)`);
  assert.ok(largest < 2.5 * WAL_RESTART_PAGES * 4096, `the WAL peaked at ${largest} bytes`);
});

test('a checkpoint thread that cannot open the database hands checkpoints back to the server connection', async (t) => {
  const path = tempDb(t);
  const database = openSqliteDatabase(`sqlite:${path}`);
  t.after(() => database.close());
  const errors: unknown[] = [];
  const checkpointer = startCheckpointer(database, join(path, 'not-a-dir', 'x.db'), { onError: (e) => errors.push(e) });
  t.after(async () => checkpointer?.stop());
  assert.ok(await waitFor(() => errors.length > 0), 'the failure is reported');
  assert.equal(database.pragma('wal_autocheckpoint', { simple: true }), AUTO_CHECKPOINT_PAGES);
});
