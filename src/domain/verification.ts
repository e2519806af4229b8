import type { PhoneNumber } from './phone.js';
import type { UseCase } from './use-case.js';

/**
 * A verification is one OTP challenge. Its state only moves forward:
 *   pending --(correct code)--> verified
 *   pending --(an operator's UPDATE; no code path writes it)--> locked
 * Expiry and exhaustion are not stored: a pending verification past `expiresAt` is expired, and one
 * whose attempts reached `maxAttempts` is exhausted (which locks it), as `classify` derives them. Deriving
 * them keeps every transition a single guarded write, so no lock can overtake a correct code counted within budget.
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

/** What a verification is at a given instant: its stored state, or one of the two derived ones. */
export type VerificationStatus = VerificationState | 'expired' | 'exhausted';

/**
 * The one classification of a verification at `now`; the store's guarded writes apply the same rule in SQL.
 * The order is deliberate: a state that was written (verified, locked) is final and says the most, so it wins;
 * then expiry, then exhaustion. Expiry before exhaustion keeps the answer stable over time for a budget spent
 * on a code that has since expired: "expired" (ask for a new code) is what the user can act on, and it is
 * what the store has always answered, so no client sees a different error.
 * The boundaries: a code is expired from the instant `expiresAt` (not after it), and exhausted once
 * `attempts` reaches `maxAttempts` (the last allowed attempt was counted).
 */
export function classify(
  verification: Pick<Verification, 'state' | 'attempts' | 'maxAttempts' | 'expiresAt'>,
  now: Date,
): VerificationStatus {
  if (verification.state !== 'pending') return verification.state;
  if (now.getTime() >= verification.expiresAt.getTime()) return 'expired';
  if (verification.attempts >= verification.maxAttempts) return 'exhausted';
  return 'pending';
}
