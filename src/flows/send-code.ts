import { randomDigits, randomToken } from '../crypto/random.js';
import { supportedLocale, type Notice } from '../delivery/default-text.js';
import { buildDeliveryRequest } from '../delivery/delivery-request.js';
import { isOtpgateError, OtpgateError } from '../domain/errors.js';
import { countryAllowed, type ParsedPhone } from '../domain/phone.js';
import { guessWindows, resendWaitSeconds, sendRefused, tooManyAttempts } from '../domain/policy.js';
import { msUntilRoom } from '../domain/rate-window.js';
import { recordAudit } from './audit-trail.js';
import { destinationsOf, sentCounters } from '../domain/pumping.js';
import { sendCounters } from '../domain/send-limits.js';
import { auditFilledLimits, judgeConversion, warnNearSiteCap } from './send-signals.js';
import type { UseCase } from '../domain/use-case.js';
import type { Verification } from '../domain/verification.js';
import type { Channel } from '../domain/channel.js';
import { deliverCode, lastDeliveryFailed, siteHasChannel } from './deliver-code.js';
import type { FlowDeps, RequestMeta, Site } from './deps.js';

export interface SendCodeInput {
  useCase: UseCase;
  phone: ParsedPhone;
  /** The user the code belongs to; for registration, the id the new user will get. */
  userId: string | null;
  /** False for an unknown login hint: everything runs as usual except that nothing is sent. */
  deliverable: boolean;
  locale: string | null;
  payload: Record<string, unknown>;
  meta: RequestMeta;
  /**
   * What this request asked for (a registration's data, a login hint's form). A resend continues only a
   * verification started by the same request: someone else's request for the same phone starts its own, so
   * an identifier is never handed to another requester, and a wait cannot reveal that two hints are one user.
   */
  requestKey?: string;
  /** Send this notice instead of the code (the code is still stored, and never sent). */
  notice?: Notice;
  /** How the code goes out; absent: sms. Another channel needs handlers marked with it. */
  channel?: Channel;
  /** `phone` stands in for a login hint that is no number: it has no country, so no country rule applies to it. */
  standIn?: boolean;
}

/** A code that was stored (as a hash) and may now be delivered. */
interface IssuedCode {
  identifier: string;
  code: string;
  expiresAt: Date;
  locale: string;
}

/**
 * Checks policy, creates (or, for a resend, re-codes) the verification, commits, then delivers
 * outside any transaction. Returns the identifier the client verifies against.
 */
export async function sendCode(deps: FlowDeps, site: Site, input: SendCodeInput): Promise<{ identifier: string; expiresAt: Date }> {
  const policy = site.policies[input.useCase];
  const now = deps.clock.now();
  // A test number gets its fixed code and nothing is sent; it is limited like any number unless the site exempts it.
  const testCode = site.testNumbers.codes[input.phone.e164];
  const exempt = testCode !== undefined && site.testNumbers.exemptFromLimits;
  // Asked of the site, not of the number: the answer must not differ between known and unknown login hints.
  if (input.channel && input.channel !== 'sms' && !(await siteHasChannel(deps, site, input.channel)))
    throw new OtpgateError('unsupported_verification_method', `This site does not send codes by ${input.channel}.`);
  const resending = await reserveSend(deps, site, input, now, exempt).catch((error: unknown) => {
    if (isOtpgateError(error) && error.code === 'too_many_requests')
      deps.metrics.sendRefusals.inc({ site: site.id, limit: String(error.extra.limit) });
    throw error;
  });
  const issued = await issueCode(deps, site, input, resending, now, testCode);
  const sent = { identifier: issued.identifier, expiresAt: issued.expiresAt };
  const delivered = input.deliverable && testCode === undefined;
  deps.metrics.codesSent.inc({ site: site.id, use_case: input.useCase, delivered: String(delivered) });
  await recordAudit(
    deps,
    site,
    {
      type: 'code_sent',
      useCase: input.useCase,
      userId: input.userId,
      phone: input.phone.e164,
      meta: input.meta,
      // An unknown login hint is sent nothing: the log says so, the client never learns it.
      detail: {
        identifier: issued.identifier,
        resend: resending !== null,
        delivered,
        ...(testCode !== undefined ? { testNumber: true } : {}),
        ...(input.notice ? { notice: input.notice } : {}),
      },
    },
    now,
  );
  if (!input.deliverable || testCode !== undefined) {
    await deps.deliveryTiming.pauseLikeADelivery(site.id);
    return sent;
  }
  const request = buildDeliveryRequest({
    site,
    useCase: input.useCase,
    userId: input.userId,
    phone: input.phone.e164,
    code: issued.code,
    identifier: issued.identifier,
    locale: issued.locale,
    ttlSeconds: policy.ttlSeconds,
    expiresAt: issued.expiresAt,
    publicHost: deps.publicHost,
    meta: input.meta,
    ...(input.notice ? { notice: input.notice } : {}),
    ...(input.channel ? { channel: input.channel } : {}),
  });
  await deliverCode(deps, site, request, policy.resendIntervalSeconds, input.phone.country);
  return sent;
}

/**
 * The reserve step: country rules, the resend wait, the guess budget, then one send counted against every
 * layered limit (client, network, phone, prefix, site). Returns the verification this send re-codes (a resend),
 * or null for a new one.
 */
