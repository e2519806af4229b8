import type { Clock } from '../domain/clock.js';
import type { SendBlock, Store } from '../domain/repositories.js';

/**
 * What refuses a send before anything is counted: destinations the pumping defence throttled and phones
 * locked after wrong codes in a row. Both change rarely and are read on every send, so each app keeps a site's
 * list for a moment: a change made by this app is seen at once (`forget`), one made by another instance or by
 * the CLI within REFRESH_MS. The code submission checks the lock in the database itself, so no code is
 * accepted from a locked phone even in that moment.
 */
export interface SendGuards {
  /** The active throttle of any of these destinations that ends last, or null. */
  blockFor(siteId: string, subjects: string[]): Promise<SendBlock | null>;
  isLocked(siteId: string, phone: string): Promise<boolean>;
  /** Reloads the site's lists at the next send (after this app throttled a destination or locked a phone). */
  forget(siteId: string): void;
}

export const REFRESH_MS = 2000;

interface Guarded {
  loadedAt: number;
  blocks: SendBlock[];
  locked: Set<string>;
}

export function createSendGuards(store: Store, clock: Clock): SendGuards {
  // One entry per site that sent: bounded by the sites, not by what clients send.
  const sites = new Map<string, Promise<Guarded>>();
  const load = async (siteId: string): Promise<Guarded> => {
    const now = clock.now();
    const siteStore = store.forSite(siteId);
    const [blocks, locked] = await Promise.all([siteStore.sendBlocks.list(now), siteStore.phoneLocks.locked()]);
    return { loadedAt: now.getTime(), blocks, locked: new Set(locked.map((l) => l.phone)) };
  };
  const guarded = async (siteId: string): Promise<Guarded> => {
    const cached = sites.get(siteId);
    if (cached) {
      const entry = await cached.catch(() => null);
      if (entry && clock.now().getTime() - entry.loadedAt < REFRESH_MS) return entry;
      if (sites.get(siteId) !== cached) return guarded(siteId);
    }
    // Concurrent sends share one load; a failed load is not kept.
    const loading = load(siteId);
    sites.set(siteId, loading);
    loading.catch(() => sites.delete(siteId));
    return loading;
  };
  return {
    async blockFor(siteId, subjects) {
      const now = clock.now().getTime();
      const active = (await guarded(siteId)).blocks.filter((b) => subjects.includes(b.subject) && b.until.getTime() > now);
      return active.sort((a, b) => b.until.getTime() - a.until.getTime())[0] ?? null;
    },
    async isLocked(siteId, phone) {
      return (await guarded(siteId)).locked.has(phone);
    },
    forget(siteId) {
      sites.delete(siteId);
    },
  };
}
