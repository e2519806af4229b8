/**
 * Twilio Programmable Messaging delivery handler (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`).
 *
 * Setup: a named credential (default name `Twilio`) with URL `https://api.twilio.com` (or a regional
 * host such as `https://api.dublin.ie1.twilio.com`, with that region's credentials) and Basic auth
 * `AccountSid:AuthToken` or `ApiKeySid:ApiKeySecret`. The Account SID is not a secret but is part of the
 * path, so the handler needs it too: pass it to `createTwilioHandler`, or use the default export, which
 * reads `TWILIO_ACCOUNT_SID` and `TWILIO_MESSAGING_SERVICE_SID` or `TWILIO_FROM` at call time.
 *
 * @example
 * // otpgate handler module of your own:
 * import { createTwilioHandler } from './examples/twilio-handler.js';
 * export default createTwilioHandler({ accountSid: 'AC0123…', messagingServiceSid: 'MG0123…' });
 */
import type { DeliveryOutcome, DeliveryRequest, DeliveryResult, OneTimePasswordDeliveryHandler } from '../src/delivery/contract.js';
import { isRecord, readJson, resultForHttpStatus, retryAfterMs, transportFailure } from './provider-response.js';

/** Twilio needs exactly one sender: a number/alphanumeric id of the account, or a Messaging Service. */
type TwilioSender = { from: string; messagingServiceSid?: never } | { messagingServiceSid: string; from?: never };

export type TwilioHandlerOptions = TwilioSender & {
  accountSid: string;
  /** Named credential with the API base URL and Basic auth. Default `Twilio`. */
  credential?: string;
  /** URL Twilio POSTs delivery status to (overrides the Messaging Service's). */
  statusCallback?: string;
};

export function createTwilioHandler(options: TwilioHandlerOptions): OneTimePasswordDeliveryHandler {
  const credential = options.credential ?? 'Twilio';
  const endpoint = `callout:${credential}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  return {
    async sendOneTimePassword(request, context) {
      let response: Response;
      let body: unknown;
      try {
        response = await context.callout(endpoint, {
          method: 'POST',
          // Twilio takes form fields only; a JSON body is read as "no To" (error 21604).
          headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
          body: twilioForm(request, options),
        });
        body = await readJson(response);
      } catch (error) {
        return transportFailure('twilio', error);
      }
      return twilioOutcome(response, body);
    },
  };
}

/** Reads the environment on each call, so importing the module never fails and a changed env is picked up. */
export default {
  async sendOneTimePassword(request, context) {
    const options = optionsFromEnv(process.env);
    // A missing setting is a configuration fault of this handler: PROVIDER_ERROR lets the chain fail over.
    if (typeof options === 'string') return { result: 'PROVIDER_ERROR', detail: options };
    return createTwilioHandler(options).sendOneTimePassword(request, context);
  },
} satisfies OneTimePasswordDeliveryHandler;

function optionsFromEnv(env: NodeJS.ProcessEnv): TwilioHandlerOptions | string {
  const accountSid = env.TWILIO_ACCOUNT_SID;
  if (!accountSid) return 'twilio: TWILIO_ACCOUNT_SID is not set';
  if (env.TWILIO_MESSAGING_SERVICE_SID) return { accountSid, messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID };
  if (env.TWILIO_FROM) return { accountSid, from: env.TWILIO_FROM };
  return 'twilio: set TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM';
}

/** Twilio's ValidityPeriod range is 1–36000 s in one SDK and 1–14400 s in another; stay inside both. */
const MAX_VALIDITY_SECONDS = 14_400;

function twilioForm(request: DeliveryRequest, options: TwilioHandlerOptions): URLSearchParams {
  const form = new URLSearchParams({ To: request.phoneNumber, Body: request.defaultText });
  if (options.messagingServiceSid) form.set('MessagingServiceSid', options.messagingServiceSid);
  else if (options.from) form.set('From', options.from);
  // A code that sits in Twilio's queue past its expiry is useless to the user: let Twilio drop it instead.
  const secondsLeft = Math.ceil((request.expiresAt.getTime() - Date.now()) / 1000);
  form.set('ValidityPeriod', String(Math.min(MAX_VALIDITY_SECONDS, Math.max(1, secondsLeft))));
  if (options.statusCallback) form.set('StatusCallback', options.statusCallback);
  // No IdempotencyKey: Twilio's Message create has none, so a retried attempt may send a second SMS
  // (with the same code). Only 429 is documented as "not processed, safe to retry".
  return form;
}

/** Synchronous Twilio error codes (body `code`) and what they mean for otpgate. Unlisted codes → by HTTP status. */
const TWILIO_ERRORS: ReadonlyMap<number, { result: DeliveryResult; reason: string }> = new Map([
  [21211, { result: 'INVALID_PHONE_NUMBER', reason: "invalid 'To' number" }],
  [21614, { result: 'INVALID_PHONE_NUMBER', reason: "'To' is not SMS-capable" }],
  [21635, { result: 'INVALID_PHONE_NUMBER', reason: "'To' is a landline" }],
  [21408, { result: 'COUNTRY_BLOCK', reason: 'destination not enabled in Geo Permissions' }],
  [21612, { result: 'PROVIDER_ERROR', reason: "'To'/'From' combination not routable" }],
  [21610, { result: 'PROVIDER_ERROR', reason: 'recipient unsubscribed (STOP)' }],
  [21608, { result: 'PROVIDER_ERROR', reason: "trial account: 'To' not verified" }],
  [20003, { result: 'PROVIDER_ERROR', reason: 'authentication failed' }],
  [20403, { result: 'PROVIDER_ERROR', reason: 'account suspended or closed' }],
  [20429, { result: 'MESSAGE_LIMIT_EXCEEDED', reason: 'too many concurrent requests' }],
  [63017, { result: 'MESSAGE_LIMIT_EXCEEDED', reason: 'account message rate exceeded' }],
]);

function twilioOutcome(response: Response, body: unknown): DeliveryOutcome {
  if (response.ok) {
    // 201 Created with the Message resource; its `sid` (SM…/MM…) is the id delivery receipts carry.
    if (isRecord(body) && typeof body.sid === 'string') return { result: 'SUCCESS', providerMessageId: body.sid };
    return { result: 'EXCEPTION', detail: `twilio HTTP ${response.status} without a message sid` };
  }
  const code = isRecord(body) && typeof body.code === 'number' ? body.code : undefined;
  const rule = code === undefined ? undefined : TWILIO_ERRORS.get(code);
  // Codes and our own words only: Twilio's `message` quotes the 'To' number.
  const detail = `twilio HTTP ${response.status}${code === undefined ? '' : ` error ${code}`}${rule ? `: ${rule.reason}` : ''}`;
  const result = rule?.result ?? resultForHttpStatus(response.status, body);
  const wait = result === 'MESSAGE_LIMIT_EXCEEDED' ? retryAfterMs(response) : undefined;
  return { result, detail, ...(wait === undefined ? {} : { retryAfterMs: wait }) };
}
