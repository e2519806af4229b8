/**
 * X-Request-Id is taken from a trusted proxy only, and only when it matches ^[A-Za-z0-9._-]{1,64}$. A forged
 * one (8 KB, markup, too long) never reaches the response header, the error JSON, the error page or the logs.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { afterEach, describe, test } from 'node:test';
import { createLogger } from '../src/observability/logger.js';
import { postJson, startTestServer, type TestServer } from './support/test-server.js';

const FORGED = {
  '8 KB': 'A'.repeat(8192),
  markup: '<script>alert(1)</script>',
  '65 characters': 'a'.repeat(65),
  'a slash and spaces': 'req/1 OR 1=1',
  'a percent-encoded line break': 'id%0d%0aSet-Cookie:x=1',
};
const VALID = 'lb-7f3a.9c_01';

/** A server behind a trusted proxy (or not), whose log lines are captured. */
async function serverWithLog(trustProxy: boolean): Promise<{ t: TestServer; lines: string[] }> {
  const lines: string[] = [];
  const logger = createLogger('info', new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
  const t = await startTestServer({ server: { logLevel: 'info', baseUrl: 'http://otpgate.test', trustProxy } }, { logger });
  // A stored site that fails the schema answers 500, which is logged with the request id.
  await t.store.sites.upsert({ id: 'broken', name: 'Broken', settings: { locale: 42 } }, t.clock.now());
  return { t, lines };
}

/** Where a request id shows: the reply header, the error JSON, the error page, and a logged 500. */
async function requestIdsSeen(t: TestServer, id: string) {
  const headers = { 'x-request-id': id };
  const json = await postJson(`${t.url}/demo/services/auth/headless/init/passwordless/login`, { nonsense: true }, headers);
  const page = await fetch(`${t.url}/demo/services/oauth2/authorize?client_id=nobody&response_type=code`, { headers });
  const failed = await fetch(`${t.url}/broken/login`, { headers });
  return {
    header: json.headers.get('x-request-id'),
    body: json.body.request_id,
    page: await page.text(),
    pageStatus: page.status,
    failedStatus: failed.status,
  };
}

describe('request ids', () => {
  let t: TestServer;
  afterEach(() => t.close());

  test('a forged or malformed X-Request-Id is not echoed (header, error JSON, error page, logs), even from a trusted proxy', async () => {
    const server = await serverWithLog(true);
    t = server.t;
    for (const [what, forged] of Object.entries(FORGED)) {
      const seen = await requestIdsSeen(t, forged);
      assert.equal(seen.pageStatus, 400);
      assert.equal(seen.failedStatus, 500);
      assert.ok(seen.header && seen.header !== forged, `${what}: header`);
      assert.match(seen.header, /^[A-Za-z0-9._-]{1,64}$/);
      assert.equal(seen.body, seen.header, `${what}: the error JSON carries the generated id`);
      assert.ok(!seen.page.includes(forged.slice(0, 40)) && !seen.page.includes('&lt;script'), `${what}: error page`);
      assert.ok(!server.lines.some((l) => l.includes(forged.slice(0, 40))), `${what}: logs`);
    }
    assert.ok(
      server.lines.some((l) => l.includes('"reqId"')),
      'the 500s were logged with a request id',
    );
  });

  test('a valid X-Request-Id from a trusted proxy is used everywhere', async () => {
    const server = await serverWithLog(true);
    t = server.t;
    const seen = await requestIdsSeen(t, VALID);
    assert.equal(seen.header, VALID);
    assert.equal(seen.body, VALID);
    assert.ok(seen.page.includes(VALID), 'the error page names it');
    assert.ok(
      server.lines.some((l) => l.includes(`"reqId":"${VALID}"`)),
      'the logged 500 carries it',
    );
  });

  test('without trustProxy even a valid X-Request-Id is ignored: anyone could have sent it', async () => {
    const server = await serverWithLog(false);
    t = server.t;
    const seen = await requestIdsSeen(t, VALID);
    assert.ok(seen.header && seen.header !== VALID);
    assert.equal(seen.body, seen.header);
    assert.ok(!seen.page.includes(VALID));
    assert.ok(!server.lines.some((l) => l.includes(VALID)));
  });
});
