/**
 * The client address, as an attacker behind (or in front of) a proxy would try to fake it, and connections
 * held open with a body trickled a byte at a time. Real sockets on loopback.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { handlerModule, recorded } from './support/handler-module.js';
import { postJson, startTestServer, type TestServer } from './support/test-server.js';

describe('client address and slow requests', () => {
  let t: TestServer;
  afterEach(() => t.close());

  /** A server whose only handler records the delivery request (it carries the client's ip). */
  async function serverBehind(trustProxy: boolean | number | string[]) {
    const handler = handlerModule('ip-recorder', `record(); return { result: 'SUCCESS' };`);
    t = await startTestServer({
      server: { logLevel: 'silent', baseUrl: 'http://otpgate.test', trustProxy },
      sites: [{ id: 'demo', name: 'Demo', handlers: [{ type: 'module', path: handler }] }],
    });
    let n = 0;
    return async (forwardedFor: string | null) => {
      const phone = `+1415555${String(700 + n++).padStart(4, '0')}`;
      const sent = await postJson(
        `${t.url}/demo/services/auth/headless/init/registration`,
        { userdata: { mobilePhone: phone }, verificationmethod: 'sms' },
        forwardedFor === null ? {} : { 'x-forwarded-for': forwardedFor },
      );
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
      return recorded(handler).at(-1)!.request.ip;
    };
  }

  test('behind one trusted hop, the address is the one the proxy saw; a rotated leftmost X-Forwarded-For changes nothing', async () => {
    const ipOf = await serverBehind(1);
    // The proxy (loopback here) appends the address it saw; whatever the client wrote comes before it.
    assert.equal(await ipOf('203.0.113.7'), '203.0.113.7');
    for (const forged of ['1.1.1.1', '8.8.8.8', '198.51.100.1']) assert.equal(await ipOf(`${forged}, 203.0.113.7`), '203.0.113.7');
  });

  test('true means one hop, not "believe the leftmost" (what Fastify does with true)', async () => {
    const ipOf = await serverBehind(true);
    assert.equal(await ipOf('6.6.6.6, 203.0.113.8'), '203.0.113.8');
  });

  test('two hops read one more address from the right; a trusted CIDR list trusts only those proxies', async () => {
    const twoHops = await serverBehind(2);
    assert.equal(await twoHops('6.6.6.6, 203.0.113.9, 10.0.0.2'), '203.0.113.9');
    await t.close();
    const listed = await serverBehind(['127.0.0.1/32', '10.0.0.0/8']);
    assert.equal(
      await listed('6.6.6.6, 203.0.113.10, 10.0.0.2'),
      '203.0.113.10',
      'trusted proxies are skipped, the first other address is the client',
    );
  });

  test('without trust the header is ignored, and a value that is no address is never used', async () => {
    const ipOf = await serverBehind(false);
    assert.equal(await ipOf('203.0.113.11'), '127.0.0.1');
    await t.close();
    const oneHop = await serverBehind(1);
    assert.equal(await oneHop('<script>, not-an-ip'), '127.0.0.1', 'falls back to the connection');
  });

  test('a body trickled a byte at a time is cut off by the request timeout; the body limit still holds', async () => {
    t = await startTestServer({
      server: { logLevel: 'silent', baseUrl: 'http://otpgate.test', requestTimeoutMs: 1000, headersTimeoutMs: 1000 },
    });
    const { port } = new URL(t.url);
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const body = JSON.stringify({ userdata: { mobilePhone: '+14155550790' }, verificationmethod: 'sms' });
    socket.write(
      'POST /demo/services/auth/headless/init/registration HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${body.length}\r\n\r\n`,
    );
    let sentBytes = 0;
    // One byte every 200 ms: the whole body would take ~14 s; the server must give up long before.
    const trickle = setInterval(() => {
      if (socket.destroyed || sentBytes >= body.length) return clearInterval(trickle);
      socket.write(body[sentBytes++]!);
    }, 200);
    await closed;
    clearInterval(trickle);
    assert.ok(sentBytes < body.length, `the connection was closed with ${sentBytes} of ${body.length} bytes sent`);
    assert.ok(answer === '' || answer.startsWith('HTTP/1.1 408'), answer.slice(0, 80));
    assert.equal(t.messages.length, 0, 'nothing was sent');

    const tooBig = await fetch(`${t.url}/demo/services/auth/headless/init/registration`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userdata: { mobilePhone: '+14155550791', pad: 'x'.repeat(20_000) }, verificationmethod: 'sms' }),
    });
    assert.equal(tooBig.status, 413);
  });
});
