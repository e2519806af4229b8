/**
 * Loopback fake of Plivo's Message API (`POST /v1/Account/{auth_id}/Message/`) per sms-providers.md §4: Basic
 * auth_id:auth_token matching the path, JSON body with src | powerpack_uuid, dst, text; 202 with message_uuid;
 * errors `{ api_id, error }` with 400, 401, 429 (Retry-After) and 500.
 */
import { randomUUID } from 'node:crypto';
import { startLoopbackServer, type RecordedRequest, type Reply } from '../../examples/loopback-server.js';
import { FAKE_RETRY_AFTER_SECONDS, type FakeMode, type ProviderFake } from './modes.js';

export const PLIVO_AUTH_ID = 'MAXXXXXXXXXXXXXXXXXX';
export const PLIVO_AUTH_TOKEN = 'fake-plivo-auth-token';
const MESSAGE_PATH = /^\/v1\/Account\/([^/]+)\/Message\/$/;

export async function startFakePlivoApi(): Promise<ProviderFake> {
  const mode: FakeMode = 'success';
  const fake: Omit<ProviderFake, 'url' | 'credential' | 'requests' | 'close'> = { mode, sent: [] };
  const decide = (request: RecordedRequest): Reply => {
    const authId = MESSAGE_PATH.exec(request.path)?.[1];
    if (!authId) return error(404, 'not found');
    if (request.method !== 'POST') return error(405, 'method not allowed');
    const auth = request.basicAuth;
    if (fake.mode === 'auth_failure' || auth?.username !== PLIVO_AUTH_ID || auth.password !== PLIVO_AUTH_TOKEN || authId !== PLIVO_AUTH_ID)
      return error(401, 'authentication failed');
    if (!request.contentType.startsWith('application/json')) return error(400, 'content type must be application/json');
    const body = JSON.parse(request.rawBody || '{}') as Record<string, unknown>;
    if (!body.src === !body.powerpack_uuid) return error(400, 'specify exactly one of src and powerpack_uuid');
    if (typeof body.dst !== 'string' || !body.dst) return error(400, 'dst parameter is required');
    if (typeof body.text !== 'string' || !body.text) return error(400, 'text parameter is required');
    if (fake.mode === 'rate_limit')
      return { ...error(429, 'too many requests'), headers: { 'retry-after': String(FAKE_RETRY_AFTER_SECONDS) } };
    if (fake.mode === 'outage') return error(500, 'internal server error');
    if (fake.mode === 'invalid_number' || !/^[1-9]\d{6,14}$/.test(body.dst)) return error(400, `invalid dst parameter: ${body.dst}`);
    const id = randomUUID();
    fake.sent.push({ id, to: body.dst, text: body.text, callbackUrl: typeof body.url === 'string' ? body.url : null });
    return { status: 202, json: { message: 'message(s) queued', message_uuid: [id], api_id: randomUUID() } };
  };
  const server = await startLoopbackServer(decide);
  return Object.assign(fake, {
    url: server.url,
    credential: { url: server.url, auth: { type: 'basic' as const, username: PLIVO_AUTH_ID, password: PLIVO_AUTH_TOKEN } },
    requests: server.requests,
    close: () => server.close(),
  });
}

const error = (status: number, text: string): Reply => ({ status, json: { api_id: randomUUID(), error: text } });
