/**
 * Loopback fake of MessageBird's REST API (`POST /messages`) per sms-providers.md §7a: `Authorization: AccessKey
 * {key}`, JSON with originator, body and recipients (msisdn digits); 201 with the message; errors `{ errors: [{ code,
 * description, parameter }] }` (401 code 2, 422 code 9 for recipients, 429, 500).
 */
import { randomBytes } from 'node:crypto';
import { startLoopbackServer, type RecordedRequest, type Reply } from '../../examples/loopback-server.js';
import { FAKE_RETRY_AFTER_SECONDS, type FakeMode, type ProviderFake } from './modes.js';

export const BIRD_ACCESS_KEY = 'live_fakeBirdAccessKey0123';

export async function startFakeBirdApi(): Promise<ProviderFake> {
  const mode: FakeMode = 'success';
  const fake: Omit<ProviderFake, 'url' | 'credential' | 'requests' | 'close'> = { mode, sent: [] };
  const decide = (request: RecordedRequest): Reply => {
    if (request.path !== '/messages') return error(404, 20, 'message not found', null);
    if (request.method !== 'POST') return error(405, 2, 'method not allowed', null);
    if (fake.mode === 'auth_failure' || request.headers.authorization !== `AccessKey ${BIRD_ACCESS_KEY}`)
      return error(401, 2, 'Request not allowed (incorrect access_key)', 'access_key');
    const json = request.contentType.startsWith('application/json');
    const body = (json ? JSON.parse(request.rawBody || '{}') : {}) as {
      originator?: string;
      body?: string;
      recipients?: (string | number)[];
      reportUrl?: string;
      reference?: string;
    };
    if (!body.originator) return error(422, 10, 'originator is invalid', 'originator');
    if (!body.body) return error(422, 9, 'body is required', 'body');
    if (fake.mode === 'rate_limit')
      return { ...error(429, 0, 'Too many requests', null), headers: { 'retry-after': String(FAKE_RETRY_AFTER_SECONDS) } };
    if (fake.mode === 'outage') return error(500, 0, 'Internal server error', null);
    const recipient = String(body.recipients?.[0] ?? '');
    if (fake.mode === 'invalid_number' || !/^[1-9]\d{6,14}$/.test(recipient))
      return error(422, 9, 'no (correct) recipients found', 'recipients');
    const id = randomBytes(16).toString('hex');
    fake.sent.push({ id, to: recipient, text: body.body, callbackUrl: body.reportUrl ?? null });
    const now = new Date().toISOString();
    return {
      status: 201,
      json: {
        id,
        href: `https://rest.messagebird.com/messages/${id}`,
        direction: 'mt',
        type: 'sms',
        originator: body.originator,
        body: body.body,
        reference: body.reference ?? null,
        createdDatetime: now,
        recipients: {
          totalCount: 1,
          totalSentCount: 1,
          totalDeliveredCount: 0,
          totalDeliveryFailedCount: 0,
          items: [{ recipient: Number(recipient), status: 'sent', statusDatetime: now }],
        },
      },
    };
  };
  const server = await startLoopbackServer(decide);
  return Object.assign(fake, {
    url: server.url,
    credential: { url: server.url, auth: { type: 'header' as const, name: 'authorization', value: `AccessKey ${BIRD_ACCESS_KEY}` } },
    requests: server.requests,
    close: () => server.close(),
  });
}

const error = (status: number, code: number, description: string, parameter: string | null): Reply => ({
  status,
  json: { errors: [{ code, description, parameter }] },
});
