/**
 * A minimal SMS provider on loopback for chain tests: POST /messages with {to, text, id} answers 201 with a
 * message id and records the message. It can be stopped mid-load (in-flight requests finish, new connections
 * are refused) and started again on the same port, as a provider outage looks from otpgate.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SmsMessage {
  to: string;
  text: string;
  /** The verification identifier the handler passed as idempotency key. */
  id: string;
}

export interface SmsEndpoint {
  url: string;
  messages: SmsMessage[];
  /** Stops accepting: what is in flight completes, every new connection is refused. */
  stop(): Promise<void>;
  /** Accepts again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startSmsEndpoint(): Promise<SmsEndpoint> {
  const messages: SmsMessage[] = [];
  let port = 0;
  let server: Server | null = null;
  const listen = async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/messages') return void res.writeHead(404).end();
        const message = JSON.parse(body) as SmsMessage;
        messages.push(message);
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `msg-${messages.length}` }));
      });
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  };
  const stop = async () => {
    const s = server;
    server = null;
    if (!s) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    s.closeIdleConnections(); // kept-alive sockets would otherwise keep taking requests
    await closed;
  };
  await listen();
  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    stop,
    start: listen,
    close: stop,
  };
}

/** A handler module (factory over options.credential) that sends through an SmsEndpoint by a named credential. */
export const SMS_ENDPOINT_HANDLER = `export default (options) => ({
  async sendOneTimePassword(request, context) {
    const res = await context.callout('callout:' + options.credential + '/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: request.phoneNumber, text: request.defaultText, id: request.identifier }),
    });
    if (!res.ok) return 'PROVIDER_ERROR';
    return { result: 'SUCCESS', providerMessageId: (await res.json()).id };
  },
});
`;
