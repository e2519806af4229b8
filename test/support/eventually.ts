import { setTimeout as sleep } from 'node:timers/promises';
import { REFRESH_MS } from '../../src/flows/send-guards.js';

/**
 * Repeats `attempt` until `done` says yes, for what a server is told by another process (the CLI) and sees
 * within a bound (a server re-reads throttles and locks every REFRESH_MS). Fails past twice that bound.
 */
export async function eventually<T>(attempt: () => Promise<T>, done: (value: T) => boolean, withinMs = 2 * REFRESH_MS + 1000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await attempt();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(100);
  }
}
