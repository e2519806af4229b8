/**
 * Twilio Programmable Messaging: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, form fields, Basic auth
 * from the named credential. Message create has no idempotency key, so a retry after an unclear answer may send
 * twice; only 429 is documented as "not processed".
 */
import { createHmac } from 'node:crypto';
import type { z } from 'zod';
import type { twilioHandlerSchema } from '../../config/provider-schema.js';
import type { DeliveryOutcome, DeliveryRequest, DeliveryResult } from '../contract.js';
import type { ProviderModule } from './index.js';
import type { NamedCredential } from '../named-credentials.js';
import { safeEqual, type ReceiptRequest, type ReceiptStatus, type ReceiptVerdict } from './receipts.js';
import { isRecord, outcomeForStatus, postAndJudge } from './response.js';

export type TwilioSpec = z.output<typeof twilioHandlerSchema>;

/** Twilio's ValidityPeriod range is 1–36000 s in one SDK and 1–14400 s in another; stay inside both. */
const MAX_VALIDITY_SECONDS = 14_400;

/** Synchronous error codes (body `code`) that say more than the HTTP status. */
const TWILIO_ERRORS: ReadonlyMap<number, { result: DeliveryResult; reason: string }> = new Map([
  [21211, { result: 'INVALID_PHONE_NUMBER', reason: "invalid 'To' number" }],
  [21614, { result: 'INVALID_PHONE_NUMBER', reason: "'To' is not SMS-capable" }],
  [21635, { result: 'INVALID_PHONE_NUMBER', reason: "'To' is a landline" }],
  [21408, { result: 'COUNTRY_BLOCK', reason: 'destination not enabled in Geo Permissions' }],
]);

export const twilio: ProviderModule<TwilioSpec> = {
  create(spec, services) {
    const endpoint = `callout:${spec.credential}/2010-04-01/Accounts/${spec.accountSid}/Messages.json`;
    const name = spec.name ?? spec.type;
    return {
      async sendOneTimePassword(request, context) {
        const callback = spec.statusCallback ? services.receiptUrl(request.siteId, name) : null;
        // Twilio takes form fields only; a JSON body is read as "no To" (error 21604).
        return postAndJudge('twilio', context, endpoint, { form: twilioForm(request, spec, callback).toString() }, twilioOutcome);
      },
    };
  },
  receipt: twilioReceipt,
};

function twilioForm(request: DeliveryRequest, spec: TwilioSpec, callback: string | null): URLSearchParams {
  const form = new URLSearchParams({ To: request.phoneNumber, Body: request.defaultText });
  if (spec.messagingServiceSid) form.set('MessagingServiceSid', spec.messagingServiceSid);
  else if (spec.from) form.set('From', spec.from);
  // A code that sits in Twilio's queue past its expiry is useless to the user: let Twilio drop it instead.
  const secondsLeft = Math.ceil((request.expiresAt.getTime() - Date.now()) / 1000);
  form.set('ValidityPeriod', String(Math.min(MAX_VALIDITY_SECONDS, Math.max(1, secondsLeft))));
  if (callback) form.set('StatusCallback', callback);
  return form;
}

function twilioOutcome(response: Response, body: unknown): DeliveryOutcome {
  if (response.ok) {
    // 201 Created with the Message resource; its `sid` (SM…/MM…) is the id receipts carry.
    if (isRecord(body) && typeof body.sid === 'string') return { result: 'SUCCESS', providerMessageId: body.sid };
    return { result: 'PROVIDER_ERROR', detail: `twilio HTTP ${response.status} without a message sid` };
  }
  const code = isRecord(body) && typeof body.code === 'number' ? body.code : undefined;
  const rule = code === undefined ? undefined : TWILIO_ERRORS.get(code);
  // Codes and our own words only: Twilio's `message` quotes the 'To' number.
  if (rule) return { result: rule.result, detail: `twilio HTTP ${response.status} error ${code}: ${rule.reason}` };
  return outcomeForStatus('twilio', response, code === undefined ? '' : `error ${code}`);
}

/** Twilio MessageStatus -> otpgate's four; intermediate states (queued, sending, sent) count as accepted. */
const TWILIO_STATUS: Readonly<Record<string, ReceiptStatus>> = {
  accepted: 'accepted',
  queued: 'accepted',
  scheduled: 'accepted',
  sending: 'accepted',
  sent: 'accepted',
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  canceled: 'failed',
};

/**
 * X-Twilio-Signature = Base64(HMAC-SHA1(AuthToken, URL + each POST param sorted by name as name+value)). The auth
 * token is the named credential's Basic password.
 */
export function twilioSignature(authToken: string, url: string, params: URLSearchParams): string {
  const names = [...new Set(params.keys())].sort();
  const data =
    url +
    names
      .map((name) =>
        [...new Set(params.getAll(name))]
          .sort()
          .map((value) => name + value)
          .join(''),
      )
      .join('');
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

function twilioReceipt(request: ReceiptRequest, _spec: TwilioSpec, credential: NamedCredential): ReceiptVerdict {
  const signature = request.headers['x-twilio-signature'];
  if (!signature) return { ok: false, reason: 'unsigned' };
  if (credential.auth.type !== 'basic') return { ok: false, reason: 'bad_signature' };
  const params = new URLSearchParams(request.rawBody);
  if (!safeEqual(twilioSignature(credential.auth.password, request.url, params), signature)) return { ok: false, reason: 'bad_signature' };
  const sid = params.get('MessageSid') ?? params.get('SmsSid');
  const status = params.get('MessageStatus') ?? params.get('SmsStatus');
  const normalised = status ? TWILIO_STATUS[status] : undefined;
  if (!sid || !status || !normalised) return { ok: false, reason: 'malformed' };
  return {
    ok: true,
    receipts: [{ providerMessageId: sid, status: normalised, providerStatus: status, errorCode: params.get('ErrorCode') }],
  };
}
