/**
 * The dispatcher's rules (DESIGN §4.3) on a fake clock: the injected sleep records what it is asked to wait and
 * never waits, so retries, backoff, jitter and the deadline shares are asserted as numbers, not timings.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Sleep } from '../domain/clock.js';
import type { DeliveryContext, DeliveryOutcome, DeliveryRequest, DeliveryResult } from './contract.js';
import { createCircuitBreaker } from './circuit-breaker.js';
import { dispatch, type ChainLink, type DeliverySettings } from './dispatcher.js';
import type { BaseLogger } from './safe-log.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

/** A fake time source: `elapsedMs` moves only when a test (or a backoff sleep) moves it. */
function fakeTime(randoms: number[] = []) {
  let elapsed = 0;
  const sleeps: { ms: number; signal: AbortSignal | undefined }[] = [];
  const timers = new Map<AbortSignal, { ms: number; fire: () => void }>();
  const sleep: Sleep = (ms, signal) => {
    sleeps.push({ ms, signal });
    // Without a signal it is a backoff: it "passes" at once. With one it is an attempt's deadline timer, which
    // fires only when a test says so (expire) and is cancelled when the attempt ends.
    if (!signal) {
      elapsed += ms;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      timers.set(signal, { ms, fire: resolve });
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    });
  };
  const drawn: number[] = [];
  return {
    timers: {
      elapsedMs: () => elapsed,
      sleep,
      random: () => {
        const value = randoms.shift() ?? 0.5;
        drawn.push(value);
        return value;
      },
    },
    clock: { now: () => new Date(T0 + elapsed) },
    advance: (ms: number) => void (elapsed += ms),
    /** The deadline the attempt with this signal was given. */
    deadlineOf: (signal: AbortSignal) => timers.get(signal)?.ms,
    /** Lets the attempt's deadline pass: the clock moves to it and its timer fires. */
    expire(signal: AbortSignal) {
      const timer = timers.get(signal)!;
      elapsed += timer.ms;
      timer.fire();
    },
    /** The backoff delays asked for (sleeps without a signal). */
    backoffs: () => sleeps.filter((s) => !s.signal).map((s) => s.ms),
    drawn,
  };
}

type Time = ReturnType<typeof fakeTime>;
type Returned = DeliveryResult | DeliveryOutcome;
type Step = Returned | ((request: DeliveryRequest, context: DeliveryContext) => Promise<Returned>);
interface Call {
  attempt: number;
  signal: AbortSignal;
}

/** A handler that plays `steps` in order (the last one repeats) and records each call. */
function scripted(name: string, steps: Step[]): ChainLink & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    name,
    calls,
    handler: {
      async sendOneTimePassword(request, context) {
        calls.push({ attempt: request.attempt, signal: context.signal });
        const step = steps[Math.min(calls.length - 1, steps.length - 1)]!;
        return typeof step === 'function' ? step(request, context) : step;
      },
    },
  };
}

const request: Omit<DeliveryRequest, 'attempt'> = {
  userId: 'user-1',
  phoneNumber: '+14155550101',
  oneTimePassword: '123456',
  defaultText: 'Your code is 123456.',
  siteId: 'demo',
  experienceId: null,
  useCase: 'passwordless_login',
  locale: 'en',
  identifier: 'vrf-1',
  expiresAt: new Date(T0 + 600_000),
  channel: 'sms',
  ip: null,
  userAgent: null,
};

function run(time: Time, chain: ChainLink[], settings: Partial<DeliverySettings> = {}, logger: BaseLogger = silent) {
  return dispatch({
    chain,
    request,
    credentials: new Map(),
    fetch: () => assert.fail('no network in these tests'),
    settings: { deadlineMs: 10_000, retries: 2, backoffMs: 100, ...settings },
    logger,
    clock: time.clock,
    timers: time.timers,
  });
}

const silent: BaseLogger = { info: () => {}, warn: () => {}, error: () => {} };
const attemptsOf = (report: Awaited<ReturnType<typeof dispatch>>) => report.attempts.map((a) => `${a.handler}:${a.attempt}:${a.result}`);

