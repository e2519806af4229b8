/**
 * Plivo Message API: `POST /v1/Account/{auth_id}/Message/` (trailing slash), JSON body, Basic auth_id:auth_token.
 * 202 with `message_uuid: [id]`; errors `{ api_id, error }`. No idempotency key is documented.
 */
import { createHmac } from 'node:crypto';
import type { z } from 'zod';
import type { plivoHandlerSchema } from '../../config/provider-schema.js';
import type { DeliveryOutcome } from '../contract.js';
import type { ProviderModule } from './index.js';
import type { NamedCredential } from '../named-credentials.js';
import { safeEqual, type ReceiptRequest, type ReceiptStatus, type ReceiptVerdict } from './receipts.js';
import { isRecord, outcomeForStatus, postAndJudge } from './response.js';

export type PlivoSpec = z.output<typeof plivoHandlerSchema>;

export const plivo: ProviderModule<PlivoSpec> = {
  create(spec, services) {
    const name = spec.name ?? spec.type;
    const endpoint = `callout:${spec.credential}/v1/Account/${spec.authId}/Message/`;
    return {
      async sendOneTimePassword(request, context) {
        const callback = spec.statusCallback ? services.receiptUrl(request.siteId, name) : null;
        const body: Record<string, unknown> = {
          ...(spec.powerpackUuid ? { powerpack_uuid: spec.powerpackUuid } : { src: spec.from }),
          dst: request.phoneNumber.replace(/^\+/, ''),
          text: request.defaultText,
          type: 'sms',
          ...(callback ? { url: callback, method: 'POST' } : {}),
        };
        return postAndJudge('plivo', context, endpoint, { json: body }, plivoOutcome);
      },
    };
  },
  receipt: plivoReceipt,
};

function plivoOutcome(response: Response, answer: unknown): DeliveryOutcome {
  if (response.ok) {
    const ids = isRecord(answer) && Array.isArray(answer.message_uuid) ? answer.message_uuid : [];
    if (typeof ids[0] === 'string') return { result: 'SUCCESS', providerMessageId: ids[0] };
    // A multi-destination send lists rejected numbers in invalid_number; ours has one destination.
    if (isRecord(answer) && answer.invalid_number !== undefined) return { result: 'INVALID_PHONE_NUMBER', detail: 'plivo: invalid_number' };
    return { result: 'PROVIDER_ERROR', detail: `plivo HTTP ${response.status} without a message_uuid` };
  }
  const error = isRecord(answer) && typeof answer.error === 'string' ? answer.error : '';
  // Plivo's 400 names the parameter it refused; a refused `dst` is the number.
  if (response.status === 400 && /\bdst\b|destination/i.test(error))
    return { result: 'INVALID_PHONE_NUMBER', detail: 'plivo HTTP 400: invalid dst' };
  return outcomeForStatus('plivo', response, '');
}

/** Plivo message Status -> otpgate's four. */
const PLIVO_STATUS: Readonly<Record<string, ReceiptStatus>> = {
  queued: 'accepted',
  sent: 'accepted',
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  rejected: 'failed',
};

/** X-Plivo-Signature-V2 = Base64(HMAC-SHA256(auth token, callback URL without its query + nonce)), as Plivo signs messaging callbacks. */
export function plivoSignature(authToken: string, url: string, nonce: string): string {
  const parsed = new URL(url);
  return createHmac('sha256', authToken)
    .update(parsed.origin + parsed.pathname + nonce, 'utf8')
    .digest('base64');
}

function plivoReceipt(request: ReceiptRequest, _spec: PlivoSpec, credential: NamedCredential): ReceiptVerdict {
  const signature = request.headers['x-plivo-signature-v2'];
  const nonce = request.headers['x-plivo-signature-v2-nonce'];
  if (!signature || !nonce) return { ok: false, reason: 'unsigned' };
  if (credential.auth.type !== 'basic' || !safeEqual(plivoSignature(credential.auth.password, request.url, nonce), signature))
    return { ok: false, reason: 'bad_signature' };
  // V2 signs the URL and nonce only, not the body: a receipt replayed with changed fields would pass, so the
  // statuses read here are as trustworthy as TLS to this endpoint makes them.
  const params = new URLSearchParams(request.rawBody);
  const id = params.get('MessageUUID');
  const status = params.get('Status');
  const normalised = status ? PLIVO_STATUS[status] : undefined;
  if (!id || !status || !normalised) return { ok: false, reason: 'malformed' };
  const errorCode = params.get('ErrorCode');
  return { ok: true, receipts: [{ providerMessageId: id, status: normalised, providerStatus: status, errorCode: errorCode || null }] };
}
