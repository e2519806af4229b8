import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, type Command } from 'commander';
import { OtpgateError } from '../domain/errors.js';
import { normaliseEmail, normaliseText } from '../domain/text.js';
import { parsePhone } from '../domain/phone.js';
import { UniqueViolation } from '../domain/repositories.js';
import { withServices } from './config-option.js';
import { printRows } from './output.js';
import { siteForAdmin } from './site-lookup.js';

interface AddOptions {
  site: string;
  phone: string;
  username?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
}

export function registerUser(program: Command): void {
  const user = program.command('user').description("manage a site's users");

  user
    .command('add')
    .description('add a user; the phone counts as verified because an admin vouches for it')
    .requiredOption('--site <id>', 'site id')
    .requiredOption('--phone <number>', 'mobile number, E.164 (+14155550101) or national in the site default country')
    .option('--username <name>', 'username (default: the E.164 phone)')
    .option('--first-name <name>')
    .option('--last-name <name>')
    .option('--email <address>')
    .action(async (options: AddOptions, command: Command) => {
      if (options.email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(options.email))
        throw new OtpgateError('invalid_request', `"${options.email}" is not an email address.`);
      if (options.username !== undefined && !/^\S{1,200}$/.test(options.username))
        throw new OtpgateError('invalid_request', 'The username must be 1-200 characters without spaces.');
      await withServices(command, async ({ store, clock, siteDirectory }) => {
        const site = await siteForAdmin(siteDirectory, options.site);
        const phone = parsePhone(options.phone, site.defaultCountry ?? undefined);
        if (!phone)
          throw new OtpgateError('invalid_phone_number', `"${options.phone}" is not a valid mobile number; write it as +14155550101.`);
        try {
          const created = await store.forSite(site.id).users.create(
            {
              id: randomUUID(),
              username: options.username === undefined ? phone.e164 : normaliseText(options.username, '--username'),
              phone: phone.e164,
              phoneVerified: true,
              firstName: options.firstName === undefined ? null : normaliseText(options.firstName, '--first-name'),
              lastName: options.lastName === undefined ? null : normaliseText(options.lastName, '--last-name'),
              email: options.email === undefined ? null : normaliseEmail(options.email, '--email'),
              locale: null,
              status: 'active',
              customData: {},
            },
            clock.now(),
          );
          process.stdout.write(`${created.id}\n`);
        } catch (error) {
          if (error instanceof UniqueViolation && error.field !== 'id')
            throw new OtpgateError(error.field === 'username' ? 'username_taken' : 'phone_taken');
          throw error;
        }
      });
    });

  user
    .command('list')
    .description("list a site's users, oldest first")
    .requiredOption('--site <id>', 'site id')
    .option('--limit <n>', 'at most this many users (1-1000)', positiveInt(1000), 100)
    .option('--json', 'print JSON')
    .action(async (options: { site: string; limit: number; json?: boolean }, command: Command) => {
      await withServices(command, async ({ store, siteDirectory }) => {
        const site = await siteForAdmin(siteDirectory, options.site);
        const users = await store.forSite(site.id).users.list({ limit: options.limit, offset: 0 });
        const rows = users.map((u) => ({
          id: u.id,
          username: u.username,
          phone: u.phone,
          phoneVerified: u.phoneVerified,
          firstName: u.firstName,
          lastName: u.lastName,
          email: u.email,
          status: u.status,
          createdAt: u.createdAt.toISOString(),
        }));
        printRows(rows, { json: options.json, empty: `no users on site ${site.id}` });
      });
    });
}

/** A commander parser: a bad number is a usage error (exit 2), like a missing option. */
function positiveInt(max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1 || n > max) throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
    return n;
  };
}
