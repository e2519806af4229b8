#!/usr/bin/env -S node --import tsx
/** The `otpgate` command. Each subcommand lives in its own file; this one only wires them. */
import { Command } from 'commander';
import { ConfigError } from '../config/load.js';
import { isOtpgateError } from '../domain/errors.js';
import { isDatabaseUnavailable } from '../store/unavailable.js';
import { registerServe } from './serve.js';
import { registerMigrate } from './migrate.js';
import { registerSite } from './site.js';
import { registerUser } from './user.js';
import { registerClient } from './client.js';
import { registerHandler } from './handler-test.js';
import { registerKeys } from './keys.js';
import { registerPurge } from './purge.js';
import { registerBlocks } from './blocks.js';
import { registerPhone } from './phone.js';
import { registerAudit } from './audit.js';
import { registerDeliveries } from './deliveries.js';
import { registerExportImport } from './export-import.js';
import { registerDoctor } from './doctor.js';

const program = new Command()
  .name('otpgate')
  .description('OTP identity server: SMS one-time passwords through your own delivery handlers')
  .option('-c, --config <path>', 'configuration file (YAML or JSON); default $OTPGATE_CONFIG or ./otpgate.yaml')
  .showHelpAfterError()
  .exitOverride();

registerServe(program);
registerMigrate(program);
registerSite(program);
registerUser(program);
registerClient(program);
registerHandler(program);
registerKeys(program);
registerPurge(program);
registerBlocks(program);
registerPhone(program);
registerAudit(program);
registerDeliveries(program);
registerExportImport(program);
registerDoctor(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error);
}

/** One line a person understands, a stable code (internal_error where none fits), exit status 1 (2 for usage). No stack trace. */
function reportError(error: unknown): number {
  const e = error as { code?: string; exitCode?: number; message?: string };
  if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
    return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : 2;
  }
  if (error instanceof ConfigError) process.stderr.write(`error: config_invalid\n${error.message}\n`);
  else if (isOtpgateError(error)) process.stderr.write(`error: ${error.code}: ${error.message}\n`);
  else if (isDatabaseUnavailable(error)) process.stderr.write(`error: database_unavailable: ${e.message ?? String(error)}\n`);
  else process.stderr.write(`error: internal_error: ${e.message ?? String(error)}\n`);
  return 1;
}
