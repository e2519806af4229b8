/**
 * A loopback fake of Twilio's Message create (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`), per
 * /work/shared/reference/sms-providers.md §1: Basic auth AccountSid:AuthToken whose user matches the path
 * (or an `SK…` API key), form body with To, From | MessagingServiceSid and Body | MediaUrl | ContentSid,
 * 201 with the Message resource, and errors as `{ code, message, more_info, status }`.
 */
import { randomBytes } from 'node:crypto';
import { startLoopbackServer, type RecordedRequest, type Reply } from './loopback-server.js';

export type TwilioFailure =
  | { kind: 'invalid_number' }
  | { kind: 'not_mobile' }
  | { kind: 'country_blocked' }
  | { kind: 'unroutable' }
  | { kind: 'rate_limited'; retryAfter?: string }
  | { kind: 'server_error' }
  | { kind: 'slow'; delayMs: number };

export interface SentTwilioMessage {
  sid: string;
  to: string;
  body: string;
}

export interface FakeTwilio {
  /** The API base URL (what the named credential points at). */
  url: string;
  accountSid: string;
  authToken: string;
  requests: RecordedRequest[];
  /** Messages created (201), in order. */
  sent: SentTwilioMessage[];
  /** Answer the next valid, authenticated requests with these failures, one each, in order. */
  failNext(...failures: TwilioFailure[]): void;
  close(): Promise<void>;
}

const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const E164 = /^\+[1-9]\d{6,14}$/;

export async function startFakeTwilio(
  credentials: { accountSid: string; authToken: string } = {
    accountSid: 'AC' + 'a1'.repeat(16),
    authToken: 'test-auth-token',
  },
): Promise<FakeTwilio> {
  const pending: TwilioFailure[] = [];
  const sent: SentTwilioMessage[] = [];

  const decide = (request: RecordedRequest): Reply => {
    const pathSid = MESSAGES_PATH.exec(request.path)?.[1];
    if (!pathSid) return error(404, 20404, 'The requested resource was not found');
    if (request.method !== 'POST') return error(405, 20004, 'Method not allowed');
    const auth = request.basicAuth;
    // An API key (SK…) authenticates for the account in the path; otherwise the user must be that account.
    const userMatches = auth?.username === credentials.accountSid || auth?.username.startsWith('SK') === true;
    if (!auth || !userMatches || auth.password !== credentials.authToken || pathSid !== credentials.accountSid)
      return error(401, 20003, 'Authenticate');

    // A JSON body parses to no form fields, so Twilio reports the first missing one: 'To' (21604).
    const to = request.form.get('To');
    const from = request.form.get('From');
    const service = request.form.get('MessagingServiceSid');
    const body = request.form.get('Body');
    if (!to) return error(400, 21604, "A 'To' phone number is required.");
    if (!from && !service) return error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required.");
    if (!body && !request.form.get('MediaUrl') && !request.form.get('ContentSid')) return error(400, 21602, 'Message body is required.');
    // Twilio's real messages quote the number; the fake does too, so tests prove handlers never copy them.
    if (!E164.test(to)) return error(400, 21211, `Invalid 'To' Phone Number: ${to}`);

    const failure = pending.shift();
    switch (failure?.kind) {
      case 'invalid_number':
        return error(400, 21211, `Invalid 'To' Phone Number: ${to}`);
      case 'not_mobile':
        return error(400, 21614, `'To' number ${to} is not a valid mobile number`);
      case 'country_blocked':
        return error(400, 21408, `Permission to send an SMS has not been enabled for the region indicated by the 'To' number: ${to}.`);
      case 'unroutable':
        return error(400, 21612, `The 'To' phone number: ${to}, is not currently reachable using the 'From' phone number via SMS.`);
      case 'rate_limited':
        return {
          ...error(429, 20429, 'Too Many Requests'),
          ...(failure.retryAfter === undefined ? {} : { headers: { 'retry-after': failure.retryAfter } }),
        };
      case 'server_error':
        return error(500, 20500, 'Internal Server Error');
      case 'slow':
      case undefined: {
        const sid = 'SM' + randomBytes(16).toString('hex');
        sent.push({ sid, to, body: body ?? '' });
        const created: Reply = { status: 201, json: messageResource(sid, credentials.accountSid, request.form) };
        return failure ? { ...created, delayMs: failure.delayMs } : created;
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

function error(status: number, code: number, message: string): Reply {
  return { status, json: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

/** The Message resource as Twilio returns it on create (fields per the reference; values illustrative). */
function messageResource(sid: string, accountSid: string, form: URLSearchParams): Record<string, unknown> {
  const now = new Date().toUTCString().replace('GMT', '+0000');
  const service = form.get('MessagingServiceSid');
  return {
    sid,
    account_sid: accountSid,
    to: form.get('To'),
    from: form.get('From'),
    messaging_service_sid: service,
    // Twilio echoes the body, code included: a handler must not copy it anywhere.
    body: form.get('Body'),
    status: service ? 'accepted' : 'queued',
    num_segments: '1',
    num_media: '0',
    direction: 'outbound-api',
    api_version: '2010-04-01',
    price: null,
    price_unit: 'USD',
    error_code: null,
    error_message: null,
    uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
    subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
    date_created: now,
    date_updated: now,
    date_sent: null,
  };
}
