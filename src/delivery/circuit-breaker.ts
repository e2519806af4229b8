/**
 * A circuit breaker per handler and site: after `failures` failed attempts in a row the handler is skipped
 * for `openSeconds`, then one call is let through as a probe; its success closes the circuit, its failure
 * opens it again. A handler that answers at all (even "invalid number") counts as alive.
 *
 * The state lives in the process: each instance learns on its own that a provider is down, which costs each
 * instance `failures` attempts, and a shared state would cost a database round trip on every attempt.
 */
export interface BreakerSettings {
  /** Failed attempts in a row that open the circuit. */
  failures: number;
  /** How long an open circuit skips the handler before a probe. */
  openSeconds: number;
}

export const DEFAULT_BREAKER: BreakerSettings = { failures: 5, openSeconds: 30 };

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface CircuitBreaker {
  /** May this attempt call the handler? In half-open, only the one probe may. */
  allow(): boolean;
  /** The handler answered (whatever it answered). */
  succeeded(): void;
  /** The handler failed: a provider error, an exception or a timeout. */
  failed(): void;
  state(): BreakerState;
}

/** Told when a circuit opens or closes, so an operator sees it in the logs and metrics. */
export type BreakerListener = (state: 'open' | 'closed') => void;

export function createCircuitBreaker(
  settings: BreakerSettings,
  elapsedMs: () => number,
  onChange: BreakerListener = () => {},
): CircuitBreaker {
  let failuresInARow = 0;
  let openedAt: number | null = null;
  let probing = false;

  const open = () => {
    const wasOpen = openedAt !== null;
    openedAt = elapsedMs();
    probing = false;
    if (!wasOpen) onChange('open');
  };

  return {
    allow() {
      if (openedAt === null) return true;
      if (probing || elapsedMs() - openedAt < settings.openSeconds * 1000) return false;
      probing = true;
      return true;
    },
    succeeded() {
      failuresInARow = 0;
      if (openedAt === null) return;
      openedAt = null;
      probing = false;
      onChange('closed');
    },
    failed() {
      failuresInARow++;
      // An attempt that began before the circuit opened does not extend the open period.
      if (openedAt !== null && !probing) return;
      // A failed probe opens the circuit for another period, whatever the count.
      if (probing || failuresInARow >= settings.failures) open();
    },
    state() {
      if (openedAt === null) return 'closed';
      return probing || elapsedMs() - openedAt >= settings.openSeconds * 1000 ? 'half_open' : 'open';
    },
  };
}
