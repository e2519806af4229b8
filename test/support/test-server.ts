import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices, otpgateOf, type Otpgate } from '../../src/app.js';
import { configSchema, type ConfigInput } from '../../src/config/schema.js';
import type { Clock } from '../../src/domain/clock.js';
import type { Logger } from 'pino';
import { openTestPostgres, postgresAvailable, UNREACHABLE } from './postgres.js';

/** The test server's secrets (signing keys sealed at rest, as production requires); the CLI beside it needs the same. */
export const TEST_SECRETS = {
  hmac: [{ id: 't1', secret: 'test-secret-0123456789abcdef-0123456789' }],
  keyEncryption: [{ id: 'kek1', secret: 'test-key-encryption-0123456789abcdef' }],
};

export interface SentMessage {
  phone: string;
  text: string;
  code: string;
  /** sms, voice or whatsapp: what the console handler that printed it was marked with. */
  channel: string;
}

/**
 * A fresh otpgate on a fresh database, listening on a loopback port; messages are captured from the console
 * handler. The database is a SQLite file, or with OTPGATE_TEST_DB=postgres a PostgreSQL database of its own.
 */
export async function startTestServer(
  overrides: Partial<ConfigInput> & { sites?: ConfigInput['sites'] } = {},
  options: { clock?: Clock; logger?: Logger } = {},
) {
  const database = await openTestDatabase();
  try {
    return await startOn(database, overrides, options);
  } catch (error) {
    // A server that fails to start (bad config, refused handler) must not leave its database behind. On
    // PostgreSQL the drop also ends the connections of the store createOtpgate opened and did not close.
    await database.drop();
    throw error;
  }
}

async function startOn(
  database: TestDatabase,
  overrides: Partial<ConfigInput> & { sites?: ConfigInput['sites'] },
  options: { clock?: Clock; logger?: Logger },
) {
  const messages: SentMessage[] = [];
  const config = configSchema.parse({
    // Behind one trusted hop (loopback), as behind a load balancer: a test simulating many people gives each an
    // address of its own in X-Forwarded-For (support/people.ts) instead of switching the send limits off.
    server: { logLevel: 'silent', port: 0, baseUrl: 'http://otpgate.test', trustProxy: ['loopback'], ...(overrides.server ?? {}) },
    database: { url: database.url },
    secrets: TEST_SECRETS,
    delivery: { backoffMs: 0, ...(overrides.delivery ?? {}) },
    ...overrides,
    sites: overrides.sites ?? [
      {
        id: 'demo',
        name: 'Demo',
        handlers: ['console'],
        clients: [
          // The site's own apps are first-party (may be granted api, which phone changes need); third-party-app is not.
          { clientId: 'public-app', redirectUris: ['http://app.test/callback'], firstParty: true },
          { clientId: 'third-party-app', redirectUris: ['http://app.test/callback'] },
          // A legacy server-side app that cannot send PKCE: the per-client switch RFC 9700 allows confidential clients.
          {
            clientId: 'server-app',
            clientSecret: 'server-app-secret-123456',
            redirectUris: ['http://app.test/callback'],
            requirePkce: false,
            firstParty: true,
          },
          // A confidential client on the default: PKCE required like everyone else.
          { clientId: 'web-app', clientSecret: 'web-app-secret-1234567890', redirectUris: ['http://app.test/callback'] },
        ],
      },
    ],
  });
  const services = await composeServices({
    config,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    consoleWrite: (line) => {
      const [, channel, phone] = /(SMS|VOICE|WHATSAPP) to (\+\d+)/.exec(line) ?? [];
      const code = /#(\d+)\s*$/.exec(line.trim())?.[1];
      // A notice (a message without a code) is captured too, with code ''.
      if (phone) messages.push({ phone, text: line, code: code ?? '', channel: channel!.toLowerCase() });
    },
  });
  const app: Otpgate = otpgateOf(services);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: address,
    app,
    /** The database behind the server, for checks the HTTP API does not show. */
    store: services.store,
    /** Its URL (sqlite:<file> or postgres://…), for tests that look at what is stored, byte for byte. */
    databaseUrl: database.url,
    keyring: services.keyring,
    clock: services.clock,
    messages,
    /** The code most recently sent to a phone. */
    lastCode(phone: string): string {
      const found = messages.filter((m) => m.phone === phone).at(-1);
      if (!found) throw new Error(`no message was sent to ${phone}`);
      return found.code;
    },
    async close() {
      await app.close();
      await database.drop();
    },
  };
}

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Which database the end-to-end tests run on: `npm test` runs them once per value. */
export const TEST_DB: 'sqlite' | 'postgres' = process.env.OTPGATE_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

/** A fresh, empty database of the kind TEST_DB names, and how to remove it. */
export async function openTestDatabase(kind: 'sqlite' | 'postgres' = TEST_DB): Promise<TestDatabase> {
  if (kind === 'postgres') {
    // Asked for explicitly: an unreachable server is a failure, not a silent fallback to SQLite.
    if (!(await postgresAvailable()))
      throw new Error(
        `a PostgreSQL test database was asked for (OTPGATE_TEST_DB=${process.env.OTPGATE_TEST_DB ?? ''}), but ${UNREACHABLE}`,
      );
    return openTestPostgres();
  }
  const dir = mkdtempSync(join(tmpdir(), 'otpgate-test-'));
  return { url: `sqlite:${join(dir, 'otpgate.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

export async function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown>, headers: response.headers };
}

export const basic = (user: string, password: string, urlSafe = false) => {
  const encoded = Buffer.from(`${user}:${password}`).toString(urlSafe ? 'base64url' : 'base64');
  return `Basic ${encoded}`;
};
