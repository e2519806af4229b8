import type { CaptchaProviderApi } from './provider-api.js';
import { isRecord, judgeScoreAndAction, refused } from './provider-api.js';

/**
 * reCAPTCHA Enterprise: `projects.assessments.create`, authenticated with an API key (the configured secret)
 * as `?key=`. The project and site key are the configured ones, never the client's (Salesforce's
 * `recaptchaevent` carries both; trusting them would let a client name a key it controls). A token Google does
 * not accept still answers 200, with `tokenProperties.valid: false` and an `invalidReason`.
 */
export const recaptchaEnterpriseApi: CaptchaProviderApi = {
  request({ settings, token, remoteIp, expectedAction }) {
    const url = new URL(settings.verifyUrl.replace('{projectId}', encodeURIComponent(settings.projectId ?? '')));
    url.searchParams.set('key', settings.secret);
    const event: Record<string, string> = { token, siteKey: settings.siteKey };
    const action = settings.action ?? expectedAction;
    if (action) event.expectedAction = action;
    if (remoteIp) event.userIpAddress = remoteIp;
    return {
      url: url.toString(),
      init: {
        method: 'POST',
        headers: new Headers({ 'content-type': 'application/json; charset=utf-8', accept: 'application/json' }),
        body: JSON.stringify({ event }),
      },
    };
  },
  judge(answer, { settings }) {
    const token = isRecord(answer) && isRecord(answer.tokenProperties) ? answer.tokenProperties : null;
    if (!token || typeof token.valid !== 'boolean') return { outcome: 'unavailable', reason: 'no tokenProperties.valid' };
    if (!token.valid) return refused(`token not valid (${typeof token.invalidReason === 'string' ? token.invalidReason : 'no reason'})`);
    const risk = isRecord(answer) && isRecord(answer.riskAnalysis) ? answer.riskAnalysis : {};
    // A score-based key always reports a score; a missing one is read as the lowest, not as a pass.
    return judgeScoreAndAction(settings, { action: token.action, score: typeof risk.score === 'number' ? risk.score : 0 });
  },
};
