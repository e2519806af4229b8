/**
 * Where the server's idle memory comes from: imports the server's dependencies one at a time and prints
 * RSS and V8 heap after each (after a full GC). Run: node --expose-gc --import tsx bench/memory.ts
 */
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const mb = (n: number) => (n / 1048576).toFixed(1).padStart(6);
const report = (label: string) => {
  gc();
  const m = process.memoryUsage();
  process.stdout.write(`${label.padEnd(28)} rss ${mb(m.rss)} MB   heapUsed ${mb(m.heapUsed)} MB   external ${mb(m.external)} MB\n`);
};

const steps: [string, () => Promise<unknown>][] = [
  ['libphonenumber-js/max', () => import('libphonenumber-js/max')],
  ['fastify + formbody', async () => Promise.all([import('fastify'), import('@fastify/formbody')])],
  ['kysely + better-sqlite3', async () => Promise.all([import('kysely'), import('better-sqlite3')])],
  ['jose', () => import('jose')],
  ['zod', () => import('zod')],
  ['pino', () => import('pino')],
  ['yaml + commander', async () => Promise.all([import('yaml'), import('commander')])],
  ['src/app.ts (all of src)', () => import('../src/app.js')],
  ['src/http/server.ts', () => import('../src/http/server.js')],
];

report('node + tsx (nothing loaded)');
for (const [label, load] of steps) {
  await load();
  report(`+ ${label}`);
}
if (!(globalThis as { gc?: unknown }).gc) process.stdout.write('(run with --expose-gc for stable numbers)\n');
