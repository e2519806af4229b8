/**
 * The "SMS provider" of the benchmark: an HTTP server in the bench process. The server's delivery
 * handler (bench/sink-handler.ts) POSTs {phone, code, identifier}; a virtual user waiting for that phone
 * gets the message through a promise.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SinkMessage {
  phone: string;
  code: string;
  identifier: string;
  /** performance.now() in the bench process when the sink received it. */
  at: number;
}

interface Waiter {
  resolve: (m: SinkMessage) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export interface Sink {
  url: string;
  /** Resolves with the next message for the phone (or one that already arrived and nobody took yet). */
  waitFor(phone: string, timeoutMs: number): Promise<SinkMessage>;
  received: number;
  rejected: number;
  close(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const arrived = new Map<string, SinkMessage>();
  const waiters = new Map<string, Waiter>();
  const stats = { received: 0, rejected: 0 };

  const deliver = (message: SinkMessage) => {
    const waiter = waiters.get(message.phone);
    if (waiter) {
      waiters.delete(message.phone);
      clearTimeout(waiter.timer);
      waiter.resolve(message);
    } else {
      arrived.set(message.phone, message);
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<SinkMessage>;
        if (typeof body.phone !== 'string' || typeof body.code !== 'string' || typeof body.identifier !== 'string')
          throw new Error('bad message');
        stats.received++;
        deliver({ phone: body.phone, code: body.code, identifier: body.identifier, at: performance.now() });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '11' }).end('{"ok":true}');
      } catch {
        stats.rejected++;
        res.writeHead(400).end();
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/sms`,
    get received() {
      return stats.received;
    },
    get rejected() {
      return stats.rejected;
    },
    waitFor(phone, timeoutMs) {
      const early = arrived.get(phone);
      if (early) {
        arrived.delete(phone);
        return Promise.resolve(early);
      }
      return new Promise<SinkMessage>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(phone);
          reject(new Error(`no code for ${phone} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.set(phone, { resolve, reject, timer });
      });
    },
    close() {
      for (const w of waiters.values()) clearTimeout(w.timer);
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