async function reserveSend(deps: FlowDeps, site: Site, input: SendCodeInput, now: Date, exempt: boolean): Promise<Verification | null> {
  const policy = site.policies[input.useCase];
  const store = deps.store.forSite(site.id);
  const { allowedCountries, deniedCountries } = policy;
  if (!input.standIn && !countryAllowed(input.phone.country, allowedCountries, deniedCountries))
    throw new OtpgateError('country_not_supported');

  const query = { useCase: input.useCase, phone: input.phone.e164, userId: ownerOf(input), requestKey: input.requestKey, now };
  const existing = await store.verifications.findResendable(query);
  if (existing && !exempt) {
    const wait = existing.lastSentAt.getTime() + resendWaitSeconds(policy, existing.sends) * 1000 - now.getTime();
    // The way out offered when SMS fails (a call, WhatsApp) is taken at once: the failed message never arrived.
    const switching = input.channel !== undefined && input.channel !== 'sms' && (await lastDeliveryFailed(deps, site, existing.id));
    if (wait > 0 && !switching) throw sendRefused('resend', Math.ceil(wait / 1000));
  }
  // A phone whose guess budget is spent gets no new code either: a new verification must not buy new guesses.
  const spentUntil = await store.guessLog.spentUntil(input.phone.e164, now, guessWindows(site.guessBudget));
  if (spentUntil) throw tooManyAttempts(spentUntil, now);
  if (site.guessBudget.lockAfterConsecutive > 0 && (await deps.guards.isLocked(site.id, input.phone.e164)))
    throw new OtpgateError('phone_locked');
  if (exempt) return existing;
  const destinations = destinationsOf(site.pumpingDefence, input.phone);
  const block = destinations.length
    ? await deps.guards.blockFor(
        site.id,
        destinations.map((d) => d.subject),
      )
    : null;
  if (block) throw sendRefused('prefix', Math.ceil((block.until.getTime() - now.getTime()) / 1000));
  // Counted for unknown hints too, so the answers for known and unknown numbers stay alike.
  const subject = { ip: input.meta.ip, phone: input.phone.e164, prefix: input.phone.prefix };
  const sent = sentCounters(destinations);
  // A counter both a limit and the monitor count (the prefix's hour) is counted once, under the limit's cap.
  const all = [...sendCounters(policy.sendLimits, subject), ...sent];
  const counters = all.filter((c, i) => all.findIndex((other) => other.key === c.key) === i);
  // The counters take the time they are counted at, not the request's start: a send stamped just before a window
  // turned over but counted after it would land in the old window after sends of the new one had read that window
  // as their previous one, and both windows would fill (an attacker times a burst at the edge).
  const countedAt = deps.clock.now();
  const { ok, readings } = await store.sendCounters.reserve(counters, countedAt);
  const at = countedAt.getTime();
  if (!ok) {
    const full = counters.map((counter, i) => ({ counter, wait: msUntilRoom(counter, readings[i]!, at) })).filter((c) => c.wait > 0);
    const first = full[0] ?? { counter: counters[0]!, wait: 1000 };
    throw sendRefused(first.counter.name, Math.ceil(Math.max(...full.map((c) => c.wait), 1000) / 1000));
  }
  warnNearSiteCap(deps, site, counters, readings, at);
  await auditFilledLimits(deps, site, input, counters, readings, countedAt);
  const readingOf = (key: string) => readings[counters.findIndex((c) => c.key === key)]!;
  await judgeConversion(
    deps,
    site,
    input,
    destinations,
    sent.map((c) => readingOf(c.key)),
    now,
  );
  return existing;
}

/** The issue step: a fresh code, stored only as its HMAC, in a new verification or in the one being resent. */
async function issueCode(
  deps: FlowDeps,
  site: Site,
  input: SendCodeInput,
  resending: Verification | null,
  now: Date,
  fixedCode?: string,
): Promise<IssuedCode> {
  const policy = site.policies[input.useCase];
  const verifications = deps.store.forSite(site.id).verifications;
  const code = fixedCode ?? randomDigits(policy.codeLength);
  const identifier = resending?.id ?? randomToken(18);
  const { hash, keyId } = deps.hasher.hash(identifier, code);
  const expiresAt = new Date(now.getTime() + policy.ttlSeconds * 1000);
  const locale = supportedLocale(input.locale ?? site.locale);

  if (resending) {
    // Same identifier, new code, attempts kept: a resend must never buy a fresh attempt budget. The write is
    // guarded by the last send time, so of concurrent resends one sends and the rest are told to wait.
    const change = { codeHash: hash, keyId, previousSentAt: resending.lastSentAt, sentAt: now, expiresAt };
    const won = await verifications.recordResend(resending.id, change);
    if (!won) throw sendRefused('resend', Math.max(1, policy.resendIntervalSeconds));
  } else {
    await verifications.insert({
      id: identifier,
      useCase: input.useCase,
      userId: ownerOf(input),
      phone: input.phone.e164,
      codeHash: hash,
      keyId,
      state: 'pending',
      attempts: 0,
      maxAttempts: policy.maxAttempts,
      sends: 1,
      lastSentAt: now,
      expiresAt,
      createdAt: now,
      deliverable: input.deliverable,
      locale,
      experienceId: site.experienceId,
      // The notice is kept so that a fail-over after an undelivered receipt sends the same kind of message.
      payload: {
        ...input.payload,
        ...(input.requestKey === undefined ? {} : { requestKey: input.requestKey }),
        ...(input.notice ? { notice: input.notice } : {}),
      },
    });
  }
  return { identifier, code, expiresAt, locale };
}

/** A registration's verification belongs to no user yet: the user id is only what the new user will get. */
function ownerOf(input: SendCodeInput): string | null {
  return input.useCase === 'self_registration' ? null : input.userId;
}
