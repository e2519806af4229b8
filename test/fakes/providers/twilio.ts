/**
 * Loopback fake of Twilio's Message create (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`) per
 * /work/shared/reference/sms-providers.md §1: Basic AccountSid:AuthToken matching the path, form body with To,
 * From | MessagingServiceSid and Body; 201 with the Message resource; errors `{ code, message, more_info, status }`.
 */
import { randomBytes } from 'node:crypto';
import { startLoopbackServer, type RecordedRequest, type Reply } from '../../examples/loopback-server.js';
import { FAKE_RETRY_AFTER_SECONDS, type FakeMode, type ProviderFake } from './modes.js';

export const TWILIO_ACCOUNT_SID = 'AC' + 'b2'.repeat(16);
export const TWILIO_AUTH_TOKEN = 'fake-twilio-auth-token';
const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const E164 = /^\+[1-9]\d{6,14}$/;

export async function startFakeTwilioApi(): Promise<ProviderFake> {
  const mode: FakeMode = 'success';
  const fake: Omit<ProviderFake, 'url' | 'credential' | 'requests' | 'close'> = { mode, sent: [] };
  const decide = (request: RecordedRequest): Reply => {
    const sid = MESSAGES_PATH.exec(request.path)?.[1];
    if (!sid) return error(404, 20404, 'The requested resource was not found');
    if (request.method !== 'POST') return error(405, 20004, 'Method not allowed');
    const auth = request.basicAuth;
    if (
      fake.mode === 'auth_failure' ||
      auth?.username !== TWILIO_ACCOUNT_SID ||
      auth.password !== TWILIO_AUTH_TOKEN ||
      sid !== TWILIO_ACCOUNT_SID
    )
      return error(401, 20003, 'Authenticate');
    if (fake.mode === 'outage')
      return { status: 503, rawBody: '<html>Service Unavailable</html>', headers: { 'content-type': 'text/html' } };
    if (fake.mode === 'rate_limit')
      return { ...error(429, 20429, 'Too Many Requests'), headers: { 'retry-after': String(FAKE_RETRY_AFTER_SECONDS) } };
    // A JSON body has no form fields, so Twilio reports the first missing one: 'To' (21604).
    const to = request.form.get('To');
    const body = request.form.get('Body');
    if (!to) return error(400, 21604, "A 'To' phone number is required.");
    if (!request.form.get('From') && !request.form.get('MessagingServiceSid'))
      return error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required.");
    if (!body) return error(400, 21602, 'Message body is required.');
    if (fake.mode === 'invalid_number' || !E164.test(to)) return error(400, 21211, `Invalid 'To' Phone Number: ${to}`);
    const messageSid = 'SM' + randomBytes(16).toString('hex');
    fake.sent.push({ id: messageSid, to, text: body, callbackUrl: request.form.get('StatusCallback') });
    return {
      status: 201,
      json: {
        sid: messageSid,
        account_sid: TWILIO_ACCOUNT_SID,
        to,
        from: request.form.get('From'),
        messaging_service_sid: request.form.get('MessagingServiceSid'),
        body,
        status: 'queued',
        direction: 'outbound-api',
        api_version: '2010-04-01',
        error_code: null,
        error_message: null,
        uri: `/2010-04-01/Accounts/${TWILIO_ACCOUNT_SID}/Messages/${messageSid}.json`,
      },
    };
  };
  const server = await startLoopbackServer(decide);
  return Object.assign(fake, {
    url: server.url,
    credential: { url: server.url, auth: { type: 'basic' as const, username: TWILIO_ACCOUNT_SID, password: TWILIO_AUTH_TOKEN } },
    requests: server.requests,
    close: () => server.close(),
  });
}

function error(status: number, code: number, message: string): Reply {
  return { status, json: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}
