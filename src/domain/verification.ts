import type { PhoneNumber } from './phone.js';
import type { UseCase } from './use-case.js';

/**
 * A verification is one OTP challenge. Its state only moves forward:
 *   pending --(correct code)--> verified
 *   pending --(lock(), e.g. by an administrator)--> locked
 * Expiry and exhaustion are not stored: a pending verification past `expiresAt` is expired, and one
 * whose attempts reached `maxAttempts` is locked, when read. Deriving them keeps every transition a
 * single guarded write, so no lock can overtake a correct code counted within budget.
 */
export type VerificationState = 'pending' | 'verified' | 'locked';

export interface Verification {
  /** The identifier handed to the client; also the provider idempotency key. */
  id: string;
  siteId: string;
  useCase: UseCase;
  /** The user the code is for; null for a registration (no user yet) or an unknown login hint. */
  userId: string | null;
  phone: PhoneNumber;
  /** HMAC(secret[keyId], identifier || code): the code itself is never stored. */
  codeHash: string;
  keyId: string;
  state: VerificationState;
  attempts: number;
  maxAttempts: number;
  sends: number;
  lastSentAt: Date;
  expiresAt: Date;
  createdAt: Date;
  /** False when no message was sent on purpose (unknown login hint): it can never verify. */
  deliverable: boolean;
  locale: string;
  experienceId: string | null;
  /** Use-case data kept until the code is verified (registration userdata, the start URL, ...). */
  payload: Record<string, unknown>;
}

export type VerificationStatus = VerificationState | 'expired';

export function statusOf(verification: Verification, now: Date): VerificationStatus {
  if (verification.state === 'pending' && verification.attempts >= verification.maxAttempts) return 'locked';
  if (verification.state === 'pending' && now >= verification.expiresAt) return 'expired';
  return verification.state;
}

/** What one submission of a code did, as decided atomically by the store. */
export type AttemptOutcome =
  | { kind: 'verified'; verification: Verification }
  | { kind: 'wrong'; attemptsRemaining: number }
  | { kind: 'locked' }
  | { kind: 'expired' }
  | { kind: 'already_used' }
  | { kind: 'not_found' };
