import type { Tracer } from '@opentelemetry/api';
import type { Clock, Timers } from '../domain/clock.js';
import { inSpan } from '../observability/tracing.js';
import type { CalloutRecord, DeliveryAttemptRecord } from '../domain/repositories.js';
import { createCallout } from './callout.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { Channel } from '../domain/channel.js';
import {
  DELIVERY_RESULTS,
  type DeliveryOutcome,
  type DeliveryRequest,
  type DeliveryResult,
  type OneTimePasswordDeliveryHandler,
} from './contract.js';
import type { CalloutFetch } from './http-client.js';
import { UnknownNamedCredentialError, type NamedCredentials } from './named-credentials.js';
import { createSafeLog, redact, type BaseLogger } from './safe-log.js';

export interface ChainLink {
  name: string;
  handler: OneTimePasswordDeliveryHandler;
  /** Countries (IN) and number prefixes (+91) this link serves; absent: every destination. */
  destinations?: readonly string[];
  /** What it sends; absent: sms. */
  channel?: Channel;
  /** Longest wait for one attempt; absent: the link's fair share of the deadline. */
  timeoutMs?: number;
  /** Skips the link while its provider is known to be down. */
  breaker?: CircuitBreaker;
}

/** The `delivery` settings of the config: one send's time budget, retries per handler and the first backoff. */
export interface DeliverySettings {
  deadlineMs: number;
  retries: number;
  backoffMs: number;
}

/** What dispatch needs besides the chain and the request; the flows build it from their deps. */
export interface DispatchServices {
  credentials: NamedCredentials;
  fetch: CalloutFetch;
  settings: DeliverySettings;
  logger: BaseLogger;
  /** Dates the attempt records. */
  clock: Clock;
  /** Measures the deadline, waits out the backoff, draws the jitter. */
  timers: Timers;
  /** A span per attempt when tracing is on; absent or null: none. */
  tracer?: Tracer | null;
}

export interface DispatchReport {
  /** SUCCESS, or the result that decides what the user is told. */
  result: DeliveryResult;
  providerMessageId: string | null;
  attempts: DeliveryAttemptRecord[];
}

export type DispatchInput = DispatchServices & { chain: ChainLink[]; request: Omit<DeliveryRequest, 'attempt'> };

type AttemptResult = DeliveryOutcome & { latencyMs: number; callouts: CalloutRecord[]; unknownCredential?: UnknownNamedCredentialError };

const DEADLINE_PASSED = new Error('delivery deadline passed');
const CALL_FINISHED = new Error('delivery attempt finished');

/** Results worth trying again on the same handler (DESIGN §4.3). */
const RETRYABLE = new Set<DeliveryResult>(['PROVIDER_ERROR', 'EXCEPTION']);

/**
 * Sends one code along a site's chain: retries a handler after PROVIDER_ERROR / EXCEPTION / a throw /
 * a timeout with exponential backoff, fails over to the next handler, stops at SUCCESS or
 * INVALID_PHONE_NUMBER (no provider can fix the number), all inside one deadline. Every handler gets a
 * fair share of the remaining time, so a hanging primary cannot starve its backups.
 * Must be called outside any database transaction: it waits on the network.
 */
export async function dispatch(input: DispatchInput): Promise<DispatchReport> {
  const { chain, request, settings, timers } = input;
  const started = timers.elapsedMs();
  const remaining = () => settings.deadlineMs - (timers.elapsedMs() - started);
  const attempts: DeliveryAttemptRecord[] = [];
  let last: DeliveryResult = 'EXCEPTION';

  for (const [index, link] of chain.entries()) {
    const share = () => remaining() / (chain.length - index);
    for (let attempt = 1; attempt <= settings.retries + 1; attempt++) {
      const budget = Math.min(share(), link.timeoutMs ?? Infinity);
      if (budget <= 0) break;
      // An open circuit skips the link without a call (and without an attempt record: nothing was tried).
      if (link.breaker && !link.breaker.allow()) break;
      const outcome = await traced(input.tracer, link, attempt, () => callOnce(link, { ...request, attempt }, budget, input));
      attempts.push(toRecord(link, request, attempt, outcome, input.clock));
      noteForBreaker(link.breaker, outcome.result);
      last = outcome.result;
      if (outcome.result === 'SUCCESS') return { result: 'SUCCESS', providerMessageId: outcome.providerMessageId ?? null, attempts };
      if (outcome.result === 'INVALID_PHONE_NUMBER') return { result: last, providerMessageId: null, attempts };
      if (outcome.unknownCredential !== undefined) {
        logUnknownCredential(input.logger, link, request.identifier, outcome.unknownCredential);
        break; // a retry cannot change the configuration; the next handler has its own credentials
      }
      if (!RETRYABLE.has(outcome.result) || attempt > settings.retries) break;
      const delay = outcome.retryAfterMs ?? backoffMs(settings.backoffMs, attempt, timers.random);
      // Waiting past our share would only turn into a timeout; move on to the next handler instead.
      if (delay >= share()) break;
      await timers.sleep(delay);
    }
    if (remaining() <= 0) break;
  }
  return { result: last, providerMessageId: null, attempts };
}

/** The attempt in a span of its own when tracing is on: handler, attempt, result and how many callouts it made. */
function traced(
  tracer: Tracer | null | undefined,
  link: ChainLink,
  attempt: number,
  call: () => Promise<AttemptResult>,
): Promise<AttemptResult> {
  if (!tracer) return call();
  return inSpan(tracer, `delivery ${link.name}`, { 'otpgate.handler': link.name, 'otpgate.attempt': attempt }, async (span) => {
    const outcome = await call();
    span.setAttributes({ 'otpgate.result': outcome.result, 'otpgate.callouts': outcome.callouts.length });
    return outcome;
  });
}

