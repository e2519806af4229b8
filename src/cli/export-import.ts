import { createReadStream, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { z } from 'zod';
import { OtpgateError } from '../domain/errors.js';
import { parsePhone } from '../domain/phone.js';
import { UniqueViolation } from '../domain/repositories.js';
import { normaliseEmail, normaliseText, usernameKey } from '../domain/text.js';
import type { User } from '../domain/user.js';
import { withServices } from './config-option.js';
import { siteForAdmin } from './site-lookup.js';

/**
 * Users move between databases (SQLite -> PostgreSQL, or between servers) as JSON lines: a header line,
 * then one user per line. Import checks every line and every conflict before it writes anything, so a
 * bad file leaves the target untouched.
 */
const HEADER = { format: 'otpgate-users', version: 1 } as const;

const userLine = z
  .object({
    id: z.string().min(1).max(100),
    username: z.string().min(1).max(200),
    phone: z.string().nullable(),
    phoneVerified: z.boolean(),
    firstName: z.string().max(200).nullable(),
    lastName: z.string().max(200).nullable(),
    email: z.string().max(254).nullable(),
    locale: z.string().max(35).nullable(),
    status: z.enum(['active', 'disabled']),
    customData: z.record(z.unknown()),
    createdAt: z.string().datetime(),
  })
  .strict();

export function registerExportImport(program: Command): void {
  program
    .command('export')
    .description("write a site's users as JSON lines (to --out or stdout)")
    .requiredOption('--site <id>', 'site id')
    .option('--out <file>', 'output file (default: stdout)')
    .action(async (options: { site: string; out?: string }, command: Command) => {
      await withServices(command, async ({ store, siteDirectory }) => {
        const site = await siteForAdmin(siteDirectory, options.site);
        const out = options.out ? await openForWriting(options.out) : process.stdout;
        const write = (value: unknown) =>
          new Promise<void>((resolve, reject) => out.write(JSON.stringify(value) + '\n', (e) => (e ? reject(e) : resolve())));
        await write({ ...HEADER, site: site.id });
        const users = store.forSite(site.id).users;
        let count = 0;
        for (let offset = 0; ; offset += 500) {
          const page = await users.list({ limit: 500, offset });
          for (const user of page) await write(toLine(user));
          count += page.length;
          if (page.length < 500) break;
        }
        if (options.out) await new Promise<void>((resolve) => (out as WriteStream).end(resolve));
        process.stderr.write(`exported ${count} users of site ${site.id}\n`);
      });
    });

  program
    .command('import')
    .description('add users from an export file to a site; all or nothing')
    .requiredOption('--site <id>', 'site id')
    .requiredOption('--in <file>', 'file written by otpgate export')
    .action(async (options: { site: string; in: string }, command: Command) => {
      const lines = await readLines(options.in);
      const header = lines.shift();
      if (!header || (header.value as { format?: unknown }).format !== HEADER.format)
        throw new OtpgateError('invalid_request', `${options.in}: not an otpgate users export (the first line must be its header).`);
      const parsed = lines.map(({ value, number }) => {
        const result = userLine.safeParse(value);
        if (!result.success)
          throw new OtpgateError(
            'invalid_request',
            `${options.in}:${number}: ${result.error.issues.map((i) => `${i.path.join('.') || 'line'}: ${i.message}`).join('; ')}`,
          );
        if (result.data.phone !== null && parsePhone(result.data.phone)?.e164 !== result.data.phone)
          throw new OtpgateError(
            'invalid_phone_number',
            `${options.in}:${number}: phone ${JSON.stringify(result.data.phone)} is not E.164.`,
          );
        // The rules `user add` and registration apply (NFKC, no control characters, e-mail in lower case), and no
        // NUL anywhere: PostgreSQL refuses one in text, which would fail the import at its write.
        const at = (field: string) => `${options.in}:${number}: ${field}`;
        const text = (value: string | null, field: string) => (value === null ? null : normaliseText(value, at(field)));
        if (JSON.stringify(result.data.customData).includes('\\u0000'))
          throw new OtpgateError('invalid_request', `${at('customData')} must not contain NUL characters.`);
        return {
          ...result.data,
          username: normaliseText(result.data.username, at('username')),
          firstName: text(result.data.firstName, 'firstName'),
          lastName: text(result.data.lastName, 'lastName'),
          email: result.data.email === null ? null : normaliseEmail(result.data.email, at('email')),
          number,
        };
      });
      await withServices(command, async ({ store, siteDirectory }) => {
        const site = await siteForAdmin(siteDirectory, options.site);
        const users = store.forSite(site.id).users;
        const seen = new Set<string>();
        for (const u of parsed) {
          // Usernames clash as the store compares them (usernameKey: NFKC, case-folded), or a later line would fail
          // halfway through the writes below.
          for (const key of [`id:${u.id}`, `username:${usernameKey(u.username)}`, ...(u.phone ? [`phone:${u.phone}`] : [])]) {
            if (seen.has(key)) throw new OtpgateError('invalid_request', `${options.in}:${u.number}: ${key} appears twice in the file.`);
            seen.add(key);
          }
          const clash = (await users.byId(u.id))
            ? 'id'
            : (await users.byUsername(u.username))
              ? 'username'
              : u.phone && (await users.byPhone(u.phone as never))
                ? 'phone'
                : null;
          if (clash)
            throw new OtpgateError(
              clash === 'phone' ? 'phone_taken' : clash === 'username' ? 'username_taken' : 'invalid_request',
              `${options.in}:${u.number}: a user with this ${clash} already exists on site ${site.id}; nothing was imported.`,
            );
        }
        // In one transaction: what the checks above cannot see (an id that another site's user has, a value the
        // database refuses) fails the whole import, never half of it.
        const entries = parsed.map(({ number: _n, createdAt, ...u }) => ({
          user: { ...u, phone: u.phone as User['phone'] },
          createdAt: new Date(createdAt),
        }));
        try {
          await users.createMany(entries);
        } catch (error) {
          const why =
            error instanceof UniqueViolation
              ? `a user with this ${error.field} already exists`
              : error instanceof Error
                ? error.message
                : String(error);
          throw new OtpgateError('invalid_request', `${options.in}: ${why}; nothing was imported.`);
        }
        process.stdout.write(`imported ${parsed.length} users into site ${site.id}\n`);
      });
    });
}

/** The export file, opened before anything is read, so a path that cannot be written is a clear error up front. */
async function openForWriting(path: string): Promise<WriteStream> {
  try {
    const file = await open(path, 'w');
    return file.createWriteStream();
  } catch (error) {
    throw new OtpgateError('invalid_request', `${path}: cannot write the file (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
}

function toLine(user: User) {
  const { siteId: _site, updatedAt: _updated, createdAt, ...rest } = user;
  return { ...rest, createdAt: createdAt.toISOString() };
}

async function readLines(path: string): Promise<{ value: unknown; number: number }[]> {
  const out: { value: unknown; number: number }[] = [];
  let number = 0;
  try {
    for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
      number++;
      if (!line.trim()) continue;
      try {
        out.push({ value: JSON.parse(line), number });
      } catch {
        throw new OtpgateError('invalid_request', `${path}:${number}: not valid JSON.`);
      }
    }
  } catch (error) {
    if (error instanceof OtpgateError) throw error;
    throw new OtpgateError('invalid_request', `${path}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  return out;
}
