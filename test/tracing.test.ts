/**
 * Traces over OTLP/HTTP to a collector (a loopback receiver here, reading the JSON the exporter sends): one
 * registration is one trace in which the request's span is the parent of the flow's, and the delivery attempt and
 * the database queries belong to it; no attribute carries the number or the code. Without an endpoint nothing is
 * sent. Real HTTP, SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { person } from './support/people.js';
import { postJson, startTestServer } from './support/test-server.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: Record<string, unknown> }[];
}

describe('tracing', () => {
  const received: { path: string; type: string; spans: OtlpSpan[] }[] = [];
  const collector = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += String(chunk)));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
      const spans = parsed.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
      received.push({ path: req.url ?? '', type: req.headers['content-type'] ?? '', spans });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  let endpoint = '';
  before(async () => {
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => collector.close(() => resolve())));

  const register = (url: string, phone: string) =>
    postJson(
      `${url}/demo/services/auth/headless/init/registration`,
      { userdata: { mobilePhone: phone }, verificationmethod: 'sms' },
      person(),
    );

  test('one registration is one trace: request -> flow -> delivery attempt, and its database queries', async () => {
    const t = await startTestServer({ tracing: { endpoint } });
    const phone = '+14155550331';
    try {
      assert.equal((await register(t.url, phone)).status, 200);
    } finally {
      await t.close(); // flushes the batch
    }
    const code = t.lastCode(phone);
    assert.ok(received.length > 0, 'the collector was called');
    assert.ok(received.every((r) => r.path === '/v1/traces' && r.type.startsWith('application/json')));
    const spans = received.flatMap((r) => r.spans);
    const request = spans.find((s) => s.name === 'POST /:site/services/auth/headless/init/registration');
    assert.ok(request, `a request span among ${spans.map((s) => s.name).join(', ')}`);
    assert.equal(request.kind, 2, 'SERVER');
    const inTrace = spans.filter((s) => s.traceId === request.traceId);
    const flow = inTrace.find((s) => s.name === 'flow initSelfRegistration');
    assert.equal(flow?.parentSpanId, request.spanId, 'the flow is the request span’s child');
    const delivery = inTrace.find((s) => s.name === 'delivery console');
    assert.ok(delivery, 'the delivery attempt is in the trace');
    const ids = new Set(inTrace.map((s) => s.spanId));
    assert.ok(ids.has(delivery.parentSpanId!), 'under a span of the same trace');
    assert.ok(inTrace.some((s) => s.name === 'db insert') && inTrace.some((s) => s.name === 'db select'), 'the queries are in the trace');
    const text = JSON.stringify(spans);
    assert.ok(!text.includes(phone.slice(2)) && !text.includes(code), 'no number, no code');
  });

  test('without an endpoint nothing is sent', async () => {
    received.length = 0;
    const t = await startTestServer();
    try {
      assert.equal((await register(t.url, '+14155550332')).status, 200);
    } finally {
      await t.close();
    }
    assert.deepEqual(received, []);
  });
});
