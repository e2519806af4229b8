/**
 * Route schemas of the admin API (`/admin/api`, Bearer admin.token; http/admin/api.ts). Tags and security are
 * added by http/api-docs.ts for every /admin/api route. Query values arrive as strings and are read by the
 * handlers (flows/list-filters.ts), so a bad one gets invalid_request naming it.
 */
import { errorResponses } from './common.js';

const list = (description: string, item: object) => ({ description, type: 'array', items: item }) as const;
const object = (properties: Record<string, object>) => ({ type: 'object', properties, additionalProperties: true }) as const;
const text = { type: 'string' } as const;
const nullableText = { type: ['string', 'null'] } as const;
const integer = { type: 'integer' } as const;
const query = (properties: Record<string, string>) =>
  ({
    type: 'object',
    properties: Object.fromEntries(Object.entries(properties).map(([name, description]) => [name, { type: 'string', description }])),
    additionalProperties: false,
  }) as const;
const siteParam = { type: 'object', required: ['site'], properties: { site: { type: 'string', description: 'The site id.' } } } as const;

const handler = object({ name: text, type: text, channel: text, credentials: { type: 'array', items: text } });
const site = object({ id: text, name: text, enabled: { type: 'boolean' }, handlers: { type: 'array', items: handler } });
const attempt = object({
  at: text,
  verification: text,
  handler: text,
  attempt: integer,
  result: text,
  country: nullableText,
  receipt: { type: ['object', 'null'] },
});
const verification = object({ id: text, useCase: text, status: text, phone: text, attempts: integer, sends: integer, createdAt: text });
const report = object({
  siteId: text,
  since: text,
  bucketMinutes: integer,
  buckets: { type: 'array', items: object({ at: text, delivered: integer, failed: integer, started: integer, verified: integer }) },
  byHandler: { type: 'array', items: object({ key: text, attempts: integer, succeeded: integer }) },
  byCountry: { type: 'array', items: object({ key: text, attempts: integer, succeeded: integer }) },
  conversion: { type: ['number', 'null'] },
});
const filters = { limit: 'At most this many (default 50, at most 1000).', since: 'Only at or after this time (ISO 8601).' };

export const adminSitesRoute = {
  summary: 'Every site with its delivery chain (names, kinds, channels, destinations, credential names; no secrets)',
  response: { 200: list('The sites.', site), ...errorResponses },
} as const;

export const adminSiteRoute = {
  summary: 'One site with its delivery chain',
  params: siteParam,
  response: { 200: { description: 'The site.', ...site }, ...errorResponses },
} as const;

export const adminReportRoute = {
  summary: 'Charts of a site: send volume, delivery success and send-to-verify conversion over time, success by handler and country',
  params: siteParam,
  querystring: query({
    hours: 'The window, 1 to 168 hours (default 24).',
    bucketMinutes: 'Bucket size in minutes (default 60).',
    handler: "Chart this handler's attempts over time.",
    country: "Chart this country's attempts over time (ISO 3166).",
  }),
  response: { 200: { description: 'The report.', ...report }, ...errorResponses },
} as const;

export const adminDeliveriesRoute = {
  summary: "A site's recent delivery attempts, newest first, with callouts and receipts",
  params: siteParam,
  querystring: query({
    ...filters,
    handler: 'Only this handler.',
    country: 'Only this country (ISO 3166).',
    result: 'Only this result (SUCCESS, ...).',
  }),
  response: { 200: list('The attempts.', attempt), ...errorResponses },
} as const;

export const adminVerificationsRoute = {
  summary: "A site's recent verifications, newest first (never the code or its hash; the phone's last digits only)",
  params: siteParam,
  querystring: query({ ...filters, useCase: 'Only this use case.', state: 'Only this stored state (pending, verified, locked).' }),
  response: { 200: list('The verifications.', verification), ...errorResponses },
} as const;

export const adminVerificationRoute = {
  summary: 'One verification with its delivery attempts, their callouts and receipts (never the code or its hash)',
  params: {
    type: 'object',
    required: ['site', 'id'],
    properties: {
      site: { type: 'string', description: 'The site id.' },
      id: { type: 'string', description: 'The verification identifier.' },
    },
  },
  response: {
    200: { description: 'The verification.', ...object({ id: text, status: text, deliveries: { type: 'array', items: attempt } }) },
    ...errorResponses,
  },
} as const;

export const adminUserRoute = {
  summary: 'Find a user by phone number or username',
  params: siteParam,
  querystring: query({ phone: 'E.164 phone number.', username: 'Username.' }),
  response: {
    200: { description: 'The user.', ...object({ id: text, username: text, phone: nullableText, status: text }) },
    ...errorResponses,
  },
} as const;

export const adminClientsRoute = {
  summary: "A site's OAuth clients (no secrets)",
  params: siteParam,
  response: { 200: list('The clients.', object({ clientId: text, name: text, confidential: { type: 'boolean' } })), ...errorResponses },
} as const;

export const adminBlocksRoute = {
  summary: 'Destinations the SMS-pumping defence throttled (and, with all=true, ended or lifted ones)',
  params: siteParam,
  querystring: query({ all: 'true: also throttles that ended or were lifted.' }),
  response: { 200: list('The throttles.', object({ destination: text, until: text })), ...errorResponses },
} as const;

export const adminLiftRoute = {
  summary: 'Lift a throttle now (audited)',
  params: siteParam,
  body: {
    type: 'object',
    required: ['destination'],
    properties: { destination: { type: 'string', description: 'As listed: prefix:+1201 or country:US.' } },
    additionalProperties: false,
  },
  response: { 200: { description: 'Lifted.', ...object({ destination: text, lifted: { type: 'boolean' } }) }, ...errorResponses },
} as const;

export const adminAuditRoute = {
  summary: "A site's audit events, newest first",
  params: siteParam,
  querystring: query({ ...filters, type: 'Only this event type.' }),
  response: { 200: list('The events.', object({ at: text, type: text })), ...errorResponses },
} as const;

export const adminTestMessageRoute = {
  summary: "Send a real test message through the site's chain (audited); every attempt is shown",
  params: siteParam,
  body: {
    type: 'object',
    required: ['phone'],
    properties: {
      phone: { type: 'string', description: 'E.164 mobile number.' },
      channel: { type: 'string', enum: ['sms', 'voice', 'whatsapp'], description: 'Default sms.' },
    },
    additionalProperties: false,
  },
  response: {
    200: {
      description: 'What happened.',
      ...object({ result: text, providerMessageId: nullableText, attempts: { type: 'array', items: attempt } }),
    },
    ...errorResponses,
  },
} as const;
