/**
 * The one registry of error codes (OAuth style: snake_case, stable). HTTP answers
 * `{ error, error_description }`; the library API carries the same code in `VerificationResult`.
 * The internal cause may be kept on the error for logs; it is never serialised.
 */
export const ERRORS = {
  invalid_request: { status: 400, message: 'The request is malformed.' },
  invalid_phone_number: { status: 400, message: 'That phone number is not valid.' },
  country_not_supported: { status: 400, message: 'Text messages cannot be sent to that country.' },
  site_not_found: { status: 404, message: 'No such site.' },
  not_found: { status: 404, message: 'Not found.' },
  method_not_allowed: { status: 405, message: 'That method is not allowed here.' },
  registration_disabled: { status: 403, message: 'Self-registration is turned off for this site.' },
  passwordless_disabled: { status: 403, message: 'Passwordless login is turned off for this site.' },
  captcha_required: { status: 400, message: 'This request needs a captcha token (recaptcha).' },
  captcha_invalid: { status: 400, message: 'The captcha was not accepted; solve it again.' },
  unsupported_verification_method: { status: 400, message: 'Only the sms verification method is supported.' },
  username_taken: { status: 409, message: 'That username is already registered.' },
  phone_taken: { status: 409, message: 'That phone number is already registered.' },
  site_exists: { status: 409, message: 'A site with that id already exists.' },
  client_exists: { status: 409, message: 'A client with that id already exists on this site.' },
  key_active: { status: 409, message: 'That key signs tokens now; rotate first, then retire it once its tokens have expired.' },
  key_in_use: { status: 409, message: 'Tokens signed with that key may still be valid; retire it later.' },
  key_not_found: { status: 404, message: 'No signing key with that kid on this site.' },
  too_many_requests: { status: 429, message: 'Too many codes were requested; try again later (see limit and retry_after).' },
  too_many_attempts: { status: 429, message: 'Too many wrong codes for this phone; no code is accepted until the time given.' },
  phone_locked: { status: 429, message: 'Too many wrong codes in a row for this phone; an administrator must unlock it.' },
  message_limit_exceeded: { status: 429, message: 'The site has reached its text message limit; try again later.' },
  delivery_failed: { status: 502, message: 'The code could not be sent; try again later.' },
  invalid_code: { status: 400, message: 'The code is wrong.' },
  code_expired: { status: 400, message: 'The code has expired; ask for a new one.' },
  verification_locked: { status: 400, message: 'Too many wrong codes; ask for a new code.' },
  verification_not_found: { status: 400, message: 'No such verification; start again.' },
  already_used: { status: 400, message: 'That code was already used.' },
  user_not_found: { status: 404, message: 'No such user.' },
  user_inactive: { status: 403, message: 'This user cannot sign in.' },
  no_verified_phone: { status: 400, message: 'The user has no verified phone number.' },
  invalid_client: { status: 401, message: 'Client authentication failed.' },
  invalid_grant: { status: 400, message: 'The authorization grant is invalid, expired or already used.' },
  unauthorized_client: { status: 400, message: 'The client may not use this grant or redirect URI.' },
  unsupported_grant_type: { status: 400, message: 'That grant type is not supported.' },
  unsupported_response_type: { status: 400, message: 'That response type is not supported.' },
  invalid_scope: { status: 400, message: 'The requested scope is not allowed.' },
  invalid_token: { status: 401, message: 'The access token is missing, invalid or expired.' },
  insufficient_scope: { status: 403, message: 'This needs a token of the site’s own app with the api (or full) scope.' },
  step_up_required: { status: 403, message: 'Confirm with a code sent to the current phone first (identity verification).' },
  // OpenID Connect authorization errors; they travel to the app's redirect_uri, not as JSON.
  login_required: { status: 400, message: 'The user is not signed in and prompt=none forbids asking.' },
  consent_required: { status: 400, message: 'The user has not allowed this app yet and prompt=none forbids asking.' },
  access_denied: { status: 400, message: 'The user did not allow the app.' },
  request_not_supported: { status: 400, message: 'The request parameter (a request object) is not supported.' },
  request_uri_not_supported: { status: 400, message: 'The request_uri parameter is not supported.' },
  // Delivery receipts (status callbacks) from SMS providers.
  receipt_unauthenticated: { status: 401, message: 'The receipt is unsigned, or its signature does not check.' },
  handler_not_found: { status: 404, message: 'This site has no delivery handler by that name that sends receipts.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'That content type is not accepted here.' },
  service_unavailable: { status: 503, message: 'The service is briefly unavailable; try again.' },
  key_encryption_failed: { status: 500, message: 'A signing key could not be decrypted with the configured key-encryption keys.' },
  server_error: { status: 500, message: 'Something went wrong on our side.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class OtpgateError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    /** Replaces the registry's message when the caller can say something more useful. */
    description?: string,
    /** Extra fields that are safe to show (e.g. retry_after, attempts_remaining). */
    readonly extra: Record<string, string | number | readonly string[]> = {},
    options?: { cause?: unknown },
  ) {
    super(description ?? ERRORS[code].message, options);
    this.status = ERRORS[code].status;
  }
}

export function isOtpgateError(value: unknown): value is OtpgateError {
  return value instanceof OtpgateError;
}
