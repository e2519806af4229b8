/**
 * Prometheus metrics of one app (its own registry: two apps in one process count apart). The first metrics are
 * those of the abuse defences (issue 8): what was refused and why, what the site is paying for, and the spend
 * cap's warning. Label values are bounded: configured site ids, fixed limit names, use cases and providers,
 * never a phone number, address or user id.
 */
import { Counter, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
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
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  return {
    registry,
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
  };
}
