import { siteFromStored } from '../config/sites.js';
import { OtpgateError } from '../domain/errors.js';
import { SITE_ID_PATTERN, type Site } from '../domain/site.js';
import type { Otpgate } from '../app.js';

/**
 * The site an admin command works on. Unlike `app.requireSite`, a disabled site is found: an admin
 * may still manage its users and clients (and test its chain) before turning it on.
 */
export async function siteForAdmin(app: Otpgate, id: string): Promise<Site> {
  const stored = SITE_ID_PATTERN.test(id) ? await app.store.sites.byId(id) : null;
  if (!stored) throw new OtpgateError('site_not_found', `No site "${id}" (see \`otpgate site list\`).`);
  return siteFromStored(stored, app.config.defaults);
}
