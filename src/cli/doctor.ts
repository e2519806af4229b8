import type { Command } from 'commander';
import pino from 'pino';
import { composeServices, type Services } from '../app.js';
import { ConfigError, loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { credentialReferences } from '../delivery/credential-references.js';
import { createLogger, logFormatOf } from '../observability/logger.js';
import { configPath } from './config-option.js';
import { printRows, type Row } from './output.js';

type Status = 'ok' | 'warn' | 'fail';
interface Check {
  status: Status;
  check: string;
  detail: string;
}

/**
 * `otpgate doctor`: what would stop this deployment from signing people in, checked without sending an SMS:
 * the config, the database, the signing keys, each site's delivery chain and the credentials it calls (with
 * --reach, whether each credential's host answers at all). Exit status 1 when a check fails.
 */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check the config, database, keys and every delivery handler (sends no SMS)')
    .option('--reach', "also check that each named credential's host answers HTTP (any status counts)")
    .option('--json', 'print the checks as JSON')
    .action(async (options: { reach?: boolean; json?: boolean }, command: Command) => {
      const checks: Check[] = [];
      const add = (status: Status, check: string, detail: string) => void checks.push({ status, check, detail });
      let config: Config | null = null;
      try {
        const path = configPath(command);
        config = loadConfig({ path, overrides: { 'server.logLevel': 'error' } }).config;
        add('ok', 'config', `${path ?? 'built-in defaults'} (mode ${config.mode}, ${config.sites.length} site(s))`);
      } catch (error) {
        add('fail', 'config', error instanceof ConfigError ? error.message.replace(/\s*\n\s*/g, '; ') : String(error));
      }
      if (config) await checkDeployment(config, options.reach === true, add);
      printRows(checks as unknown as Row[], { json: options.json, empty: 'nothing checked' });
      if (checks.some((c) => c.status === 'fail')) process.exitCode = 1;
    });
}

async function checkDeployment(config: Config, reach: boolean, add: (status: Status, check: string, detail: string) => void) {
  let services: Services;
  try {
    // Composition runs the start-up checks: migrations, modules that load, credentials that exist, readable keys.
    services = await composeServices({ config, logger: createLogger('error', pino.destination(2), logFormatOf(config)) });
  } catch (error) {
    add('fail', 'startup', error instanceof Error ? error.message.replace(/\s*\n\s*/g, '; ') : String(error));
    return;
  }
  try {
    await services.store.ping();
    add('ok', 'database', `${config.database.url.split(':')[0]} reachable, migrations applied`);
    add(
      config.secrets.keyEncryption.length > 0 ? 'ok' : config.mode === 'production' ? 'fail' : 'warn',
      'key encryption',
      config.secrets.keyEncryption.length > 0
        ? 'signing keys sealed (AES-256-GCM)'
        : 'signing keys stored in clear: set secrets.keyEncryption',
    );
    for (const stored of await services.store.sites.list()) {
      const site = await services.siteDirectory.require(stored.id).catch(() => null);
      if (!site) {
        add('fail', `site ${stored.id}`, 'stored settings do not load (see the server log)');
        continue;
      }
      try {
        await services.keyring.checkReadable(site.id);
        const key = await services.keyring.signingKey(site.id);
        add('ok', `site ${site.id}: keys`, `signs with ${key.kid}`);
      } catch (error) {
        add('fail', `site ${site.id}: keys`, error instanceof Error ? error.message : String(error));
      }
      try {
        const chain = await services.flowDeps.chains.chainFor(site);
        add('ok', `site ${site.id}: handlers`, chain.map((l) => `${l.name}${l.channel ? ` (${l.channel})` : ''}`).join(', '));
      } catch (error) {
        add('fail', `site ${site.id}: handlers`, error instanceof Error ? error.message : String(error));
      }
      for (const spec of site.handlers)
        for (const [, name] of credentialReferences(spec)) {
          const credential = config.namedCredentials[name];
          if (!credential) add('fail', `site ${site.id}: credential ${name}`, 'not configured in namedCredentials');
          else if (reach) add(...(await reachable(`site ${site.id}: credential ${name}`, credential.url)));
          else add('ok', `site ${site.id}: credential ${name}`, `configured (${new URL(credential.url).origin})`);
        }
    }
  } finally {
    await services.close();
  }
}

/** Any HTTP answer means the host is there; only a failure to connect (or a timeout) is a problem. */
async function reachable(check: string, url: string): Promise<[Status, string, string]> {
  const origin = new URL(url).origin;
  try {
    const response = await fetch(origin, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(3000) });
    return ['ok', check, `${origin} answers (HTTP ${response.status})`];
  } catch (error) {
    const reason = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    return ['fail', check, `${origin} does not answer: ${reason}`];
  }
}
