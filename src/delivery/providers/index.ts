/**
 * The built-in provider kinds: kind -> its module (a factory and, where the provider sends them, a receipt parser).
 * Adding a kind: its schema in src/config/provider-schema.ts, its module here beside twilio.ts, one line below.
 */
import type { ProviderHandlerSpec, ProviderKind } from '../../config/provider-schema.js';
import type { OneTimePasswordDeliveryHandler } from '../contract.js';
import type { NamedCredential } from '../named-credentials.js';
import type { ReceiptParser, ReceiptRequest, ReceiptVerdict } from './receipts.js';
import { bird } from './bird.js';
import { infobip } from './infobip.js';
import { plivo } from './plivo.js';
import { sinch } from './sinch.js';
import { sns } from './sns.js';
import { telesign } from './telesign.js';
import { twilio } from './twilio.js';
import { vonage } from './vonage.js';

/** What a provider handler may use besides its spec: the receipt URL to hand the provider with each message. */
export interface ProviderServices {
  /**
   * otpgate's receipt endpoint for this site and handler; null when no server.baseUrl is configured. With
   * `tokenFrom` (a named credential with a receiptSecret), the URL carries a token derived from that secret, for
   * providers that sign nothing (receiptToken).
   */
  receiptUrl(siteId: string, handler: string, tokenFrom?: string): string | null;
  /**
   * A named credential itself, for a built-in kind whose SDK signs requests (SNS, SigV4); refused like a callout
   * when the credential is limited to other sites (UnknownNamedCredentialError).
   */
  credential(siteId: string, name: string): NamedCredential;
}

export interface ProviderModule<S extends ProviderHandlerSpec = ProviderHandlerSpec> {
  create(spec: S, services: ProviderServices): OneTimePasswordDeliveryHandler;
  /** Reads the provider's delivery receipts (status callbacks), checking their signature; absent: it sends none. */
  receipt?: ReceiptParser<S>;
}

type Registry = { [K in ProviderKind]: ProviderModule<Extract<ProviderHandlerSpec, { type: K }>> };

export const PROVIDERS: Registry = {
  twilio,
  vonage,
  plivo,
  sinch,
  telesign,
  infobip,
  bird,
  sns,
};

/** Whether a configured handler is one of the built-in provider kinds. */
export function isProviderSpec(spec: { type: string }): spec is ProviderHandlerSpec {
  return Object.hasOwn(PROVIDERS, spec.type);
}

/** The named credential a provider's receipts are checked with: a receipt credential where the kind has one, else the send credential. */
export function receiptCredentialName(spec: ProviderHandlerSpec): string {
  const own = (spec as { receiptCredential?: string }).receiptCredential;
  return own ?? spec.credential;
}

/** The name a provider link has in attempt logs, metrics and its receipt URL. */
export const providerLinkName = (spec: ProviderHandlerSpec): string => spec.name ?? spec.type;

export function createProviderHandler(spec: ProviderHandlerSpec, services: ProviderServices): OneTimePasswordDeliveryHandler {
  return moduleOf(spec).create(spec, services);
}

/** The receipt reader of a provider link, bound to its spec; undefined when the provider sends no receipts. */
export function receiptReaderFor(
  spec: ProviderHandlerSpec,
): ((request: ReceiptRequest, credential: NamedCredential) => ReceiptVerdict | Promise<ReceiptVerdict>) | undefined {
  const parser = moduleOf(spec).receipt;
  return parser && ((request, credential) => parser(request, spec, credential));
}

// Each module takes its own kind's spec; the registry's type pairs them, the lookup by spec.type keeps the pair.
const moduleOf = (spec: ProviderHandlerSpec): ProviderModule => (PROVIDERS as unknown as Record<ProviderKind, ProviderModule>)[spec.type];
