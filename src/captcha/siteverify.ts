import type { CaptchaProviderApi } from './provider-api.js';
import { isRecord, judgeScoreAndAction, passed, refused } from './provider-api.js';

/**
 * The "siteverify" API that reCAPTCHA (v2 and v3), hCaptcha and Turnstile share: a form POST of secret,
 * response and remoteip (hCaptcha also takes the sitekey, and checks it belongs to the secret), answered with
 * JSON `{ success, 'error-codes', score?, action? }`. hCaptcha's Enterprise score is a risk score (higher is
 * worse) and is not compared; its `success` already applies the threshold set in the hCaptcha dashboard.
 */
export function siteverifyApi(options: { sendSiteKey: boolean; compareScore: boolean }): CaptchaProviderApi {
  return {
    request({ settings, token, remoteIp }) {
      const form = new URLSearchParams({ secret: settings.secret, response: token });
      if (remoteIp) form.set('remoteip', remoteIp);
      if (options.sendSiteKey) form.set('sitekey', settings.siteKey);
      return {
        url: settings.verifyUrl,
        init: { method: 'POST', headers: new Headers({ accept: 'application/json' }), body: form },
      };
    },
    judge(answer, { settings }) {
      if (!isRecord(answer) || typeof answer.success !== 'boolean') return { outcome: 'unavailable', reason: 'no success field' };
      if (!answer.success) {
        const codes = Array.isArray(answer['error-codes']) ? answer['error-codes'].join(',') : '';
        return refused(`provider said no (${codes || 'no error code'})`);
      }
      const verdict = judgeScoreAndAction(settings, {
        action: answer.action,
        ...(options.compareScore ? { score: answer.score } : {}),
      });
      return verdict.outcome === 'passed' ? passed : verdict;
    },
  };
}
