import type { IncomingMessage } from 'node:http';
import { randomToken } from '../crypto/random.js';

/** What a request id from outside may look like: short, and nothing a header, page or log line could be bent by. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Fastify's genReqId: the request id every reply header, error body, error page and log line carries.
 *
 * An `X-Request-Id` is taken only from a proxy we trust (`server.trustProxy`: then the proxy set it, and correlating our
 * logs with its logs is worth it) and only when it matches REQUEST_ID_PATTERN. Anything else (an 8 KB header,
 * markup, a line break for log forging, one header sent twice) is ignored, never echoed: otpgate makes its
 * own id, unique across instances (a random prefix per server) and cheap per request (a counter).
 *
 * @example
 * const server = Fastify({ requestIdHeader: false, genReqId: createRequestIds({ trusted: (raw) => fromTrustedProxy(trust, raw) }) });
 */
export function createRequestIds({ trusted }: { trusted: (request: IncomingMessage) => boolean }): (request: IncomingMessage) => string {
  const instance = randomToken(6);
  let counter = 0;
  return (request) => {
    const given = request.headers['x-request-id'];
    if (typeof given === 'string' && REQUEST_ID_PATTERN.test(given) && trusted(request)) return given;
    return `${instance}-${(++counter).toString(36)}`;
  };
}
