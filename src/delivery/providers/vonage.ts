/**
 * Vonage SMS API: `POST /sms/json`, JSON body with Basic api_key:api_secret (as the current SDK sends it). The API
 * answers HTTP 200 for nearly everything; the verdict is `messages[0].status`. It has no idempotency key
 * (`client-ref` only correlates), so a retry after an unclear answer may send twice.
 */
import { createHash, createHmac } from 'node:crypto';
import type { z } from 'zod';
import type { vonageHandlerSchema } from '../../config/provider-schema.js';
import type { DeliveryOutcome } from '../contract.js';
import type { ProviderModule } from './index.js';
import type { NamedCredential } from '../named-credentials.js';
import { safeEqual, type ReceiptRequest, type ReceiptStatus, type ReceiptVerdict } from './receipts.js';
import { isRecord, outcomeForStatus, postAndJudge, retryAfterMs } from './response.js';

export type VonageSpec = z.output<typeof vonageHandlerSchema>;

/** Status 1 (throttled) carries no Retry-After; the default limit is 30 requests per second per key. */
const THROTTLED_WAIT_MS = 1000;
const GSM_SAFE = /^[\x20-\x7E\n\r]*$/;

export const vonage: ProviderModule<VonageSpec> = {
  create(spec, services) {
    const name = spec.name ?? spec.type;
    return {
      async sendOneTimePassword(request, context) {
        const callback = spec.statusReport ? services.receiptUrl(request.siteId, name) : null;
        const body: Record<string, unknown> = {
          from: spec.from.replace(/^\+/, ''),
          to: request.phoneNumber.replace(/^\+/, ''),
          text: request.defaultText,
          // Non-GSM text sent as `text` arrives garbled; unicode costs more segments, so only when needed.
          type: GSM_SAFE.test(request.defaultText) ? 'text' : 'unicode',
          ...(callback ? { callback, 'status-report-req': true } : {}),
        };
        return postAndJudge('vonage', context, `callout:${spec.credential}/sms/json`, { json: body }, vonageOutcome);
      },
    };
  },
  receipt: vonageReceipt,
};

function vonageOutcome(response: Response, answer: unknown): DeliveryOutcome {
  if (!response.ok) return outcomeForStatus('vonage', response, '');
  const first = isRecord(answer) && Array.isArray(answer.messages) ? (answer.messages[0] as unknown) : undefined;
  if (!isRecord(first) || typeof first.status !== 'string') return { result: 'PROVIDER_ERROR', detail: 'vonage: answer without a status' };
  const status = first.status;
  // Codes only: Vonage's error-text may quote the number.
  const detail = `vonage status ${status}`;
  if (status === '0' && typeof first['message-id'] === 'string') return { result: 'SUCCESS', providerMessageId: first['message-id'] };
  if (status === '6' || status === '33') return { result: 'INVALID_PHONE_NUMBER', detail };
  if (status === '4' || status === '8' || status === '14')
    return { result: 'EXCEPTION', detail: `configuration: auth refused (${detail})` };
  if (status === '1')
    return { result: 'PROVIDER_ERROR', detail: `${detail}: throttled`, retryAfterMs: retryAfterMs(response) ?? THROTTLED_WAIT_MS };
  return { result: 'PROVIDER_ERROR', detail };
}

/** Vonage DLR `status` -> otpgate's four; buffered and unknown are not a final word. */
const VONAGE_STATUS: Readonly<Record<string, ReceiptStatus>> = {
  accepted: 'accepted',
  buffered: 'accepted',
  unknown: 'accepted',
  delivered: 'delivered',
  expired: 'undelivered',
  failed: 'failed',
  rejected: 'failed',
};

/**
 * Vonage's signed-request `sig`: every other parameter sorted by name as `&name=value` (with `&` and `=` in values
 * turned into `_`); `md5hash` appends the signature secret and takes MD5, the others are an HMAC with it; hex.
 */
export function vonageSignature(params: Readonly<Record<string, string>>, secret: string, method: VonageSpec['receiptSignature']): string {
  const data = Object.keys(params)
    .filter((name) => name !== 'sig')
    .sort()
    .map((name) => `&${name}=${params[name]!.replace(/[&=]/g, '_')}`)
    .join('');
  if (method === 'md5hash')
    return createHash('md5')
      .update(data + secret, 'utf8')
      .digest('hex');
  return createHmac(method, secret).update(data, 'utf8').digest('hex');
}

/** A DLR's parameters, however the account delivers them: query string (GET), form or JSON body (POST). */
function dlrParams(request: ReceiptRequest): Record<string, string> | null {
  const params: Record<string, string> = Object.fromEntries(new URL(request.url).searchParams);
  const type = request.headers['content-type'] ?? '';
  if (!request.rawBody) return params;
  if (type.startsWith('application/json')) {
    let body: unknown;
    try {
      body = JSON.parse(request.rawBody);
    } catch {
      return null;
    }
    if (!isRecord(body)) return null;
    for (const [name, value] of Object.entries(body))
      if (typeof value === 'string' || typeof value === 'number') params[name] = String(value);
    return params;
  }
  return { ...params, ...Object.fromEntries(new URLSearchParams(request.rawBody)) };
}

function vonageReceipt(request: ReceiptRequest, spec: VonageSpec, credential: NamedCredential): ReceiptVerdict {
  const params = dlrParams(request);
  if (!params) return { ok: false, reason: 'malformed' };
  const signature = params.sig;
  if (!signature) return { ok: false, reason: 'unsigned' };
  // Without the account's signature secret nothing can be checked, so nothing is believed.
  if (!credential.receiptSecret) return { ok: false, reason: 'bad_signature' };
  const expected = vonageSignature(params, credential.receiptSecret, spec.receiptSignature);
  if (!safeEqual(expected, signature.toLowerCase())) return { ok: false, reason: 'bad_signature' };
  const id = params.messageId;
  const status = params.status;
  const normalised = status ? VONAGE_STATUS[status] : undefined;
  if (!id || !status || !normalised) return { ok: false, reason: 'malformed' };
  const error = params['err-code'];
  return {
    ok: true,
    receipts: [{ providerMessageId: id, status: normalised, providerStatus: status, errorCode: error && error !== '0' ? error : null }],
  };
}
