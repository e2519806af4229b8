import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, isOtpgateError, OtpgateError, type ErrorCode } from '../domain/errors.js';
import { StoreUnavailable } from '../domain/store-errors.js';
import { NO_ACCESS_TOKEN } from './bearer.js';

/** Fastify's own failures, as our codes (a client never sees Fastify's wording or a stack). */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_request',
  FST_ERR_VALIDATION: 'invalid_request',
};

export function toOtpgateError(error: unknown): OtpgateError {
  if (isOtpgateError(error)) return error;
  const e = error as FastifyError;
  if (e?.validation) {
    const first = e.validation[0];
    const where =
      (first?.instancePath || '').replace(/^\//, '').replace(/\//g, '.') ||
      (first?.params as { missingProperty?: string })?.missingProperty ||
      'body';
    const missing = (first?.params as { missingProperty?: string })?.missingProperty;
    // A nested field is named by its whole path (body.userdata.mobilePhone), the way the client wrote it.
    const parent = (first?.instancePath || '').replace(/^\//, '').replace(/\//g, '.');
    return new OtpgateError(
      'invalid_request',
      missing
        ? `${e.validationContext ?? 'body'}.${parent ? `${parent}.` : ''}${missing} is required.`
        : `${e.validationContext ?? 'body'}.${where} ${first?.message ?? 'is invalid'}.`,
    );
  }
  if (e?.code && FASTIFY_CODES[e.code])
    return new OtpgateError(
      FASTIFY_CODES[e.code]!,
      e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'The body is not valid JSON.' : undefined,
    );
  if (e && typeof e.statusCode === 'number' && e.statusCode === 400 && /JSON/i.test(e.message))
    return new OtpgateError('invalid_request', 'The body is not valid JSON.');
  if (e && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return new OtpgateError('invalid_request');
  // A database restart or failover is not our bug: say "try again in a second" so clients and load
  // balancers retry (another instance, or this one once the pool reconnects).
  if (error instanceof StoreUnavailable) return new OtpgateError('service_unavailable', undefined, { retry_after: 1 }, { cause: error });
  return new OtpgateError('server_error', undefined, {}, { cause: error });
}

export function replyError(request: FastifyRequest, reply: FastifyReply, error: unknown) {
  const problem = toOtpgateError(error);
  if (problem.code === 'server_error') request.log.error({ err: problem.cause ?? error }, 'unhandled error');
  else if (problem.code === 'service_unavailable') request.log.warn({ err: problem.cause ?? error }, 'database unavailable');
  if (problem.extra.retry_after !== undefined) reply.header('retry-after', String(problem.extra.retry_after));
  // RFC 6750 §3: a request with no token gets the bare challenge; a bad token, error="invalid_token".
  if (problem.code === 'invalid_token')
    reply.header(
      'www-authenticate',
      problem.cause === NO_ACCESS_TOKEN ? `Bearer realm="otpgate"` : `Bearer realm="otpgate", error="invalid_token"`,
    );
  return reply
    .code(ERRORS[problem.code].status)
    .header('cache-control', 'no-store')
    .send({ error: problem.code, error_description: problem.message, ...problem.extra, request_id: request.id });
}
