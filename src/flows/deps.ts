import type { CaptchaVerifier } from '../captcha/verify-captcha.js';
import type { CodeHasher } from '../crypto/code-hasher.js';
import type { ChainResolver } from '../delivery/chain.js';
import type { DeliverySettings } from '../delivery/dispatcher.js';
import type { CalloutFetch } from '../delivery/http-client.js';
import type { NamedCredentials } from '../delivery/named-credentials.js';
import type { BaseLogger } from '../delivery/safe-log.js';
import type { Clock, Timers } from '../domain/clock.js';
import type { Store } from '../domain/repositories.js';
import type { Site } from '../domain/site.js';
import type { DeliveryTiming } from './delivery-timing.js';
import type { Metrics } from '../observability/metrics.js';
import type { Tracer } from '@opentelemetry/api';
import type { SendGuards } from './send-guards.js';
import type { SiteHooks } from './site-hooks.js';

/** Everything the flows need, built once by the app. */
export interface FlowDeps {
  store: Store;
  clock: Clock;
  hasher: CodeHasher;
  chains: ChainResolver;
  hooks: SiteHooks;
  credentials: NamedCredentials;
  /** The app's HTTP client for callouts (createHttpClient); the app closes it. */
  calloutFetch: CalloutFetch;
  deliverySettings: DeliverySettings;
  /** Asks a site's captcha provider about a token (createCaptchaVerifier, over calloutFetch's client). */
  captcha: CaptchaVerifier;
  /** Delivery deadlines, backoff and jitter; and the pad of unknown login hints. */
  timers: Timers;
  /** How long this app's recent deliveries took, per site (createDeliveryTiming). */
  deliveryTiming: DeliveryTiming;
  /** Throttled destinations and locked phones, as sends see them (createSendGuards). */
  guards: SendGuards;
  logger: BaseLogger;
  /** This app's counters (observability/metrics.ts). */
  metrics: Metrics;
  /** Host name for the WebOTP line of the default text. */
  publicHost: string;
  /** Spans for flows and delivery attempts when tracing is on (observability/tracing.ts); null: off, nothing wrapped. */
  tracer: Tracer | null;
}

/** Who is asking: passed to handlers (rate decisions, fraud checks) and never required. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  /** For the audit log; absent outside HTTP. */
  requestId?: string | null;
}

export const noMeta: RequestMeta = { ip: null, userAgent: null };

export type { Site };
