import type { Command } from 'commander';
import { OtpgateError } from '../domain/errors.js';
import { liftBlock } from '../flows/admin-actions.js';
import { withServices } from './config-option.js';
import { countryOf } from '../flows/list-filters.js';
import { printRows } from './output.js';
import { siteForAdmin } from './site-lookup.js';

/**
 * `otpgate blocks list|lift`: destinations the SMS-pumping defence throttled. Lifting is an administrator's
 * decision and is audited; the monitor does not throttle that destination again while the counts that caused
 * the throttle are still in its window.
 */
export function registerBlocks(program: Command): void {
  const blocks = program.command('blocks').description('destinations throttled by the SMS-pumping defence');

  blocks
    .command('list')
    .description('list throttled destinations (prefixes and countries) with the sends and verified codes that caused it')
    .requiredOption('--site <id>', 'site id')
    .option('--all', 'also throttles that ended or were lifted (kept a week)')
    .option('--json', 'print JSON')
    .action(async (options: { site: string; all?: boolean; json?: boolean }, command: Command) => {
      await withServices(command, async ({ store, siteDirectory, clock }) => {
        const site = await siteForAdmin(siteDirectory, options.site);
        const now = clock.now();
        const rows = (await store.forSite(site.id).sendBlocks.list(now, { all: options.all === true })).map((b) => ({
          destination: b.subject,
          since: b.blockedAt.toISOString(),
          until: b.until.toISOString(),
          sends: b.sends,
          verified: b.verified,
          active: b.until > now,
          lifted: b.liftedAt?.toISOString() ?? null,
        }));
        printRows(rows, { json: options.json, empty: `no destination is throttled on site ${site.id}` });
      });
    });

  blocks
    .command('lift')
    .description('end a throttle now (audited)')
    .requiredOption('--site <id>', 'site id')
    .option('--prefix <prefix>', 'a destination prefix as listed, e.g. +1201')
    .option('--country <code>', 'a country as listed, e.g. US')
    .action(async (options: { site: string; prefix?: string; country?: string }, command: Command) => {
      const subject = destinationOf(options);
      await withServices(command, async ({ flowDeps, siteDirectory }) => {
        const site = await siteForAdmin(siteDirectory, options.site);
        await liftBlock(flowDeps, site, subject, { by: 'cli' }).catch((error: unknown) => {
          if (error instanceof OtpgateError && error.code === 'not_found')
            throw new OtpgateError('not_found', `${subject} is not throttled on site ${site.id} (see \`otpgate blocks list\`).`);
          throw error;
        });
        process.stdout.write(`site ${site.id}: ${subject} may be sent to again\n`);
      });
    });
}

function destinationOf(options: { prefix?: string; country?: string }): string {
  if ((options.prefix === undefined) === (options.country === undefined))
    throw new OtpgateError('invalid_request', 'Give exactly one of --prefix (e.g. +1201) or --country (e.g. US).');
  if (options.prefix !== undefined) {
    if (!/^\+\d{2,7}$/.test(options.prefix))
      throw new OtpgateError('invalid_request', `--prefix must look like +1201, not "${options.prefix}".`);
    return `prefix:${options.prefix}`;
  }
  return `country:${countryOf(options.country)!}`;
}
