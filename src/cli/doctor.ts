import type { Command } from 'commander';
import pino from 'pino';
import { composeServices, type Services } from '../app.js';
import { ConfigError, loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createLogger, logFormatOf } from '../observability/logger.js';
import { configPath } from './config-option.js';
import { printRows, type Row } from './output.js';
import { selfCheck, type Check, type Status } from './self-check.js';

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
    services = await composeServices({
      config,
      logger: createLogger('error', pino.destination(2), logFormatOf(config)),
      backgroundCheckpoints: false,
    });
  } catch (error) {
    add('fail', 'startup', error instanceof Error ? error.message.replace(/\s*\n\s*/g, '; ') : String(error));
    return;
  }
  try {
    for (const c of await selfCheck(services, config, reach)) add(c.status, c.check, c.detail);
  } finally {
    await services.close();
  }
}
