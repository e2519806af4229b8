/**
 * A handler that names a credential namedCredentials lacks is a configuration error: refused at startup when
 * the configuration says so, and at send time recorded once (not retried) and logged as an error.
 */
import assert from 'node:assert/strict';
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
});
