import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, test } from 'node:test';
import { createLogger } from '../src/observability/logger.js';
import { handlerModule, recorded } from './support/handler-module.js';
import { postJson, startTestServer, type TestServer } from './support/test-server.js';

describe('delivery handlers and the chain', () => {
  let t: TestServer;
  afterEach(() => t.close());
  const register = (phone: string, headers: Record<string, string> = {}) =>
    postJson(
      `${t.url}/demo/services/auth/headless/init/registration`,
      { userdata: { mobilePhone: phone, username: `u${phone.slice(-4)}` }, verificationmethod: 'sms' },
      headers,
    );
  const site = (handlers: unknown[], extra: Record<string, unknown> = {}) => ({
    sites: [{ id: 'demo', name: 'Demo', experienceId: 'exp-1', handlers, ...extra }] as never,
  });
  const attempts = async (identifier: unknown) =>
    (await t.store.forSite('demo').deliveryAttempts.forVerification(String(identifier))).map((a) => `${a.handler}:${a.result}`);

  test("one line of config puts the site owner's module in charge, with every request field", async () => {
    const path = handlerModule('mine', `record(); return { result: 'SUCCESS', providerMessageId: 'msg-1' };`);
    t = await startTestServer(site([path]));
    const response = await register('+14155550120', { 'user-agent': 'tour/1.0', 'accept-language': 'fr-FR' });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const [call] = recorded(path);
    const r = call!.request;
    assert.equal(r.phoneNumber, '+14155550120');
    assert.match(String(r.oneTimePassword), /^\d{6}$/);
    assert.ok(String(r.defaultText).includes(String(r.oneTimePassword)));
    assert.match(String(r.defaultText), /code/i);
    assert.ok(String(r.defaultText).endsWith(`@otpgate.test #${String(r.oneTimePassword)}`), 'WebOTP line');
    assert.equal(r.locale, 'fr');
    assert.match(String(r.defaultText), /Votre code/);
    assert.equal(r.siteId, 'demo');
    assert.equal(r.experienceId, 'exp-1');
    assert.equal(r.useCase, 'self_registration');
    assert.equal(r.identifier, response.body.identifier);
    assert.equal(r.attempt, 1);
    assert.ok(r.expiresAt instanceof Date);
    assert.equal(r.channel, 'sms');
    assert.equal(r.ip, '127.0.0.1');
    assert.equal(r.userAgent, 'tour/1.0');
    assert.match(String(r.userId), /^[0-9a-f-]{36}$/);
    assert.deepEqual(call!.context.sort(), ['callout', 'log', 'signal']);
    assert.deepEqual(await attempts(response.body.identifier), ['mine:SUCCESS']);
  });

  test('a .ts module loads too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otpgate-ts-'));
    const path = join(dir, 'typed.ts');
    writeFileSync(
      path,
      `import type { OneTimePasswordDeliveryHandler } from '${process.cwd()}/src/delivery/contract.ts';\n` +
        `const h: OneTimePasswordDeliveryHandler = { async sendOneTimePassword() { return 'SUCCESS'; } };\nexport default h;\n`,
    );
    t = await startTestServer(site([path]));
    const response = await register('+14155550121');
    assert.equal(response.status, 200);
    assert.deepEqual(await attempts(response.body.identifier), ['typed:SUCCESS']);
  });

  test('PROVIDER_ERROR is retried, then the chain fails over', async () => {
    const failing = handlerModule('flaky', `return 'PROVIDER_ERROR';`);
    t = await startTestServer({ ...site([failing, 'console']), delivery: { retries: 2, backoffMs: 0 } });
    const response = await register('+14155550122');
    assert.equal(response.status, 200);
    assert.deepEqual(await attempts(response.body.identifier), [
      'flaky:PROVIDER_ERROR',
      'flaky:PROVIDER_ERROR',
      'flaky:PROVIDER_ERROR',
      'console:SUCCESS',
    ]);
    assert.equal(t.messages.length, 1);
  });

  test('INVALID_PHONE_NUMBER stops the chain; COUNTRY_BLOCK and MESSAGE_LIMIT_EXCEEDED fail over without retry', async () => {
    const invalid = handlerModule('invalid', `return 'INVALID_PHONE_NUMBER';`);
    const blocked = handlerModule('blocked', `return 'COUNTRY_BLOCK';`);
    const limited = handlerModule('limited', `return { result: 'MESSAGE_LIMIT_EXCEEDED' };`);
    t = await startTestServer(site([invalid, 'console']));
    const stopped = await register('+14155550123');
    assert.equal(stopped.status, 400);
    assert.equal(stopped.body.error, 'invalid_phone_number');
    assert.equal(t.messages.length, 0);
    await t.close();

    t = await startTestServer(site([blocked, limited]));
    const failed = await register('+14155550124');
    assert.equal(failed.status, 429);
    assert.equal(failed.body.error, 'message_limit_exceeded');
    await t.close();

    t = await startTestServer(site([limited, blocked]));
    const unsupported = await register('+14155550125');
    assert.equal(unsupported.body.error, 'country_not_supported');
    const verification = await t.store
      .forSite('demo')
      .verifications.findResendable({ useCase: 'self_registration', userId: null, now: new Date() });
    assert.deepEqual(await attempts(verification!.id), ['limited:MESSAGE_LIMIT_EXCEEDED', 'blocked:COUNTRY_BLOCK']);
  });

  test('a throw is EXCEPTION with the code scrubbed from the detail; a hanging handler cannot starve the next one', async () => {
    const thrower = handlerModule('thrower', `throw new Error('provider said no to ' + request.oneTimePassword);`);
    const hanging = handlerModule('hanging', `record(); return new Promise(() => {});`);
    t = await startTestServer({ ...site([thrower, hanging, 'console']), delivery: { retries: 0, deadlineMs: 600 } });
    const response = await register('+14155550126');
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const rows = await t.store.forSite('demo').deliveryAttempts.forVerification(String(response.body.identifier));
    assert.deepEqual(
      rows.map((a) => `${a.handler}:${a.result}`),
      ['thrower:EXCEPTION', 'hanging:EXCEPTION', 'console:SUCCESS'],
    );
    const code = t.lastCode('+14155550126');
    assert.equal(rows[0]!.detail, 'threw: provider said no to [redacted]');
    assert.ok(!JSON.stringify(rows).includes(code));
    assert.equal(rows[1]!.detail, 'timed out');
  });

  test('the handler log never prints the code; callout adds the named credential', async () => {
    const received: { auth?: string; body: string }[] = [];
    const sink = createServer((req, res) => {
      let body = '';
      req
        .on('data', (c) => (body += c))
        .on('end', () => {
          received.push({ auth: req.headers.authorization, body });
          res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"p-1"}');
        });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const port = (sink.address() as { port: number }).port;
    const path = handlerModule(
      'caller',
      `context.log.info('sending code ' + request.oneTimePassword, { text: request.defaultText });
       const body = JSON.stringify({ to: request.phoneNumber, text: request.defaultText });
       const query = '?to=' + request.phoneNumber + '&code=' + request.oneTimePassword;
       const res = await context.callout('callout:Sink/messages' + query, { method: 'POST', body });
       return { result: res.status === 201 ? 'SUCCESS' : 'PROVIDER_ERROR', providerMessageId: (await res.json()).id };`,
    );
    const lines: string[] = [];
    const logger = createLogger('info', new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    t = await startTestServer(
      {
        ...site([path]),
        namedCredentials: { Sink: { url: `http://127.0.0.1:${port}`, auth: { type: 'basic', username: 'acct', password: 'tok' } } },
      },
      { logger },
    );
    const response = await register('+14155550127');
    sink.close();
    assert.equal(response.status, 200);
    assert.equal(received[0]!.auth, `Basic ${Buffer.from('acct:tok').toString('base64')}`);
    const code = /#(\d+)"/.exec(received[0]!.body)![1]!;
    const log = lines.join('');
    assert.match(log, /sending code \[redacted\]/);
    assert.ok(!log.includes(code), 'code absent from every log line');
    // The callout is recorded with the attempt (DESIGN §4.1): origin and path, method, status, latency; no query.
    const [attempt] = await t.store.forSite('demo').deliveryAttempts.forVerification(String(response.body.identifier));
    assert.equal(attempt!.callouts.length, 1);
    const [callout] = attempt!.callouts;
    assert.deepEqual({ ...callout, latencyMs: 0 }, { url: `http://127.0.0.1:${port}/messages`, method: 'POST', status: 201, latencyMs: 0 });
    assert.ok(callout!.latencyMs >= 0);
    assert.ok(!JSON.stringify(attempt).includes(code), 'nor in the attempt record');
  });

  test('production mode refuses the console handler at startup, unless explicitly allowed', async () => {
    // Production also needs an https baseUrl (the session part of issue 9); this test is about the handler.
    const production = { mode: 'production' as const, server: { logLevel: 'silent' as const, baseUrl: 'https://otpgate.test' } };
    await assert.rejects(
      startTestServer({ ...production, ...site(['console']) }),
      /console handler prints codes and is refused in production/,
    );
    t = await startTestServer({ ...production, ...site(['console']), delivery: { allowConsoleInProduction: true } });
    assert.equal((await register('+14155550128')).status, 200);
  });
});
