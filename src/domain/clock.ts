/** Time is injected so tests can move it (expiry, resend intervals, rate windows) without sleeping. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests can set and advance. */
export function createManualClock(start = new Date('2026-01-01T00:00:00Z')) {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance(ms: number) {
      current += ms;
    },
    set(date: Date) {
      current = date.getTime();
    },
  };
}

/**
 * Waits `ms`; when `signal` aborts first, the timer is cleared and the promise rejects with the signal's
 * reason. Injected so the dispatcher's backoff and deadlines can be tested without waiting.
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** A number in [0, 1), like Math.random: for jitter only, never for codes or tokens (crypto/random does those). */
export type Random = () => number;

/**
 * The timing services of delivery, injected beside the Clock. `elapsedMs` is monotonic (it never jumps with
 * the wall clock), so deadlines and latencies are measured on it; a test that freezes the Clock for expiry
 * still gets real delivery deadlines.
 */
export interface Timers {
  elapsedMs(): number;
  sleep: Sleep;
  random: Random;
}

export const systemSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    // An AbortSignal's reason is the Error it was aborted with (an AbortError when none was given).
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export const systemTimers: Timers = { elapsedMs: () => performance.now(), sleep: systemSleep, random: Math.random };
