import { LRUCache } from 'lru-cache';
import { OtpgateError } from '../domain/errors.js';
import { SITE_ID_PATTERN, type Site } from '../domain/site.js';

export interface SiteDirectoryOptions {
  /** Reads one site from the database (null: no such site). */
  load(id: string): Promise<Site | null>;
  /** How long a site read stays fresh: a site made by `otpgate site create` is served within this time. */
  ttlMs?: number;
  /** At most this many sites are kept; the least recently used go first. */
  maxSites?: number;
  /** At most this many unknown ids are remembered as unknown. */
  maxUnknown?: number;
}

const TTL_MS = 5000;

/**
 * Resolves the `/:site` of every request. Sites change rarely and are read on every request, so they are
 * cached for a few seconds. Both caches are bounded: ids come from the URL, so an unbounded cache would let
 * requests to random paths grow memory without limit. Unknown ids get a short negative cache of their own,
 * so a flood of them can neither evict the real sites nor reach the database for every request.
 */
export function createSiteDirectory(options: SiteDirectoryOptions) {
  const ttl = options.ttlMs ?? TTL_MS;
  // fetchMethod also merges concurrent misses for one id into one database read.
  const known = new LRUCache<string, Site>({ max: options.maxSites ?? 1000, ttl, fetchMethod: (id) => load(id) });
  const unknown = new LRUCache<string, true>({ max: options.maxUnknown ?? 1000, ttl });

  async function load(id: string): Promise<Site | undefined> {
    const site = await options.load(id);
    if (!site) unknown.set(id, true);
    return site ?? undefined;
  }

  async function find(id: string): Promise<Site | null> {
    if (!SITE_ID_PATTERN.test(id) || unknown.has(id)) return null;
    return (await known.fetch(id)) ?? null;
  }

  return {
    find,
    /** The enabled site with this id, or site_not_found. */
    async require(id: string): Promise<Site> {
      const site = await find(id);
      if (!site || !site.enabled) throw new OtpgateError('site_not_found', `No site "${id}".`);
      return site;
    },
    /** How many entries each cache holds (tests check the bounds). */
    size: () => ({ known: known.size, unknown: unknown.size }),
  };
}

export type SiteDirectory = ReturnType<typeof createSiteDirectory>;
