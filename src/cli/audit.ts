import type { Command } from 'commander';
import { OtpgateError } from '../domain/errors.js';
import { parsePhone } from '../domain/phone.js';
import { auditPhoneHash } from '../flows/audit-trail.js';
import { withServices } from './config-option.js';
import { limitOf, sinceOf } from '../flows/list-filters.js';
import { printRows } from './output.js';
import { siteForAdmin } from './site-lookup.js';

/**
 * `otpgate audit`: a site's append-only audit log, newest first: codes sent, verified and failed, locks, limits
 * reached, throttled destinations, phone changes and administrators' unlocks. Numbers are filed by keyed hash,
 * so `--phone` finds a number's events without the log holding any number.
 */
export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description("show a site's audit log, newest first")
    .requiredOption('--site <id>', 'site id')
    .option('--since <time>', 'only events at or after this time (ISO 8601, e.g. 2026-12-01 or 2026-12-01T10:00:00Z)')
    .option('--type <type>', 'only events of this type (code_sent, code_verified, code_failed, phone_locked, ...)')
    .option('--phone <number>', "only this phone's events")
    .option('--limit <n>', 'at most this many events', '100')
    .option('--json', 'print JSON')
    .action(
      async (options: { site: string; since?: string; type?: string; phone?: string; limit: string; json?: boolean }, command: Command) => {
        const limit = limitOf(options.limit, 100_000);
        const since = sinceOf(options.since);
        if (options.type !== undefined && !/^[a-z_]{1,64}$/.test(options.type))
          throw new OtpgateError('invalid_request', `--type must be an event type such as code_sent, not "${options.type}".`);
        await withServices(command, async ({ store, siteDirectory, flowDeps }) => {
          const site = await siteForAdmin(siteDirectory, options.site);
          let phoneHash: string | undefined;
          if (options.phone !== undefined) {
            const parsed = parsePhone(options.phone, site.defaultCountry ?? undefined);
            if (!parsed) throw new OtpgateError('invalid_phone_number', `"${options.phone}" is not a valid mobile number.`);
            phoneHash = auditPhoneHash(flowDeps, parsed.e164);
          }
          const events = await store.forSite(site.id).audit.list({
            limit,
            ...(since ? { since } : {}),
            ...(options.type ? { type: options.type } : {}),
            ...(phoneHash ? { phoneHash } : {}),
          });
          const rows = events.map((e) => ({
            at: e.createdAt.toISOString(),
            type: e.type,
            useCase: e.useCase,
            userId: e.userId,
            phoneHash: e.phoneHash,
            ip: e.ip,
            userAgent: e.userAgent,
            requestId: e.requestId,
            detail: JSON.stringify(e.detail),
          }));
          printRows(rows, { json: options.json, empty: `no audit events on site ${site.id} match` });
        });
      },
    );
}
