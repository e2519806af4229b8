/**
 * The end-to-end guarantees of §6 at the flow level, through the library API on a real database (SQLite
 * and PostgreSQL, every case on both): one success per code under concurrent submissions, an attempt budget
 * that concurrent guesses cannot exceed, and a resend that keeps the identifier and the attempts spent.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { composeServices, otpgateOf, type Otpgate } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { createManualClock } from '../src/domain/clock.js';
import type { Store } from '../src/domain/repositories.js';
import { classify } from '../src/domain/verification.js';
import { openStore } from '../src/store/open-store.js';
import { requirePostgres } from './support/postgres.js';
import { openTestDatabase } from './support/test-server.js';

const SITE = 'race';
const MAX_ATTEMPTS = 5;

type Kind = 'sqlite' | 'postgres';
const KINDS: Kind[] = ['sqlite', ...((await requirePostgres('race: postgres')) ? ['postgres' as const] : [])];

interface Fixture {
  app: Otpgate;
  store: Store;
  clock: ReturnType<typeof createManualClock>;
  /** The code of the newest message the console handler printed. */
  lastCode(): string;
  sentCount(): number;
}

async function startApp(t: TestContext, kind: Kind, wrapStore?: (store: Store) => Store): Promise<Fixture> {
  const database = await openTestDatabase(kind);
  const config = configSchema.parse({
    server: { logLevel: 'silent' },
    database: { url: database.url },
    secrets: { hmac: [{ id: 'test', secret: 'race-test-secret-0123456789' }] },
    defaults: { policy: { maxAttempts: MAX_ATTEMPTS, resendIntervalSeconds: 30 } },
    sites: [{ id: SITE, name: 'Race', handlers: ['console'] }],
  });
  const messages: string[] = [];
  const clock = createManualClock();
  const store = wrapStore?.(await openStore(config.database.url));
  const services = await composeServices({ config, clock, consoleWrite: (line) => messages.push(line), ...(store ? { store } : {}) });
  const app = otpgateOf(services);
  t.after(async () => {
    await app.close();
    await database.drop();
  });
  return {
    app,
    store: services.store,
    clock,
    sentCount: () => messages.length,
    lastCode() {
      // The default text ends with the WebOTP line `@host #code`.
      const match = /^@\S+ #(\d+)$/m.exec(messages.at(-1) ?? '');
      assert.ok(match, `no WebOTP line in the console output: ${JSON.stringify(messages.at(-1))}`);
      return match[1]!;
    },
  };
}

/** Registers a user through self-registration and returns its id. */
async function registerUser(fixture: Fixture, mobilePhone = '+14155550101'): Promise<string> {
  const um = fixture.app.userManagement(SITE);
  const identifier = await um.initSelfRegistration('SMS', {
    mobilePhone,
    firstName: 'Ada',
    lastName: 'Lovelace',
    username: `ada-${mobilePhone}`,
  });
  const result = await um.verifySelfRegistration('SMS', identifier, fixture.lastCode());
  assert.equal(result.success, true, result.message);
  assert.ok(result.userId);
  return result.userId;
}

const wrongCodeFor = (code: string) => code.replace(/\d$/, (d) => String((Number(d) + 1) % 10));

/** The store with `markVerified` answering `ms` later, as a remote database (PostgreSQL) would. */
function slowMarkVerified(ms: number) {
  return (store: Store): Store => ({
    ...store,
    forSite(siteId) {
      const site = store.forSite(siteId);
      const markVerified = async (id: string, now: Date) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return site.verifications.markVerified(id, now);
      };
      const verifications = { ...site.verifications, markVerified };
      return { ...site, verifications };
    },
  });
}

