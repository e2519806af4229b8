/**
 * Memory under requests to random unknown site paths (issue 7's denial-of-service check): starts
 * `otpgate serve` on a fresh SQLite file, sends N requests to `/{random id}/login`, and reports the server's
 * RSS before, at its peak, and after. Run: node --import tsx bench/unknown-sites.ts [--requests 200000]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '200000' }, port: { type: 'string', default: '18097' } } });
const total = Number(values.requests);
const port = Number(values.port);
const dir = mkdtempSync(join(tmpdir(), 'otpgate-unknown-sites-'));

const server = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '-p', String(port)], {
  env: { ...process.env, OTPGATE_DATABASE_URL: `sqlite:${join(dir, 'otpgate.db')}`, OTPGATE_LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise<void>((resolve, reject) => {
  server.stdout.on('data', (chunk: Buffer) => String(chunk).includes('listening') && resolve());
  server.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
});

const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))![1]) / 1024;
const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 16, pipelining: 1 });
const statuses = new Map<number, number>();

async function send(count: number, onProgress?: () => void) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const id = randomBytes(6).toString('hex');
      const response = await pool.request({ method: 'GET', path: `/${id}/login` });
      await response.body.dump();
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      if (next % 10_000 === 0) onProgress?.();
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

// Warm up (JIT, pools, first allocations), then measure from there.
await send(5000);
await new Promise((resolve) => setTimeout(resolve, 1000));
const start = rssMb();
let peak = start;
const started = performance.now();
await send(total, () => (peak = Math.max(peak, rssMb())));
await new Promise((resolve) => setTimeout(resolve, 2000));
const end = rssMb();
peak = Math.max(peak, end);
const seconds = (performance.now() - started) / 1000;

await pool.close();
server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));
rmSync(dir, { recursive: true, force: true });

const result = {
  requests: total,
  seconds: Number(seconds.toFixed(1)),
  statuses: Object.fromEntries(statuses),
  rssMb: { start, peak, end, growth: end - start },
};
process.stdout.write(`${JSON.stringify(result, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v))}\n`);
