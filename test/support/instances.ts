/** Real `otpgate serve` processes for multi-instance tests, plus an SMS sink they all deliver to. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface Instance {
  url: string;
  process: ChildProcess;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** An HTTP server standing in for the SMS provider: remembers every code per phone. */
export async function startSink() {
  const codes = new Map<string, string[]>();
  const waiters: { phone: string; nth: number; resolve: (code: string) => void }[] = [];
  const settle = () => {
    for (const w of [...waiters]) {
      const code = codes.get(w.phone)?.[w.nth - 1];
      if (!code) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(code);
    }
  };
  const server = createServer((req, res) => {
    let body = '';
    req
      .on('data', (c) => (body += c))
      .on('end', () => {
        const { phone, code } = JSON.parse(body) as { phone: string; code: string };
        codes.set(phone, [...(codes.get(phone) ?? []), code]);
        settle();
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"sink"}');
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    /** The n-th code sent to the phone (1-based), waiting for it if needed. */
    code(phone: string, nth = 1): Promise<string> {
      return new Promise((resolve) => {
        waiters.push({ phone, nth, resolve });
        settle();
      });
    },
    count: (phone: string) => codes.get(phone)?.length ?? 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A config file for instances sharing one database, delivering through a module that posts to the sink. */
export function writeInstanceConfig(databaseUrl: string, sinkUrl: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'otpgate-multi-'));
  writeFileSync(
    join(dir, 'sink-handler.mjs'),
    `export default ({ sinkUrl }) => ({
      async sendOneTimePassword(request, context) {
        const res = await context.callout(sinkUrl, { method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ phone: request.phoneNumber, code: request.oneTimePassword }) });
        return res.ok ? 'SUCCESS' : 'PROVIDER_ERROR';
      } });\n`,
  );
  const path = join(dir, 'otpgate.json');
  writeFileSync(
    path,
    JSON.stringify({
      server: {
        host: '127.0.0.1',
        port: 0,
        baseUrl: 'http://otpgate.test',
        logLevel: 'warn',
        // Wide enough that a busy machine still sees the 503 window (the drain test polls into it); the other
        // tests stop instances with SIGKILL and never wait for it.
        shutdownDelayMs: 3000,
        trustProxy: ['loopback'],
      },
      database: { url: databaseUrl, poolSize: 5 },
      secrets: { hmac: [{ id: 'm1', secret: 'multi-instance-secret-0123456789abcdef' }] },
      maintenance: { purgeIntervalSeconds: 0 },
      sites: [
        {
          id: 'demo',
          name: 'Demo',
          handlers: [{ type: 'module', path: './sink-handler.mjs', options: { sinkUrl } }],
          clients: [
            {
              clientId: 'app',
              clientSecret: 'multi-instance-client-secret',
              redirectUris: ['http://app.test/cb'],
              requirePkce: false,
              firstParty: true,
            },
          ],
        },
        {
          id: 'fast',
          name: 'No resend interval',
          handlers: [{ type: 'module', path: './sink-handler.mjs', options: { sinkUrl } }],
          policy: { resendIntervalSeconds: 0 },
        },
      ],
    }),
  );
  return path;
}

export async function startInstance(configPath: string): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '-c', configPath], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += String(chunk);
      const match = /otpgate listening on (http:\/\/[\d.:]+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c: Buffer) => (output += String(c)));
    void exited.then((code) => reject(new Error(`otpgate exited with ${code} before listening:\n${output}`)));
  });
  return {
    url,
    process: child,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
