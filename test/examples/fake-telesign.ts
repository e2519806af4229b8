/**
 * A loopback fake of Telesign's SMS API (`POST /v1/messaging`), following its published OpenAPI spec and
 * status/error code list (docs: /work/shared/reference/sms-providers.md §2): Basic auth customerId:apiKey,
 * form body, required phone_number / message / message_type, and the documented JSON envelope
 * `{ reference_id, status: { code, description, updated_on }, external_id }` for success and errors alike.
 */
import { randomBytes } from 'node:crypto';
import { startLoopbackServer, type RecordedRequest, type Reply } from './loopback-server.js';

export type TelesignFailure =
  | { kind: 'invalid_number' }
  | { kind: 'country_blocked' }
  | { kind: 'rate_limited'; retryAfter?: string }
  | { kind: 'insufficient_funds' }
  | { kind: 'unavailable' }
  | { kind: 'not_json' }
  | { kind: 'slow'; delayMs: number };

export interface SentTelesignMessage {
  referenceId: string;
  phoneNumber: string;
  message: string;
}

export interface FakeTelesign {
  /** Base URL; the messaging endpoint is `${url}/v1/messaging`. */
  url: string;
  customerId: string;
  apiKey: string;
  requests: RecordedRequest[];
  /** Messages accepted with status 290, in order. */
  sent: SentTelesignMessage[];
  /** Answer the next valid, authenticated requests with these failures, one each, in order. */
  failNext(...failures: TelesignFailure[]): void;
  close(): Promise<void>;
}

const MESSAGE_TYPES = new Set(['OTP', 'ARN', 'MKT']);
const LIFECYCLE_EVENTS = new Set(['create', 'sign-in', 'transact', 'update', 'delete']);

export async function startFakeTelesign(
  credentials: { customerId: string; apiKey: string } = { customerId: 'CUST-0001', apiKey: 'dGVzdC1hcGkta2V5' },
): Promise<FakeTelesign> {
  const pending: TelesignFailure[] = [];
  const sent: SentTelesignMessage[] = [];

  const decide = (request: RecordedRequest): Reply => {
    if (request.path !== '/v1/messaging') return { status: 404, json: { status: { code: 10017, description: 'Not found' } } };
    if (request.method !== 'POST') return { status: 405, json: {} };
    const externalId = request.form.get('external_id');
    const reply = (status: number, code: number, description: string): Reply => ({
      status,
      json: envelope(code, description, externalId),
    });

    const auth = request.basicAuth;
    if (!request.headers.authorization) return reply(401, 10009, "Missing required 'Authorization' header");
    if (!auth) return reply(401, 10028, "Required 'Authorization' header is not in the correct format");
    if (auth.username !== credentials.customerId) return reply(401, 10015, 'Invalid Customer ID.');
    if (auth.password !== credentials.apiKey) return reply(401, 10022, 'Invalid API key');

    // Without the form content type Telesign reads no parameters, so the first one is "missing".
    const phone = request.form.get('phone_number');
    const message = request.form.get('message');
    const type = request.form.get('message_type');
    const lifecycle = request.form.get('account_lifecycle_event');
    if (!phone) return reply(400, 12000, 'Missing Required Parameter phone_number');
    if (!message) return reply(400, 12009, 'Missing Required Parameter message');
    if (!type) return reply(400, 12017, 'Missing Required Parameter message_type');
    if (!/^\d{7,15}$/.test(phone)) return reply(400, 11000, 'Invalid value for parameter phone_number.');
    if (message.length > 1600) return reply(400, 11009, 'Invalid value for parameter message.');
    if (!MESSAGE_TYPES.has(type)) return reply(400, 11017, 'Invalid value for parameter message_type.');
    if (lifecycle !== null && !LIFECYCLE_EVENTS.has(lifecycle))
      return reply(400, 11003, 'Invalid value for parameter account_lifecycle_event');
    if (externalId !== null && !/^[\x20-\x7e]{0,100}$/.test(externalId))
      return reply(400, 11016, 'Invalid value for parameter external_id');

    const failure = pending.shift();
    switch (failure?.kind) {
      case 'invalid_number':
        return reply(400, 11000, 'Invalid value for parameter phone_number.');
      case 'country_blocked':
        // ⚠ Telesign documents 237 as a message status; whether the POST itself can answer with it is not.
        return reply(200, 237, 'Message blocked in requested country');
      case 'rate_limited':
        return {
          ...reply(429, 10019, 'Rate Limit Exceeded'),
          ...(failure.retryAfter === undefined ? {} : { headers: { 'retry-after': failure.retryAfter } }),
        };
      case 'insufficient_funds':
        return reply(402, 10030, 'Insufficient funds in prepaid wallet.');
      case 'unavailable':
        return reply(503, 10000, 'System Unavailable, Please try again later.');
      case 'not_json':
        return { status: 502, rawBody: '<html><body>Bad gateway</body></html>', headers: { 'content-type': 'text/html' } };
      case 'slow':
      case undefined: {
        const referenceId = randomBytes(16).toString('hex').toUpperCase();
        sent.push({ referenceId, phoneNumber: phone, message });
        const success: Reply = { status: 200, json: { ...envelope(290, 'Message in progress', externalId), reference_id: referenceId } };
        return failure ? { ...success, delayMs: failure.delayMs } : success;
      }
    }
  };

  const server = await startLoopbackServer(decide);
  return {
    ...credentials,
    url: server.url,
    requests: server.requests,
    sent,
    failNext: (...failures) => void pending.push(...failures),
    close: () => server.close(),
  };
}

function envelope(code: number, description: string, externalId: string | null): Record<string, unknown> {
  return {
    reference_id: randomBytes(16).toString('hex').toUpperCase(),
    status: { code, description, updated_on: new Date().toISOString() },
    external_id: externalId,
  };
}
