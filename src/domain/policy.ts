import { OtpgateError } from './errors.js';
import type { UseCase } from './use-case.js';

/** The OTP policy of one use case on one site. Bounds and defaults live in the config schema. */
export interface OtpPolicy {
  /** Digits in a code (4-10). */
  codeLength: number;
  /** How long a code stays valid after it is sent, in seconds. */
  ttlSeconds: number;
  /** Wrong codes allowed per verification; the next one locks it. Resends never reset this. */
  maxAttempts: number;
  /** Minimum seconds between two sends for the same verification. */
  resendIntervalSeconds: number;
  /** Sends allowed per phone number per rolling hour, across all verifications of the site. */
  maxSendsPerPhonePerHour: number;
  /** ISO 3166 alpha-2 countries codes may be sent to; empty means all. */
  allowedCountries: string[];
  /** Countries codes are never sent to. */
  deniedCountries: string[];
}

export type SitePolicies = Record<UseCase, OtpPolicy>;

const HOUR_MS = 3_600_000;

/** The guess budget's windows: wrong codes per phone per rolling hour and per rolling day. */
export const guessWindows = (budget: { perHour: number; perDay: number }) => [
  { ms: HOUR_MS, limit: budget.perHour },
  { ms: 24 * HOUR_MS, limit: budget.perDay },
];

/** 429 too_many_attempts, with when the phone's guess budget has room again (both code submission and sends). */
export function tooManyAttempts(retryAt: Date, now: Date): OtpgateError {
  return new OtpgateError('too_many_attempts', undefined, {
    retry_after: Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 1000)),
  });
}
