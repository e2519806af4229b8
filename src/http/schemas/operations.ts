/** Route schemas of the operator's endpoints: liveness, readiness, Prometheus metrics. */
import { errorResponses, SECURITY, TAGS } from './common.js';

const status = (value: string, description: string) =>
  ({
    description,
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', enum: [value] } },
    additionalProperties: false,
  }) as const;

export const healthRoute = {
  tags: [TAGS.operations],
  operationId: 'liveness',
  summary: 'Liveness: the process answers',
  response: { 200: status('ok', 'Alive.') },
} as const;

export const readinessRoute = {
  tags: [TAGS.operations],
  operationId: 'readiness',
  summary: 'Readiness: the database answers and the instance is not shutting down',
  response: { 200: status('ready', 'Ready for traffic.'), ...errorResponses },
} as const;

export const metricsRoute = {
  tags: [TAGS.operations],
  operationId: 'metrics',
  summary: 'Prometheus metrics (text exposition format); 404 unless metrics.token is configured',
  security: [{ [SECURITY.metricsToken]: [] }],
  response: {
    200: { description: 'Prometheus text format 0.0.4.', content: { 'text/plain': { schema: { type: 'string' } } } },
    ...errorResponses,
  },
} as const;
