import type { Command } from 'commander';
import { withServices } from './config-option.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('bring the database schema up to date (serve also does this at start)')
    .action(async (_options: unknown, command: Command) => {
      await withServices(command, async ({ store }) => {
        process.stdout.write(`database is up to date (${store.kind})\n`);
      });
    });
}
