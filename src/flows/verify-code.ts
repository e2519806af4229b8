import { isOtpgateError, OtpgateError } from '../domain/errors.js';
import { parsePhone } from '../domain/phone.js';
import { guessWindows, tooManyAttempts } from '../domain/policy.js';
import { destinationsOf, verifiedCounters } from '../domain/pumping.js';
import type { UseCase } from '../domain/use-case.js';
import { classify, type Verification } from '../domain/verification.js';
import { recordAudit } from './audit-trail.js';
import type { FlowDeps, RequestMeta, Site } from './deps.js';

/**
 * Checks one submitted code. The attempt is counted before the comparison (a guarded write, so
 * concurrent guesses cannot exceed the budget), the comparison is constant-time, and success is a
 * second guarded write pending -> verified: of any number of concurrent correct submissions, one wins.
 */
export async function verifyCode(
  deps: FlowDeps,
  site: Site,
  input: { identifier: string; code: string; useCase: UseCase; userId?: string; meta?: RequestMeta },
): Promise<Verification> {
  const outcome = (name: string) => deps.metrics.verifications.inc({ site: site.id, use_case: input.useCase, outcome: name });
  try {
    const verified = await checkCode(deps, site, input);
    outcome('verified');
    return verified;
  } catch (error) {
    // The error codes are a fixed registry, so they make bounded labels.
    outcome(isOtpgateError(error) ? error.code : 'error');
    throw error;
  }
}

async function checkCode(
  deps: FlowDeps,
  site: Site,
  input: { identifier: string; code: string; useCase: UseCase; userId?: string; meta?: RequestMeta },
): Promise<Verification> {
  const store = deps.store.forSite(site.id).verifications;
  const now = deps.clock.now();
  if (typeof input.identifier !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(input.identifier))
    throw new OtpgateError('verification_not_found');

  const counted = await store.countAttempt(input.identifier, now);
  switch (counted.kind) {
    case 'not_found':
      throw new OtpgateError('verification_not_found');
    case 'expired':
      throw new OtpgateError('code_expired');
    case 'exhausted':
      // A spent budget is itself the lock. Writing state = 'locked' here could overtake a concurrent request
      // that was counted in budget with the right code and is on its way to markVerified.
      throw new OtpgateError('verification_locked');
    case 'not_pending': {
      if (counted.verification.useCase !== input.useCase) throw new OtpgateError('verification_not_found');
      if (classify(counted.verification, now) === 'locked') throw new OtpgateError('verification_locked');
      await recordReuse(deps, site, counted.verification, input.meta, now);
      throw new OtpgateError('already_used');
    }
  }
  const verification = counted.verification;
  // A verification of another use case or user is not revealed to exist. One of no user (an unknown login hint's
  // stand-in) goes on to fail as a wrong code, as it does without a user id: the answer must not tell that the
  // user id asked about cannot sign in.
  if (
    verification.useCase !== input.useCase ||
    (input.userId !== undefined && verification.userId !== null && verification.userId !== input.userId)
  )
    throw new OtpgateError('verification_not_found');

  // A phone locked by wrong codes in a row accepts nothing, not even the right code, until an admin unlocks it.
  const locks = deps.store.forSite(site.id).phoneLocks;
  const lock = site.guessBudget.lockAfterConsecutive > 0 ? await locks.status(verification.phone) : null;
  if (lock?.lockedAt) throw new OtpgateError('phone_locked');

  // The phone's guess budget, shared by every verification and use case: no mix of resends and new
  // verifications buys more wrong codes. Taken before the comparison, so a spent budget refuses even a right code.
  const guesses = deps.store.forSite(site.id).guessLog;
  const guess = await guesses.reserve(verification.phone, now, guessWindows(site.guessBudget));
  if (!guess.ok) throw tooManyAttempts(guess.retryAt, now);

  const code = typeof input.code === 'string' ? input.code.trim() : '';
  // The HMAC is computed whatever the format or deliverability, so timing tells nothing either.
  const matches = deps.hasher.verify(verification.id, code, { hash: verification.codeHash, keyId: verification.keyId });
  // A verification whose message was a notice (an "account exists" answer to a registration) sent its code to no
  // one: only a guess could match it, so nothing does.
  const sentAsCode = verification.deliverable && verification.payload.notice === undefined;
  if (!matches || !sentAsCode || !/^\d{4,10}$/.test(code)) {
    await recordFailure(deps, site, verification, input.meta, now);
    // This wrong guess may have been the last one the budget allowed.
    if (classify(verification, now) === 'exhausted') throw new OtpgateError('verification_locked');
    const remaining = verification.maxAttempts - verification.attempts;
    throw new OtpgateError('invalid_code', `The code is wrong; ${remaining} attempt${remaining === 1 ? '' : 's'} left.`, {
      attempts_remaining: remaining,
    });
  }
  // Only wrong codes spend the budget.
  await guesses.release(guess.id);
  const verified = await store.markVerified(verification.id, now);
  if (!verified) {
    await recordReuse(deps, site, verification, input.meta, now);
    throw new OtpgateError('already_used');
  }
  if (lock) await locks.reset(verified.phone);
  await recordAudit(
    deps,
    site,
    { type: 'code_verified', useCase: verified.useCase, userId: verified.userId, phone: verified.phone, meta: input.meta },
    now,
  );
  // What the pumping monitor weighs sends against: codes that were used.
  const destination = parsePhone(verified.phone);
  if (destination)
    await deps.store.forSite(site.id).sendCounters.add(verifiedCounters(destinationsOf(site.pumpingDefence, destination)), now);
  return verified;
}

/** A wrong code: audited, and counted toward the phone's lock (wrong codes in a row); the one that locks it is audited too. */
async function recordFailure(deps: FlowDeps, site: Site, verification: Verification, meta: RequestMeta | undefined, now: Date) {
  const limit = site.guessBudget.lockAfterConsecutive;
  const event = { useCase: verification.useCase, userId: verification.userId, phone: verification.phone, meta };
  const exhausted = classify(verification, now) === 'exhausted';
  await recordAudit(
    deps,
    site,
    { ...event, type: exhausted ? 'verification_locked' : 'code_failed', detail: { attempts: verification.attempts } },
    now,
  );
  if (limit === 0) return;
  const { locked, failures } = await deps.store.forSite(site.id).phoneLocks.countFailure(verification.phone, limit, now);
  if (locked) {
    deps.guards.forget(site.id);
    deps.logger.warn({ event: 'phone_locked', siteId: site.id, failures }, 'phone locked after wrong codes in a row');
    await recordAudit(deps, site, { ...event, type: 'phone_locked', detail: { failures } }, now);
  }
}

/** A used code offered again (OWASP ASVS 2.8.5): refused, and in the audit log with who offered it. */
async function recordReuse(deps: FlowDeps, site: Site, verification: Verification, meta: RequestMeta | undefined, now: Date) {
  const { useCase, userId, phone } = verification;
  await recordAudit(deps, site, { type: 'code_reused', useCase, userId, phone, meta }, now);
}
