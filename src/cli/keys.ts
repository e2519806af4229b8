import type { Command } from 'commander';
import { withServices } from './config-option.js';
import { printRows } from './output.js';
import { siteForAdmin } from './site-lookup.js';

/**
 * `otpgate keys rotate|list`: a site's id_token signing keys. Rotation adds a key that signs from then on;
 * old keys stay in the JWKS so tokens they signed keep verifying until they expire.
 */
export function registerKeys(program: Command): void {
  const keys = program.command('keys').description("manage a site's id_token signing keys");

  keys
    .command('rotate')
    .description('add a new signing key; it signs from now on, old keys stay published')
    .requiredOption('--site <id>', 'site id')
    .action(async (options: { site: string }, command: Command) => {
      await withServices(command, async ({ keyring, siteDirectory }) => {
        const site = await siteForAdmin(siteDirectory, options.site);
        const kid = await keyring.rotate(site.id);
        process.stdout.write(`site ${site.id} now signs with key ${kid}; running servers switch within 10 seconds\n`);
      });
    });

  keys
    .command('list')
    .description("list a site's signing keys, newest (signing) first; private keys are never shown")
    .requiredOption('--site <id>', 'site id')
    .option('--json', 'print JSON')
    .action(async (options: { site: string; json?: boolean }, command: Command) => {
      await withServices(command, async ({ store, siteDirectory }) => {
        const site = await siteForAdmin(siteDirectory, options.site);
        const rows = (await store.forSite(site.id).signingKeys.list()).map((k, i) => ({
          kid: k.kid,
          alg: k.alg,
          createdAt: k.createdAt.toISOString(),
          signing: i === 0,
        }));
        printRows(rows, { json: options.json, empty: `no keys on site ${site.id} yet (the first token creates one)` });
      });
    });
}
