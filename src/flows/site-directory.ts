import { OtpgateError } from '../domain/errors.js';
import { SITE_ID_PATTERN, type Site } from '../domain/site.js';
import { createReadCache } from '../store/read-cache.js';

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
 * cached for a few seconds (bounded, with a negative cache for unknown ids: store/read-cache.ts).
 */
export function createSiteDirectory(options: SiteDirectoryOptions) {
  const cache = createReadCache<Site>({
    load: options.load,
    ttlMs: options.ttlMs ?? TTL_MS,
    maxKnown: options.maxSites,
    maxUnknown: options.maxUnknown,
  });

  async function find(id: string): Promise<Site | null> {
    return SITE_ID_PATTERN.test(id) ? cache.get(id) : null;
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
    size: cache.size,
  };
}

export type SiteDirectory = ReturnType<typeof createSiteDirectory>;
