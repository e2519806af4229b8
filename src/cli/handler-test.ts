import type { Command } from 'commander';
import { randomDigits, randomToken } from '../crypto/random.js';
import { renderDefaultText, supportedLocale } from '../delivery/default-text.js';
import { dispatch } from '../delivery/dispatcher.js';
import { OtpgateError } from '../domain/errors.js';
import { parsePhone } from '../domain/phone.js';
import { withServices } from './config-option.js';
import { printRows } from './output.js';
import { siteForAdmin } from './site-lookup.js';

const USE_CASE = 'identity_verification';

// With --json, stdout must hold only the JSON, so the console handler's message goes to stderr instead.
const jsonSafeConsole = { consoleWrite: (line: string) => void process.stderr.write(line) };

export function registerHandler(program: Command): void {
  const handler = program.command('handler').description("work with a site's delivery handlers");

  handler
    .command('test')
    .description("send a real test message through a site's chain and show every attempt")
    .requiredOption('--site <id>', 'site id')
    .requiredOption('--phone <number>', 'mobile number to send the test message to')
    .option('--json', 'print the attempts as JSON')
    .action(async (options: { site: string; phone: string; json?: boolean }, command: Command) => {
      await withServices(command, async ({ store, flowDeps, clock, logger }) => {
        const site = await siteForAdmin(store, options.site);
        const phone = parsePhone(options.phone, site.defaultCountry ?? undefined);
        if (!phone) throw new OtpgateError('invalid_phone_number', `"${options.phone}" is not a valid mobile number; write it as +14155550101.`);
        const chain = await flowDeps.chains.chainFor(site).catch((error: unknown) => {
          // An admin is asking, so the loader's reason (file not found, no sendOneTimePassword...) is what helps.
          throw new OtpgateError('delivery_failed', `The delivery chain did not load: ${error instanceof Error ? error.message : String(error)}`);
        });

        // A real code of the real length, so the provider sees a message like the ones users get. It is
        // never printed here: it is random, matches no verification, and only a handler may show it.
        const policy = site.policies[USE_CASE];
        const code = randomDigits(policy.codeLength);
        const locale = supportedLocale(site.locale);
        const now = clock.now();
        const text = renderDefaultText({ locale, code, siteName: site.name, ttlSeconds: policy.ttlSeconds, host: flowDeps.publicHost });
        const report = await dispatch({
          chain,
          request: {
            userId: '',
            phoneNumber: phone.e164,
            oneTimePassword: code,
            defaultText: `[otpgate test message, no action needed] ${text}`,
            siteId: site.id,
            experienceId: site.experienceId,
            useCase: USE_CASE,
            locale,
            identifier: randomToken(18),
            expiresAt: new Date(now.getTime() + policy.ttlSeconds * 1000),
            channel: 'sms',
            ip: null,
            userAgent: null,
          },
          credentials: flowDeps.credentials,
          settings: flowDeps.dispatch,
          logger: logger,
          now: () => clock.now(),
        });

        const rows = report.attempts.map((a) => ({
          handler: a.handler,
          attempt: a.attempt,
          result: a.result,
          latencyMs: Math.round(a.latencyMs),
          providerMessageId: a.providerMessageId,
          detail: a.detail,
        }));
        printRows(rows, { json: options.json, empty: 'no attempt was made (the delivery deadline passed first)' });
        if (report.result !== 'SUCCESS') throw new OtpgateError('delivery_failed', `The test message was not delivered (last result ${report.result}).`);
        if (!options.json) process.stdout.write(`delivered to ${phone.e164} (provider message id ${report.providerMessageId ?? 'none'})\n`);
      }, {}, options.json ? jsonSafeConsole : {});
    });
}
