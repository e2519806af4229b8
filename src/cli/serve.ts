import type { Command } from 'commander';
import { createOtpgate } from '../app.js';
import { loadConfig } from '../config/load.js';
import { buildServer } from '../http/server.js';
import { schedulePurge } from '../store/purge.js';
import { configPath } from './config-option.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP server (migrates the database first)')
    .option('-p, --port <port>', 'listen port (overrides config and OTPGATE_PORT)')
    .action(async (options: { port?: string }, command: Command) => {
      const overrides: Record<string, unknown> = {};
      if (options.port !== undefined) overrides['server.port'] = Number(options.port);
      const { config } = loadConfig({ path: configPath(command), overrides });
      const app = await createOtpgate({ config });
      const server = await buildServer(app);
      const address = await server.listen({ host: config.server.host, port: config.server.port });
      const sites = (await app.store.sites.list()).map((s) => s.id);
      app.logger.info({ address, sites, database: app.store.kind, mode: config.mode }, 'otpgate listening');
      process.stdout.write(`otpgate listening on ${address} (sites: ${sites.join(', ') || 'none'}; ${app.store.kind}; ${config.mode})\n`);

      const stopPurge = schedulePurge(() => app.purge(), config.maintenance.purgeIntervalSeconds, (error) => app.logger.warn({ err: error }, 'purge failed; will retry'));

      // Drain in-flight requests, then close the database.
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        app.logger.info({ signal }, 'shutting down: draining in-flight requests');
        app.lifecycle.draining = true;
        stopPurge();
        // Keep answering (readyz now says 503) for a moment so the load balancer notices before we stop listening.
        await new Promise((resolve) => setTimeout(resolve, config.server.shutdownDelayMs));
        await server.close();
        await app.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
}
