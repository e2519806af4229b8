/**
 * Telesign SMS API: `POST /v1/messaging`, form body, Basic customer_id:api_key from the named credential. 200 with
 * `reference_id` and status 290 ("in progress"); errors carry Telesign's code in `status.code` / `errors[].code`,
 * which says more than the HTTP status. No idempotency key is documented (`external_id` carries the verification
 * identifier, for tracing a duplicate).
 */
import { createHmac } from 'node:crypto';
import type { z } from 'zod';
import type { telesignHandlerSchema } from '../../config/provider-schema.js';
import type { DeliveryOutcome, DeliveryRequest, DeliveryResult } from '../contract.js';
import type { ProviderModule } from './index.js';
import type { NamedCredential } from '../named-credentials.js';
import { safeEqual, jsonBody, type ReceiptRequest, type ReceiptStatus, type ReceiptVerdict } from './receipts.js';
import { isRecord, outcomeForStatus, postAndJudge } from './response.js';

export type TelesignSpec = z.output<typeof telesignHandlerSchema>;

/** Telesign codes that say more than the HTTP status. */
const TELESIGN_ERRORS: ReadonlyMap<number, { result: DeliveryResult; reason: string }> = new Map([
  [11000, { result: 'INVALID_PHONE_NUMBER', reason: 'invalid phone_number' }],
  [11001, { result: 'INVALID_PHONE_NUMBER', reason: 'invalid country code' }],
  [237, { result: 'COUNTRY_BLOCK', reason: 'blocked in the requested country' }],
  [10030, { result: 'MESSAGE_LIMIT_EXCEEDED', reason: 'insufficient funds' }],
]);

/** What the user is doing, in Telesign's words (it scores fraud by it). */
const LIFECYCLE: Readonly<Record<DeliveryRequest['useCase'], string | undefined>> = {
  passwordless_login: 'sign-in',
  self_registration: 'create',
  phone_registration: 'update',
  identity_verification: 'transact',
  phone_change_notice: undefined,
};

export const telesign: ProviderModule<TelesignSpec> = {
  create(spec, services) {
    const name = spec.name ?? spec.type;
    const endpoint = `callout:${spec.credential}/v1/messaging`;
    return {
      async sendOneTimePassword(request, context) {
        const callback = spec.callbackUrl ? services.receiptUrl(request.siteId, name) : null;
        const form = new URLSearchParams({
          phone_number: request.phoneNumber.replace(/^\+/, ''),
          message: request.defaultText,
          // A notice carries no code: Telesign's "alert, reminder, notification" type, not OTP.
          message_type: request.oneTimePassword ? 'OTP' : 'ARN',
          external_id: request.identifier,
        });
        const event = LIFECYCLE[request.useCase];
        if (event) form.set('account_lifecycle_event', event);
        if (spec.from) form.set('sender_id', spec.from);
        if (request.ip) form.set('originating_ip', request.ip);
        if (callback) form.set('callback_url', callback);
        return postAndJudge('telesign', context, endpoint, { form: form.toString() }, telesignOutcome);
      },
    };
  },
  receipt: telesignReceipt,
};

/** Telesign's code: `status.code`, or the first of `errors[]`. */
function codeOf(answer: unknown): number | undefined {
  if (!isRecord(answer)) return undefined;
  if (isRecord(answer.status) && typeof answer.status.code === 'number') return answer.status.code;
  const first = Array.isArray(answer.errors) ? (answer.errors[0] as unknown) : undefined;
  return isRecord(first) && typeof first.code === 'number' ? first.code : undefined;
}

function telesignOutcome(response: Response, answer: unknown): DeliveryOutcome {
  const code = codeOf(answer);
  const rule = code === undefined ? undefined : TELESIGN_ERRORS.get(code);
  // Codes and our own words only: Telesign's descriptions may quote the number.
  if (rule) return { result: rule.result, detail: `telesign HTTP ${response.status} code ${code}: ${rule.reason}` };
  if (response.ok) {
    if (isRecord(answer) && typeof answer.reference_id === 'string' && code === 290)
      return { result: 'SUCCESS', providerMessageId: answer.reference_id };
    return { result: 'PROVIDER_ERROR', detail: `telesign HTTP ${response.status} code ${code ?? 'none'} without a message in progress` };
  }
  return outcomeForStatus('telesign', response, code === undefined ? '' : `code ${code}`);
}

/**
 * Telesign delivery report status codes -> otpgate's four. 200 is on the handset; 203 (at the gateway), 290 and
 * 292 (in progress, queued), 295 (delayed), 250/251 (unknown) and 503/505 (temporary) are not a final word;
 * handset and network failures are undelivered; blocks and refusals failed. A code not listed is not final either.
 */
const TELESIGN_STATUS: ReadonlyMap<number, ReceiptStatus> = new Map([
  [200, 'delivered'],
  ...[203, 250, 251, 290, 292, 295, 503, 505].map((c) => [c, 'accepted'] as const),
  ...[207, 210, 211, 220, 221, 222, 504, 506].map((c) => [c, 'undelivered'] as const),
  ...[229, 230, 237, 238, 502, 507, 508, 510, 515, 521].map((c) => [c, 'failed'] as const),
]);

/** `TSA {customer_id}:{sig}`, sig = Base64(HMAC-SHA256(Base64Decode(api_key), raw body)): how Telesign signs callbacks. */
export function telesignCallbackSignature(apiKey: string, rawBody: string): string {
  return createHmac('sha256', Buffer.from(apiKey, 'base64')).update(rawBody, 'utf8').digest('base64');
}

function telesignReceipt(request: ReceiptRequest, _spec: TelesignSpec, credential: NamedCredential): ReceiptVerdict {
  const header = request.headers['x-ts-authorization'] ?? request.headers.authorization;
  const match = header ? /^TSA ([^:\s]+):(\S+)$/.exec(header) : null;
  if (!match) return { ok: false, reason: 'unsigned' };
  if (credential.auth.type !== 'basic' || match[1] !== credential.auth.username) return { ok: false, reason: 'bad_signature' };
  if (!safeEqual(telesignCallbackSignature(credential.auth.password, request.rawBody), match[2]!))
    return { ok: false, reason: 'bad_signature' };
  const report = jsonBody(request);
  const code = codeOf(report);
  if (!isRecord(report) || typeof report.reference_id !== 'string' || code === undefined) return { ok: false, reason: 'malformed' };
  const status = TELESIGN_STATUS.get(code) ?? 'accepted';
  const failed = status === 'failed' || status === 'undelivered';
  return {
    ok: true,
    receipts: [{ providerMessageId: report.reference_id, status, providerStatus: String(code), errorCode: failed ? String(code) : null }],
  };
}
