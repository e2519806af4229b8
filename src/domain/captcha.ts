/** The captcha services a site may use; each has its own verify API (src/captcha/). */
export const CAPTCHA_PROVIDERS = ['recaptcha', 'recaptcha_enterprise', 'hcaptcha', 'turnstile'] as const;
export type CaptchaProvider = (typeof CAPTCHA_PROVIDERS)[number];

/** The init endpoints a captcha can guard (the headless API and the hosted pages of each share the flow). */
export const CAPTCHA_ENDPOINTS = ['passwordless_login', 'self_registration'] as const;
export type CaptchaEndpoint = (typeof CAPTCHA_ENDPOINTS)[number];

/** A site's captcha, as configured. The secret comes from the config only, never from a request. */
export interface CaptchaSettings {
  provider: CaptchaProvider;
  /**
   * The provider's secret key (for reCAPTCHA Enterprise: the Google Cloud API key), from the config only.
   * Null for a stored site the config does not name: its checks fail closed.
   */
  secret: string | null;
  /** The public key the widget is rendered with. */
  siteKey: string;
  /** reCAPTCHA Enterprise: the Google Cloud project that owns the key. */
  projectId: string | null;
  /** Lowest score accepted when the provider answers with one (reCAPTCHA v3, Enterprise, hCaptcha Enterprise). */
  minScore: number;
  /** When set, the action the token must have been made for. */
  action: string | null;
  verifyUrl: string;
  endpoints: CaptchaEndpoint[];
  /** Only once the client has used this share (%) of its address's or network's send limits; null: always. */
  whenNearLimitPercent: number | null;
}

/**
 * What a client sent as proof that a person is asking: a token (null when it sent none), and for reCAPTCHA
 * Enterprise, Salesforce's `recaptchaevent` fields. `server` marks a call of the embedding application
 * (the library API), which no captcha guards: there is no browser to solve one.
 */
export type CaptchaProof = { token: string | null; expectedAction?: string | null } | { server: true };

/** A call from the embedding application's own code (library API), not from a browser or an app. */
export const SERVER_CALL: CaptchaProof = { server: true };