test('a retryable result is retried with exponential backoff and jitter from the injected random', async () => {
  const time = fakeTime([0, 1 / 2]);
  const a = scripted('a', ['PROVIDER_ERROR', 'EXCEPTION', 'SUCCESS']);
  const report = await run(time, [a], { retries: 2, backoffMs: 100 });
  assert.equal(report.result, 'SUCCESS');
  assert.deepEqual(attemptsOf(report), ['a:1:PROVIDER_ERROR', 'a:2:EXCEPTION', 'a:3:SUCCESS']);
  assert.deepEqual(
    a.calls.map((c) => c.attempt),
    [1, 2, 3],
  );
  // backoff * 2^(attempt-1) * (0.5 + random/2): 100 * 1 * 0.5, then 100 * 2 * 0.75.
  assert.deepEqual(time.backoffs(), [50, 150]);
  assert.deepEqual(time.drawn, [0, 1 / 2]);
  // Records are dated by the injected clock: the second retry came after both backoffs.
  assert.equal(report.attempts[2]!.createdAt.getTime(), T0 + 200);
});

test('a provider retry-after hint replaces the backoff and draws no jitter', async () => {
  const time = fakeTime();
  const a = scripted('a', [{ result: 'PROVIDER_ERROR', retryAfterMs: 700 }, 'SUCCESS']);
  await run(time, [a]);
  assert.deepEqual(time.backoffs(), [700]);
  assert.deepEqual(time.drawn, []);
});

test('retries stop at the configured count, then the last result is reported', async () => {
  for (const retries of [0, 1, 3]) {
    const time = fakeTime();
    const a = scripted('a', ['PROVIDER_ERROR']);
    const report = await run(time, [a], { retries });
    assert.equal(a.calls.length, retries + 1, `retries ${retries}`);
    assert.equal(time.backoffs().length, retries);
    assert.equal(report.result, 'PROVIDER_ERROR');
    assert.equal(report.providerMessageId, null);
  }
});

test('each result retries and fails over as DESIGN §4.3 says', async () => {
  const table: [DeliveryResult, string[], DeliveryResult][] = [
    ['SUCCESS', ['a:1:SUCCESS'], 'SUCCESS'],
    ['PROVIDER_ERROR', ['a:1:PROVIDER_ERROR', 'a:2:PROVIDER_ERROR', 'b:1:SUCCESS'], 'SUCCESS'],
    ['EXCEPTION', ['a:1:EXCEPTION', 'a:2:EXCEPTION', 'b:1:SUCCESS'], 'SUCCESS'],
    ['MESSAGE_LIMIT_EXCEEDED', ['a:1:MESSAGE_LIMIT_EXCEEDED', 'b:1:SUCCESS'], 'SUCCESS'],
    ['COUNTRY_BLOCK', ['a:1:COUNTRY_BLOCK', 'b:1:SUCCESS'], 'SUCCESS'],
    // No provider can fix a wrong number: no retry, no fail-over.
    ['INVALID_PHONE_NUMBER', ['a:1:INVALID_PHONE_NUMBER'], 'INVALID_PHONE_NUMBER'],
  ];
  for (const [result, expected, final] of table) {
    const time = fakeTime();
    const chain = [scripted('a', [result]), scripted('b', [{ result: 'SUCCESS', providerMessageId: 'm-1' }])];
    const report = await run(time, chain, { retries: 1 });
    assert.deepEqual(attemptsOf(report), expected, result);
    assert.equal(report.result, final, result);
  }
});

test("without a next handler, the last handler's result is what the user is told", async () => {
  const report = await run(fakeTime(), [scripted('a', ['PROVIDER_ERROR']), scripted('b', ['COUNTRY_BLOCK'])], { retries: 0 });
  assert.equal(report.result, 'COUNTRY_BLOCK');
});

test('each handler gets a fair share of what is left of the deadline', async () => {
  const time = fakeTime();
  const slow =
    (ms: number): Step =>
    async () => {
      time.advance(ms);
      return 'PROVIDER_ERROR';
    };
  const a = scripted('a', [slow(100)]);
  const b = scripted('b', [slow(200)]);
  const c = scripted('c', ['SUCCESS']);
  await run(time, [a, b, c], { deadlineMs: 900, retries: 0 });
  // 900 / 3; then (900 - 100) / 2; then (900 - 300) / 1.
  assert.deepEqual(
    [a, b, c].map((h) => time.deadlineOf(h.calls[0]!.signal)),
    [300, 400, 600],
  );
});

