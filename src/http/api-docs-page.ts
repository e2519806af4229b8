/**
 * GET /docs: the OpenAPI document as interactive docs (swagger-ui), served from here, no CDN.
 *
 * A light page rather than @fastify/swagger-ui: that plugin (and @fastify/static under it) cost ~4 MB of resident
 * memory at startup, for a page an operator opens now and then; the production build's budget is 150 MB peak. The
 * two swagger-ui files are the ones @fastify/swagger-ui ships, streamed from disk when asked for. The page loads
 * no inline script, so its CSP allows only this server's own scripts.
 */
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { OtpgateError } from '../domain/errors.js';

/** swagger-ui needs its script and styles, inline style attributes and data: images; nothing from elsewhere. */
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>otpgate API</title><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div><script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/start.js"></script></body>
</html>
`;

/** Started from a file, not inline, so that script-src needs no 'unsafe-inline'. */
const START = `window.onload = function () {
  window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null });
};
`;

const FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

export function registerDocsPage(server: FastifyInstance): void {
  // Resolved from this module (not read relative to the plugin's files: the production bundle has no __dirname).
  const staticDir = join(dirname(createRequire(import.meta.url).resolve('@fastify/swagger-ui')), 'static');
  const hidden = { schema: { hide: true } };

  server.get('/docs', hidden, async (_request, reply) =>
    reply.header('content-type', 'text/html; charset=utf-8').header('content-security-policy', DOCS_CSP).send(PAGE),
  );
  server.get<{ Params: { asset: string } }>('/docs/:asset', hidden, async (request, reply) => {
    const { asset } = request.params;
    if (asset === 'start.js') return reply.header('content-type', 'text/javascript; charset=utf-8').send(START);
    const type = Object.hasOwn(FILES, asset) ? FILES[asset] : undefined;
    if (!type) throw new OtpgateError('not_found');
    return reply
      .header('content-type', type)
      .header('cache-control', 'public, max-age=86400')
      .send(createReadStream(join(staticDir, asset)));
  });
}
