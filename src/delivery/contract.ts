/**
 * The delivery handler contract (DESIGN §4.1). Handler authors code against the method name, the
 * request's field names and the result values; treat them as a public API.
 *
 * @example
 * export default {
 *   async sendOneTimePassword(request, context) {
 *     const res = await context.callout('callout:My_Provider/messages', {
 *       method: 'POST',
 *       body: JSON.stringify({ to: request.phoneNumber, text: request.defaultText }),
 *     });
 *     return res.ok ? 'SUCCESS' : 'PROVIDER_ERROR';
 *   },
 * } satisfies OneTimePasswordDeliveryHandler;
 */

export const DELIVERY_RESULTS = [
  'SUCCESS',
  'PROVIDER_ERROR',
  'INVALID_PHONE_NUMBER',
  'COUNTRY_BLOCK',
  'MESSAGE_LIMIT_EXCEEDED',
  'EXCEPTION',
] as const;

export type DeliveryResult = (typeof DELIVERY_RESULTS)[number];

export interface DeliveryOutcome {
  result: DeliveryResult;
  /** The provider's id for the message, recorded with the attempt (for receipts and support). */
  providerMessageId?: string;
  /** A provider's hint (e.g. HTTP 429 Retry-After) that overrides the dispatcher's backoff. */
  retryAfterMs?: number;
  /** A short reason for the attempt log. Never put the code here; it is redacted anyway. */
  detail?: string;
}

import type { Channel } from '../domain/channel.js';
import type { UseCase } from '../domain/use-case.js';
export type { Channel, UseCase };

export interface DeliveryRequest {
  /** The user's id; for self-registration, the id the user will get once the code is verified. */
  userId: string;
  /** E.164, e.g. +14155550101. Not necessarily verified yet (registration, phone change). */
  phoneNumber: string;
  oneTimePassword: string;
  /** The default message, already rendered in `locale`. */
  defaultText: string;
  siteId: string;
  experienceId: string | null;
  /** Why it is sent; `phone_change_notice` is a notice (no code) to the number a phone change replaced. */
  useCase: UseCase | 'phone_change_notice';
  locale: string;
  /** The verification identifier: stable across retries and resends, use it as the idempotency key. */
  identifier: string;
  /** 1 for the first try of this handler for this send, 2 for its first retry, ... */
  attempt: number;
  expiresAt: Date;
  /** sms, or the second channel (voice, whatsapp) the user chose after SMS failed; a handler serves one channel. */
  channel: Channel;
  ip: string | null;
  userAgent: string | null;
}

export interface DeliveryLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface DeliveryContext {
  /**
   * fetch() with two additions: a URL `callout:NAME/path` is resolved through the named credential NAME
   * (base URL + authentication added for you), and the dispatcher's deadline is applied.
   */
  callout(url: string, init?: RequestInit): Promise<Response>;
  /** Aborts when the delivery deadline passes; pass it to anything else you await. */
  signal: AbortSignal;
  /** A logger that redacts the one-time password wherever it appears. */
  log: DeliveryLog;
}

export interface OneTimePasswordDeliveryHandler {
  sendOneTimePassword(request: DeliveryRequest, context: DeliveryContext): Promise<DeliveryResult | DeliveryOutcome>;
}
