/**
 * Sinch SMS REST API: `POST /xms/v1/{service_plan_id}/batches`, JSON `mt_text` batch, Bearer API token. 201 with
 * the batch (its `id` is what delivery reports carry); errors `{ code, text }`. No idempotency key is documented.
 */
import type { z } from 'zod';
import type { sinchHandlerSchema } from '../../config/provider-schema.js';
import type { DeliveryOutcome } from '../contract.js';
import type { ProviderModule } from './index.js';
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
