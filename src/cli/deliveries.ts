import type { Command } from 'commander';
import { DELIVERY_RESULTS } from '../delivery/contract.js';
import { OtpgateError } from '../domain/errors.js';
import { withServices } from './config-option.js';
import { countryOf, limitOf, sinceOf } from '../flows/list-filters.js';
import { printRows } from './output.js';
import { receiptText } from './receipt-text.js';
import { siteForAdmin } from './site-lookup.js';

/**
 * `otpgate deliveries`: a site's recent delivery attempts, newest first, to see which handler or country is
 * failing and what each provider call answered. No code and no number is stored with an attempt, so none is shown.
 */
export function registerDeliveries(program: Command): void {
  program
    .command('deliveries')
    .description("list a site's recent delivery attempts, newest first")
    .requiredOption('--site <id>', 'site id')
    .option('--handler <name>', 'only this handler')
    .option('--country <code>', 'only this destination country (ISO 3166, e.g. US)')
    .option('--result <result>', `only this result (${DELIVERY_RESULTS.join(', ')})`)
    .option('--since <time>', 'only attempts at or after this time (ISO 8601)')
    .option('--limit <n>', 'at most this many attempts', '50')
    .option('--json', 'print JSON')
    .action(
      async (
        options: { site: string; handler?: string; country?: string; result?: string; since?: string; limit: string; json?: boolean },
        command: Command,
      ) => {
        const query = queryOf(options);
        await withServices(command, async ({ store, siteDirectory }) => {
          const site = await siteForAdmin(siteDirectory, options.site);
          const rows = (await store.forSite(site.id).deliveryAttempts.list(query)).map((a) => ({
            at: a.createdAt.toISOString(),
            verification: a.verificationId,
            handler: a.handler,
            attempt: a.attempt,
            result: a.result,
            country: a.country,
            latencyMs: Math.round(a.latencyMs),
            providerMessageId: a.providerMessageId,
            detail: a.detail,
            callouts: a.callouts.map((c) => `${c.method} ${c.url} ${c.status ?? 'no-answer'} ${Math.round(c.latencyMs)}ms`),
            receipt: receiptText(a.receipt ?? null),
          }));
          printRows(rows, { json: options.json, empty: `no delivery attempts on site ${site.id} match` });
        });
      },
    );
}

function queryOf(options: { handler?: string; country?: string; result?: string; since?: string; limit: string }) {
  const limit = limitOf(options.limit, 10_000);
  const since = sinceOf(options.since);
  const country = countryOf(options.country);
  if (options.result !== undefined && !(DELIVERY_RESULTS as readonly string[]).includes(options.result))
    throw new OtpgateError('invalid_request', `--result must be one of ${DELIVERY_RESULTS.join(', ')}, not "${options.result}".`);
  return {
    limit,
    ...(since ? { since } : {}),
    ...(options.handler ? { handler: options.handler } : {}),
    ...(options.result ? { result: options.result } : {}),
    ...(country ? { country } : {}),
  };
}
