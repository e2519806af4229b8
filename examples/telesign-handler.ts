/**
 * Telesign SMS delivery handler: otpgate's version of Salesforce's documented `TelesignMessaging` example,
 * with the two things that example leaves out: the form body is URL-encoded, and Telesign's answer is
 * mapped to a real result instead of always reporting SUCCESS.
 *
 * Setup: a named credential `Telesign_SMS_Named` whose URL is the full endpoint
 * `https://rest-ww.telesign.com/v1/messaging` (self-service accounts: `https://rest-api.telesign.com/v1/messaging`)
 * with Basic auth `customerId:apiKey`. The handler never sees the API key.
 *
 * Results: see TELESIGN_CODES below. A failed callout (deadline, connection refused) is returned as
 * EXCEPTION with a short reason rather than thrown.
 */
import type { DeliveryOutcome, DeliveryRequest, DeliveryResult, OneTimePasswordDeliveryHandler } from '../src/delivery/contract.js';
import { isRecord, readJson, resultForHttpStatus, retryAfterMs, transportFailure } from './provider-response.js';

/** The named credential: the endpoint URL and Basic customerId:apiKey. */
const ENDPOINT = 'callout:Telesign_SMS_Named';

/**
 * Sent as `is_primary`: Telesign uses it to route backup traffic differently. Copy this file with `false`
 * (and another credential name) if Telesign sits behind another provider in the site's chain.
 */
const IS_PRIMARY = true;

export default {
  async sendOneTimePassword(request, context) {
    let response: Response;
    let body: unknown;
    try {
      response = await context.callout(ENDPOINT, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body: telesignForm(request),
      });
      body = await readJson(response);
    } catch (error) {
      return transportFailure('telesign', error);
    }
    return telesignOutcome(response, body);
  },
} satisfies OneTimePasswordDeliveryHandler;

/** Telesign's fraud scoring uses the account phase; `Record<DeliveryRequest['useCase'], …>` makes a new use case a type error here. */
const LIFECYCLE_EVENT: Record<DeliveryRequest['useCase'], string> = {
  passwordless_login: 'sign-in',
  self_registration: 'create',
  identity_verification: 'sign-in',
  phone_registration: 'update',
  phone_change_notice: 'update',
};

/** Telesign rejects an external_id longer than 100 ASCII characters (error 11016); skip it rather than fail. */
const EXTERNAL_ID = /^[\x20-\x7e]{1,100}$/;

function telesignForm(request: DeliveryRequest): URLSearchParams {
  // URLSearchParams encodes every value (UTF-8, as Telesign requires). Salesforce's example concatenated
  // the text raw, so a '&', '+' or '%' in the message silently cut or changed it.
  const form = new URLSearchParams({
    is_primary: String(IS_PRIMARY),
    // Telesign wants the country code and digits only, no '+' (its example: 15558675309).
    phone_number: request.phoneNumber.replace(/\D/g, ''),
    message: request.defaultText,
    // A notice carries no code: Telesign's type for alerts and notifications is ARN.
    message_type: request.oneTimePassword ? 'OTP' : 'ARN',
    account_lifecycle_event: LIFECYCLE_EVENT[request.useCase],
  });
  // Telesign has no idempotent replay (a retry sends a second SMS); external_id is only echoed back in the
  // response and delivery reports, which still ties every message and receipt to its verification.
  if (EXTERNAL_ID.test(request.identifier)) form.set('external_id', request.identifier);
  return form;
}

/** Telesign codes that mean "accepted": 290 in progress is the usual answer; the others are later states. */
const ACCEPTED = new Set([200, 201, 203, 290, 292, 295]);

/**
 * Telesign asks clients to code against `status.code` / `errors[].code`, not the HTTP status. Codes not
 * listed fall back on the HTTP status: 429 → limit, 5xx → EXCEPTION, other 4xx (auth, account) → PROVIDER_ERROR.
 */
const TELESIGN_CODES: ReadonlyMap<number, { result: DeliveryResult; reason: string }> = new Map([
  [11000, { result: 'INVALID_PHONE_NUMBER', reason: 'invalid phone_number' }],
  [11001, { result: 'INVALID_PHONE_NUMBER', reason: 'invalid country code' }],
  [12000, { result: 'INVALID_PHONE_NUMBER', reason: 'missing phone_number' }],
  [507, { result: 'INVALID_PHONE_NUMBER', reason: 'invalid destination address' }],
  [237, { result: 'COUNTRY_BLOCK', reason: 'blocked in requested country' }],
  [3115, { result: 'COUNTRY_BLOCK', reason: 'destination not in coverage' }],
  [10019, { result: 'MESSAGE_LIMIT_EXCEEDED', reason: 'rate limit exceeded' }],
  [10020, { result: 'MESSAGE_LIMIT_EXCEEDED', reason: 'transaction hard cap' }],
  [10030, { result: 'MESSAGE_LIMIT_EXCEEDED', reason: 'insufficient funds' }],
  [10000, { result: 'EXCEPTION', reason: 'system unavailable' }],
]);

function telesignOutcome(response: Response, body: unknown): DeliveryOutcome {
  const codes = telesignCodes(body);
  // reference_id comes back on failures too; Telesign support asks for it, so it is kept either way.
  const id = isRecord(body) && typeof body.reference_id === 'string' ? { providerMessageId: body.reference_id } : {};
  if (response.ok && codes.some((code) => ACCEPTED.has(code))) return { result: 'SUCCESS', ...id };

  // The detail is built from codes only: Telesign's descriptions can quote the phone number (10033), and its
  // `signature_string` quotes the request body, which holds the code.
  const rule = codes.map((code) => TELESIGN_CODES.get(code)).find((found) => found !== undefined);
  const codeText = codes.length > 0 ? ` code ${codes.join('/')}` : '';
  const detail = `telesign HTTP ${response.status}${codeText}${rule ? `: ${rule.reason}` : ''}`;
  const result = rule?.result ?? resultForHttpStatus(response.status, body);
  const wait = result === 'MESSAGE_LIMIT_EXCEEDED' ? retryAfterMs(response) : undefined;
  return { result, detail, ...id, ...(wait === undefined ? {} : { retryAfterMs: wait }) };
}

/** `status.code` (the current API) and `errors[].code` (older error shape), as integers. */
function telesignCodes(body: unknown): number[] {
  if (!isRecord(body)) return [];
  const raw: unknown[] = [];
  if (isRecord(body.status)) raw.push(body.status.code);
  if (Array.isArray(body.errors)) for (const error of body.errors) if (isRecord(error)) raw.push(error.code);
  // status.code is documented as an integer in one schema and a string in another; accept both.
  return raw.map((code) => Number(code)).filter((code) => Number.isInteger(code) && code !== 0);
}
