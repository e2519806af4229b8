import type { Command } from 'commander';
import { withServices } from './config-option.js';

export function registerPurge(program: Command): void {
  program
    .command('purge')
    .description('delete expired verifications, codes, tokens, rate counters and old delivery attempts now (serve does it on a schedule)')
    .action(async (_options: unknown, command: Command) => {
      await withServices(command, async ({ purge }) => {
        const report = await purge();
        process.stdout.write(
          `purged: ${Object.entries(report)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}\n`,
        );
      });
    });
}
