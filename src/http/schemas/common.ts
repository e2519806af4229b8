/**
 * Pieces every route schema shares: the error body, page and redirect answers, tags and security scheme names.
 *
 * A route's `schema` is read twice: Fastify validates requests with its body/querystring/params/headers, and
 * @fastify/swagger turns the same object into the OpenAPI document (http/api-docs.ts). Response schemas document the
 * replies (they do not filter them, see http/server.ts); test/openapi.test.ts checks real replies against them.
 */
import { ERRORS } from '../../domain/errors.js';
import { SITE_ID_PATTERN } from '../../domain/site.js';

/** The document's tags: one per API. */
export const TAGS = {
  headless: 'Headless identity',
  account: 'Signed-in user',
  oauth: 'OAuth 2.0 and OpenID Connect',
  pages: 'Hosted pages',
  operations: 'Operations',
  receipts: 'Delivery receipts',
  admin: 'Admin API',
  console: 'Admin console',
} as const;

/** Security scheme names (declared in http/api-docs.ts); a route lists the ones it accepts. */
export const SECURITY = {
  clientSecretBasic: 'clientSecretBasic',
  headlessCode: 'headlessCode',
  accessToken: 'accessToken',
  metricsToken: 'metricsToken',
  adminToken: 'adminToken',
} as const;

/**
 * Every error answer of the JSON APIs (http/reply-error.ts): a stable code from domain/errors.ts, a message, the
 * request id, and sometimes more (retry_after, limit, step_up, ...). OAuth endpoints answer the same shape,
 * which is RFC 6749 §5.2's `{ error, error_description }`.
 */
export const errorBody = {
  type: 'object',
  required: ['error', 'error_description', 'request_id'],
  properties: {
    error: { type: 'string', enum: Object.keys(ERRORS), description: 'Stable error code (docs: domain/errors.ts).' },
    error_description: { type: 'string', description: 'A sentence for people; may change, unlike the code.' },
    request_id: { type: 'string', description: 'The X-Request-Id of this answer, for support and logs.' },
    retry_after: { type: 'number', description: 'Seconds to wait before trying again (also a Retry-After header).' },
    alternatives: {
      type: 'array',
      items: { type: 'string', enum: ['sms', 'voice', 'whatsapp'] },
      description: 'delivery_failed: other channels the site can send this number a code by (repeat the init with one).',
    },
  },
  additionalProperties: { type: ['string', 'number'] },
} as const;

/** The error answers of a JSON route, by class: every status a route can answer is one of these. */
export const errorResponses = {
  '4xx': { description: 'Refused: the error code says why.', ...errorBody },
  '5xx': { description: 'server_error, delivery_failed (502) or service_unavailable (503, with Retry-After).', ...errorBody },
} as const;

/** An HTML page (hosted pages): the body is the page. */
export function htmlPage(description: string) {
  return { description, content: { 'text/html': { schema: { type: 'string' } } } } as const;
}

/** A redirect: no body, the address is in Location. */
export function redirect(description: string) {
  return { description, type: 'null', headers: { location: { type: 'string', description: 'Where to go next.' } } } as const;
}

/** `/:site`: the site id, first segment of every per-site path. Documentation only (the site is looked up in onRequest). */
export const siteParams = {
  type: 'object',
  required: ['site'],
  properties: { site: { type: 'string', pattern: SITE_ID_PATTERN.source, description: 'The site id (sites[].id).' } },
} as const;

/** An OAuth form field: what formBodySchema lets through (one string, at most 2048 characters), with its meaning. */
export function oauthField(description: string, examples?: string[]) {
  return { type: 'string', maxLength: 2048, description, ...(examples ? { examples } : {}) } as const;
}
