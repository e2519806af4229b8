import { LRUCache } from 'lru-cache';

export interface ReadCacheOptions<V> {
  /** Reads one entry from the database (null: there is none). */
  load(key: string): Promise<V | null>;
  /** How long a read stays fresh: a change made elsewhere (another instance, the CLI) is seen within this time. */
  ttlMs: number;
  /** At most this many entries are kept; the least recently used go first. */
  maxKnown?: number | undefined;
  /** At most this many missing keys are remembered as missing. */
  maxUnknown?: number | undefined;
}

/**
 * A short-lived cache in front of a read that every request makes and that rarely changes (sites, OAuth clients).
 * Both halves are bounded: keys come from requests, so an unbounded cache would let requests for random ids grow
 * memory without limit. Missing keys get a short negative cache of their own, so a flood of them can neither evict
 * the real entries nor reach the database on every request. Concurrent misses for one key make one read.
 */
export function createReadCache<V extends object>(options: ReadCacheOptions<V>) {
  const { ttlMs: ttl } = options;
  // A forget() during a read must not fail the requests waiting on it (lru-cache aborts the read otherwise).
  const known = new LRUCache<string, V>({ max: options.maxKnown ?? 1000, ttl, ignoreFetchAbort: true, fetchMethod: (key) => load(key) });
  const unknown = new LRUCache<string, true>({ max: options.maxUnknown ?? 1000, ttl });

  async function load(key: string): Promise<V | undefined> {
    const value = await options.load(key);
    if (!value) unknown.set(key, true);
    return value ?? undefined;
  }

  return {
    async get(key: string): Promise<V | null> {
      if (unknown.has(key)) return null;
      return (await known.fetch(key)) ?? null;
    },
    /**
     * Drops what this instance holds for the key, so that its own change is seen at once (a read already in flight
     * still lands with what it read: call this after the write).
     */
    forget(key: string): void {
      known.delete(key);
      unknown.delete(key);
    },
    /** How many entries each half holds (tests check the bounds). */
    size: () => ({ known: known.size, unknown: unknown.size }),
  };
}
