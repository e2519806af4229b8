import type { Clock } from '../../src/domain/clock.js';

/**
 * The real time plus an offset a test can move forward: for tests whose clients check real time (openid-client
 * validates iat and exp) but that must also step past a server-side window.
 */
export function createSkewedClock(): Clock & { advance(ms: number): void } {
  let skewMs = 0;
  return {
    now: () => new Date(Date.now() + skewMs),
    advance(ms: number) {
      skewMs += ms;
    },
  };
}
