import type { FastifyRequest } from 'fastify';
import { OtpgateError } from '../domain/errors.js';
import { parseBearer } from './basic-credential.js';

/**
 * The cause of an invalid_token error for a request that sent no token at all: RFC 6750 §3.1 answers it with a
 * bare `WWW-Authenticate: Bearer realm=...` challenge, no error attribute (http/reply-error.ts reads this).
 */
export const NO_ACCESS_TOKEN = new Error('no access token in the request');

/**
 * The access token of a protected resource request (RFC 6750 §2): the Authorization header, or with
 * `parameter` the `access_token` form field or query parameter too (Salesforce's identity URL takes both).
 * More than one way in one request is invalid_request (§2); none at all is invalid_token without an error.
 */
export function bearerToken(request: FastifyRequest, options: { parameter: boolean }): string {
  const header = request.headers.authorization;
  const fromHeader = header !== undefined && /^bearer\b/i.test(header);
  const fields = [request.query, request.body].map((source) => (source as Record<string, unknown> | undefined)?.access_token);
  const fromParameter = options.parameter ? fields.filter((v) => v !== undefined && v !== '') : [];
  if ((fromHeader ? 1 : 0) + fromParameter.length > 1)
    throw new OtpgateError('invalid_request', 'Send the access token one way only (RFC 6750 §2).');
  if (fromHeader) {
    const token = parseBearer(header);
    if (!token) throw new OtpgateError('invalid_token', 'The Authorization header is not a valid Bearer token.');
    return token;
  }
  const [value] = fromParameter;
  if (typeof value === 'string' && /^[A-Za-z0-9._~+/-]+=*$/.test(value)) return value;
  if (value !== undefined) throw new OtpgateError('invalid_token', 'access_token is not a valid token.');
  throw new OtpgateError('invalid_token', 'An access token is required (Authorization: Bearer).', {}, { cause: NO_ACCESS_TOKEN });
}
