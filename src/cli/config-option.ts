import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { composeServices, type OtpgateOptions, type Services } from '../app.js';
import { loadConfig } from '../config/load.js';
import pino from 'pino';
import { createLogger, logFormatOf } from '../observability/logger.js';

/** The config path from -c, $OTPGATE_CONFIG, or ./otpgate.yaml when it exists. */
export function configPath(command: Command): string | null {
  const explicit = command.optsWithGlobals<{ config?: string }>().config ?? process.env.OTPGATE_CONFIG;
  if (explicit) return explicit;
  return existsSync('otpgate.yaml') ? 'otpgate.yaml' : null;
}

/** Loads the config and composes otpgate's services for one CLI command, closing them afterwards. */
export async function withServices<T>(
  command: Command,
  run: (services: Services) => Promise<T>,
  overrides: Record<string, unknown> = {},
  appOptions: Omit<OtpgateOptions, 'config'> = {},
): Promise<T> {
  const { config } = loadConfig({ path: configPath(command), overrides: { 'server.logLevel': 'warn', ...overrides } });
  // Logs go to stderr: stdout is the command's answer (and must stay valid JSON with --json).
  const services = await composeServices({
    logger: createLogger(config.server.logLevel, pino.destination(2), logFormatOf(config)),
    backgroundCheckpoints: false, // a command's few writes checkpoint themselves
    ...appOptions,
    config,
  });
  try {
    return await run(services);
  } finally {
    await services.close();
  }
}
