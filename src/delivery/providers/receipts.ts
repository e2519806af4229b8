/**
 * Delivery receipts as a provider module reads them: the raw callback in, after its signature or credential is
 * checked as the provider documents, the statuses out, normalised to otpgate's four.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NamedCredential } from '../named-credentials.js';

export const RECEIPT_STATUSES = ['accepted', 'delivered', 'undelivered', 'failed'] as const;
export type ReceiptStatus = (typeof RECEIPT_STATUSES)[number];

/** The callback exactly as it arrived: the signature covers the public URL and the raw body. */
export interface ReceiptRequest {
  /** The public URL the provider called (server.baseUrl + path + query), as the provider signed it. */
  url: string;
  method: string;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | undefined>>;
  rawBody: string;
}

export interface NormalisedReceipt {
  providerMessageId: string;
  status: ReceiptStatus;
  /** The provider's own status word and error code, for support. */
  providerStatus: string;
  errorCode: string | null;
}

export type ReceiptVerdict =
  { ok: true; receipts: NormalisedReceipt[] } | { ok: false; reason: 'unsigned' | 'bad_signature' | 'malformed' };

/** What a provider module exports to read its receipts; `credential` is the handler's named credential. */
export type ReceiptParser<S> = (request: ReceiptRequest, spec: S, credential: NamedCredential) => ReceiptVerdict | Promise<ReceiptVerdict>;

/** Constant-time equality of two strings (a length difference is not secret). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * For providers that do not sign their callbacks: a token in the receipt URL, HMAC-SHA256 of `site/handler` under
 * the credential's receiptSecret (base64url). Only someone who saw a URL otpgate sent to the provider knows it.
 */
export function receiptToken(secret: string, siteId: string, handler: string): string {
  return createHmac('sha256', secret).update(`${siteId}/${handler}`, 'utf8').digest('base64url');
}

/** Whether a receipt's URL carries the right token for the site and handler its path names. */
export function hasReceiptToken(request: ReceiptRequest, secret: string): boolean | 'absent' {
  const url = new URL(request.url);
  const token = url.searchParams.get('token');
  if (!token) return 'absent';
  const [siteId, , handler] = url.pathname.split('/').slice(-3).map(decodeURIComponent);
  return safeEqual(receiptToken(secret, siteId ?? '', handler ?? ''), token);
}

/** A receipt's body as JSON, or undefined when it is not JSON (the receipt is then malformed). */
export function jsonBody(request: Pick<ReceiptRequest, 'rawBody'>): unknown {
  try {
    return JSON.parse(request.rawBody) as unknown;
  } catch {
    return undefined;
  }
}
