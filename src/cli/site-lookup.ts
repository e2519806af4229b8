import { OtpgateError } from '../domain/errors.js';
import type { Site } from '../domain/site.js';
import type { Otpgate } from '../app.js';

/**
 * The site an admin command works on. Unlike `app.requireSite`, a disabled site is found: an admin
 * may still manage its users and clients (and test its chain) before turning it on.
 */
export async function siteForAdmin(app: Otpgate, id: string): Promise<Site> {
  const site = /^[a-z0-9][a-z0-9-]{0,62}$/.test(id) ? await app.store.sites.byId(id) : null;
  if (!site) throw new OtpgateError('site_not_found', `No site "${id}" (see \`otpgate site list\`).`);
  return site;
}
