/**
 * Loopback fake of Twilio's Message create (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`) per
 * /work/shared/reference/sms-providers.md §1: Basic AccountSid:AuthToken matching the path, form body with To,
 * From | MessagingServiceSid and Body; 201 with the Message resource; errors `{ code, message, more_info, status }`.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { startLoopbackServer, type RecordedRequest, type Reply } from '../../examples/loopback-server.js';
import { FAKE_RETRY_AFTER_SECONDS, type FakeMode, type ProviderFake } from './modes.js';

export const TWILIO_ACCOUNT_SID = 'AC' + 'b2'.repeat(16);
export const TWILIO_AUTH_TOKEN = 'fake-twilio-auth-token';
const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const E164 = /^\+[1-9]\d{6,14}$/;

/** The Twilio fake, which can also call a message's StatusCallback as Twilio does. */
export interface FakeTwilio extends ProviderFake {
  /**
   * Twilio's status callback for message `sid`: the documented form fields, signed with X-Twilio-Signature over the
   * StatusCallback URL the message was sent with, POSTed to that URL's path at `reachAt` (the loopback server standing
   * in for the public host). `sign` false leaves the signature out; `authToken` signs with another account's token;
   * `tamper` edits the signed body.
   */
  /**
   * Called with each accepted message's sid before the fake answers; with `answerDelayMs`, the answer waits that
   * long after it (a provider whose status callback arrives before its API's answer).
   */
  onAccepted?: ((sid: string) => void) | undefined;
  answerDelayMs?: number;
  sendStatus(
    sid: string,
    status: string,
    reachAt: string,
    options?: { sign?: boolean; authToken?: string; errorCode?: string; tamper?: (body: string) => string },
  ): Promise<Response>;
}

export async function startFakeTwilioApi(): Promise<FakeTwilio> {
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
    (fake as Partial<FakeTwilio>).onAccepted?.(messageSid);
    return {
      status: 201,
      delayMs: (fake as Partial<FakeTwilio>).answerDelayMs ?? 0,
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
  const sendStatus: FakeTwilio['sendStatus'] = async (sid, status, reachAt, options = {}) => {
    const message = fake.sent.find((m) => m.id === sid);
    if (!message?.callbackUrl) throw new Error(`message ${sid} was sent without a StatusCallback`);
    const fields = new URLSearchParams({
      SmsSid: sid,
      SmsStatus: status,
      MessageStatus: status,
      To: message.to,
      MessageSid: sid,
      AccountSid: TWILIO_ACCOUNT_SID,
      From: '+15005550006',
      ApiVersion: '2010-04-01',
      ...(options.errorCode ? { ErrorCode: options.errorCode } : {}),
    });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
    if (options.sign !== false)
      headers['x-twilio-signature'] = signRequest(options.authToken ?? TWILIO_AUTH_TOKEN, message.callbackUrl, fields);
    const target = new URL(message.callbackUrl);
    // `tamper` changes the bytes after signing, as someone replaying a captured receipt would.
    const body = options.tamper ? options.tamper(fields.toString()) : fields.toString();
    return fetch(reachAt + target.pathname + target.search, { method: 'POST', headers, body });
  };
  return Object.assign(fake, {
    sendStatus,
    url: server.url,
    credential: { url: server.url, auth: { type: 'basic' as const, username: TWILIO_ACCOUNT_SID, password: TWILIO_AUTH_TOKEN } },
    requests: server.requests,
    close: () => server.close(),
  });
}

function error(status: number, code: number, message: string): Reply {
  return { status, json: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

/** Twilio's request signature: HMAC-SHA1 over the URL and each field name + value, fields sorted by name, in Base64. */
function signRequest(authToken: string, url: string, fields: URLSearchParams): string {
  const data =
    url +
    [...fields.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => name + value)
      .join('');
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}
