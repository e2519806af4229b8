import type { CaptchaProvider } from '../../domain/captcha.js';
import { html, type Html } from './html.js';

/** What a page needs to show a captcha: never the secret. */
export interface CaptchaWidget {
  provider: CaptchaProvider;
  siteKey: string;
  action: string | null;
}

interface ProviderWeb {
  script: string;
  /** The element class the provider's script renders its widget into. */
  widgetClass: string;
  /** The form field the widget fills with its token. */
  field: string;
  /** What the content-security-policy must allow for the script, its frames and its calls, and nothing more. */
  origins: string[];
}

const GOOGLE = ['https://www.google.com/recaptcha/', 'https://www.gstatic.com/recaptcha/', 'https://recaptcha.google.com/recaptcha/'];

/** Each provider's documented browser integration (an explicit div; the script renders into it). */
export const CAPTCHA_WEB: Record<CaptchaProvider, ProviderWeb> = {
  recaptcha: {
    script: 'https://www.google.com/recaptcha/api.js',
    widgetClass: 'g-recaptcha',
    field: 'g-recaptcha-response',
    origins: GOOGLE,
  },
  recaptcha_enterprise: {
    script: 'https://www.google.com/recaptcha/enterprise.js',
    widgetClass: 'g-recaptcha',
    field: 'g-recaptcha-response',
    origins: GOOGLE,
  },
  hcaptcha: {
    script: 'https://js.hcaptcha.com/1/api.js',
    widgetClass: 'h-captcha',
    field: 'h-captcha-response',
    origins: ['https://hcaptcha.com', 'https://*.hcaptcha.com'],
  },
  turnstile: {
    script: 'https://challenges.cloudflare.com/turnstile/v0/api.js',
    widgetClass: 'cf-turnstile',
    field: 'cf-turnstile-response',
    origins: ['https://challenges.cloudflare.com'],
  },
};

/** The provider's script and the element it renders the challenge into; the token arrives as CAPTCHA_WEB[p].field. */
export function captchaWidget(widget: CaptchaWidget | null | undefined): Html | null {
  if (!widget) return null;
  const web = CAPTCHA_WEB[widget.provider];
  const action = widget.action ? html` data-action="${widget.action}"` : null;
  return html`<script src="${web.script}" async defer></script>
<div class="${web.widgetClass} captcha" data-sitekey="${widget.siteKey}"${action}></div>`;
}

/** The CSP directives a page with this provider's widget adds: its origins for scripts, frames, calls and styles. */
export function captchaCspDirectives(provider: CaptchaProvider): string {
  const origins = CAPTCHA_WEB[provider].origins.join(' ');
  return `script-src ${origins}; frame-src ${origins}; connect-src ${origins}; style-src 'unsafe-inline' ${origins}`;
}