test('a retry gets a share of what is left too, and a backoff longer than the share moves on at once', async () => {
  const time = fakeTime([0]);
  const a = scripted('a', [
    async () => {
      time.advance(100);
      return 'EXCEPTION';
    },
  ]);
  const b = scripted('b', ['SUCCESS']);
  await run(time, [a, b], { deadlineMs: 1000, retries: 1, backoffMs: 100 });
  // a:1 gets 1000 / 2; backs off 50; a:2 gets (1000 - 150) / 2; b gets the rest.
  assert.deepEqual(
    a.calls.map((c) => time.deadlineOf(c.signal)),
    [500, 425],
  );
  assert.equal(time.deadlineOf(b.calls[0]!.signal), 1000 - 250);

  const late = fakeTime([0]);
  const c = scripted('c', ['PROVIDER_ERROR']);
  const d = scripted('d', ['SUCCESS']);
  // The first backoff would be 1000 * 0.5 = 500, which is not less than c's share (1000 / 2): no wait, fail over.
  const report = await run(late, [c, d], { deadlineMs: 1000, retries: 2, backoffMs: 1000 });
  assert.deepEqual(attemptsOf(report), ['c:1:PROVIDER_ERROR', 'd:1:SUCCESS']);
  assert.deepEqual(late.backoffs(), []);
});

test('once the deadline is spent, no further attempt is made', async () => {
  const time = fakeTime();
  const a = scripted('a', [
    async () => {
      time.advance(1000);
      return 'PROVIDER_ERROR';
    },
  ]);
  const b = scripted('b', ['SUCCESS']);
  const report = await run(time, [a, b], { deadlineMs: 1000, retries: 2 });
  assert.deepEqual(attemptsOf(report), ['a:1:PROVIDER_ERROR']);
  assert.equal(b.calls.length, 0);
  assert.equal(report.result, 'PROVIDER_ERROR');
});

test('a thrown error is EXCEPTION, retried, with the code scrubbed from the detail', async () => {
  const time = fakeTime();
  const a = scripted('a', [
    async (r) => {
      throw new Error(`provider rejected ${r.oneTimePassword}`);
    },
    'SUCCESS',
  ]);
  const report = await run(time, [a]);
  assert.deepEqual(attemptsOf(report), ['a:1:EXCEPTION', 'a:2:SUCCESS']);
  assert.equal(report.attempts[0]!.detail, 'threw: provider rejected [redacted]');
});

test('a handler past its deadline is EXCEPTION "timed out", its signal is aborted, and the chain goes on', async () => {
  const time = fakeTime();
  const hanging = scripted('hanging', [
    async (_r, context) => {
      time.expire(context.signal);
      return new Promise<DeliveryResult>(() => {}); // ignores the signal: the dispatcher must not wait for it
    },
  ]);
  const honest = scripted('honest', [
    (_r, context) =>
      new Promise<DeliveryResult>((_resolve, reject) => {
        context.signal.addEventListener('abort', () => reject(new Error('aborted')));
        time.expire(context.signal);
      }),
  ]);
  const backup = scripted('backup', ['SUCCESS']);
  const report = await run(time, [hanging, honest, backup], { deadlineMs: 900, retries: 0 });
  assert.deepEqual(attemptsOf(report), ['hanging:1:EXCEPTION', 'honest:1:EXCEPTION', 'backup:1:SUCCESS']);
  assert.deepEqual(
    report.attempts.map((a) => a.detail),
    ['timed out', 'timed out', null],
  );
  assert.ok(hanging.calls[0]!.signal.aborted);
  // Each timeout used exactly its share: 900 / 3, then 600 / 2, then the 300 left.
  assert.deepEqual(
    [hanging, honest, backup].map((h) => time.deadlineOf(h.calls[0]!.signal)),
    [300, 300, 300],
  );
});

test('a timed-out attempt is retried like any EXCEPTION', async () => {
  const time = fakeTime();
  const a = scripted('a', [
    async (_r, context) => {
      time.expire(context.signal);
      return new Promise<DeliveryResult>(() => {});
    },
    'SUCCESS',
  ]);
  const report = await run(time, [a, scripted('b', ['SUCCESS'])], { deadlineMs: 1000, retries: 1, backoffMs: 0 });
  assert.deepEqual(attemptsOf(report), ['a:1:EXCEPTION', 'a:2:SUCCESS']);
  // The retry's share is of what the timeout left: (1000 - 500) / 2.
  assert.deepEqual(
    a.calls.map((c) => time.deadlineOf(c.signal)),
    [500, 250],
  );
});

