import type { Timers } from '../domain/clock.js';

export interface DeliveryTiming {
  /** Notes how long a successful delivery for the site took. */
  note(siteId: string, ms: number): void;
  /** Waits about as long as the site's recent deliveries took, for a send that sends nothing. */
  pauseLikeADelivery(siteId: string): Promise<void>;
}

const MAX_PAUSE_MS = 5000;

/**
 * A reply for an unknown login hint that came back faster than one for a known number would tell them apart,
 * so unknown hints wait about as long as the site's recent deliveries took. The averages belong to one app
 * (created with it), not to the process: two apps in one process must not pace each other.
 */
export function createDeliveryTiming(timers: Pick<Timers, 'sleep' | 'random'>): DeliveryTiming {
  // One entry per site that delivered: bounded by the configured sites, not by what clients send.
  const typicalLatency = new Map<string, number>();
  return {
    note(siteId, ms) {
      const previous = typicalLatency.get(siteId);
      typicalLatency.set(siteId, previous === undefined ? ms : previous * 0.9 + ms * 0.1);
    },
    pauseLikeADelivery(siteId) {
      const typical = typicalLatency.get(siteId) ?? 0;
      const ms = Math.min(typical * (0.8 + timers.random() * 0.4), MAX_PAUSE_MS);
      return ms < 1 ? Promise.resolve() : timers.sleep(ms);
    },
  };
}
