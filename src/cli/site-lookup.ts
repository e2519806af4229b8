import { OtpgateError } from '../domain/errors.js';
import type { Site } from '../domain/site.js';
import type { SiteDirectory } from '../flows/site-directory.js';

/**
 * The site an admin command works on. Unlike the HTTP server's lookup (`require`), a disabled site is found:
 * an admin may still manage its users and clients (and test its chain) before turning it on.
 */
export async function siteForAdmin(siteDirectory: Pick<SiteDirectory, 'find'>, id: string): Promise<Site> {
  const site = await siteDirectory.find(id);
  if (!site) throw new OtpgateError('site_not_found', `No site "${id}" (see \`otpgate site list\`).`);
  return site;
}
