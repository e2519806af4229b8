/**
 * Vonage SMS API: `POST /sms/json`, JSON body with Basic api_key:api_secret (as the current SDK sends it). The API
 * answers HTTP 200 for nearly everything; the verdict is `messages[0].status`. It has no idempotency key
 * (`client-ref` only correlates), so a retry after an unclear answer may send twice.
 */
import type { z } from 'zod';
import type { vonageHandlerSchema } from '../../config/provider-schema.js';
import type { DeliveryOutcome } from '../contract.js';
import type { ProviderModule } from './index.js';
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
