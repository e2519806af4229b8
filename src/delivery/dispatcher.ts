import type { DeliveryAttemptRecord } from '../domain/repositories.js';
import { createCallout } from './callout.js';
import { DELIVERY_RESULTS, type DeliveryOutcome, type DeliveryRequest, type DeliveryResult, type OneTimePasswordDeliveryHandler } from './contract.js';
import type { NamedCredentials } from './named-credentials.js';
import { createSafeLog, redact, type BaseLogger } from './safe-log.js';

export interface ChainLink {
  name: string;
  handler: OneTimePasswordDeliveryHandler;
}

export interface DispatchSettings {
  deadlineMs: number;
  retries: number;
  backoffMs: number;
}

export interface DispatchReport {
  /** SUCCESS, or the result that decides what the user is told. */
  result: DeliveryResult;
  providerMessageId: string | null;
  attempts: DeliveryAttemptRecord[];
}

type AttemptResult = DeliveryOutcome & { latencyMs: number };

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
export async function dispatch(input: {
  chain: ChainLink[];
  request: Omit<DeliveryRequest, 'attempt'>;
  credentials: NamedCredentials;
  settings: DispatchSettings;
  logger: BaseLogger;
  now: () => Date;
}): Promise<DispatchReport> {
  const { chain, request, settings } = input;
  const code = request.oneTimePassword;
  const started = performance.now();
  const remaining = () => settings.deadlineMs - (performance.now() - started);
  const attempts: DeliveryAttemptRecord[] = [];
  let last: DeliveryResult = 'EXCEPTION';

  for (const [index, link] of chain.entries()) {
    for (let attempt = 1; attempt <= settings.retries + 1; attempt++) {
      const budget = remaining() / (chain.length - index);
      if (budget <= 0) break;
      const outcome = await callOnce(link, { ...request, attempt }, budget, input.credentials, createSafeLog(input.logger, code, { handler: link.name, identifier: request.identifier, attempt }));
      attempts.push({
        verificationId: request.identifier,
        handler: link.name,
        attempt,
        result: outcome.result,
        latencyMs: outcome.latencyMs,
        providerMessageId: outcome.providerMessageId ?? null,
        // Handlers write details; a careless one might echo the message, so the code is scrubbed here too.
        detail: outcome.detail ? redact(outcome.detail, code).slice(0, 300) : null,
        createdAt: input.now(),
      });
      last = outcome.result;
      if (outcome.result === 'SUCCESS') return { result: 'SUCCESS', providerMessageId: outcome.providerMessageId ?? null, attempts };
      if (outcome.result === 'INVALID_PHONE_NUMBER') return { result: last, providerMessageId: null, attempts };
      if (!RETRYABLE.has(outcome.result) || attempt > settings.retries) break;
      const delay = outcome.retryAfterMs ?? settings.backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
      // Waiting past our share would only turn into a timeout; move on to the next handler instead.
      if (delay >= remaining() / (chain.length - index)) break;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    if (remaining() <= 0) break;
  }
  return { result: last, providerMessageId: null, attempts };
}

async function callOnce(link: ChainLink, request: DeliveryRequest, budgetMs: number, credentials: NamedCredentials, log: ReturnType<typeof createSafeLog>): Promise<AttemptResult> {
  const controller = new AbortController();
  const started = performance.now();
  const timer = setTimeout(() => controller.abort(DEADLINE_PASSED), budgetMs);
  const context = { callout: createCallout(credentials, controller.signal, () => {}), signal: controller.signal, log };
  // A handler that ignores the signal still cannot hold us past the deadline.
  const timedOut = new Promise<DeliveryOutcome>((resolve) =>
    controller.signal.addEventListener('abort', () => resolve({ result: 'EXCEPTION', detail: 'timed out' }), { once: true }),
  );
  try {
    const raw = await Promise.race([link.handler.sendOneTimePassword(request, context), timedOut]);
    return { ...normalise(raw), latencyMs: performance.now() - started };
  } catch (error) {
    const message = controller.signal.aborted ? 'timed out' : `threw: ${error instanceof Error ? error.message : String(error)}`;
    return { result: 'EXCEPTION', detail: message, latencyMs: performance.now() - started };
  } finally {
    clearTimeout(timer);
    controller.abort(CALL_FINISHED); // ends the handler's leftover callouts; a shared reason costs no stack trace
  }
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
