import type { FastifyRequest } from 'fastify';
import { constantTimeEqual } from '../../crypto/code-hasher.js';
import { OtpgateError } from '../../domain/errors.js';
import { parseBearer } from '../basic-credential.js';
import type { AdminServices } from '../services.js';

/**
 * The admin API's check: without a configured admin.token it does not exist (404, as if there were no such path);
 * with one, `Authorization: Bearer` must carry it, compared in constant time.
 */
export function adminTokenGuard(admin: Pick<AdminServices, 'token'>) {
  return async (request: FastifyRequest): Promise<void> => {
    if (admin.token === null) throw new OtpgateError('not_found');
    const given = parseBearer(request.headers.authorization);
    if (!given || !constantTimeEqual(given, admin.token))
      throw new OtpgateError('invalid_token', 'The admin API needs Authorization: Bearer with the configured admin.token.');
  };
}
