import type { ProviderHandlerSpec } from '../config/provider-schema.js';
import type { Channel } from './channel.js';
import type { CaptchaSettings } from './captcha.js';
import type { SitePolicies } from './policy.js';
import type { PumpingDefence } from './pumping.js';
import type { SessionPolicy } from './session.js';

/** A site id is also its URL path prefix, so it is restricted to what is safe and unambiguous in a path. */
export const SITE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** First path segments the deployment itself answers (docs, health, metrics, admin, receipts): no site may take one. */
export const RESERVED_SITE_IDS: readonly string[] = ['docs', 'healthz', 'readyz', 'metrics', 'admin', 'receipts', 'api', 'static'];

/** One link of a site's delivery chain (primary first). */
/** What every handler of a chain may set, whatever its kind. */
export interface LinkOptions {
  name?: string;
  /** What the handler sends; absent: sms. */
  channel?: Channel;
  /** Countries (IN) and number prefixes (+91) served; absent: every destination. */
  destinations?: string[];
  /** Longest wait for one attempt, within the send's deadline. */
  timeoutMs?: number;
  /** Circuit breaker settings; false: none; absent: the defaults. */
  breaker?: false | { failures: number; openSeconds: number };
}

/** A public key (JWK) the webhook handler encrypts the code to. */
export interface PublicJwk {
  kty: 'RSA' | 'EC';
  kid?: string | undefined;
  n?: string | undefined;
  e?: string | undefined;
  crv?: string | undefined;
  x?: string | undefined;
  y?: string | undefined;
}

export type HandlerSpec = LinkOptions &
  (
    | { type: 'console' }
    | { type: 'module'; path: string; options?: Record<string, unknown>; credentials?: string[] }
    | { type: 'webhook'; credential: string; path?: string; encryptCodeTo?: PublicJwk | undefined }
    | ({ type: 'http' } & HttpProviderSpec)
    | ProviderHandlerSpec
  );

/** The generic HTTP provider: a request from templates, the answer judged by rules (config/http-provider-schema.ts). */
export interface HttpProviderSpec {
  method: 'POST' | 'PUT' | 'GET';
  url: string;
  headers: Record<string, string>;
  body?: { json: Record<string, unknown> } | { form: Record<string, string> } | undefined;
  success: AnswerRuleSpec;
  /** `result` is one of the delivery results (the config schema checks it). */
  errors: (AnswerRuleSpec & { result: string })[];
  providerMessageId?: string | undefined;
}

export interface AnswerRuleSpec {
  status?: number[] | undefined;
  jsonPointer?: string | undefined;
  equals?: string | number | boolean | undefined;
  bodyContains?: string | undefined;
}

export interface SiteBranding {
  logoUrl?: string;
  primaryColor?: string;
}

/**
 * A tenant: its own users, URL prefix, policy and delivery chain. Its OAuth clients live in the clients
 * repository (the one truth for them), not here. Made only by config/sites.ts, from the site schema.
 */
export interface Site {
  /** Also the URL path prefix: /{id}/services/... */
  id: string;
  name: string;
  enabled: boolean;
  experienceId: string | null;
  /** Locale of messages when the user has none. */
  locale: string;
  /** Country assumed for numbers typed without a +. */
  defaultCountry: string | null;
  passwordlessLoginEnabled: boolean;
  registrationEnabled: boolean;
  /** What the owner of a number that already has an account receives when someone registers it. */
  registrationExistingAccount: 'notice' | 'login_code';
  policies: SitePolicies;
  handlers: HandlerSpec[];
  /** Seconds after a send in which an undelivered receipt fails over to the next handler; 0: never. */
  receiptFailoverSeconds: number;
  /** Module paths of the pluggable user discovery and registration handlers (null: built-in). */
  userDiscoveryHandler: string | null;
  registrationHandler: string | null;
  tokens: {
    accessTokenTtlSeconds: number;
    refreshTokenTtlSeconds: number;
    authorizationCodeTtlSeconds: number;
    refreshGraceSeconds: number;
  };
  branding: SiteBranding;
  /** How long a sign-in on the hosted pages lasts: idle and absolute. */
  session: SessionPolicy;
  secondFactor: SecondFactorPolicy;
  /** Wrong codes allowed per phone, across every verification and use case. */
  guessBudget: { perHour: number; perDay: number; lockAfterConsecutive: number };
  /** Reserved numbers with a fixed code (E.164 -> code): nothing is sent to them. */
  testNumbers: { codes: Readonly<Record<string, string>>; exemptFromLimits: boolean };
  /** Throttles destinations whose codes are sent but not used (SMS pumping). */
  pumpingDefence: PumpingDefence;
  /** The captcha asked for before a code is sent on the endpoints it names (null: none). */
  captcha: CaptchaSettings | null;
}

/** A site may ask a signed-in user for a fresh SMS code before sensitive pages. */
export interface SecondFactorPolicy {
  /** Before the account page and a phone change. */
  account: boolean;
  /** Before a phone change (hosted page and API), even when `account` is off: the phone is what a login needs. */
  phoneChange: boolean;
  /** How long a passed second factor counts as fresh. */
  maxAgeSeconds: number;
}
