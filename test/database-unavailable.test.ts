/**
 * PostgreSQL going away under a running server: a request answers 503 service_unavailable with
 * Retry-After (never a 500 or a stack), and the same process serves again once the database is back.
 * The outage is real: the server reaches PostgreSQL through a TCP proxy that the test stops and restarts.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import pg from 'pg';
import { createOtpgate } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { openTestPostgres, requirePostgres } from './support/postgres.js';
import { postJson } from './support/test-server.js';

/** A TCP pass-through to PostgreSQL that can be cut (listener closed, every connection reset) and restored on the same port. */
function createProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  return {
    get port() {
      return port;
    },
    async start() {
      server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {}); // a reset is the point of this proxy
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
      port = (server.address() as AddressInfo).port;
    },
    async stop() {
      const closed = new Promise((resolve) => server?.close(resolve));
      for (const s of sockets) s.resetAndDestroy();
      await closed;
    },
  };
}

async function startBehindProxy(t: TestContext) {
  const database = await openTestPostgres();
  const target = new URL(database.url);
  const proxy = createProxy({ host: target.hostname, port: Number(target.port || 5432) });
  await proxy.start();
  const viaProxy = new URL(database.url);
  viaProxy.port = String(proxy.port);
  const config = configSchema.parse({
    server: { logLevel: 'silent' },
    database: { url: viaProxy.toString(), poolSize: 2 },
    secrets: { hmac: [{ id: 't1', secret: 'outage-test-secret-0123456789' }] },
    sites: [{ id: 'demo', name: 'Demo', handlers: ['console'] }],
  });
  const app = await createOtpgate({ config, consoleWrite: () => {} });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(async () => {
    await app.close();
    await proxy.stop();
    await database.drop();
  });
  const init = (phone: string) =>
    postJson(`${url}/demo/services/auth/headless/init/registration`, { userdata: { mobilePhone: phone }, verificationmethod: 'sms' });
  return { url, proxy, init, databaseUrl: database.url };
}

if (await requirePostgres('database unavailable')) {
  test('database down: 503 service_unavailable with Retry-After, then served again once it is back', async (t) => {
    const { url, proxy, init } = await startBehindProxy(t);
    assert.equal((await init('+14155550170')).status, 200);

    await proxy.stop();
    const down = await init('+14155550171');
    assert.equal(down.status, 503, JSON.stringify(down.body));
    assert.equal(down.body.error, 'service_unavailable');
    assert.equal(down.headers.get('retry-after'), '1');
    assert.doesNotMatch(JSON.stringify(down.body), /ECONN|pg|at \w+ \(|Connection/);
    assert.equal((await fetch(`${url}/readyz`)).status, 503);

    await proxy.start(); // same port: the pool reconnects by itself, no restart
    assert.equal((await init('+14155550172')).status, 200);
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
  });

  test('an administrator terminating every connection neither crashes the server nor fails the next request', async (t) => {
    const { init, databaseUrl } = await startBehindProxy(t);
    assert.equal((await init('+14155550180')).status, 200);
    const name = new URL(databaseUrl).pathname.slice(1);
    const admin = new pg.Client({ connectionString: databaseUrl.replace(`/${name}`, '/postgres') });
    await admin.connect();
    t.after(() => admin.end());

    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name]);
    // Wait until the backends are gone, so their idle clients in the pool have heard about it.
    for (let i = 0; i < 50; i++) {
      const { rows } = await admin.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
      if (rows[0]?.n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));

    const next = await init('+14155550181');
    assert.equal(next.status, 200, JSON.stringify(next.body));
  });
}
