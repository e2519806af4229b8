/**
 * MessageBird's REST API (Bird's SMS API generation 1): `POST /messages`, JSON, `Authorization: AccessKey {key}`.
 * Chosen over Bird's Channels API (a workspace and channel per sender, receipts only through account-wide webhook
 * subscriptions) and the 2026 `/v1/sms` API (too new to have a settled contract): it takes a per-message
 * `reportUrl`, and its receipts are signed (`MessageBird-Signature-JWT`). 201 with the message `id`; errors
 * `{ errors: [{ code, description, parameter }] }`. No idempotency key.
 */
import { createHash } from 'node:crypto';
import { jwtVerify } from 'jose';
import type { z } from 'zod';
import type { birdHandlerSchema } from '../../config/provider-schema.js';
import type { DeliveryOutcome } from '../contract.js';
import type { ProviderModule } from './index.js';
import type { NamedCredential } from '../named-credentials.js';
import type { ReceiptRequest, ReceiptStatus, ReceiptVerdict } from './receipts.js';
import { isRecord, outcomeForStatus, postAndJudge } from './response.js';

export type BirdSpec = z.output<typeof birdHandlerSchema>;

/** MessageBird's validity is in seconds; a code is useless after it expires. */
const MIN_VALIDITY_SECONDS = 30;

export const bird: ProviderModule<BirdSpec> = {
  create(spec, services) {
    const name = spec.name ?? spec.type;
    const endpoint = `callout:${spec.credential}/messages`;
    return {
      async sendOneTimePassword(request, context) {
        const reportUrl = spec.reportUrl ? services.receiptUrl(request.siteId, name) : null;
        const body: Record<string, unknown> = {
          originator: spec.from,
          body: request.defaultText,
          recipients: [request.phoneNumber.replace(/^\+/, '')],
          datacoding: 'auto',
          validity: Math.max(MIN_VALIDITY_SECONDS, Math.ceil((request.expiresAt.getTime() - Date.now()) / 1000)),
          // MessageBird calls reportUrl only for messages with a reference.
          reference: request.identifier,
          ...(reportUrl ? { reportUrl } : {}),
        };
        return postAndJudge('bird', context, endpoint, { json: body }, birdOutcome);
      },
    };
  },
  receipt: birdReceipt,
};

function birdOutcome(response: Response, answer: unknown): DeliveryOutcome {
  const first = isRecord(answer) && Array.isArray(answer.errors) && isRecord(answer.errors[0]) ? answer.errors[0] : undefined;
  const code = typeof first?.code === 'number' ? first.code : undefined;
  if (response.ok) {
    if (isRecord(answer) && typeof answer.id === 'string') return { result: 'SUCCESS', providerMessageId: answer.id };
    return { result: 'PROVIDER_ERROR', detail: `bird HTTP ${response.status} without a message id` };
  }
  // (#9) no (correct) recipients found: the number.
  if (code === 9) return { result: 'INVALID_PHONE_NUMBER', detail: `bird HTTP ${response.status} error 9: no correct recipients` };
  if (code === 25) return { result: 'MESSAGE_LIMIT_EXCEEDED', detail: `bird HTTP ${response.status} error 25: not enough balance` };
  return outcomeForStatus('bird', response, code === undefined ? '' : `error ${code}`);
}

/** MessageBird recipient statuses -> otpgate's four. */
const BIRD_STATUS: Readonly<Record<string, ReceiptStatus>> = {
  scheduled: 'accepted',
  sent: 'accepted',
  buffered: 'accepted',
  delivered: 'delivered',
  expired: 'undelivered',
  delivery_failed: 'failed',
};

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * `MessageBird-Signature-JWT`: an HS256/384/512 JWT signed with the account's signing key, issuer MessageBird,
 * with `url_hash` (SHA-256 of the URL called) and, when there is a body, `payload_hash`; a few seconds of clock
 * tolerance. The receipt itself is a GET: id, reference, recipient, status, statusDatetime in the query string.
 */
async function birdReceipt(request: ReceiptRequest, _spec: BirdSpec, credential: NamedCredential): Promise<ReceiptVerdict> {
  const token = request.headers['messagebird-signature-jwt'];
  if (!token) return { ok: false, reason: 'unsigned' };
  if (!credential.receiptSecret) return { ok: false, reason: 'bad_signature' };
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(credential.receiptSecret), {
      issuer: 'MessageBird',
      algorithms: ['HS256', 'HS384', 'HS512'],
      clockTolerance: 5,
    });
    if (payload.url_hash !== sha256Hex(request.url)) return { ok: false, reason: 'bad_signature' };
    if (request.rawBody ? payload.payload_hash !== sha256Hex(request.rawBody) : payload.payload_hash !== undefined)
      return { ok: false, reason: 'bad_signature' };
  } catch {
    return { ok: false, reason: 'bad_signature' };
  }
  const query = new URL(request.url).searchParams;
  const id = query.get('id');
  const status = query.get('status');
  const normalised = status ? BIRD_STATUS[status] : undefined;
  if (!id || !status || !normalised) return { ok: false, reason: 'malformed' };
  const error = query.get('statusErrorCode');
  return { ok: true, receipts: [{ providerMessageId: id, status: normalised, providerStatus: status, errorCode: error || null }] };
}