test('a finished attempt aborts its signal, which cancels its deadline timer', async () => {
  const time = fakeTime();
  const a = scripted('a', ['SUCCESS']);
  await run(time, [a]);
  assert.ok(a.calls[0]!.signal.aborted);
  assert.notEqual((a.calls[0]!.signal.reason as Error | undefined)?.message, 'delivery deadline passed');
});

test('an unknown named credential is a configuration error: not retried, logged as an error, the chain fails over', async () => {
  const time = fakeTime();
  const errors: string[] = [];
  const logger: BaseLogger = { ...silent, error: (_fields, message) => void errors.push(message) };
  const a = scripted('a', [
    async (_r, context) => {
      await context.callout('callout:Missing/messages');
      return 'SUCCESS';
    },
  ]);
  const b = scripted('b', ['SUCCESS']);
  const report = await run(time, [a, b], { retries: 2 }, logger);
  assert.deepEqual(attemptsOf(report), ['a:1:EXCEPTION', 'b:1:SUCCESS']);
  assert.equal(report.attempts[0]!.detail, 'configuration error: no named credential "Missing" is configured');
  assert.deepEqual(time.backoffs(), []);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /configuration problem: delivery handler "a" calls callout:Missing/);
});

test('a result that is not one of the contract values is EXCEPTION', async () => {
  const report = await run(fakeTime(), [scripted('a', ['DELIVERED' as DeliveryResult])], { retries: 0 });
  assert.deepEqual(attemptsOf(report), ['a:1:EXCEPTION']);
  assert.equal(report.attempts[0]!.detail, 'handler returned no valid result');
});

test("a handler's own timeoutMs caps its attempt below its share of the deadline", async () => {
  const time = fakeTime();
  const slow = scripted('slow', [
    async (_r, context) => {
      time.expire(context.signal);
      return new Promise<DeliveryResult>(() => {});
    },
  ]);
  const b = scripted('b', ['SUCCESS']);
  const report = await run(time, [{ ...slow, timeoutMs: 1_500 }, b], { retries: 0 });
  assert.deepEqual(attemptsOf(report), ['slow:1:EXCEPTION', 'b:1:SUCCESS']);
  // Two handlers share 10 s, 5 s each, but the first asked for 1.5 s; the second gets all that is left.
  assert.deepEqual(
    [slow, b].map((h) => time.deadlineOf(h.calls[0]!.signal)),
    [1_500, 8_500],
  );
});

test('an open circuit skips its handler without a call or an attempt record; the probe after openSeconds closes it', async () => {
  const time = fakeTime();
  const breaker = createCircuitBreaker({ failures: 2, openSeconds: 30 }, time.timers.elapsedMs);
  let down = true;
  const a = { ...scripted('a', [async () => (down ? 'PROVIDER_ERROR' : 'SUCCESS')]), breaker };
  const b = scripted('b', ['SUCCESS']);
  // The first send: a fails twice (one retry), the circuit opens, b delivers.
  assert.deepEqual(attemptsOf(await run(time, [a, b], { retries: 1 })), ['a:1:PROVIDER_ERROR', 'a:2:PROVIDER_ERROR', 'b:1:SUCCESS']);
  assert.equal(breaker.state(), 'open');
  // While open, a is not called at all.
  assert.deepEqual(attemptsOf(await run(time, [a, b], { retries: 1 })), ['b:1:SUCCESS']);
  assert.equal(a.calls.length, 2);
  // After 30 s one probe goes to a; it still fails, so the circuit opens again and b delivers.
  time.advance(30_000);
  assert.deepEqual(attemptsOf(await run(time, [a, b], { retries: 1 })), ['a:1:PROVIDER_ERROR', 'b:1:SUCCESS']);
  assert.equal(breaker.state(), 'open');
  // The provider is back: the next probe succeeds and a serves again.
  down = false;
  time.advance(30_000);
  assert.deepEqual(attemptsOf(await run(time, [a, b])), ['a:1:SUCCESS']);
  assert.equal(breaker.state(), 'closed');
});

test('an answer that blames the number, not the provider, does not count against the circuit', async () => {
  const time = fakeTime();
  const breaker = createCircuitBreaker({ failures: 1, openSeconds: 30 }, time.timers.elapsedMs);
  const a = { ...scripted('a', ['INVALID_PHONE_NUMBER']), breaker };
  await run(time, [a]);
  await run(time, [a]);
  assert.equal(breaker.state(), 'closed');
  assert.equal(a.calls.length, 2);
});
