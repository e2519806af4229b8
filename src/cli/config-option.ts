import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { createOtpgate, type Otpgate, type OtpgateOptions } from '../app.js';
import { loadConfig } from '../config/load.js';
import pino from 'pino';
import { createLogger } from '../observability/logger.js';

/** The config path from -c, $OTPGATE_CONFIG, or ./otpgate.yaml when it exists. */
export function configPath(command: Command): string | null {
  const explicit = command.optsWithGlobals<{ config?: string }>().config ?? process.env.OTPGATE_CONFIG;
  if (explicit) return explicit;
  return existsSync('otpgate.yaml') ? 'otpgate.yaml' : null;
}

/** Loads the config and opens otpgate for one CLI command, closing it afterwards. */
export async function withOtpgate<T>(
  command: Command,
  run: (app: Otpgate) => Promise<T>,
  overrides: Record<string, unknown> = {},
  appOptions: Omit<OtpgateOptions, 'config'> = {},
): Promise<T> {
  const { config } = loadConfig({ path: configPath(command), overrides: { 'server.logLevel': 'warn', ...overrides } });
  // Logs go to stderr: stdout is the command's answer (and must stay valid JSON with --json).
  const app = await createOtpgate({ logger: createLogger(config.server.logLevel, pino.destination(2)), ...appOptions, config });
  try {
    return await run(app);
  } finally {
    await app.close();
  }
}
