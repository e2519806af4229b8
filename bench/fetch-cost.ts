/**
 * What one delivery callout costs in CPU, by HTTP client: Node's fetch as src/delivery/callout.ts calls it
 * (fresh AbortController, Headers, string body, redirect: follow), variants, and undici.request wrapped in
 * a Response (the `fast-fetch` experiment). Client and loopback server share this process; compare rows.
 * Run: node --import tsx bench/fetch-cost.ts
 */
import { createServer } from 'node:http';
import { Agent, request } from 'undici';

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/sms`;
const body = JSON.stringify({ phone: '+14152000000', code: '123456', identifier: 'abcdefghijklmnopqrstuvwx' });
const headers = { 'content-type': 'application/json' };
const reason = new Error('done');
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 32 });

async function measure(label: string, once: () => Promise<unknown>) {
  for (let i = 0; i < 1000; i++) await once();
  const n = 6000;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let i = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (i++ < n) await once();
    }),
  );
  const used = process.cpuUsage(cpu);
  process.stdout.write(
    `${label.padEnd(52)} ${((used.user + used.system) / n).toFixed(0).padStart(5)} us CPU/call   ` +
      `${(((performance.now() - started) * 1000) / n).toFixed(0).padStart(5)} us wall/call\n`,
  );
}

await measure('fetch, as callout.ts does it (redirect: follow)', async () => {
  const c = new AbortController();
  const r = await fetch(url, { method: 'POST', headers: new Headers(headers), body, signal: c.signal });
  await r.arrayBuffer();
  c.abort();
});
await measure('fetch, redirect: manual', async () => {
  const c = new AbortController();
  const r = await fetch(url, { method: 'POST', headers: new Headers(headers), body, signal: c.signal, redirect: 'manual' });
  await r.arrayBuffer();
  c.abort();
});
await measure('fetch, redirect: manual, abort(reason)', async () => {
  const c = new AbortController();
  const r = await fetch(url, { method: 'POST', headers: new Headers(headers), body, signal: c.signal, redirect: 'manual' });
  await r.arrayBuffer();
  c.abort(reason);
});
await measure('undici.request + Agent, wrapped in a Response', async () => {
  const c = new AbortController();
  const r = await request(url, { method: 'POST', headers, body, signal: c.signal, dispatcher: agent });
  const buf = await r.body.arrayBuffer();
  const out = new Headers();
  for (const [k, v] of Object.entries(r.headers)) for (const x of Array.isArray(v) ? v : [v ?? '']) out.append(k, x);
  await new Response(buf, { status: r.statusCode, headers: out }).arrayBuffer();
  c.abort(reason);
});
await measure('undici.request + Agent (no Response)', async () => {
  const r = await request(url, { method: 'POST', headers, body, dispatcher: agent });
  await r.body.arrayBuffer();
});
server.close();
await agent.close();
