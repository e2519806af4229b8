import { OtpgateError } from '../domain/errors.js';
import { SITE_ID_PATTERN, type Site } from '../domain/site.js';
import type { Store } from '../domain/repositories.js';

/**
 * The site an admin command works on. Unlike the HTTP server's site lookup, a disabled site is found: an admin
 * may still manage its users and clients (and test its chain) before turning it on.
 */
export async function siteForAdmin(store: Pick<Store, 'sites'>, id: string): Promise<Site> {
  const site = SITE_ID_PATTERN.test(id) ? await store.sites.byId(id) : null;
  if (!site) throw new OtpgateError('site_not_found', `No site "${id}" (see \`otpgate site list\`).`);
  return site;
}
