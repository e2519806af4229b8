import type { Command } from 'commander';
import { composeServices, otpgateOf, warnAtStartup } from '../app.js';
import { loadConfig } from '../config/load.js';
import { schedulePurge } from '../store/purge.js';
import { configPath } from './config-option.js';
import { printRows, type Row } from './output.js';
import { selfCheck } from './self-check.js';
import { logFormatOf } from '../observability/logger.js';
import type { Config } from '../config/schema.js';
import type { Services } from '../app.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP server (migrates the database first)')
    .option('-p, --port <port>', 'listen port (overrides config and OTPGATE_PORT)')
    .action(async (options: { port?: string }, command: Command) => {
      const overrides: Record<string, unknown> = {};
      if (options.port !== undefined) overrides['server.port'] = Number(options.port);
      const { config } = loadConfig({ path: configPath(command), overrides });
      const services = await composeServices({ config });
      const { store, logger } = services;
      warnAtStartup(config, logger);
      const otpgate = otpgateOf(services);
      const address = await otpgate.listen();
      const onPurgeError = (error: unknown) => logger.warn({ err: error }, 'purge failed; will retry');
      const stopPurge = schedulePurge(() => otpgate.purge(), config.maintenance.purgeIntervalSeconds, onPurgeError);

      // Drain in-flight requests, then close the database.
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'shutting down: draining in-flight requests');
        otpgate.drain();
        stopPurge();
        // Keep answering (readyz now says 503) for a moment so the load balancer notices before we stop listening.
        await new Promise((resolve) => setTimeout(resolve, config.server.shutdownDelayMs));
        await otpgate.close();
        process.exit(0);
      };
      // Before the server says it is listening: a signal that arrives during the self-check must drain, not kill.
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));

      const sites = (await store.sites.list()).map((s) => s.id);
      logger.info({ address, sites, database: store.kind, mode: config.mode }, 'otpgate listening');
      process.stdout.write(`otpgate listening on ${address} (sites: ${sites.join(', ') || 'none'}; ${store.kind}; ${config.mode})\n`);
      await reportSelfCheck(services, config);
    });
}

/**
 * The startup self-check (the same checks as `otpgate doctor`, without reaching out): a table in development, one
 * structured record in production. A failed check is logged as an error and the server keeps serving what it can;
 * what cannot be served at all (a config or database that does not load) has already stopped the start.
 */
async function reportSelfCheck(services: Services, config: Config): Promise<void> {
  const { logger } = services;
  // The config loaded (or the server would not be here); the rest is checked as doctor checks it.
  const loaded = { status: 'ok' as const, check: 'config', detail: `mode ${config.mode}, ${config.sites.length} site(s)` };
  const checks = await selfCheck(services, config, false).then(
    (rest) => [loaded, ...rest],
    (error: unknown) => [
      loaded,
      { status: 'fail' as const, check: 'self-check', detail: error instanceof Error ? error.message : String(error) },
    ],
  );
  const failed = checks.filter((c) => c.status === 'fail');
  if (logFormatOf(config) === 'pretty') printRows(checks as unknown as Row[], { empty: 'nothing checked' });
  else logger.info({ checks }, 'startup self-check');
  for (const c of failed) logger.error({ check: c.check, detail: c.detail }, `startup self-check failed: ${c.check}: ${c.detail}`);
}
