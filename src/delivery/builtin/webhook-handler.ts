import { CompactEncrypt, importJWK } from 'jose';
import type { PublicJwk } from '../../domain/site.js';
import {
  DELIVERY_RESULTS,
  type DeliveryOutcome,
  type DeliveryRequest,
  type DeliveryResult,
  type OneTimePasswordDeliveryHandler,
} from '../contract.js';

export interface WebhookHandlerOptions {
  /** The named credential (type standard-webhooks) holding the endpoint and the signing secrets. */
  credential: string;
  /** Appended to the credential's URL. */
  path?: string | undefined;
  /** When set, the code travels only as a JWE to this key. */
  encryptCodeTo?: PublicJwk | undefined;
}

/** The event type of the delivery request, as Standard Webhooks payloads name theirs. */
export const WEBHOOK_EVENT = 'otp.delivery';

/** Where the code stood in `defaultText` when the code is encrypted: the receiver puts it back after decrypting. */
export const CODE_PLACEHOLDER = '{{oneTimePassword}}';

/**
 * The webhook handler: the delivery request, POSTed as a Standard Webhooks event to the site owner's endpoint
 * (any language), which sends the SMS and answers a delivery result. The signature is added by the named credential
 * (the secrets never reach this code). The message id is one per code sent (messageIdOf), so a receiver can drop a
 * duplicate.
 */
export function createWebhookHandler(options: WebhookHandlerOptions): OneTimePasswordDeliveryHandler {
  const target = `callout:${options.credential}${options.path ?? ''}`;
  // Imported once; a bad key is a configuration error, reported on the first send and by `otpgate handler test`.
  const key = options.encryptCodeTo ? importJWK(options.encryptCodeTo, algOf(options.encryptCodeTo)) : null;
  return {
    async sendOneTimePassword(request, context) {
      const data = key ? await sealed(request, await key, algOf(options.encryptCodeTo!)) : wire(request);
      const body = JSON.stringify({ type: WEBHOOK_EVENT, timestamp: new Date().toISOString(), data });
      const response = await context.callout(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': messageIdOf(request) },
        body,
      });
      return outcomeOf(response);
    },
  };
}

/**
 * One id per code sent, the same on every attempt to deliver it: a retry after a timeout whose first request did
 * arrive is then dropped by the receiver (Standard Webhooks: the id is the idempotency key), and a resend, which
 * keeps the identifier but carries a new code with a new expiry, gets an id of its own instead of being dropped.
 */
export const messageIdOf = (request: DeliveryRequest): string => `msg_${request.identifier}_${request.expiresAt.getTime().toString(36)}`;

const algOf = (jwk: PublicJwk) => (jwk.kty === 'RSA' ? 'RSA-OAEP-256' : 'ECDH-ES');

/** The request as JSON: dates as ISO 8601. */
function wire(request: DeliveryRequest): Record<string, unknown> {
  return { ...request, expiresAt: request.expiresAt.toISOString() };
}

/** The request with the code only inside a compact JWE (and the default text holding a placeholder instead). */
async function sealed(request: DeliveryRequest, key: Awaited<ReturnType<typeof importJWK>>, alg: string): Promise<Record<string, unknown>> {
  const { oneTimePassword, ...rest } = wire(request) as Record<string, unknown> & { oneTimePassword: string };
  const encryptedOneTimePassword = oneTimePassword
    ? await new CompactEncrypt(new TextEncoder().encode(oneTimePassword)).setProtectedHeader({ alg, enc: 'A256GCM' }).encrypt(key)
    : '';
  const defaultText = oneTimePassword ? request.defaultText.split(oneTimePassword).join(CODE_PLACEHOLDER) : request.defaultText;
  return { ...rest, defaultText, encryptedOneTimePassword };
}

const isResult = (value: unknown): value is DeliveryResult =>
  typeof value === 'string' && (DELIVERY_RESULTS as readonly string[]).includes(value);

/** The endpoint's answer as a delivery result; what it says is never copied into logs beyond the result. */
async function outcomeOf(response: Response): Promise<DeliveryOutcome> {
  if (response.status === 429 || response.status >= 500) {
    await response.body?.cancel();
    const header = response.headers.get('retry-after');
    const retryAfter = header === null ? NaN : Number(header);
    return {
      result: 'PROVIDER_ERROR',
      detail: `webhook answered ${response.status}`,
      ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
    };
  }
  if (!response.ok) {
    await response.body?.cancel();
    // 401/403: the receiver refused our signature (a secret out of step); other 4xx: it refused the request.
    return { result: 'EXCEPTION', detail: `webhook refused the request (${response.status})` };
  }
  const answer: unknown = await response.json().catch(() => null);
  const record = answer && typeof answer === 'object' ? (answer as Record<string, unknown>) : {};
  if (!isResult(record.result)) return { result: 'EXCEPTION', detail: 'webhook answer is not a delivery result ({"result":"SUCCESS"})' };
  return {
    result: record.result,
    ...(typeof record.providerMessageId === 'string' ? { providerMessageId: record.providerMessageId } : {}),
    ...(typeof record.retryAfterMs === 'number' ? { retryAfterMs: record.retryAfterMs } : {}),
  };
}
