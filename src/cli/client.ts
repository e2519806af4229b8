import type { Command } from 'commander';
import { formatZodError } from '../config/load.js';
import { siteSchema } from '../config/schema.js';
import { randomToken } from '../crypto/random.js';
import { hashSecret } from '../crypto/secret-hash.js';
import { OtpgateError } from '../domain/errors.js';
import { withServices } from './config-option.js';
import { printRows } from './output.js';
import { siteForAdmin } from './site-lookup.js';

/** The config file's client rules (id characters, absolute redirect URIs), so both ways of adding a client agree. */
const clientSchema = siteSchema.shape.clients.removeDefault().element;

interface AddOptions {
  site: string;
  id: string;
  name?: string;
  redirectUri: string[];
  postLogoutRedirectUri?: string[];
  confidential?: boolean;
  pkce: boolean;
  firstParty?: boolean;
  idTokenAlg: string;
}

export function registerClient(program: Command): void {
  const client = program.command('client').description("manage a site's OAuth clients");

  client
    .command('add')
    .description('register an OAuth client (public with PKCE by default)')
    .requiredOption('--site <id>', 'site id')
    .requiredOption('--id <client_id>', 'OAuth client_id: letters, digits and . _ ~ -')
    .requiredOption('--redirect-uri <uri>', 'an exact redirect URI; repeat for more', (uri: string, previous?: string[]) => [
      ...(previous ?? []),
      uri,
    ])
    .option(
      '--post-logout-redirect-uri <uri>',
      'an exact URI end-session may return to; repeat for more',
      (uri: string, previous?: string[]) => [...(previous ?? []), uri],
    )
    .option('--name <name>', 'shown to people and in logs (default: the client id)')
    .option('--confidential', 'generate a client secret (server-side apps)')
    .option('--first-party', "the site's own app: may be granted the api scope, which phone changes need")
    .option('--id-token-alg <alg>', 'RS256 (default; every OIDC library accepts it) or ES256', 'RS256')
    .option('--no-pkce', 'do not require PKCE (a legacy confidential app only; RFC 9700 asks for PKCE everywhere)')
    .action(async (options: AddOptions, command: Command) => {
      const secret = options.confidential ? randomToken(32) : null;
      const parsed = clientSchema.safeParse({
        clientId: options.id,
        name: options.name ?? options.id,
        redirectUris: options.redirectUri,
        postLogoutRedirectUris: options.postLogoutRedirectUri ?? [],
        requirePkce: options.pkce,
        idTokenSignedResponseAlg: options.idTokenAlg,
        // Given to the schema so its rule (only a confidential client may turn PKCE off) applies here too.
        ...(secret ? { clientSecret: secret } : {}),
      });
      if (!parsed.success) throw new OtpgateError('invalid_request', `Invalid client: ${formatZodError(parsed.error).join('; ')}.`);
      await withServices(command, async ({ store, siteDirectory }) => {
        const site = await siteForAdmin(siteDirectory, options.site);
        const clients = store.forSite(site.id).clients;
        // upsert would replace the client, and with it a secret its app already uses.
        if (await clients.byId(parsed.data.clientId))
          throw new OtpgateError('client_exists', `Client "${parsed.data.clientId}" already exists on site ${site.id}.`);
        // Only the hash is stored: a database leak must not hand out working client credentials.
        await clients.upsert({
          clientId: parsed.data.clientId,
          name: parsed.data.name,
          secretHash: secret && (await hashSecret(secret)),
          redirectUris: parsed.data.redirectUris,
          postLogoutRedirectUris: parsed.data.postLogoutRedirectUris,
          requirePkce: parsed.data.requirePkce,
          firstParty: options.firstParty === true,
          idTokenAlg: parsed.data.idTokenSignedResponseAlg,
        });
        if (secret) {
          process.stdout.write(`added confidential client ${parsed.data.clientId} on site ${site.id}\n`);
          process.stdout.write(`client_secret: ${secret}\n`);
          process.stdout.write('Save this secret now: it will not be shown again (only its hash is stored).\n');
        } else {
          process.stdout.write(`added public client ${parsed.data.clientId} on site ${site.id} (it must use PKCE)\n`);
        }
      });
    });

  client
    .command('list')
    .description("list a site's OAuth clients (secrets are never shown)")
    .requiredOption('--site <id>', 'site id')
    .option('--json', 'print JSON')
    .action(async (options: { site: string; json?: boolean }, command: Command) => {
      await withServices(command, async ({ store, siteDirectory }) => {
        const site = await siteForAdmin(siteDirectory, options.site);
        const rows = (await store.forSite(site.id).clients.list()).map((c) => ({
          clientId: c.clientId,
          name: c.name,
          type: c.secretHash ? 'confidential' : 'public',
          pkce: c.requirePkce || c.secretHash === null ? 'required' : 'off',
          firstParty: c.firstParty,
          idTokenAlg: c.idTokenAlg,
          redirectUris: c.redirectUris,
        }));
        printRows(rows, { json: options.json, empty: `no clients on site ${site.id}` });
      });
    });
}
