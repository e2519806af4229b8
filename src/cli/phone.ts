import type { Command } from 'commander';
import { OtpgateError } from '../domain/errors.js';
import { parsePhone } from '../domain/phone.js';
import type { Site } from '../domain/site.js';
import { recordAudit } from '../flows/audit-trail.js';
import { withServices } from './config-option.js';
import { printRows } from './output.js';
import { siteForAdmin } from './site-lookup.js';

/**
 * `otpgate phone locked|unlock`: phones locked after too many wrong codes in a row (guessBudget.lockAfterConsecutive,
 * NIST SP 800-63B 5.2.2). Only an administrator lifts such a lock; the unlock is audited.
 */
export function registerPhone(program: Command): void {
  const phone = program.command('phone').description('phones locked after wrong codes in a row');

  phone
    .command('locked')
    .description('list locked phones')
    .requiredOption('--site <id>', 'site id')
    .option('--json', 'print JSON')
    .action(async (options: { site: string; json?: boolean }, command: Command) => {
      await withServices(command, async ({ store, siteDirectory }) => {
        const site = await siteForAdmin(siteDirectory, options.site);
        const rows = (await store.forSite(site.id).phoneLocks.locked()).map((l) => ({
          phone: l.phone,
          failures: l.failures,
          lockedAt: l.lockedAt.toISOString(),
        }));
        printRows(rows, { json: options.json, empty: `no phone is locked on site ${site.id}` });
      });
    });

  phone
    .command('unlock')
    .description('unlock a phone: codes are accepted again and its count of wrong codes starts over (audited)')
    .requiredOption('--site <id>', 'site id')
    .requiredOption('--phone <number>', 'the phone number (E.164, or national with the site default country)')
    .action(async (options: { site: string; phone: string }, command: Command) => {
      await withServices(command, async ({ store, siteDirectory, flowDeps, clock }) => {
        const site = await siteForAdmin(siteDirectory, options.site);
        const number = phoneOf(site, options.phone);
        if (!(await store.forSite(site.id).phoneLocks.unlock(number)))
          throw new OtpgateError('not_found', `${number} is not locked on site ${site.id} (see \`otpgate phone locked\`).`);
        await recordAudit(flowDeps, site, { type: 'phone_unlocked', phone: number, detail: { by: 'cli' } }, clock.now());
        process.stdout.write(`site ${site.id}: ${number} is unlocked\n`);
      });
    });
}

function phoneOf(site: Site, input: string): string {
  const parsed = parsePhone(input, site.defaultCountry ?? undefined);
  if (!parsed) throw new OtpgateError('invalid_phone_number', `"${input}" is not a valid mobile number.`);
  return parsed.e164;
}
