import type { CaptchaVerdict } from '../captcha/verify-captcha.js';
import type { CaptchaEndpoint, CaptchaProof } from '../domain/captcha.js';
import { OtpgateError } from '../domain/errors.js';
import { slidingCount } from '../domain/rate-window.js';
import { clientCounters } from '../domain/send-limits.js';
import { recordAudit } from './audit-trail.js';
import type { FlowDeps, RequestMeta, Site } from './deps.js';

/**
 * The captcha rule, once for the headless API and the hosted pages: on an endpoint the site's captcha guards,
 * no token is captcha_required and a token the provider refuses (or a low score, or another action) is
 * captcha_invalid, both before anything is sent or stored. A provider that cannot answer is
 * service_unavailable (503): failing closed keeps the SMS budget safe while the provider is down, and telling
 * the person "try again" is true, where "your captcha was wrong" would not be.
 */
type CaptchaDeps = Pick<FlowDeps, 'captcha' | 'logger' | 'store' | 'hasher' | 'clock' | 'metrics'>;

export async function checkCaptcha(
  deps: CaptchaDeps,
  site: Site,
  endpoint: CaptchaEndpoint,
  proof: CaptchaProof,
  meta: RequestMeta,
): Promise<void> {
  const settings = site.captcha;
  if (!settings || !settings.endpoints.includes(endpoint) || 'server' in proof) return;
  if (settings.whenNearLimitPercent !== null && !(await clientNearLimit(deps, site, endpoint, meta.ip, settings.whenNearLimitPercent)))
    return;
  if (!proof.token) throw new OtpgateError('captcha_required');
  const { secret } = settings;
  const verdict: CaptchaVerdict = secret
    ? await deps.captcha.verify({
        settings: { ...settings, secret },
        token: proof.token,
        remoteIp: meta.ip,
        expectedAction: proof.expectedAction ?? null,
      })
    : { outcome: 'unavailable', reason: "no captcha secret for this site in this instance's config" };
  if (verdict.outcome === 'passed') return;
  const fields = { siteId: site.id, endpoint, provider: settings.provider, reason: verdict.reason, requestId: meta.requestId ?? null };
  if (verdict.outcome === 'refused') {
    deps.logger.info(fields, 'captcha refused');
    deps.metrics.captchaFailures.inc({ site: site.id, provider: settings.provider });
    const detail = { endpoint, provider: settings.provider, reason: verdict.reason };
    await recordAudit(deps, site, { type: 'captcha_failed', useCase: endpoint, meta, detail }, deps.clock.now());
    throw new OtpgateError('captcha_invalid');
  }
  deps.logger.warn(fields, 'captcha provider unavailable; nothing sent');
  throw new OtpgateError('service_unavailable', 'The captcha could not be checked; try again in a moment.', { reason: 'captcha' });
}

/**
 * True once the client's address or network has used `percent` of any of its send-limit windows (the counts
 * the send limits keep; nothing is counted here). Without an address (no HTTP request) a captcha is asked.
 */
async function clientNearLimit(
  deps: CaptchaDeps,
  site: Site,
  useCase: CaptchaEndpoint,
  ip: string | null,
  percent: number,
): Promise<boolean> {
  if (!ip) return true;
  const counters = clientCounters(site.policies[useCase].sendLimits, ip);
  const now = deps.clock.now();
  const readings = await deps.store.forSite(site.id).sendCounters.read(counters, now);
  return counters.some((c, i) => (slidingCount(readings[i]!, now.getTime(), c.windowMs) + 1) * 100 > percent * c.limit);
}
