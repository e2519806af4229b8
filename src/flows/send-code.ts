import { randomDigits, randomToken } from '../crypto/random.js';
import { renderDefaultText, supportedLocale } from '../delivery/default-text.js';
import { dispatch } from '../delivery/dispatcher.js';
import { OtpgateError } from '../domain/errors.js';
import { countryAllowed, type ParsedPhone } from '../domain/phone.js';
import type { UseCase } from '../domain/use-case.js';
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
}

const HOUR_MS = 3_600_000;

/**
 * Checks policy, creates (or, for a resend, re-codes) the verification, commits, then delivers
 * outside any transaction. Returns the identifier the client verifies against.
 */
export async function sendCode(deps: FlowDeps, site: Site, input: SendCodeInput): Promise<{ identifier: string; expiresAt: Date }> {
  const policy = site.policies[input.useCase];
  const store = deps.store.forSite(site.id);
  const now = deps.clock.now();

  if (!countryAllowed(input.phone.country, policy.allowedCountries, policy.deniedCountries)) throw new OtpgateError('country_not_supported');

  const ownerId = input.useCase === 'self_registration' ? null : input.userId;
  const existing = await store.verifications.findResendable({ useCase: input.useCase, phone: input.phone.e164, userId: ownerId, now });
  if (existing) {
    const wait = existing.lastSentAt.getTime() + policy.resendIntervalSeconds * 1000 - now.getTime();
    if (wait > 0) throw new OtpgateError('resend_too_soon', undefined, { retry_after: Math.ceil(wait / 1000) });
  }
  // Counted for unknown hints too, so the answers for known and unknown numbers stay alike.
  const reservation = await store.sendLog.reserve(input.phone.e164, now, new Date(now.getTime() - HOUR_MS), policy.maxSendsPerPhonePerHour);
  if (!reservation.ok) throw new OtpgateError('too_many_requests', undefined, { retry_after: Math.ceil((reservation.oldest.getTime() + HOUR_MS - now.getTime()) / 1000) });

  const code = randomDigits(policy.codeLength);
  const identifier = existing?.id ?? randomToken(18);
  const { hash, keyId } = deps.hasher.hash(identifier, code);
  const expiresAt = new Date(now.getTime() + policy.ttlSeconds * 1000);
  const locale = supportedLocale(input.locale ?? site.locale);

  if (existing) {
    // Same identifier, new code, attempts kept: a resend must never buy a fresh attempt budget. The write is
    // guarded by the last send time, so of concurrent resends one sends and the rest are told to wait.
    const won = await store.verifications.recordResend(existing.id, { codeHash: hash, keyId, previousSentAt: existing.lastSentAt, sentAt: now, expiresAt });
    if (!won) throw new OtpgateError('resend_too_soon', undefined, { retry_after: policy.resendIntervalSeconds });
  } else {
    await store.verifications.insert({
      id: identifier,
      useCase: input.useCase,
      userId: ownerId,
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
      payload: input.payload,
    });
  }

  if (!input.deliverable) {
    await pauseLikeADelivery(site.id);
    return { identifier, expiresAt };
  }

  const chain = await deps.chains.chainFor(site).catch((error: unknown) => {
    throw new OtpgateError('delivery_failed', undefined, {}, { cause: error });
  });
  const started = performance.now();
  const report = await dispatch({
    chain,
    request: {
      userId: input.userId ?? '',
      phoneNumber: input.phone.e164,
      oneTimePassword: code,
      defaultText: renderDefaultText({ locale, code, siteName: site.name, ttlSeconds: policy.ttlSeconds, host: deps.publicHost }),
      siteId: site.id,
      experienceId: site.experienceId,
      useCase: input.useCase,
      locale,
      identifier,
      expiresAt,
      channel: 'sms',
      ip: input.meta.ip,
      userAgent: input.meta.userAgent,
    },
    credentials: deps.credentials,
    settings: deps.dispatch,
    logger: deps.logger,
    now: () => deps.clock.now(),
  });
  await store.deliveryAttempts.insertMany(report.attempts);
  if (report.result === 'SUCCESS') {
    noteDeliveryLatency(site.id, performance.now() - started);
    return { identifier, expiresAt };
  }
  throw new OtpgateError(userErrorFor(report.result), undefined, report.result === 'INVALID_PHONE_NUMBER' ? {} : { retry_after: policy.resendIntervalSeconds });
}

function userErrorFor(result: string) {
  switch (result) {
    case 'INVALID_PHONE_NUMBER':
      return 'invalid_phone_number' as const;
    case 'COUNTRY_BLOCK':
      return 'country_not_supported' as const;
    case 'MESSAGE_LIMIT_EXCEEDED':
      return 'message_limit_exceeded' as const;
    default:
      return 'delivery_failed' as const;
  }
}

// A reply for an unknown number that came back faster than one for a known number would tell them apart.
// Unknown hints wait about as long as the site's recent deliveries took.
const typicalLatency = new Map<string, number>();

function noteDeliveryLatency(siteId: string, ms: number): void {
  const previous = typicalLatency.get(siteId);
  typicalLatency.set(siteId, previous === undefined ? ms : previous * 0.9 + ms * 0.1);
}

function pauseLikeADelivery(siteId: string): Promise<void> {
  const typical = typicalLatency.get(siteId) ?? 0;
  const ms = Math.min(typical * (0.8 + Math.random() * 0.4), 5000);
  return ms < 1 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
