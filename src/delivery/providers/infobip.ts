/**
 * Infobip SMS API v2, `POST /sms/2/text/advanced`: JSON, `Authorization: App {api key}` (a named credential of
 * type header). v2 rather than v3 because its validityPeriod (minutes) and notifyUrl are plain fields the
 * reference documents one by one. A 200 can still carry a REJECTED message: the verdict is the message's status.
 *
 * Idempotency: each destination's `messageId` is ours, stable across the retries of one send and new for each send
 * (identifier + expiry); Infobip refuses a second message with the same id (REJECTED_DUPLICATE_MESSAGE_ID), so a
 * retry after a lost answer cannot send twice, and that refusal means the first one went out.
 */
import type { z } from 'zod';
import type { infobipHandlerSchema } from '../../config/provider-schema.js';
import type { DeliveryOutcome, DeliveryRequest, DeliveryResult } from '../contract.js';
import type { ProviderModule } from './index.js';
import type { NamedCredential } from '../named-credentials.js';
import { hasReceiptToken, jsonBody, type ReceiptRequest, type ReceiptStatus, type ReceiptVerdict } from './receipts.js';
import { isRecord, outcomeForStatus, postAndJudge, retryAfterMs } from './response.js';

export type InfobipSpec = z.output<typeof infobipHandlerSchema>;

/** Infobip documents no Retry-After on 429; its limits are per second. */
const THROTTLED_WAIT_MS = 1000;
/** Infobip's validityPeriod is in minutes, at most 48 hours. */
const MAX_VALIDITY_MINUTES = 2880;
const DUPLICATE_MESSAGE_ID = 23;

/** REJECTED status ids that say more than "rejected". */
const REJECTIONS: ReadonlyMap<number, DeliveryResult> = new Map([
  [8, 'INVALID_PHONE_NUMBER'], // PREFIX_MISSING
  [51, 'INVALID_PHONE_NUMBER'], // MISSING_TO
  [52, 'INVALID_PHONE_NUMBER'], // REJECTED_DESTINATION
  [6, 'COUNTRY_BLOCK'], // REJECTED_NETWORK
  [19, 'COUNTRY_BLOCK'], // ROUTE_NOT_AVAILABLE
  [12, 'MESSAGE_LIMIT_EXCEEDED'], // NOT_ENOUGH_CREDITS
  [17, 'MESSAGE_LIMIT_EXCEEDED'], // PREPAID_PACKAGE_EXPIRED
  [20, 'MESSAGE_LIMIT_EXCEEDED'], // FLOODING_FILTER
  [21, 'EXCEPTION'], // SYSTEM_ERROR
]);

/** Our id for the message: the same for every retry of one send, another for the next send of the verification. */
export const infobipMessageId = (request: Pick<DeliveryRequest, 'identifier' | 'expiresAt'>): string =>
  `${request.identifier}-${request.expiresAt.getTime().toString(36)}`;

export const infobip: ProviderModule<InfobipSpec> = {
  create(spec, services) {
    const name = spec.name ?? spec.type;
    const endpoint = `callout:${spec.credential}/sms/2/text/advanced`;
    return {
      async sendOneTimePassword(request, context) {
        // Infobip does not sign delivery reports: the URL carries a token from the receipt credential's secret.
        const notifyUrl = spec.notifyUrl ? services.receiptUrl(request.siteId, name, spec.receiptCredential ?? spec.credential) : null;
        const minutesLeft = Math.ceil((request.expiresAt.getTime() - Date.now()) / 60_000);
        const messageId = infobipMessageId(request);
        const message: Record<string, unknown> = {
          from: spec.from,
          destinations: [{ to: request.phoneNumber.replace(/^\+/, ''), messageId }],
          text: request.defaultText,
          // A code that waits in a queue past its expiry is useless to the user.
          validityPeriod: Math.min(MAX_VALIDITY_MINUTES, Math.max(1, minutesLeft)),
          ...(notifyUrl ? { notifyUrl, notifyContentType: 'application/json' } : {}),
        };
        return postAndJudge('infobip', context, endpoint, { json: { messages: [message] } }, (response, answer) =>
          infobipOutcome(response, answer, messageId),
        );
      },
    };
  },
  receipt: infobipReceipt,
};

