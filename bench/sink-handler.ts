/**
 * The benchmark's delivery handler, loaded by the server as a custom module
 * (`{type: module, path: bench/sink-handler.ts, options: {sinkUrl}}`).
 *
 * It does what a real handler does — one HTTP callout per code through `context.callout` — but the
 * "provider" is the bench process's loopback sink, which hands the code to the waiting virtual user.
 */
import type { DeliveryContext, DeliveryOutcome, DeliveryRequest, OneTimePasswordDeliveryHandler } from '../src/delivery/contract.js';

export default function createSinkHandler(options: { sinkUrl?: unknown }): OneTimePasswordDeliveryHandler {
  const sinkUrl = typeof options.sinkUrl === 'string' ? options.sinkUrl : '';
  if (!/^https?:\/\//.test(sinkUrl)) throw new Error('sink-handler: options.sinkUrl (http URL of the bench sink) is required');
  return {
    async sendOneTimePassword(request: DeliveryRequest, context: DeliveryContext): Promise<DeliveryOutcome> {
      const response = await context.callout(sinkUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone: request.phoneNumber, code: request.oneTimePassword, identifier: request.identifier }),
      });
      await response.arrayBuffer(); // drain, so the keep-alive connection is reused
      if (response.ok) return { result: 'SUCCESS', providerMessageId: `sink-${request.identifier}` };
      return { result: 'PROVIDER_ERROR', detail: `sink answered ${response.status}` };
    },
  };
}
