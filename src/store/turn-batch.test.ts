import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appendPerTurn, turnBatch } from './turn-batch.js';

test('calls of one turn are flushed together, in order; the next turn starts a new batch', async () => {
  const flushed: number[][] = [];
  const double = turnBatch(async (items: number[]) => {
    flushed.push(items);
    return items.map((n) => n * 2);
  });
  assert.deepEqual(await Promise.all([double(1), double(2), double(3)]), [2, 4, 6]);
  assert.equal(await double(4), 8);
  assert.deepEqual(flushed, [[1, 2, 3], [4]]);
});

test('a failing flush fails every call of its batch, and only those', async () => {
  let fail = true;
  const echo = turnBatch(async (items: string[]) => {
    if (fail) throw new Error('database down');
    return items;
  });
  const results = await Promise.allSettled([echo('a'), echo('b')]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
  fail = false;
  assert.equal(await echo('c'), 'c');
});

test('oneAtATime: a batch is flushed only after the one before it is answered; calls meanwhile make the next batch', async () => {
  const events: string[] = [];
  let release!: () => void;
  const firstHeld = new Promise<void>((resolve) => (release = resolve));
  const echo = turnBatch(
    async (items: number[]) => {
      events.push(`start ${items.join(',')}`);
      if (items[0] === 1) await firstHeld;
      events.push(`end ${items.join(',')}`);
      return items;
    },
    { oneAtATime: true },
  );
  const first = Promise.all([echo(1), echo(2)]);
  await new Promise((resolve) => setImmediate(resolve)); // the first batch is being flushed
  const second = Promise.all([echo(3)]);
  await new Promise((resolve) => setImmediate(resolve));
  const third = echo(4);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(events, ['start 1,2'], 'nothing else starts while the first batch is in flight');
  release();
  assert.deepEqual(await first, [1, 2]);
  assert.deepEqual(await second, [3]);
  assert.equal(await third, 4);
  assert.deepEqual(events, ['start 1,2', 'end 1,2', 'start 3,4', 'end 3,4']);
});

test('appendPerTurn writes a turn’s rows in inserts of at most maxRows', async () => {
  const inserts: number[][] = [];
  const append = appendPerTurn(async (rows: number[]) => inserts.push(rows), 4);
  await Promise.all([append([1, 2, 3]), append([4, 5]), append([6, 7, 8, 9, 10])]);
  assert.deepEqual(inserts, [
    [1, 2, 3, 4],
    [5, 6, 7, 8],
    [9, 10],
  ]);
});
