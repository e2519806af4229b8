import type { CaptchaEndpoint, CaptchaProof } from '../../domain/captcha.js';
import type { Site } from '../../domain/site.js';
import { CAPTCHA_WEB, type CaptchaWidget } from '../pages/captcha-widget.js';
import { field, type FormBody } from './context.js';

/** The widget a hosted page shows for an endpoint: its public part only, and only when the site guards that endpoint. */
export function captchaWidgetFor(site: Site, endpoint: CaptchaEndpoint): CaptchaWidget | null {
  const captcha = site.captcha;
  if (!captcha || !captcha.endpoints.includes(endpoint)) return null;
  return { provider: captcha.provider, siteKey: captcha.siteKey, action: captcha.action };
}

/** The token a hosted form carries, from the field the provider's widget fills (g-recaptcha-response, ...). */
export function captchaProofOfForm(site: Site, body: FormBody | undefined): CaptchaProof {
  return { token: site.captcha ? field(body, CAPTCHA_WEB[site.captcha.provider].field) || null : null };
}
