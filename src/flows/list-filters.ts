import { OtpgateError } from '../domain/errors.js';

/**
 * The filters the listings share (the CLI's `audit`, `deliveries`, `blocks` and the admin API's lists), read the
 * same way everywhere: a value that cannot be read is `invalid_request` naming the option (`--limit` on the
 * command line, `limit` in a query string) and what it should look like.
 */
export function limitOf(value: string, max: number, name = '--limit'): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > max)
    throw new OtpgateError('invalid_request', `${name} must be a whole number from 1 to ${max}, not "${value}".`);
  return limit;
}

export function sinceOf(value: string | undefined, name = '--since'): Date | undefined {
  if (value === undefined) return undefined;
  const since = new Date(value);
  if (Number.isNaN(since.getTime()))
    throw new OtpgateError('invalid_request', `${name} must be a date or time such as 2026-12-01T10:00:00Z, not "${value}".`);
  return since;
}

/** An ISO 3166 country, upper-cased (`us` reads as US). */
export function countryOf(value: string | undefined, name = '--country'): string | undefined {
  if (value === undefined) return undefined;
  const country = value.toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) throw new OtpgateError('invalid_request', `${name} must be two letters such as US, not "${value}".`);
  return country;
}
