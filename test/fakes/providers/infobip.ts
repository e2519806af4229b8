/**
 * Loopback fake of Infobip's SMS API v2 (`POST /sms/2/text/advanced`) per sms-providers.md §6: `Authorization: App
 * {key}`, JSON `messages[].destinations[].to` (digits) and `text`; 200 with each message's status (PENDING, or
 * REJECTED with its id: 52 REJECTED_DESTINATION, 23 REJECTED_DUPLICATE_MESSAGE_ID for an id it has seen); errors
 * in the new format `{ errorCode, description }` (401 E401, 429 E429, 500 E500).
 */
import { randomUUID } from 'node:crypto';
import { startLoopbackServer, type RecordedRequest, type Reply } from '../../examples/loopback-server.js';
import type { FakeMode, ProviderFake } from './modes.js';

export const INFOBIP_API_KEY = 'fake-infobip-api-key-0123456789';

export async function startFakeInfobipApi(): Promise<ProviderFake> {
  const mode: FakeMode = 'success';
  const fake: Omit<ProviderFake, 'url' | 'credential' | 'requests' | 'close'> = { mode, sent: [] };
  const seen = new Set<string>();
  const decide = (request: RecordedRequest): Reply => {
    if (request.path !== '/sms/2/text/advanced') return error(404, 'E404', 'Not found');
    if (request.method !== 'POST') return error(405, 'E405', 'Method not allowed');
    if (fake.mode === 'auth_failure' || request.headers.authorization !== `App ${INFOBIP_API_KEY}`)
      return error(401, 'E401', 'Invalid login details');
    if (!request.contentType.startsWith('application/json')) return error(415, 'E415', 'Unsupported media type');
    const body = JSON.parse(request.rawBody || '{}') as {
      messages?: { destinations?: { to?: string; messageId?: string }[]; text?: string; notifyUrl?: string }[];
    };
    const message = body.messages?.[0];
    const destination = message?.destinations?.[0];
    if (!message || !destination?.to || !message.text) return error(400, 'E400', 'Bad request: messages[0] needs destinations and text');
    if (fake.mode === 'rate_limit') return error(429, 'E429', 'Too many requests');
    if (fake.mode === 'outage') return error(500, 'E500', 'Something went wrong');
    const id = destination.messageId ?? randomUUID();
    const to = destination.to;
    if (fake.mode === 'invalid_number' || !/^[1-9]\d{6,14}$/.test(to)) return status(to, id, 'REJECTED', 5, 52, 'REJECTED_DESTINATION');
    if (seen.has(id)) return status(to, id, 'REJECTED', 5, 23, 'REJECTED_DUPLICATE_MESSAGE_ID');
    seen.add(id);
    fake.sent.push({ id, to, text: message.text, callbackUrl: message.notifyUrl ?? null });
    return status(to, id, 'PENDING', 1, 26, 'PENDING_ACCEPTED');
  };
  const server = await startLoopbackServer(decide);
  return Object.assign(fake, {
    url: server.url,
    credential: { url: server.url, auth: { type: 'header' as const, name: 'authorization', value: `App ${INFOBIP_API_KEY}` } },
    requests: server.requests,
    close: () => server.close(),
  });
}

const status = (to: string, messageId: string, groupName: string, groupId: number, id: number, name: string): Reply => ({
  status: 200,
  json: { bulkId: randomUUID(), messages: [{ to, messageId, smsCount: 1, status: { groupId, groupName, id, name, description: name } }] },
});
const error = (http: number, errorCode: string, description: string): Reply => ({
  status: http,
  json: { errorCode, description, action: null, violations: [], resources: [] },
});
