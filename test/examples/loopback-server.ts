/**
 * The plumbing both provider fakes share: a real HTTP server on 127.0.0.1 (port 0, so parallel test files
 * never collide) that records every request, parses form bodies and Basic auth the way the providers do,
 * and answers with whatever the fake decides, optionally late.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  /** The query string's parameters (an API key in `?key=`, say). */
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  contentType: string;
  /** The form fields; empty unless the body was sent as application/x-www-form-urlencoded (as the APIs require). */
  form: URLSearchParams;
  rawBody: string;
  /** Decoded `Authorization: Basic`, or null when absent or another scheme. */
  basicAuth: { username: string; password: string } | null;
}

export interface Reply {
  status: number;
  /** Serialised as JSON unless `rawBody` is given. */
  json?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  /** Answer this late (a slow provider); the client's deadline should fire first. */
  delayMs?: number;
}

export interface LoopbackServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startLoopbackServer(decide: (request: RecordedRequest) => Reply): Promise<LoopbackServer> {
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = record(req.method ?? '', req.url ?? '', req.headers, Buffer.concat(chunks).toString('utf8'));
      requests.push(recorded);
      const reply = decide(recorded);
      const send = (): void => {
        if (res.destroyed) return; // the client gave up (deadline); nothing to answer
        const body = reply.rawBody ?? JSON.stringify(reply.json ?? {});
        const type = reply.rawBody === undefined ? { 'content-type': 'application/json; charset=utf-8' } : {};
        res.writeHead(reply.status, { ...type, ...reply.headers });
        res.end(body);
      };
      if (!reply.delayMs) return send();
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, reply.delayMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    // Idempotent: a test may close early (to make the port refuse) and its t.after() closes again.
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets from fetch would hold close() open; the fake owns them, so end them.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function record(method: string, url: string, headers: IncomingHttpHeaders, rawBody: string): RecordedRequest {
  const contentType = headers['content-type'] ?? '';
  const isForm = contentType.split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';
  return {
    method,
    path: new URL(url, 'http://fake').pathname,
    query: new URL(url, 'http://fake').searchParams,
    headers,
    contentType,
    form: new URLSearchParams(isForm ? rawBody : ''),
    rawBody,
    basicAuth: parseBasic(headers.authorization),
  };
}

function parseBasic(header: string | undefined): RecordedRequest['basicAuth'] {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? null : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
