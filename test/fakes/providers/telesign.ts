/**
 * Loopback fake of Telesign's SMS API (`POST /v1/messaging`) per sms-providers.md §2, in the ProviderFake shape the
 * provider tables drive: Basic customer_id:api_key, form body with phone_number (digits), message and message_type
 * (OTP, ARN, MKT); 200 with `reference_id` and status 290; errors in the same envelope with Telesign's code.
 * (test/examples/fake-telesign.ts is the fake of the hand-written example handler.)
 */
import { randomBytes } from 'node:crypto';
import { startLoopbackServer, type RecordedRequest, type Reply } from '../../examples/loopback-server.js';
import { FAKE_RETRY_AFTER_SECONDS, type FakeMode, type ProviderFake } from './modes.js';

export const TELESIGN_CUSTOMER_ID = 'FAKE-CUSTOMER-0001';
/** Telesign API keys are Base64; callbacks are signed with the decoded bytes. */
export const TELESIGN_API_KEY = Buffer.from('fake-telesign-api-key').toString('base64');

export async function startFakeTelesignApi(): Promise<ProviderFake> {
  const mode: FakeMode = 'success';
  const fake: Omit<ProviderFake, 'url' | 'credential' | 'requests' | 'close'> = { mode, sent: [] };
  const decide = (request: RecordedRequest): Reply => {
    if (request.path !== '/v1/messaging') return reply(404, 10017, 'Not found');
    if (request.method !== 'POST') return reply(405, 10016, 'Method not allowed');
    const auth = request.basicAuth;
    if (fake.mode === 'auth_failure' || auth?.username !== TELESIGN_CUSTOMER_ID || auth.password !== TELESIGN_API_KEY)
      return reply(401, 10022, 'Invalid API key');
    // Without the form content type Telesign reads no parameters, so the first one is "missing".
    const form = request.contentType.startsWith('application/x-www-form-urlencoded') ? request.form : new URLSearchParams();
    const phone = form.get('phone_number');
    const message = form.get('message');
    const type = form.get('message_type');
    if (!phone) return reply(400, 12000, 'Missing Required Parameter phone_number');
    if (!message) return reply(400, 12009, 'Missing Required Parameter message');
    if (!type || !['OTP', 'ARN', 'MKT'].includes(type)) return reply(400, 11017, 'Invalid value for parameter message_type.');
    if (fake.mode === 'rate_limit')
      return { ...reply(429, 10019, 'Rate Limit Exceeded'), headers: { 'retry-after': String(FAKE_RETRY_AFTER_SECONDS) } };
    if (fake.mode === 'outage') return reply(503, 10000, 'System unavailable, please try again later.');
    if (fake.mode === 'invalid_number' || !/^[1-9]\d{6,14}$/.test(phone))
      return reply(400, 11000, 'Invalid value for parameter phone_number.');
    const id = randomBytes(16).toString('hex').toUpperCase();
    fake.sent.push({ id, to: phone, text: message, callbackUrl: form.get('callback_url') });
    return { status: 200, json: { reference_id: id, external_id: form.get('external_id'), status: status(290, 'Message in progress') } };
  };
  const server = await startLoopbackServer(decide);
  return Object.assign(fake, {
    url: server.url,
    credential: { url: server.url, auth: { type: 'basic' as const, username: TELESIGN_CUSTOMER_ID, password: TELESIGN_API_KEY } },
    requests: server.requests,
    close: () => server.close(),
  });
}

const status = (code: number, description: string) => ({ code, description, updated_on: new Date().toISOString() });
const reply = (http: number, code: number, description: string): Reply => ({
  status: http,
  json: { reference_id: null, status: status(code, description), errors: [{ code, description }] },
});
