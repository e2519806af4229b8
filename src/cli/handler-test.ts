import type { Command } from 'commander';
import { CHANNELS, isChannel } from '../domain/channel.js';
import { OtpgateError } from '../domain/errors.js';
import { parsePhone } from '../domain/phone.js';
import { sendTestMessage, waitForReceipt } from '../flows/test-message.js';
import { receiptText } from './receipt-text.js';
import { withServices } from './config-option.js';
import { printRows } from './output.js';
import { siteForAdmin } from './site-lookup.js';

// With --json, stdout must hold only the JSON, so the console handler's message goes to stderr instead.
const jsonSafeConsole = { consoleWrite: (line: string) => void process.stderr.write(line) };

export function registerHandler(program: Command): void {
  const handler = program.command('handler').description("work with a site's delivery handlers");

  handler
    .command('test')
    .description("send a real test message through a site's chain and show every attempt")
    .requiredOption('--site <id>', 'site id')
    .requiredOption('--phone <number>', 'mobile number to send the test message to')
    .option('--channel <channel>', `the handlers of this channel (${CHANNELS.join(', ')})`, 'sms')
    .option('--wait-receipt <seconds>', "wait up to this long for the provider's delivery receipt (needs the server running)", '0')
    .option('--json', 'print the attempts as JSON')
    .action(async (options: { site: string; phone: string; channel: string; waitReceipt: string; json?: boolean }, command: Command) => {
      const wait = Number(options.waitReceipt);
      if (!Number.isInteger(wait) || wait < 0 || wait > 600)
        throw new OtpgateError(
          'invalid_request',
          `--wait-receipt must be a whole number of seconds from 0 to 600 (got "${options.waitReceipt}").`,
        );
      await withServices(
        command,
        async ({ flowDeps, siteDirectory }) => {
          const site = await siteForAdmin(siteDirectory, options.site);
          const phone = parsePhone(options.phone, site.defaultCountry ?? undefined);
          if (!phone)
            throw new OtpgateError('invalid_phone_number', `"${options.phone}" is not a valid mobile number; write it as +14155550101.`);
          const channel = options.channel.toLowerCase();
          if (!isChannel(channel))
            throw new OtpgateError('invalid_request', `--channel must be one of ${CHANNELS.join(', ')} (got "${options.channel}").`);
          const report = await sendTestMessage(flowDeps, site, phone.e164, channel);
          const receipt = await waitForReceipt(flowDeps, site, report, wait);

          const rows = report.attempts.map((a) => ({
            handler: a.handler,
            attempt: a.attempt,
            result: a.result,
            latencyMs: Math.round(a.latencyMs),
            providerMessageId: a.providerMessageId,
            detail: a.detail,
            // Each HTTP call the handler made: what a support person checks first when a provider misbehaves.
            callouts: a.callouts.map((c) => `${c.method} ${c.url} ${c.status ?? 'no-answer'} ${Math.round(c.latencyMs)}ms`),
            // Only when asked for: without --wait-receipt no receipt can have come yet.
            ...(wait > 0 ? { receipt: a.result === 'SUCCESS' ? receiptText(receipt) : null } : {}),
          }));
          printRows(rows, { json: options.json, empty: 'no attempt was made (the delivery deadline passed first)' });
          if (report.result !== 'SUCCESS')
            throw new OtpgateError('delivery_failed', `The test message was not delivered (last result ${report.result}).`);
          if (!options.json)
            process.stdout.write(`delivered to ${phone.e164} (provider message id ${report.providerMessageId ?? 'none'})\n`);
        },
        {},
        options.json ? jsonSafeConsole : {},
      );
    });
}
