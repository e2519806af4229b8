/**
 * Sliding-window counting from two fixed windows (the current and the one before it), as Cloudflare and
 * most API gateways do: the previous window's count is weighted by how much of it still overlaps the sliding
 * window. Two counter rows per limit instead of one row per event, so a site-wide cap of 10,000 a day costs
 * the same as a per-IP cap of 10, and every instance sees the same counts in the database.
 */

/** One limit as counted: a subject (`ip:203.0.113.7`) over a window, and how many sends it allows. */
export interface RateCounter {
  key: string;
  windowMs: number;
  limit: number;
}

/** What the database holds for one counter: sends in the current fixed window and in the one before. */
export interface CounterReading {
  current: number;
  previous: number;
}

export const windowStart = (now: number, windowMs: number): number => Math.floor(now / windowMs) * windowMs;

/**
 * How much of the previous window the sliding window still covers (1 at the start of a window, 0 at its end): the
 * weight the guarded increment gives the previous window's count (store/repositories/rate-counters.ts).
 */
export const previousWeight = (now: number, windowMs: number): number => 1 - (now - windowStart(now, windowMs)) / windowMs;

/** The sliding count: sends in the last `windowMs`, estimated. */
export function slidingCount(reading: CounterReading, now: number, windowMs: number): number {
  return reading.current + reading.previous * previousWeight(now, windowMs);
}

/** True when one more send fits. */
export const hasRoom = (counter: RateCounter, reading: CounterReading, now: number): boolean =>
  slidingCount(reading, now, counter.windowMs) + 1 <= counter.limit;

/**
 * Milliseconds until one more send fits: within this window once enough of the previous one has slid out,
 * else in the next window once enough of this one has. One millisecond past the exact point, which floating point
 * could otherwise miss.
 */
export function msUntilRoom(counter: RateCounter, reading: CounterReading, now: number): number {
  const { windowMs, limit } = counter;
  const start = windowStart(now, windowMs);
  if (reading.current + 1 <= limit) {
    // current + previous * (1 - f) + 1 <= limit  <=>  f >= 1 - (limit - 1 - current) / previous
    const fraction = reading.previous > 0 ? 1 - (limit - 1 - reading.current) / reading.previous : 0;
    return Math.max(0, start + Math.ceil(fraction * windowMs) + 1 - now);
  }
  // In the next window this one is the previous: current * (1 - g) + 1 <= limit  <=>  g >= 1 - (limit - 1) / current
  const fraction = 1 - (limit - 1) / reading.current;
  return start + windowMs + Math.ceil(fraction * windowMs) + 1 - now;
}
