import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ReceiptRequest } from '../delivery/providers/receipts.js';
import { receiptRoute } from './schemas/receipts.js';
import type { HttpServices } from './services.js';

type ReceiptHttpRequest = FastifyRequest<{ Params: { site: string; handler: string }; Body: string | undefined }>;

/**
 * `/{site}/receipts/{handler}`: what a provider calls with delivery status. Signatures cover the exact bytes and
 * the URL the provider called, so this scope reads every body as raw text (no JSON or form parsing first) and
 * rebuilds the public URL from server.baseUrl. GET too: some providers send receipts as query parameters.
 */
export function registerReceiptRoutes(server: FastifyInstance, services: Pick<HttpServices, 'receipts' | 'urls' | 'settings'>): void {
  void server.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: services.settings.bodyLimitBytes }, (_request, body, done) =>
      done(null, body),
    );
    const handle = async (request: ReceiptHttpRequest, reply: FastifyReply) => {
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      const receipt: ReceiptRequest = {
        url: services.urls.base + request.url,
        method: request.method,
        headers,
        rawBody: typeof request.body === 'string' ? request.body : '',
      };
      const tally = await services.receipts.accept(request.site, request.params.handler, receipt);
      return reply.header('cache-control', 'no-store').send(tally);
    };
    scope.post('/:site/receipts/:handler', { schema: receiptRoute }, handle);
    scope.get(
      '/:site/receipts/:handler',
      { schema: { ...receiptRoute, summary: `${receiptRoute.summary} (as query parameters)` } },
      handle,
    );
  });
}
