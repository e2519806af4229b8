/**
 * Loopback fake of Sinch's batches API (`POST /xms/v1/{service_plan_id}/batches`) per sms-providers.md §5: Bearer
 * API token, JSON mt_text with `to` (E.164 array) and `body`; 201 with the batch; errors `{ code, text }` with 400,
 * 401, 429 (Retry-After) and 503.
 */
import { randomBytes } from 'node:crypto';
import { startLoopbackServer, type RecordedRequest, type Reply } from '../../examples/loopback-server.js';
import { FAKE_RETRY_AFTER_SECONDS, type FakeMode, type ProviderFake } from './modes.js';

export const SINCH_SERVICE_PLAN = 'f1a2b3c4d5e6f708';
export const SINCH_API_TOKEN = 'fake-sinch-api-token';
const BATCHES_PATH = /^\/xms\/v1\/([^/]+)\/batches$/;

export async function startFakeSinchApi(): Promise<ProviderFake> {
  const mode: FakeMode = 'success';
  const fake: Omit<ProviderFake, 'url' | 'credential' | 'requests' | 'close'> = { mode, sent: [] };
  const decide = (request: RecordedRequest): Reply => {
    const plan = BATCHES_PATH.exec(request.path)?.[1];
    if (!plan) return error(404, 'not_found', 'Not found');
    if (request.method !== 'POST') return error(405, 'method_not_allowed', 'Method not allowed');
    if (fake.mode === 'auth_failure' || request.headers.authorization !== `Bearer ${SINCH_API_TOKEN}` || plan !== SINCH_SERVICE_PLAN)
      return error(401, 'unauthorized', 'Unauthorized');
    if (!request.contentType.startsWith('application/json')) return error(400, 'syntax_invalid_json', 'The JSON is malformed');
    const body = JSON.parse(request.rawBody || '{}') as Record<string, unknown>;
    const to = Array.isArray(body.to) ? (body.to as unknown[]) : [];
    if (to.length === 0 || typeof to[0] !== 'string') return error(400, 'syntax_constraint_violation', 'to must not be empty');
    if (typeof body.body !== 'string' || !body.body) return error(400, 'syntax_constraint_violation', 'body must not be empty');
    if (fake.mode === 'rate_limit')
      return { ...error(429, 'too_many_requests', 'Too many requests'), headers: { 'retry-after': String(FAKE_RETRY_AFTER_SECONDS) } };
    if (fake.mode === 'outage') return error(503, 'service_unavailable', 'Service unavailable');
    if (fake.mode === 'invalid_number' || !/^\+?[1-9]\d{6,14}$/.test(to[0]))
      return error(400, 'syntax_invalid_parameter_format', `Invalid MSISDN format: ${to[0]}`);
    const id = randomBytes(13).toString('hex').toUpperCase();
    fake.sent.push({ id, to: to[0], text: body.body, callbackUrl: typeof body.callback_url === 'string' ? body.callback_url : null });
    const now = new Date().toISOString();
    return {
      status: 201,
      json: {
        id,
        to,
        from: body.from,
        canceled: false,
        body: body.body,
        type: 'mt_text',
        created_at: now,
        modified_at: now,
        delivery_report: body.delivery_report ?? 'none',
      },
    };
  };
  const server = await startLoopbackServer(decide);
  return Object.assign(fake, {
    url: server.url,
    credential: { url: server.url, auth: { type: 'bearer' as const, token: SINCH_API_TOKEN } },
    requests: server.requests,
    close: () => server.close(),
  });
}

const error = (status: number, code: string, text: string): Reply => ({ status, json: { code, text } });