for (const kind of KINDS) {
  describe(`race: ${kind}`, () => {
    test('50 concurrent submissions of the right code: exactly one succeeds', async (t) => {
      const fixture = await startApp(t, kind);
      const userId = await registerUser(fixture);
      const um = fixture.app.userManagement(SITE);
      const identifier = await um.initPasswordlessLogin(userId, 'SMS');
      const code = fixture.lastCode();

      const results = await Promise.all(Array.from({ length: 50 }, () => um.verifyPasswordlessLogin(userId, 'SMS', identifier, code)));

      const successes = results.filter((r) => r.success);
      assert.equal(
        successes.length,
        1,
        `successes: ${successes.length}; failures: ${[...new Set(results.map((r) => r.error))].join(', ')}`,
      );
      assert.equal(successes[0]!.userId, userId);
      for (const failure of results.filter((r) => !r.success))
        assert.ok(['already_used', 'verification_locked'].includes(failure.error ?? ''), failure.error);
      const stored = await fixture.store.forSite(SITE).verifications.byId(identifier);
      assert.equal(stored?.state, 'verified');
      assert.ok(stored.attempts <= MAX_ATTEMPTS);
      // The code is spent: a later submission cannot sign in again.
      assert.equal((await um.verifyPasswordlessLogin(userId, 'SMS', identifier, code)).success, false);
    });

    test('50 concurrent wrong guesses never count more than maxAttempts and lock the verification', async (t) => {
      const fixture = await startApp(t, kind);
      const userId = await registerUser(fixture);
      const um = fixture.app.userManagement(SITE);
      const identifier = await um.initPasswordlessLogin(userId, 'SMS');
      const code = fixture.lastCode();
      const wrong = wrongCodeFor(code);

      const results = await Promise.all(Array.from({ length: 50 }, () => um.verifyPasswordlessLogin(userId, 'SMS', identifier, wrong)));

      assert.equal(results.filter((r) => r.success).length, 0);
      // Attempts 1..4 are told how many remain; the 5th locks; every later one finds the budget spent.
      assert.equal(results.filter((r) => r.error === 'invalid_code').length, MAX_ATTEMPTS - 1);
      assert.equal(results.filter((r) => r.error === 'verification_locked').length, 50 - (MAX_ATTEMPTS - 1));
      const stored = await fixture.store.forSite(SITE).verifications.byId(identifier);
      assert.equal(stored?.attempts, MAX_ATTEMPTS);
      // The spent budget is the lock (derived, not written: see src/domain/verification.ts).
      assert.equal(classify(stored, fixture.clock.now()), 'exhausted');
      // Locked means locked: not even the right code gets through now.
      const late = await um.verifyPasswordlessLogin(userId, 'SMS', identifier, code);
      assert.equal(late.success, false);
      assert.equal(late.error, 'verification_locked');
    });

    test('a resend keeps the identifier and the attempts spent, and only the new code works', async (t) => {
      const fixture = await startApp(t, kind);
      const userId = await registerUser(fixture);
      const um = fixture.app.userManagement(SITE);
      const verifications = fixture.store.forSite(SITE).verifications;
      const identifier = await um.initPasswordlessLogin(userId, 'SMS');
      const firstCode = fixture.lastCode();
      for (let i = 0; i < 2; i++)
        assert.equal((await um.verifyPasswordlessLogin(userId, 'SMS', identifier, wrongCodeFor(firstCode))).error, 'invalid_code');

      // Too soon: the resend interval has not passed.
      await assert.rejects(um.initPasswordlessLogin(userId, 'SMS'), { code: 'too_many_requests' });
      fixture.clock.advance(31_000);
      const sentBefore = fixture.sentCount();
      const resent = await um.initPasswordlessLogin(userId, 'SMS');

      assert.equal(resent, identifier);
      assert.equal(fixture.sentCount(), sentBefore + 1);
      const stored = await verifications.byId(identifier);
      assert.equal(stored?.attempts, 2);
      assert.equal(stored.sends, 2);
      const secondCode = fixture.lastCode();
      if (secondCode !== firstCode) {
        const stale = await um.verifyPasswordlessLogin(userId, 'SMS', identifier, firstCode);
        assert.equal(stale.error, 'invalid_code');
        assert.equal((await verifications.byId(identifier))?.attempts, 3);
      }
      const ok = await um.verifyPasswordlessLogin(userId, 'SMS', identifier, secondCode);
      assert.equal(ok.success, true, ok.message);
      assert.equal(ok.userId, userId);
    });

    test('concurrent resends after the interval share one verification and cannot reset its budget', async (t) => {
      const fixture = await startApp(t, kind);
      const userId = await registerUser(fixture);
      const um = fixture.app.userManagement(SITE);
      const identifier = await um.initPasswordlessLogin(userId, 'SMS');
      for (let i = 0; i < MAX_ATTEMPTS - 1; i++)
        await um.verifyPasswordlessLogin(userId, 'SMS', identifier, wrongCodeFor(fixture.lastCode()));
      fixture.clock.advance(31_000);

      const resends = await Promise.allSettled(Array.from({ length: 5 }, () => um.initPasswordlessLogin(userId, 'SMS')));

      for (const r of resends) if (r.status === 'fulfilled') assert.equal(r.value, identifier);
      const stored = await fixture.store.forSite(SITE).verifications.byId(identifier);
      assert.equal(stored?.attempts, MAX_ATTEMPTS - 1);
      // One attempt is left whatever the resends did: a wrong guess now locks the verification.
      const last = await um.verifyPasswordlessLogin(userId, 'SMS', identifier, 'x1234');
      assert.equal(last.error, 'verification_locked');
    });

    test('concurrent resends after the interval send one message', async (t) => {
      const fixture = await startApp(t, kind);
      const userId = await registerUser(fixture);
      const um = fixture.app.userManagement(SITE);
      await um.initPasswordlessLogin(userId, 'SMS');
      fixture.clock.advance(31_000);
      const sentBefore = fixture.sentCount();

      const resends = await Promise.allSettled(Array.from({ length: 3 }, () => um.initPasswordlessLogin(userId, 'SMS')));

      assert.equal(resends.filter((r) => r.status === 'fulfilled').length, 1);
      assert.equal(fixture.sentCount(), sentBefore + 1);
    });

    test('50 concurrent right codes on a slower database: still exactly one success', async (t) => {
      const fixture = await startApp(t, kind, slowMarkVerified(5));
      const userId = await registerUser(fixture);
      const um = fixture.app.userManagement(SITE);
      const identifier = await um.initPasswordlessLogin(userId, 'SMS');
      const code = fixture.lastCode();

      const results = await Promise.all(Array.from({ length: 50 }, () => um.verifyPasswordlessLogin(userId, 'SMS', identifier, code)));

      assert.equal(results.filter((r) => r.success).length, 1);
    });
  });
}