/** A provider that answered is alive, whatever it answered; errors, exceptions and timeouts count against it. */
function noteForBreaker(breaker: CircuitBreaker | undefined, result: DeliveryResult): void {
  if (!breaker) return;
  if (RETRYABLE.has(result)) breaker.failed();
  else breaker.succeeded();
}

/** Exponential, with jitter in [50%, 100%) so the retries of many sends do not arrive at the provider together. */
function backoffMs(first: number, attempt: number, random: () => number): number {
  return first * 2 ** (attempt - 1) * (0.5 + random() / 2);
}

function toRecord(
  link: ChainLink,
  request: Omit<DeliveryRequest, 'attempt'>,
  attempt: number,
  outcome: AttemptResult,
  clock: Clock,
): DeliveryAttemptRecord {
  return {
    verificationId: request.identifier,
    handler: link.name,
    attempt,
    result: outcome.result,
    latencyMs: outcome.latencyMs,
    providerMessageId: outcome.providerMessageId ?? null,
    // Handlers write details; a careless one might echo the message, so the code is scrubbed here too.
    detail: outcome.detail ? redact(outcome.detail, request.oneTimePassword).slice(0, 300) : null,
    callouts: outcome.callouts,
    // The dispatcher sees only the number; the send step, which parsed it, fills the country in.
    country: null,
    createdAt: clock.now(),
  };
}

function logUnknownCredential(logger: BaseLogger, link: ChainLink, identifier: string, problem: UnknownNamedCredentialError): void {
  const credential = problem.credentialName;
  logger.error(
    { handler: link.name, identifier, credential },
    `configuration problem: delivery handler "${link.name}" calls callout:${credential}/..., but ${problem.message}`,
  );
}

async function callOnce(link: ChainLink, request: DeliveryRequest, budgetMs: number, services: DispatchServices): Promise<AttemptResult> {
  const { timers } = services;
  const controller = new AbortController();
  const started = timers.elapsedMs();
  // The deadline is a sleep on the attempt's own signal, so the `finally` below also cancels the timer.
  timers.sleep(budgetMs, controller.signal).then(
    () => controller.abort(DEADLINE_PASSED),
    () => {},
  );
  let unknownCredential: UnknownNamedCredentialError | undefined;
  // Status and latency of every call, never a body (it holds the code); kept with the attempt.
  const callouts: CalloutRecord[] = [];
  const callout = createCallout(request.siteId, services.credentials, controller.signal, (entry) => callouts.push(entry), services.fetch);
  const bindings = { handler: link.name, identifier: request.identifier, attempt: request.attempt };
  const log = createSafeLog(services.logger, request.oneTimePassword, bindings);
  const context = {
    // Noted even when the handler catches the error and maps it to a result of its own.
    callout: (url: string, init?: RequestInit) =>
      callout(url, init).catch((error: unknown) => {
        if (error instanceof UnknownNamedCredentialError) unknownCredential = error;
        throw error;
      }),
    signal: controller.signal,
    log,
  };
  // A handler that ignores the signal still cannot hold us past the deadline.
  const timedOut = new Promise<DeliveryOutcome>((resolve) =>
    controller.signal.addEventListener('abort', () => resolve({ result: 'EXCEPTION', detail: 'timed out' }), { once: true }),
  );
  let outcome: DeliveryOutcome;
  try {
    outcome = normalise(await Promise.race([link.handler.sendOneTimePassword(request, context), timedOut]));
  } catch (error) {
    const message = controller.signal.aborted ? 'timed out' : `threw: ${error instanceof Error ? error.message : String(error)}`;
    outcome = { result: 'EXCEPTION', detail: message };
  } finally {
    controller.abort(CALL_FINISHED); // ends the timer and the handler's leftover callouts; a shared reason costs no stack trace
  }
  const latencyMs = timers.elapsedMs() - started;
  if (unknownCredential === undefined || outcome.result === 'SUCCESS') return { ...outcome, latencyMs, callouts };
  // An unknown credential is a configuration error, not a delivery failure. It is recorded as EXCEPTION: the
  // contract has no configuration result, and EXCEPTION is the one that says "failed inside the platform"
  // without blaming the provider (PROVIDER_ERROR) or the user's number (INVALID_PHONE_NUMBER, which would
  // also stop the chain and tell the user their number is wrong). The user is told delivery_failed, which is
  // true. Unlike a transient EXCEPTION it is not retried (see dispatch), and the detail says what to fix.
  return {
    result: 'EXCEPTION',
    detail: `configuration error: ${unknownCredential.message}`,
    latencyMs,
    callouts,
    unknownCredential,
  };
}

function normalise(raw: unknown): DeliveryOutcome {
  const isResult = (v: unknown): v is DeliveryResult => typeof v === 'string' && (DELIVERY_RESULTS as readonly string[]).includes(v);
  if (isResult(raw)) return { result: raw };
  if (raw && typeof raw === 'object' && isResult((raw as DeliveryOutcome).result)) {
    const o = raw as DeliveryOutcome;
    return {
      result: o.result,
      ...(typeof o.providerMessageId === 'string' ? { providerMessageId: o.providerMessageId.slice(0, 200) } : {}),
      ...(typeof o.retryAfterMs === 'number' && o.retryAfterMs >= 0 ? { retryAfterMs: o.retryAfterMs } : {}),
      ...(typeof o.detail === 'string' ? { detail: o.detail } : {}),
    };
  }
  return { result: 'EXCEPTION', detail: 'handler returned no valid result' };
}
