import type { CalloutFetch } from '../delivery/http-client.js';
import type { CaptchaProvider } from '../domain/captcha.js';
import type { CaptchaCheck, CaptchaProviderApi, CaptchaVerdict } from './provider-api.js';
import { recaptchaEnterpriseApi } from './recaptcha-enterprise.js';
import { siteverifyApi } from './siteverify.js';

export type { CaptchaCheck, CaptchaVerdict } from './provider-api.js';

const PROVIDERS: Record<CaptchaProvider, CaptchaProviderApi> = {
  recaptcha: siteverifyApi({ sendSiteKey: false, compareScore: true }),
  recaptcha_enterprise: recaptchaEnterpriseApi,
  hcaptcha: siteverifyApi({ sendSiteKey: true, compareScore: false }),
  turnstile: siteverifyApi({ sendSiteKey: false, compareScore: false }),
};

/** Asks a site's captcha provider whether a token is good. */
export interface CaptchaVerifier {
  verify(check: CaptchaCheck): Promise<CaptchaVerdict>;
}

/** A person waits for this answer before their code is sent; the providers answer in well under a second. */
const TIMEOUT_MS = 5000;

/**
 * The captcha service: one POST per check through the app's HTTP client (the one callouts use), answered as
 * a verdict value. A provider that cannot be reached, times out, answers non-2xx or out of its contract is
 * `unavailable`, never `passed`: the check fails closed.
 */
export function createCaptchaVerifier(options: { fetch: CalloutFetch; timeoutMs?: number }): CaptchaVerifier {
  const timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
  return {
    async verify(check) {
      const api = PROVIDERS[check.settings.provider];
      const { url, init } = api.request(check);
      let answer: unknown;
      try {
        const response = await options.fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
        if (!response.ok) return { outcome: 'unavailable', reason: `HTTP ${response.status}` };
        answer = await response.json();
      } catch (error) {
        return { outcome: 'unavailable', reason: (error as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable or not JSON' };
      }
      return api.judge(answer, check);
    },
  };
}
