import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOtpgate, type Otpgate } from '../../src/app.js';
import { configSchema, type ConfigInput } from '../../src/config/schema.js';
import { buildServer } from '../../src/http/server.js';
import type { Clock } from '../../src/domain/clock.js';
import type { Logger } from 'pino';

export interface SentMessage {
  phone: string;
  text: string;
  code: string;
}

/** A fresh otpgate on a fresh SQLite file, listening on a loopback port; messages are captured from the console handler. */
export async function startTestServer(overrides: Partial<ConfigInput> & { sites?: ConfigInput['sites'] } = {}, options: { clock?: Clock; logger?: Logger } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'otpgate-test-'));
  const messages: SentMessage[] = [];
  const config = configSchema.parse({
    server: { logLevel: 'silent', port: 0, baseUrl: 'http://otpgate.test', ...(overrides.server ?? {}) },
    database: { url: `sqlite:${join(dir, 'otpgate.db')}` },
    secrets: { hmac: [{ id: 't1', secret: 'test-secret-0123456789abcdef-0123456789' }] },
    delivery: { backoffMs: 0, ...(overrides.delivery ?? {}) },
    ...overrides,
    sites: overrides.sites ?? [
      {
        id: 'demo',
        name: 'Demo',
        handlers: ['console'],
        clients: [
          { clientId: 'public-app', redirectUris: ['http://app.test/callback'] },
          { clientId: 'server-app', clientSecret: 'server-app-secret-123456', redirectUris: ['http://app.test/callback'] },
        ],
      },
    ],
  });
  const app: Otpgate = await createOtpgate({
    config,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    consoleWrite: (line) => {
      const phone = /SMS to (\+\d+)/.exec(line)?.[1];
      const code = /#(\d+)\s*$/.exec(line.trim())?.[1];
      if (phone && code) messages.push({ phone, text: line, code });
    },
  });
  const server = await buildServer(app);
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: address,
    app,
    messages,
    /** The code most recently sent to a phone. */
    lastCode(phone: string): string {
      const found = messages.filter((m) => m.phone === phone).at(-1);
      if (!found) throw new Error(`no message was sent to ${phone}`);
      return found.code;
    },
    async close() {
      await server.close();
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

export async function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form) });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown>, headers: response.headers };
}

export const basic = (user: string, password: string, urlSafe = false) => {
  const encoded = Buffer.from(`${user}:${password}`).toString(urlSafe ? 'base64url' : 'base64');
  return `Basic ${encoded}`;
};
