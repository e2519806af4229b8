import { OtpgateError } from './errors.js';
import type { LimitName, SendLimits } from './send-limits.js';
import type { UseCase } from './use-case.js';

/** The OTP policy of one use case on one site. Bounds and defaults live in the config schema. */
export interface OtpPolicy {
  /** Digits in a code (4-10). */
  codeLength: number;
  /** How long a code stays valid after it is sent, in seconds. */
  ttlSeconds: number;
  /** Wrong codes allowed per verification; the next one locks it. Resends never reset this. */
  maxAttempts: number;
  /** Seconds before a verification's first resend; each further resend waits twice as long. */
  resendIntervalSeconds: number;
  /** The cap of the doubling resend wait. */
  maxResendIntervalSeconds: number;
  /** Sends allowed per phone number per rolling hour, across all verifications of the site. */
  maxSendsPerPhonePerHour: number;
  /** The layered send limits: client, network, phone (beyond the hourly one), prefix, site. */
  sendLimits: SendLimits;
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

/**
 * The wait before the next resend of a verification that has been sent `sends` times: the interval, doubled
 * with each resend, capped. 0 turns it off.
 */
export function resendWaitSeconds(policy: Pick<OtpPolicy, 'resendIntervalSeconds' | 'maxResendIntervalSeconds'>, sends: number): number {
  if (policy.resendIntervalSeconds === 0) return 0;
  const doubled = policy.resendIntervalSeconds * 2 ** Math.min(Math.max(0, sends - 1), 20);
  return Math.min(doubled, Math.max(policy.maxResendIntervalSeconds, policy.resendIntervalSeconds));
}

const REFUSALS: Record<LimitName, string> = {
  ip: 'Too many codes were requested from this address; try again later.',
  ip_range: 'Too many codes were requested from this network; try again later.',
  phone: 'Too many codes were requested for this phone; try again later.',
  prefix: 'Too many codes were requested for numbers like this one; try again later.',
  site: 'This site has sent as many codes as it allows for now; try again later.',
  resend: 'A code was sent moments ago; wait before asking for another.',
};

/** 429 too_many_requests naming the send limit that refused, with when to try again. */
export function sendRefused(limit: LimitName, retryAfterSeconds: number): OtpgateError {
  return new OtpgateError('too_many_requests', REFUSALS[limit], { limit, retry_after: Math.max(1, retryAfterSeconds) });
}
