/**
 * A handler that names a credential namedCredentials lacks is a configuration error: refused at startup when
 * the configuration says so, and at send time recorded once (not retried) and logged as an error.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, test } from 'node:test';
import { createLogger } from '../src/observability/logger.js';
import { postJson, startTestServer, type TestServer } from './support/test-server.js';

function handlerModule(name: string, body: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'otpgate-credential-')), `${name}.mjs`);
  writeFileSync(path, `export default { async sendOneTimePassword(request, context) { ${body} } };\n`);
  return path;
}

const site = (handlers: unknown[]) => ({ sites: [{ id: 'demo', name: 'Demo', handlers }] as never });
const sink = { Sink: { url: 'http://127.0.0.1:9', auth: { type: 'none' as const } } };

async function startupProblems(overrides: Parameters<typeof startTestServer>[0]): Promise<string[]> {
  try {
    const t = await startTestServer(overrides);
    await t.close();
  } catch (error) {
    return (error as { problems?: string[] }).problems ?? [String(error)];
  }
  return assert.fail('expected startup to fail');
}

describe('named credentials a handler references', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  test('startup fails naming the path of a declared credential that is not configured', async () => {
    const path = handlerModule('sender', `return 'SUCCESS';`);
    const handler = { type: 'module', path, credentials: ['Sink', 'Missing'] };
    const problems = await startupProblems({ ...site(['console', handler]), namedCredentials: sink });
    assert.deepEqual(problems, ['sites.0.handlers.1.credentials.1: no named credential "Missing" is configured in namedCredentials']);
  });

  test('startup fails naming the option that calls an unconfigured credential, in the default handler too', async () => {
    const path = handlerModule('sender', `return 'SUCCESS';`);
    const handler = { type: 'module', path, options: { endpoint: 'callout:Nowhere/messages', backup: ['callout:Sink/x'] } };
    const problems = await startupProblems({ ...site([handler]), namedCredentials: sink, delivery: { defaultHandler: handler as never } });
    assert.deepEqual(problems, [
      'delivery.defaultHandler.options.endpoint: no named credential "Nowhere" is configured in namedCredentials',
      'sites.0.handlers.0.options.endpoint: no named credential "Nowhere" is configured in namedCredentials',
    ]);
  });

  test('configured credentials start', async () => {
    const path = handlerModule('sender', `return 'SUCCESS';`);
    const handler = { type: 'module', path, credentials: ['Sink'], options: { url: 'callout:Sink/messages' } };
    t = await startTestServer({ ...site([handler]), namedCredentials: sink });
  });

  for (const [how, body] of [
    ['maps the error to a result of its own', `try { await context.callout('callout:Missing/m'); } catch { return 'PROVIDER_ERROR'; }`],
    ['lets the error through', `await context.callout('callout:Missing/m'); return 'SUCCESS';`],
  ] as const) {
    test(`at send time, an unknown credential is one attempt, not retried, logged as an error (the handler ${how})`, async () => {
      const lines: string[] = [];
      const sinkStream = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
      const logger = createLogger('info', sinkStream);
      const path = handlerModule('caller', body);
      t = await startTestServer({ ...site([path, 'console']), delivery: { retries: 2, backoffMs: 0 } }, { logger });
      const response = await postJson(`${t.url}/demo/services/auth/headless/init/registration`, {
        userdata: { mobilePhone: '+14155550140', username: 'u0140' },
        verificationmethod: 'sms',
      });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      const rows = await t.store.forSite('demo').deliveryAttempts.forVerification(String(response.body.identifier));
      assert.deepEqual(
        rows.map((a) => `${a.handler}:${a.attempt}:${a.result}`),
        ['caller:1:EXCEPTION', 'console:1:SUCCESS'],
      );
      assert.equal(rows[0]!.detail, 'configuration error: no named credential "Missing" is configured');
      const parsed = lines.map((line) => JSON.parse(line) as { level: number; msg: string; credential?: string });
      const errors = parsed.filter((l) => l.level >= 50); // pino's error level
      assert.equal(errors.length, 1, lines.join(''));
      assert.equal(errors[0]!.credential, 'Missing');
      assert.match(errors[0]!.msg, /configuration problem: delivery handler "caller" calls callout:Missing/);
    });
  }

  test('a credential limited to some sites: another site declaring it is refused at startup, naming the path and the site', async () => {
    const handler = { type: 'module' as const, path: handlerModule('sender', `return 'SUCCESS';`), credentials: ['Sink'] };
    const problems = await startupProblems({
      namedCredentials: { Sink: { ...sink.Sink, sites: ['shop'] } },
      sites: [
        { id: 'shop', name: 'Shop', handlers: [handler] },
        { id: 'other', name: 'Other', handlers: [handler] },
      ],
    });
    assert.deepEqual(problems, [
      'sites.1.handlers.0.credentials.0: named credential "Sink" is not for site "other" (namedCredentials.Sink.sites)',
    ]);
  });

  test("at send time, another site's callout to a limited credential is a configuration error; its own site calls it", async () => {
    const calls: string[] = [];
    const provider = createServer((req, res) => (calls.push(req.headers.authorization ?? ''), res.writeHead(201).end('{}')));
    await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
    const port = (provider.address() as { port: number }).port;
    try {
      // The name is only in the handler's code, so startup cannot see it: the callout itself is refused.
      const path = handlerModule(
        'caller',
        `const r = await context.callout('callout:Sink/m', { method: 'POST' }); return r.status === 201 ? 'SUCCESS' : 'PROVIDER_ERROR';`,
      );
      t = await startTestServer({
        namedCredentials: { Sink: { url: `http://127.0.0.1:${port}`, auth: { type: 'bearer', token: 'shop-account' }, sites: ['shop'] } },
        sites: [
          { id: 'shop', name: 'Shop', handlers: [path] },
          { id: 'other', name: 'Other', handlers: [path, 'console'] },
        ],
        delivery: { retries: 2, backoffMs: 0 },
      });
      const register = (siteId: string, phone: string) =>
        postJson(`${t!.url}/${siteId}/services/auth/headless/init/registration`, {
          userdata: { mobilePhone: phone },
          verificationmethod: 'sms',
        });
      const shop = await register('shop', '+14155550141');
      assert.equal(shop.status, 200);
      const other = await register('other', '+14155550142');
      assert.equal(other.status, 200, 'the next handler delivered');
      const rows = await t.store.forSite('other').deliveryAttempts.forVerification(String(other.body.identifier));
      assert.deepEqual(
        rows.map((a) => `${a.handler}:${a.attempt}:${a.result}`),
        ['caller:1:EXCEPTION', 'console:1:SUCCESS'],
      );
      assert.equal(rows[0]!.detail, 'configuration error: named credential "Sink" is not for site "other" (its sites list leaves it out)');
      assert.deepEqual(calls, ['Bearer shop-account'], "only the shop's own send reached the shop's account");
    } finally {
      provider.close();
    }
  });
});
