import type { FastifyRequest } from 'fastify';
import type { RequestMeta } from '../flows/deps.js';
import { clientIp } from './client-address.js';

export const metaOf = (request: FastifyRequest): RequestMeta => ({
  ip: clientIp(request.ip, request.raw),
  userAgent: (request.headers['user-agent'] ?? '').slice(0, 300) || null,
  requestId: request.id,
});

/** The first language of Accept-Language, for users who have no locale yet. */
export function preferredLanguage(request: FastifyRequest): string | null {
  const header = request.headers['accept-language'];
  const first = typeof header === 'string' ? header.split(',')[0]?.split(';')[0]?.trim() : undefined;
  return first && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(first) ? first : null;
}
