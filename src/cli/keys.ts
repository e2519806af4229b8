import type { Command } from 'commander';
import { withServices } from './config-option.js';
import { printRows } from './output.js';
import { siteForAdmin } from './site-lookup.js';

/**
 * `otpgate keys rotate|list|retire|encrypt`: a site's id_token signing keys. Rotation adds a key that signs
 * from then on; old keys stay in the JWKS so tokens they signed keep verifying until they expire, and
 * `retire` removes them after that. `encrypt` seals private keys under the current key-encryption key.
 */
export function registerKeys(program: Command): void {
  const keys = program.command('keys').description("manage a site's id_token signing keys");

  keys
    .command('rotate')
    .description('add a new signing key of each algorithm (RS256, ES256); they sign from now on, old keys stay published')
    .requiredOption('--site <id>', 'site id')
    .action(async (options: { site: string }, command: Command) => {
      await withServices(command, async ({ keyring, siteDirectory }) => {
        const site = await siteForAdmin(siteDirectory, options.site);
        const kids = await keyring.rotate(site.id);
        process.stdout.write(`site ${site.id} now signs with keys ${kids.join(', ')}; running servers switch within 10 seconds\n`);
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
        const listed = await store.forSite(site.id).signingKeys.list();
        // Newest first: the first key of each algorithm is the one that signs.
        const rows = listed.map((k, i) => ({
          kid: k.kid,
          alg: k.alg,
          createdAt: k.createdAt.toISOString(),
          signing: listed.findIndex((other) => other.alg === k.alg) === i,
          encrypted: k.privateKey.startsWith('enc:'),
        }));
        printRows(rows, { json: options.json, empty: `no keys on site ${site.id} yet (the first token creates one)` });
      });
    });

  keys
    .command('retire')
    .description('remove old keys from the JWKS once every token they signed has expired (never the signing key)')
    .requiredOption('--site <id>', 'site id')
    .option('--kid <kid>', 'retire only this key (refused while its tokens may be valid)')
    .action(async (options: { site: string; kid?: string }, command: Command) => {
      await withServices(command, async ({ keyring, siteDirectory }) => {
        const site = await siteForAdmin(siteDirectory, options.site);
        // id_tokens expire with the access token; that lifetime bounds how long an old key is needed.
        const removed = await keyring.retire(site.id, site.tokens.accessTokenTtlSeconds, options.kid);
        process.stdout.write(
          removed.length ? `site ${site.id}: retired ${removed.join(', ')}\n` : `site ${site.id}: no key can be retired yet\n`,
        );
      });
    });

  keys
    .command('encrypt')
    .description('seal every private signing key under the current key-encryption key (after adding or rotating one)')
    .option('--site <id>', 'one site (default: every site)')
    .action(async (options: { site?: string }, command: Command) => {
      await withServices(command, async ({ keyring, siteDirectory, store }) => {
        const ids = options.site ? [(await siteForAdmin(siteDirectory, options.site)).id] : (await store.sites.list()).map((s) => s.id);
        let total = 0;
        for (const id of ids) total += await keyring.reseal(id);
        process.stdout.write(`re-sealed ${total} key(s) on ${ids.length} site(s)\n`);
      });
    });
}
