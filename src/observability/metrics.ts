/**
 * Prometheus metrics of one app (its own registry: two apps in one process count apart): requests, the
 * verifications' outcomes, delivery attempts and their latency, and the abuse defences (what was refused and
 * why, what the site is paying for, the spend cap's warning). Label values are bounded: route patterns,
 * configured site ids and handler names, fixed outcome, limit, use case and provider names; never a phone
 * number, an address or a user id.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  /** Requests answered, by route pattern (not the URL: a path can hold anything), method and status. */
  httpRequests: Counter<'route' | 'method' | 'status'>;
  /** Code submissions, by outcome: verified, or the error code (invalid_code, code_expired, verification_locked, ...). */
  verifications: Counter<'site' | 'use_case' | 'outcome'>;
  /** Delivery attempts by handler, result (SUCCESS, PROVIDER_ERROR, ...) and country (ISO 3166), and how long each took. */
  deliveryAttempts: Counter<'site' | 'handler' | 'result' | 'country'>;
  deliverySeconds: Histogram<'site' | 'handler'>;
  /** Codes issued, by whether an SMS went out (an unknown login hint, a test number: no). */
  codesSent: Counter<'site' | 'use_case' | 'delivered'>;
  /** Sends refused by a send limit, by the limit's name (ip, ip_range, phone, prefix, site, resend). */
  sendRefusals: Counter<'site' | 'limit'>;
  /** A site window crossing 80 % of its send cap. */
  siteCapNear: Counter<'site' | 'window'>;
  /** Destinations the pumping defence throttled (or, in monitor mode, recorded). */
  destinationsJudged: Counter<'site' | 'kind' | 'mode'>;
  /** Captcha tokens the provider refused. */
  captchaFailures: Counter<'site' | 'provider'>;
  breakerChanges: Counter<'site' | 'handler' | 'state'>;
  /** How long database queries took, by dialect and first keyword (select, insert, update, delete, other). */
  dbQuerySeconds: Histogram<'dialect' | 'operation'>;
  /** Delivery receipts by outcome: the normalised status, or why one was refused or ignored. */
  deliveryReceipts: Counter<'site' | 'handler' | 'outcome'>;
}

/**
 * `nodeDefaults`: also Node's own (event-loop lag, heap, CPU), when something scrapes them. `pool`: the database
 * pool's connections (total, idle, waiting), read at each scrape.
 */
export function createMetrics(options: {
  nodeDefaults: boolean;
  pool?: () => { total: number; idle: number; waiting: number } | undefined;
}): Metrics {
  const registry = new Registry();
  if (options.nodeDefaults) collectDefaultMetrics({ register: registry });
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  if (options.pool) {
    const read = options.pool;
    new Gauge({
      name: 'otpgate_db_pool_connections',
      help: "The database pool's connections by state (total, idle; waiting: requests queued for one).",
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const now = read();
        if (!now) return;
        this.set({ state: 'total' }, now.total);
        this.set({ state: 'idle' }, now.idle);
        this.set({ state: 'waiting' }, now.waiting);
      },
    });
  }
  return {
    registry,
    httpRequests: counter('otpgate_http_requests_total', 'Requests answered, by route pattern, method and status.', [
      'route',
      'method',
      'status',
    ]),
    verifications: counter('otpgate_verifications_total', 'Code submissions by outcome (verified, or the error code).', [
      'site',
      'use_case',
      'outcome',
    ]),
    deliveryAttempts: counter('otpgate_delivery_attempts_total', 'Delivery attempts by handler, result and destination country.', [
      'site',
      'handler',
      'result',
      'country',
    ]),
    deliverySeconds: new Histogram({
      name: 'otpgate_delivery_attempt_seconds',
      help: 'How long one delivery attempt (a handler call) took.',
      labelNames: ['site', 'handler'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers: [registry],
    }),
    codesSent: counter('otpgate_codes_sent_total', 'Codes issued; delivered="false" for unknown login hints and test numbers.', [
      'site',
      'use_case',
      'delivered',
    ]),
    sendRefusals: counter('otpgate_send_refusals_total', 'Sends refused by a send limit (429 too_many_requests), by limit.', [
      'site',
      'limit',
    ]),
    siteCapNear: counter('otpgate_site_send_cap_near_total', "Times a site's send window crossed 80 % of its cap.", ['site', 'window']),
    destinationsJudged: counter(
      'otpgate_destinations_throttled_total',
      'Destinations judged as SMS pumping (mode="throttle": refused for a while; "monitor": recorded only).',
      ['site', 'kind', 'mode'],
    ),
    captchaFailures: counter('otpgate_captcha_failures_total', 'Captcha tokens the provider refused.', ['site', 'provider']),
    dbQuerySeconds: new Histogram({
      name: 'otpgate_db_query_seconds',
      help: 'How long database queries took (for SQLite, writes include waiting for their group commit).',
      labelNames: ['dialect', 'operation'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    deliveryReceipts: counter(
      'otpgate_delivery_receipts_total',
      'Delivery receipts by outcome: a status (accepted, delivered, undelivered, failed), repeat, unknown_message, or why refused.',
      ['site', 'handler', 'outcome'],
    ),
    breakerChanges: counter('otpgate_delivery_circuit_changes_total', "A handler's circuit breaker opening or closing (per instance).", [
      'site',
      'handler',
      'state',
    ]),
  };
}
