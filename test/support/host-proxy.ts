/**
 * An HTTP forward proxy for Chromium that plays DNS: requests for a named host (`otpgate.test`, `spa.test`) go to
 * the loopback server that serves it, so pages have the origins a deployment would have (and the browser's CORS
 * rules apply between them) while every server listens on 127.0.0.1 with a port of its own.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function startHostProxy(hosts: Record<string, () => string>): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const asked = new URL(req.url ?? '/');
    const target = hosts[asked.host]?.();
    if (!target) {
      res.writeHead(502).end(`no such host in this test: ${asked.host}`);
      return;
    }
    const upstream = new URL(target);
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: asked.pathname + asked.search, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
