import type { FastifyReply, FastifyRequest } from 'fastify';
import { constantTimeEqual } from '../crypto/code-hasher.js';
import { OtpgateError } from '../domain/errors.js';
import { parseBearer } from './basic-credential.js';
import type { HttpServices } from './services.js';

/**
 * GET /metrics for Prometheus. Counts of refusals and sends tell an outsider how a site is defended, so the
 * path needs the configured bearer token, compared in constant time; without a token configured it does not exist.
 */
export function metricsHandler({ metrics }: Pick<HttpServices, 'metrics'>) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (metrics.token === null) throw new OtpgateError('not_found');
    const given = parseBearer(request.headers.authorization);
    if (!given || !constantTimeEqual(given, metrics.token))
      throw new OtpgateError('invalid_token', 'GET /metrics needs Authorization: Bearer with the configured metrics.token.');
    const { contentType, body } = await metrics.render();
    return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
  };
}
