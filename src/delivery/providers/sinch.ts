/**
 * Sinch SMS REST API: `POST /xms/v1/{service_plan_id}/batches`, JSON `mt_text` batch, Bearer API token. 201 with
 * the batch (its `id` is what delivery reports carry); errors `{ code, text }`. No idempotency key is documented.
 */
import { createHmac } from 'node:crypto';
import type { z } from 'zod';
import type { sinchHandlerSchema } from '../../config/provider-schema.js';
import type { DeliveryOutcome } from '../contract.js';
import type { ProviderModule } from './index.js';
import type { NamedCredential } from '../named-credentials.js';
import { safeEqual, jsonBody, type ReceiptRequest, type ReceiptStatus, type ReceiptVerdict } from './receipts.js';
import { isRecord, outcomeForStatus, postAndJudge } from './response.js';

export type SinchSpec = z.output<typeof sinchHandlerSchema>;

/** Sinch error codes that concern the destination number. */
const NUMBER_CODES = new Set(['syntax_invalid_parameter_format', 'illegal_number_type']);

export const sinch: ProviderModule<SinchSpec> = {
  create(spec, services) {
    const name = spec.name ?? spec.type;
    const endpoint = `callout:${spec.credential}/xms/v1/${spec.servicePlanId}/batches`;
    return {
      async sendOneTimePassword(request, context) {
        const callback = spec.callbackUrl ? services.receiptUrl(request.siteId, name) : null;
        const body: Record<string, unknown> = {
          type: 'mt_text',
          from: spec.from,
          to: [request.phoneNumber],
          body: request.defaultText,
          // Sinch would hold the batch up to 3 days; a code is useless after it expires.
          expire_at: request.expiresAt.toISOString(),
          client_reference: request.identifier,
          ...(callback ? { callback_url: callback, delivery_report: 'per_recipient_final' } : {}),
        };
        return postAndJudge('sinch', context, endpoint, { json: body }, sinchOutcome);
      },
    };
  },
  receipt: sinchReceipt,
};

function sinchOutcome(response: Response, answer: unknown): DeliveryOutcome {
  if (response.ok) {
    if (isRecord(answer) && typeof answer.id === 'string') return { result: 'SUCCESS', providerMessageId: answer.id };
    return { result: 'PROVIDER_ERROR', detail: `sinch HTTP ${response.status} without a batch id` };
  }
  const code = isRecord(answer) && typeof answer.code === 'string' ? answer.code : '';
  if ((response.status === 400 || response.status === 403) && NUMBER_CODES.has(code))
    return { result: 'INVALID_PHONE_NUMBER', detail: `sinch HTTP ${response.status}: ${code}` };
  return outcomeForStatus('sinch', response, code);
}

/** Sinch delivery report status -> otpgate's four (Queued and Dispatched are on the way). */
const SINCH_STATUS: Readonly<Record<string, ReceiptStatus>> = {
  Queued: 'accepted',
  Dispatched: 'accepted',
  Unknown: 'accepted',
  Delivered: 'delivered',
  Expired: 'undelivered',
  Failed: 'failed',
  Rejected: 'failed',
  Aborted: 'failed',
  Cancelled: 'failed',
  Deleted: 'failed',
};

/** x-sinch-webhook-signature = Base64(HMAC-SHA256(secret, body + "." + nonce + "." + timestamp)). */
export function sinchSignature(secret: string, rawBody: string, nonce: string, timestamp: string): string {
  return createHmac('sha256', secret).update(`${rawBody}.${nonce}.${timestamp}`, 'utf8').digest('base64');
}

function sinchReceipt(request: ReceiptRequest, _spec: SinchSpec, credential: NamedCredential): ReceiptVerdict {
  const { headers } = request;
  const signature = headers['x-sinch-webhook-signature'];
  const nonce = headers['x-sinch-webhook-signature-nonce'];
  const timestamp = headers['x-sinch-webhook-signature-timestamp'];
  if (!signature || !nonce || !timestamp) return { ok: false, reason: 'unsigned' };
  const algorithm = headers['x-sinch-webhook-signature-algorithm'];
  if (!credential.receiptSecret || (algorithm !== undefined && algorithm !== 'HmacSHA256')) return { ok: false, reason: 'bad_signature' };
  if (!safeEqual(sinchSignature(credential.receiptSecret, request.rawBody, nonce, timestamp), signature))
    return { ok: false, reason: 'bad_signature' };
  const report = jsonBody(request);
  if (!isRecord(report) || typeof report.batch_id !== 'string') return { ok: false, reason: 'malformed' };
  // Per recipient (what otpgate asks for) carries one status; a summary report lists them, one recipient here.
  const first = Array.isArray(report.statuses) && isRecord(report.statuses[0]) ? report.statuses[0] : report;
  const status = typeof first.status === 'string' ? first.status : '';
  const normalised = SINCH_STATUS[status];
  if (!normalised) return { ok: false, reason: 'malformed' };
  // The code of a message that did not arrive says why (402 unroutable, ...); the others' codes are just the status.
  const failed = normalised === 'failed' || normalised === 'undelivered';
  const code = failed && (typeof first.code === 'number' || typeof first.code === 'string') ? String(first.code) : null;
  return { ok: true, receipts: [{ providerMessageId: report.batch_id, status: normalised, providerStatus: status, errorCode: code }] };
}