function infobipOutcome(response: Response, answer: unknown, messageId: string): DeliveryOutcome {
  if (!response.ok) {
    if (response.status === 429)
      return { result: 'PROVIDER_ERROR', detail: 'infobip HTTP 429', retryAfterMs: retryAfterMs(response) ?? THROTTLED_WAIT_MS };
    return outcomeForStatus('infobip', response, errorCodeOf(answer));
  }
  const first = isRecord(answer) && Array.isArray(answer.messages) ? (answer.messages[0] as unknown) : undefined;
  const status = isRecord(first) && isRecord(first.status) ? first.status : undefined;
  if (!isRecord(first) || !status || typeof status.groupName !== 'string')
    return { result: 'PROVIDER_ERROR', detail: `infobip HTTP ${response.status} without a message status` };
  const id = typeof first.messageId === 'string' ? first.messageId : messageId;
  const statusId = typeof status.id === 'number' ? status.id : -1;
  const detail = `infobip ${status.groupName} ${typeof status.name === 'string' ? status.name : statusId}`;
  if (status.groupName !== 'REJECTED') return { result: 'SUCCESS', providerMessageId: id };
  // Our retry of a send whose first answer was lost: the first one went out, under this id.
  if (statusId === DUPLICATE_MESSAGE_ID) return { result: 'SUCCESS', providerMessageId: messageId, detail };
  return { result: REJECTIONS.get(statusId) ?? 'PROVIDER_ERROR', detail };
}

/** The new error format's `errorCode` (E401, ...) or the legacy `requestError.serviceException.messageId`. */
function errorCodeOf(answer: unknown): string {
  if (!isRecord(answer)) return '';
  if (typeof answer.errorCode === 'string') return answer.errorCode;
  const legacy =
    isRecord(answer.requestError) && isRecord(answer.requestError.serviceException) ? answer.requestError.serviceException : {};
  return typeof legacy.messageId === 'string' ? legacy.messageId : '';
}

/** Infobip status groups -> otpgate's four. */
const INFOBIP_GROUPS: Readonly<Record<string, ReceiptStatus>> = {
  PENDING: 'accepted',
  ACCEPTED: 'accepted',
  DELIVERED: 'delivered',
  UNDELIVERABLE: 'undelivered',
  EXPIRED: 'undelivered',
  REJECTED: 'failed',
};

function infobipReceipt(request: ReceiptRequest, _spec: InfobipSpec, credential: NamedCredential): ReceiptVerdict {
  if (!credential.receiptSecret) return { ok: false, reason: 'bad_signature' };
  const token = hasReceiptToken(request, credential.receiptSecret);
  if (token === 'absent') return { ok: false, reason: 'unsigned' };
  if (!token) return { ok: false, reason: 'bad_signature' };
  const report = jsonBody(request);
  const results = isRecord(report) && Array.isArray(report.results) ? (report.results as unknown[]) : [];
  const receipts = [];
  for (const result of results) {
    const status = isRecord(result) && isRecord(result.status) ? result.status : undefined;
    const group = typeof status?.groupName === 'string' ? status.groupName : '';
    const normalised = INFOBIP_GROUPS[group];
    if (!isRecord(result) || typeof result.messageId !== 'string' || !normalised) return { ok: false, reason: 'malformed' };
    const error =
      isRecord(result.error) && typeof result.error.name === 'string' && result.error.name !== 'NO_ERROR' ? result.error.name : null;
    const providerStatus = typeof status?.name === 'string' ? status.name : group;
    receipts.push({ providerMessageId: result.messageId, status: normalised, providerStatus, errorCode: error });
  }
  if (receipts.length === 0) return { ok: false, reason: 'malformed' };
  return { ok: true, receipts };
}
