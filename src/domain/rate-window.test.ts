import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { hasRoom, msUntilRoom, slidingCount } from './rate-window.js';

const HOUR = 3_600_000;

test('the sliding count weighs the previous window by its overlap', () => {
  const hourStart = 100 * HOUR;
  assert.equal(slidingCount({ current: 2, previous: 10 }, hourStart, HOUR), 12);
  assert.equal(slidingCount({ current: 2, previous: 10 }, hourStart + HOUR / 4, HOUR), 9.5);
  assert.equal(slidingCount({ current: 2, previous: 10 }, hourStart + HOUR - 1, HOUR) < 2.01, true);
});

test('msUntilRoom is exactly when a send fits again: none fits a few ms before, one fits then', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 0, max: HOUR - 1 }),
      (limit, current, previous, offset) => {
        const counter = { key: 'k', windowMs: HOUR, limit };
        const now = 500 * HOUR + offset;
        const reading = { current, previous };
        const wait = msUntilRoom(counter, reading, now);
        const readingAt = (at: number) =>
          at >= 502 * HOUR ? { current: 0, previous: 0 } : at >= 501 * HOUR ? { current: 0, previous: current } : reading;
        if (hasRoom(counter, reading, now)) return wait === 0 || hasRoom(counter, readingAt(now + wait), now + wait);
        assert.ok(wait > 0, 'a full counter has a wait');
        assert.ok(hasRoom(counter, readingAt(now + wait), now + wait), `room after ${wait} ms`);
        if (wait > 3) assert.ok(!hasRoom(counter, readingAt(now + wait - 3), now + wait - 3), `no room before ${wait} ms`);
        return true;
      },
    ),
    { numRuns: 2000 },
  );
});
