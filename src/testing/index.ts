/**
 * A handler author's test kit: a valid delivery request, a fake provider on loopback, and a way to run a handler
 * exactly as otpgate does (named credentials resolved, the deadline applied, the result normalised).
 *
 * @example
 * import { deliveryRequest, fakeProvider, runHandler } from 'otpgate/testing';
 * const provider = await fakeProvider(() => ({ status: 201, json: { sid: 'SM1' } }));
 * const credentials = { Twilio: { url: provider.url, auth: { type: 'none' } } };
 * const report = await runHandler(myHandler, { phoneNumber: '+14155550101' }, { credentials });
 * assert.equal(report.result, 'SUCCESS');
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeliveryRequest, OneTimePasswordDeliveryHandler } from '../delivery/contract.js';
import { dispatch, type DispatchReport } from '../delivery/dispatcher.js';
import { createHttpClient } from '../delivery/http-client.js';
import type { NamedCredential } from '../delivery/named-credentials.js';
import { systemTimers } from '../domain/clock.js';

export type { DeliveryRequest, OneTimePasswordDeliveryHandler, DispatchReport, NamedCredential };

/** A complete delivery request as a handler receives it; override any field. */
export function deliveryRequest(overrides: Partial<DeliveryRequest> = {}): DeliveryRequest {
  const code = overrides.oneTimePassword ?? '123456';
  return {
    userId: 'user-1',
    phoneNumber: '+14155550101',
    oneTimePassword: code,
    defaultText: `Your Example code is ${code}. It expires in 10 min. Don't share it.\n\n@example.com #${code}`,
    siteId: 'demo',
    experienceId: null,
    useCase: 'passwordless_login',
    locale: 'en',
    identifier: 'vrf-test-1',
    attempt: 1,
    expiresAt: new Date(Date.now() + 600_000),
    channel: 'sms',
    ip: '203.0.113.7',
    userAgent: 'test',
    ...overrides,
  };
}

/** A request the fake provider received. */
export interface ProviderRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body's fields when it was a form. */
  form: URLSearchParams;
  /** The body parsed when it was JSON. */
  json: unknown;
}

export interface ProviderAnswer {
  status: number;
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
}

export interface FakeProvider {
  url: string;
  requests: ProviderRequest[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that records every request and answers what `answer` decides. */
export async function fakeProvider(answer: (request: ProviderRequest) => ProviderAnswer): Promise<FakeProvider> {
  const requests: ProviderRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        // a form or nothing
      }
      const recorded: ProviderRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        form: new URLSearchParams(/application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '') ? body : ''),
        json,
      };
      requests.push(recorded);
      const reply = answer(recorded);
      const text = reply.body ?? (reply.json === undefined ? '' : JSON.stringify(reply.json));
      const type = reply.json === undefined ? {} : { 'content-type': 'application/json' };
      res.writeHead(reply.status, { ...type, ...reply.headers }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Runs `handler` as otpgate's dispatcher does, as the only handler of a chain: `callout:NAME/...` resolved through
 * `credentials`, retries and the deadline as configured (defaults: no retry, 10 s). Reports every attempt.
 */
export async function runHandler(
  handler: OneTimePasswordDeliveryHandler,
  request: Partial<DeliveryRequest> = {},
  options: { credentials?: Record<string, NamedCredential>; retries?: number; deadlineMs?: number } = {},
): Promise<DispatchReport> {
  const http = createHttpClient();
  const { attempt: _attempt, ...rest } = deliveryRequest(request);
  try {
    return await dispatch({
      chain: [{ name: 'handler', handler }],
      request: rest,
      credentials: new Map(Object.entries(options.credentials ?? {})),
      fetch: http.fetch,
      settings: { deadlineMs: options.deadlineMs ?? 10_000, retries: options.retries ?? 0, backoffMs: 0 },
      logger: { info: () => {}, warn: () => {}, error: () => {} },
      clock: { now: () => new Date() },
      timers: systemTimers,
    });
  } finally {
    await http.close();
  }
}
