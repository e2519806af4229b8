import { OtpgateError } from '../domain/errors.js';

/** OAuth request parameters by name; an empty value counts as absent (RFC 6749 §3.1). */
export type OAuthParams = Readonly<Record<string, string | undefined>>;

/**
 * The one reader of OAuth parameters (query or form body, merged by the caller). RFC 6749 §3.1: a
 * parameter must not appear more than once, so anything but a single string is refused, never guessed at.
 */
export function readOAuthParams(...sources: unknown[]): OAuthParams {
  const params: Record<string, string> = {};
  for (const source of sources) {
    if (source === null || source === undefined) continue;
    for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
      if (typeof value !== 'string') throw new OtpgateError('invalid_request', `${name} must be given once, as a string.`);
      if (value === '') delete params[name];
      else params[name] = value;
    }
  }
  return params;
}
