import type { OtpgateError } from '../../domain/errors.js';
import type { MessageKey, Translator } from '../../i18n/index.js';

const num = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);

const SIMPLE: Partial<Record<OtpgateError['code'], MessageKey>> = {
  code_expired: 'error.code_expired',
  verification_locked: 'error.verification_locked',
  already_used: 'error.already_used',
  verification_not_found: 'error.verification_not_found',
  delivery_failed: 'error.delivery_failed',
  message_limit_exceeded: 'error.message_limit_exceeded',
  country_not_supported: 'error.country_not_supported',
  invalid_phone_number: 'error.invalid_phone_number',
  phone_taken: 'error.phone_taken',
  username_taken: 'error.username_taken',
  user_inactive: 'error.user_inactive',
  user_not_found: 'error.verification_not_found',
  passwordless_disabled: 'error.passwordless_disabled',
  registration_disabled: 'error.registration_disabled',
  no_verified_phone: 'error.no_verified_phone',
  not_found: 'error.not_found',
  site_not_found: 'error.not_found',
  invalid_request: 'error.invalid_request',
  captcha_required: 'error.captcha_required',
  captcha_invalid: 'error.captcha_invalid',
  // A 503 that reaches a page's message is the captcha provider's: a database outage (StoreUnavailable) goes to the error page.
  phone_locked: 'error.phone_locked',
};

/** What a person reads for an error, in their language, with the numbers that tell them what to do next. */
export function problemText(t: Translator, error: OtpgateError, context: 'default' | 'phone_change' = 'default'): string {
  switch (error.code) {
    case 'invalid_code':
      return t.plural('error.invalid_code', num(error.extra.attempts_remaining, 1));
    case 'too_many_requests':
      if (error.extra.limit === 'resend') {
        // Resend waits double up to minutes: "in 480 seconds" reads worse than "in 8 minutes".
        const seconds = num(error.extra.retry_after, 30);
        return seconds < 120 ? t.plural('error.resend_too_soon', seconds) : t.plural('error.resend_wait_minutes', Math.ceil(seconds / 60));
      }
      return t.plural('error.too_many_requests', Math.max(1, Math.ceil(num(error.extra.retry_after, 3600) / 60)));
    case 'too_many_attempts':
      return t.plural('error.too_many_attempts', Math.max(1, Math.ceil(num(error.extra.retry_after, 3600) / 60)));
    case 'service_unavailable':
      return t(error.extra.reason === 'captcha' ? 'error.captcha_unavailable' : 'error.service_unavailable');
    case 'phone_taken':
      return t(context === 'phone_change' ? 'error.phone_taken_other_account' : 'error.phone_taken');
    default: {
      const key = SIMPLE[error.code];
      return t(key ?? 'error.server_error');
    }
  }
}

/** Errors after which the code form is useless: the user must go back to where the number is typed. */
export const RESTART_CODES: ReadonlySet<string> = new Set([
  'verification_not_found',
  'invalid_phone_number',
  'country_not_supported',
  'phone_taken',
  'username_taken',
  'user_inactive',
  'user_not_found',
  'passwordless_disabled',
  'registration_disabled',
  'no_verified_phone',
]);
