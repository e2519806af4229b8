/**
 * Loopback fake of the Vonage SMS API (`POST /sms/json`) per sms-providers.md §3a: credentials as Basic
 * api_key:api_secret or api_key/api_secret fields, JSON or form body, required from, to (no `+`), text; always
 * HTTP 200 with `messages[0].status` ("0" sent, "1" throttled, "4" bad credentials, "5" internal error, "6" invalid).
 */
import { randomBytes } from 'node:crypto';
import { startLoopbackServer, type RecordedRequest, type Reply } from '../../examples/loopback-server.js';
import type { FakeMode, ProviderFake } from './modes.js';

export const VONAGE_API_KEY = 'a1b2c3d4';
export const VONAGE_API_SECRET = 'fakeVonageSecret1';

export async function startFakeVonageApi(): Promise<ProviderFake> {
  const mode: FakeMode = 'success';
  const fake: Omit<ProviderFake, 'url' | 'credential' | 'requests' | 'close'> = { mode, sent: [] };
  const decide = (request: RecordedRequest): Reply => {
    if (request.path !== '/sms/json') return { status: 404, json: { 'error-text': 'Not Found' } };
    if (request.method !== 'POST') return { status: 405, json: {} };
    const json = request.contentType.startsWith('application/json');
    const fields: Record<string, unknown> = json
      ? (JSON.parse(request.rawBody || '{}') as Record<string, unknown>)
      : Object.fromEntries(request.form);
    const key = request.basicAuth?.username ?? fields.api_key;
    const secret = request.basicAuth?.password ?? fields.api_secret;
    if (fake.mode === 'auth_failure' || key !== VONAGE_API_KEY || secret !== VONAGE_API_SECRET) return status('4', 'Bad Credentials');
    if (!json && !request.contentType.startsWith('application/x-www-form-urlencoded')) return status('2', 'Missing api_key');
    const to = typeof fields.to === 'string' ? fields.to : '';
    if (!fields.from) return status('2', 'Missing from param');
    if (!to) return status('2', 'Missing to param');
    if (typeof fields.text !== 'string' || !fields.text) return status('2', 'Missing text param');
    if (fake.mode === 'rate_limit') return status('1', 'Throughput Rate Exceeded - please wait [ 1000 ] and retry');
    if (fake.mode === 'outage') return status('5', 'Internal Error');
    if (fake.mode === 'invalid_number' || !/^[1-9]\d{6,14}$/.test(to)) return status('6', `Invalid Message: ${to}`);
    const id = randomBytes(8).toString('hex').toUpperCase();
    fake.sent.push({ id, to, text: fields.text, callbackUrl: typeof fields.callback === 'string' ? fields.callback : null });
    return {
      status: 200,
      json: {
        'message-count': '1',
        messages: [
          { to, 'message-id': id, status: '0', 'remaining-balance': '15.53590000', 'message-price': '0.03330000', network: '23410' },
        ],
      },
    };
  };
  const server = await startLoopbackServer(decide);
  return Object.assign(fake, {
    url: server.url,
    credential: { url: server.url, auth: { type: 'basic' as const, username: VONAGE_API_KEY, password: VONAGE_API_SECRET } },
    requests: server.requests,
    close: () => server.close(),
  });
}

const status = (code: string, text: string): Reply => ({
  status: 200,
  json: { 'message-count': '1', messages: [{ status: code, 'error-text': text }] },
});
