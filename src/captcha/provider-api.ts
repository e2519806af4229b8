import type { CaptchaSettings } from '../domain/captcha.js';

/** One captcha check: the site's settings and what the client sent. */
export interface CaptchaCheck {
  settings: CaptchaSettings & { secret: string };
  token: string;
  /** The client's address (RequestMeta.ip), sent as the provider documents (remoteip, userIpAddress). */
  remoteIp: string | null;
  /** reCAPTCHA Enterprise: the action the client says it ran (Salesforce's recaptchaevent.expectedAction). */
  expectedAction: string | null;
}

/** What a check comes to. `unavailable`: the provider could not be asked or answered out of its contract. */
export type CaptchaVerdict = { outcome: 'passed' } | { outcome: 'refused' | 'unavailable'; reason: string };

/** One provider's verify API: the request to send, and what its (2xx, JSON) answer means. */
export interface CaptchaProviderApi {
  request(check: CaptchaCheck): { url: string; init: RequestInit & { headers: Headers } };
  judge(answer: unknown, check: CaptchaCheck): CaptchaVerdict;
}

export const passed: CaptchaVerdict = { outcome: 'passed' };
export const refused = (reason: string): CaptchaVerdict => ({ outcome: 'refused', reason });

/**
 * The score and action rules every provider shares. A configured action must be in the answer and equal: a
 * token made for another action (a newsletter form's, say) must not open this one. A score, when the
 * provider gives one, must reach minScore.
 */
export function judgeScoreAndAction(settings: CaptchaSettings, found: { score?: unknown; action?: unknown }): CaptchaVerdict {
  if (settings.action !== null && found.action !== settings.action)
    return refused(`action ${JSON.stringify(found.action ?? null)} is not ${JSON.stringify(settings.action)}`);
  if (typeof found.score === 'number' && found.score < settings.minScore)
    return refused(`score ${found.score} is below ${settings.minScore}`);
  return passed;
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
