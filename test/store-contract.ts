/**
 * The store contract: every Store implementation (SQLite now, PostgreSQL later) must pass this suite
 * unchanged. It only speaks the interfaces of src/domain/repositories.ts; each test opens its own store.
 *
 * @example
 * runStoreContract('sqlite memory', async () => createSqliteStore('sqlite::memory:'));
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import type { AuthorizationCode, Token } from '../src/domain/oauth.js';
import { parsePhone, type PhoneNumber } from '../src/domain/phone.js';
import { UniqueViolation, type DeliveryAttemptRecord, type Store, type StoredSite } from '../src/domain/repositories.js';
import type { BrowserSession } from '../src/domain/session.js';
import type { NewUser } from '../src/domain/user.js';
import type { Verification } from '../src/domain/verification.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** T0 plus `ms`: every test runs on fixed, readable times instead of the wall clock. */
const at = (ms: number) => new Date(T0.getTime() + ms);

function phone(input: string): PhoneNumber {
  const parsed = parsePhone(input);
  assert.ok(parsed, `test phone ${input} must parse`);
  return parsed.e164;
}

const PHONE_A = phone('+14155550101');
const PHONE_B = phone('+14155550102');
const PHONE_C = phone('+12025550123');

function newUser(overrides: Partial<Omit<NewUser, 'siteId'>> = {}): Omit<NewUser, 'siteId'> {
  return {
    id: randomUUID(),
    username: `user-${randomUUID().slice(0, 8)}`,
    phone: null,
    phoneVerified: false,
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: null,
    locale: 'en',
    status: 'active',
    customData: { plan: 'free', tags: ['a'] },
    ...overrides,
  };
}

function newVerification(overrides: Partial<Omit<Verification, 'siteId'>> = {}): Omit<Verification, 'siteId'> {
  return {
    id: randomUUID().replace(/-/g, ''),
    useCase: 'passwordless_login',
    userId: 'user-1',
    phone: PHONE_A,
    codeHash: 'hash-1',
    keyId: 'k1',
    state: 'pending',
    attempts: 0,
    maxAttempts: 5,
    sends: 1,
    lastSentAt: T0,
    expiresAt: at(10 * MINUTE),
    createdAt: T0,
    deliverable: true,
    locale: 'en',
    experienceId: null,
    payload: { startUrl: '/home' },
    ...overrides,
  };
}

function newCode(overrides: Partial<Omit<AuthorizationCode, 'siteId'>> = {}): Omit<AuthorizationCode, 'siteId'> {
  return {
    codeHash: `code-${randomUUID()}`,
    clientId: 'app',
    userId: 'user-1',
    redirectUri: 'https://app.example/cb',
    scope: 'openid',
    codeChallenge: 'challenge',
    nonce: null,
    authTime: T0,
    familyId: 'family-1',
    expiresAt: at(MINUTE),
    ...overrides,
  };
}

function newToken(overrides: Partial<Omit<Token, 'siteId'>> = {}): Omit<Token, 'siteId'> {
  return {
    tokenHash: `token-${randomUUID()}`,
    kind: 'refresh',
    clientId: 'app',
    userId: 'user-1',
    scope: 'openid',
    familyId: 'family-1',
    authTime: T0,
    expiresAt: at(HOUR),
    revokedAt: null,
    replacedAt: null,
    stepUpAt: null,
    createdAt: T0,
    ...overrides,
  };
}

function newSession(overrides: Partial<Omit<BrowserSession, 'siteId'>> = {}): Omit<BrowserSession, 'siteId'> {
  return {
    tokenHash: `session-${randomUUID()}`,
    userId: 'user-1',
    authTime: T0,
    secondFactorAt: null,
    createdAt: T0,
    expiresAt: at(HOUR),
    lastSeenAt: T0,
    revokedAt: null,
    ...overrides,
  };
}

function attempt(verificationId: string, n: number, overrides: Partial<DeliveryAttemptRecord> = {}): DeliveryAttemptRecord {
  return {
    verificationId,
    handler: 'console',
    attempt: n,
    result: 'SUCCESS',
    latencyMs: 12,
    providerMessageId: `msg-${n}`,
    detail: null,
    callouts: [{ url: 'https://api.example.com/sms', method: 'POST', status: 201, latencyMs: 9 }],
    country: 'US',
    createdAt: at(n),
    receipt: null,
    ...overrides,
  };
}

/** A site row: its settings are opaque to the store, so any JSON object must come back as it went in. */
function newSite(id: string, name = `Site ${id}`) {
  const settings = {
    id,
    name,
    locale: 'en',
    defaultCountry: 'US',
    policy: { deniedCountries: ['KP'] },
    handlers: [{ type: 'console' }],
    userDiscoveryHandler: null,
    tokens: { accessTokenTtlSeconds: 3600, refreshTokenTtlSeconds: 86_400, authorizationCodeTtlSeconds: 60 },
    branding: {},
  };
  return { id, name, settings } satisfies Pick<StoredSite, 'id' | 'name' | 'settings'>;
}

/** Asserts that `run` rejects with a UniqueViolation on `field`. */
async function assertUniqueViolation(run: () => Promise<unknown>, field: UniqueViolation['field']): Promise<void> {
  await assert.rejects(run, (error: unknown) => {
    assert.ok(error instanceof UniqueViolation, `expected a UniqueViolation, got ${String(error)}`);
    assert.equal(error.field, field);
    return true;
  });
}

const countWhere = <T>(items: T[], keep: (item: T) => boolean) => items.filter(keep).length;

export function runStoreContract(name: string, open: () => Promise<Store>): void {
  /** A fresh, migrated store for one test, closed when the test ends. */
  async function fresh(t: TestContext): Promise<Store> {
    const store = await open();
    t.after(() => store.close());
    await store.migrate();
    return store;
  }

  describe(`store contract: ${name}`, () => {
    describe('store', () => {
      test('migrate is idempotent and ping answers', async (t) => {
        const store = await fresh(t);
        await store.migrate();
        await store.ping();
      });
    });

    describe('users', () => {
      test('create returns the user and byId, byUsername, byPhone find it', async (t) => {
        const users = (await fresh(t)).forSite('a').users;
        const input = newUser({ username: 'ada', phone: PHONE_A, phoneVerified: true, email: 'ada@example.com' });
        const created = await users.create(input, T0);
        assert.deepEqual(created, { ...input, siteId: 'a', createdAt: T0, updatedAt: T0 });
        assert.deepEqual(await users.byId(input.id), created);
        assert.deepEqual(await users.byUsername('ada'), created);
        assert.deepEqual(await users.byPhone(PHONE_A), created);
      });

      test('unknown id, username and phone give null', async (t) => {
        const users = (await fresh(t)).forSite('a').users;
        await users.create(newUser({ username: 'ada', phone: PHONE_A }), T0);
        assert.equal(await users.byId('nobody'), null);
        assert.equal(await users.byUsername('grace'), null);
        assert.equal(await users.byPhone(PHONE_B), null);
      });

      test('list pages in creation order', async (t) => {
        const users = (await fresh(t)).forSite('a').users;
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) ids.push((await users.create(newUser({ username: `u${i}` }), at(i * MINUTE))).id);
        assert.deepEqual(
          (await users.list({ limit: 10, offset: 0 })).map((u) => u.id),
          ids,
        );
        assert.deepEqual(
          (await users.list({ limit: 2, offset: 0 })).map((u) => u.id),
          ids.slice(0, 2),
        );
        assert.deepEqual(
          (await users.list({ limit: 2, offset: 2 })).map((u) => u.id),
          ids.slice(2, 4),
        );
        assert.deepEqual(
          (await users.list({ limit: 2, offset: 4 })).map((u) => u.id),
          ids.slice(4),
        );
        assert.deepEqual(await users.list({ limit: 2, offset: 5 }), []);
      });

      test('a taken phone or username on the same site is a UniqueViolation naming the field', async (t) => {
        const users = (await fresh(t)).forSite('a').users;
        await users.create(newUser({ username: 'ada', phone: PHONE_A }), T0);
        await assertUniqueViolation(() => users.create(newUser({ username: 'other', phone: PHONE_A }), T0), 'phone');
        await assertUniqueViolation(() => users.create(newUser({ username: 'ada', phone: PHONE_B }), T0), 'username');
        assert.equal((await users.list({ limit: 10, offset: 0 })).length, 1);
      });

      test('a duplicate id in any repository is a UniqueViolation on id, not a driver error', async (t) => {
        const site = (await fresh(t)).forSite('a');
        const user = newUser();
        await site.users.create(user, T0);
        await assertUniqueViolation(() => site.users.create({ ...user, username: 'someone-else' }, T0), 'id');
        const verification = newVerification();
        await site.verifications.insert(verification);
        await assertUniqueViolation(() => site.verifications.insert(verification), 'id');
      });

      test('createMany writes all the users or, when one fails (an id of another site), none', async (t) => {
        const store = await fresh(t);
        const elsewhere = await store.forSite('b').users.create(newUser(), T0);
        const users = store.forSite('a').users;
        const batch = Array.from({ length: 250 }, (_, i) => ({ user: newUser({ username: `bulk-${i}` }), createdAt: at(i) }));
        await assert.rejects(users.createMany([...batch, { user: newUser({ id: elsewhere.id }), createdAt: T0 }]), UniqueViolation);
        assert.deepEqual(await users.list({ limit: 10, offset: 0 }), [], 'not one of them');
        await users.createMany(batch);
        assert.equal((await users.list({ limit: 500, offset: 0 })).length, 250);
        assert.equal((await users.byUsername('bulk-249'))?.createdAt.getTime(), at(249).getTime());
      });

      test('users without a phone do not collide', async (t) => {
        const users = (await fresh(t)).forSite('a').users;
        await users.create(newUser({ username: 'one', phone: null }), T0);
        await users.create(newUser({ username: 'two', phone: null }), T0);
        assert.equal((await users.list({ limit: 10, offset: 0 })).length, 2);
      });

      test('the same phone and username on two sites are two users', async (t) => {
        const store = await fresh(t);
        const a = await store.forSite('a').users.create(newUser({ username: 'ada', phone: PHONE_A }), T0);
        const b = await store.forSite('b').users.create(newUser({ username: 'ada', phone: PHONE_A }), T0);
        assert.notEqual(a.id, b.id);
        assert.equal((await store.forSite('a').users.byPhone(PHONE_A))?.id, a.id);
        assert.equal((await store.forSite('b').users.byPhone(PHONE_A))?.id, b.id);
        assert.equal((await store.forSite('b').users.byUsername('ada'))?.siteId, 'b');
      });

      test('setVerifiedPhone sets the phone, marks it verified and bumps updatedAt', async (t) => {
        const users = (await fresh(t)).forSite('a').users;
        const user = await users.create(newUser({ phone: PHONE_A, phoneVerified: false }), T0);
        const changed = await users.setVerifiedPhone(user.id, PHONE_B, at(MINUTE));
        assert.deepEqual(changed, { ...user, phone: PHONE_B, phoneVerified: true, updatedAt: at(MINUTE) });
        assert.deepEqual(await users.byId(user.id), changed);
        assert.equal(await users.byPhone(PHONE_A), null);
        assert.equal((await users.byPhone(PHONE_B))?.id, user.id);
      });

      test('setVerifiedPhone: unknown user gives null, a phone held by another user is a UniqueViolation', async (t) => {
        const users = (await fresh(t)).forSite('a').users;
        const holder = await users.create(newUser({ username: 'holder', phone: PHONE_A }), T0);
        const other = await users.create(newUser({ username: 'other', phone: PHONE_B }), T0);
        assert.equal(await users.setVerifiedPhone('nobody', PHONE_C, T0), null);
        await assertUniqueViolation(() => users.setVerifiedPhone(other.id, PHONE_A, T0), 'phone');
        assert.equal((await users.byPhone(PHONE_A))?.id, holder.id);
        assert.equal((await users.byId(other.id))?.phone, PHONE_B);
      });
    });

    describe('verifications', () => {
      test('insert then byId returns it; unknown id gives null', async (t) => {
        const verifications = (await fresh(t)).forSite('a').verifications;
        const v = newVerification({ experienceId: 'exp-1', deliverable: false, userId: null, payload: { userdata: { firstName: 'Ada' } } });
        await verifications.insert(v);
        assert.deepEqual(await verifications.byId(v.id), { ...v, siteId: 'a' });
        assert.equal(await verifications.byId('missing'), null);
      });

      test('findResendable returns the newest pending, unexpired one for the use case, user and phone', async (t) => {
        const verifications = (await fresh(t)).forSite('a').verifications;
        const older = newVerification({ createdAt: T0 });
        const newer = newVerification({ createdAt: at(MINUTE) });
        await verifications.insert(older);
        await verifications.insert(newer);
        await verifications.insert(newVerification({ useCase: 'identity_verification', createdAt: at(2 * MINUTE) }));
        await verifications.insert(newVerification({ userId: 'user-2', createdAt: at(2 * MINUTE) }));
        await verifications.insert(newVerification({ phone: PHONE_B, createdAt: at(2 * MINUTE) }));
        const query = { useCase: 'passwordless_login', userId: 'user-1', now: at(2 * MINUTE) } as const;
        assert.equal((await verifications.findResendable({ ...query, phone: PHONE_A }))?.id, newer.id);
        assert.equal(await verifications.findResendable({ ...query, phone: PHONE_C }), null);
        assert.equal(await verifications.findResendable({ ...query, userId: 'user-3' }), null);
      });

      test('findResendable with a requestKey finds only the verification that request started, even behind newer ones', async (t) => {
        const verifications = (await fresh(t)).forSite('a').verifications;
        const mine = newVerification({ createdAt: T0, payload: { requestKey: 'mine' } });
        await verifications.insert(mine);
        await verifications.insert(newVerification({ createdAt: at(MINUTE), payload: { requestKey: 'theirs' } }));
        const query = { useCase: 'passwordless_login', userId: 'user-1', phone: PHONE_A, now: at(2 * MINUTE) } as const;
        assert.equal((await verifications.findResendable({ ...query, requestKey: 'mine' }))?.id, mine.id);
        assert.equal(await verifications.findResendable({ ...query, requestKey: 'nobody' }), null);
      });

      test('findResendable without a phone matches any phone of the user', async (t) => {
        const verifications = (await fresh(t)).forSite('a').verifications;
        const v = newVerification({ phone: PHONE_B });
        await verifications.insert(v);
        assert.equal((await verifications.findResendable({ useCase: 'passwordless_login', userId: 'user-1', now: T0 }))?.id, v.id);
      });

      test('findResendable with a null user matches only verifications without a user', async (t) => {
        const verifications = (await fresh(t)).forSite('a').verifications;
        const anonymous = newVerification({ useCase: 'self_registration', userId: null });
        await verifications.insert(newVerification({ useCase: 'self_registration', userId: 'user-1', createdAt: at(MINUTE) }));
        await verifications.insert(anonymous);
        const found = await verifications.findResendable({ useCase: 'self_registration', userId: null, phone: PHONE_A, now: at(MINUTE) });
        assert.equal(found?.id, anonymous.id);
      });

      test('findResendable skips expired, verified and locked verifications', async (t) => {
        const verifications = (await fresh(t)).forSite('a').verifications;
        const query = { useCase: 'passwordless_login', userId: 'user-1', phone: PHONE_A } as const;
        const expiring = newVerification({ expiresAt: at(MINUTE) });
        await verifications.insert(expiring);
        assert.equal((await verifications.findResendable({ ...query, now: at(MINUTE - 1) }))?.id, expiring.id);
        assert.equal(await verifications.findResendable({ ...query, now: at(MINUTE) }), null);

        // Newer than `expiring`, so only the state filter keeps them out.
        const verified = newVerification({ createdAt: at(1) });
        await verifications.insert(verified);
        await verifications.markVerified(verified.id, T0);
        await verifications.insert(newVerification({ state: 'locked', createdAt: at(2) }));
        await verifications.insert(newVerification({ state: 'locked', createdAt: at(3) }));
        await verifications.insert(newVerification({ state: 'verified', createdAt: at(4) }));
        assert.equal((await verifications.findResendable({ ...query, now: at(5) }))?.id, expiring.id);
        await verifications.markVerified(expiring.id, at(5));
        assert.equal(await verifications.findResendable({ ...query, now: at(5) }), null);
      });

      test('recordResend replaces the code, bumps sends and keeps the attempts', async (t) => {
        const verifications = (await fresh(t)).forSite('a').verifications;
        const v = newVerification();
        await verifications.insert(v);
        await verifications.countAttempt(v.id, T0);
        await verifications.countAttempt(v.id, T0);
        const change = { codeHash: 'hash-2', keyId: 'k2', previousSentAt: v.lastSentAt, sentAt: at(MINUTE), expiresAt: at(11 * MINUTE) };
        assert.equal(await verifications.recordResend(v.id, change), true);
        // A second resend that read the old send time loses: concurrent resends send once.
        assert.equal(await verifications.recordResend(v.id, { ...change, codeHash: 'hash-3' }), false);
        const after = await verifications.byId(v.id);
        assert.deepEqual(after, {
          ...v,
          siteId: 'a',
          codeHash: 'hash-2',
          keyId: 'k2',
          lastSentAt: at(MINUTE),
          expiresAt: at(11 * MINUTE),
          sends: 2,
          attempts: 2,
        });
      });

      test('recordResend refuses unknown and non-pending verifications', async (t) => {
        const verifications = (await fresh(t)).forSite('a').verifications;
        const change = { codeHash: 'hash-2', keyId: 'k2', previousSentAt: T0, sentAt: at(MINUTE), expiresAt: at(11 * MINUTE) };
        assert.equal(await verifications.recordResend('missing', change), false);
        const locked = newVerification({ state: 'locked' });
        await verifications.insert(locked);
        assert.equal(await verifications.recordResend(locked.id, change), false);
        assert.equal((await verifications.byId(locked.id))?.codeHash, 'hash-1');
      });

      test('countAttempt counts while pending, unexpired and under budget', async (t) => {
        const verifications = (await fresh(t)).forSite('a').verifications;
        const v = newVerification({ maxAttempts: 2 });
        await verifications.insert(v);
        const first = await verifications.countAttempt(v.id, T0);
        assert.equal(first.kind, 'counted');
        assert.equal(first.kind === 'counted' && first.verification.attempts, 1);
        const second = await verifications.countAttempt(v.id, T0);
        assert.equal(second.kind === 'counted' && second.verification.attempts, 2);
        assert.deepEqual(await verifications.countAttempt(v.id, T0), { kind: 'exhausted' });
        assert.equal((await verifications.byId(v.id))?.attempts, 2);
      });

      test('countAttempt: not_found, expired and not_pending', async (t) => {
        const verifications = (await fresh(t)).forSite('a').verifications;
        assert.deepEqual(await verifications.countAttempt('missing', T0), { kind: 'not_found' });

        const expiring = newVerification({ expiresAt: at(MINUTE) });
        await verifications.insert(expiring);
        assert.deepEqual(await verifications.countAttempt(expiring.id, at(MINUTE)), { kind: 'expired' });
        assert.equal((await verifications.byId(expiring.id))?.attempts, 0);

        const verified = newVerification();
        await verifications.insert(verified);
        await verifications.markVerified(verified.id, T0);
        const afterVerified = await verifications.countAttempt(verified.id, T0);
        assert.equal(afterVerified.kind, 'not_pending');
        assert.equal(afterVerified.kind === 'not_pending' && afterVerified.verification.state, 'verified');

        const locked = newVerification({ state: 'locked' });
        await verifications.insert(locked);
        const afterLocked = await verifications.countAttempt(locked.id, T0);
        assert.equal(afterLocked.kind === 'not_pending' && afterLocked.verification.state, 'locked');
        assert.equal((await verifications.byId(locked.id))?.attempts, 0);
      });

      test('markVerified succeeds once; the second call gives null', async (t) => {
        const verifications = (await fresh(t)).forSite('a').verifications;
        const v = newVerification();
        await verifications.insert(v);
        const verified = await verifications.markVerified(v.id, T0);
        assert.equal(verified?.id, v.id);
        assert.equal(verified?.state, 'verified');
        assert.equal(await verifications.markVerified(v.id, T0), null);
        assert.equal(await verifications.markVerified('missing', T0), null);
        // A locked verification never becomes verified (kept from the removed lock() test).
        const locked = newVerification({ state: 'locked' });
        await verifications.insert(locked);
        assert.equal(await verifications.markVerified(locked.id, T0), null);
        assert.equal((await verifications.byId(locked.id))?.state, 'locked');
      });

      test('purgeExpired deletes only verifications that expired before the cutoff', async (t) => {
        const verifications = (await fresh(t)).forSite('a').verifications;
        const old = newVerification({ expiresAt: at(MINUTE) });
        const current = newVerification({ expiresAt: at(HOUR) });
        await verifications.insert(old);
        await verifications.insert(current);
        assert.equal(await verifications.purgeExpired(at(MINUTE)), 0);
        assert.equal(await verifications.purgeExpired(at(2 * MINUTE)), 1);
        assert.equal(await verifications.byId(old.id), null);
        assert.equal((await verifications.byId(current.id))?.id, current.id);
      });
    });

    describe('send counters', () => {
      // T0 starts an hour: the fixed windows line up with it.
      const ipHourly = { key: 'ip:192.0.2.1|60m', windowMs: HOUR, limit: 3 };
      const siteHourly = { key: 'site|60m', windowMs: HOUR, limit: 100 };

      test('reserve allows `limit` events in a window, then refuses with the readings; another key is unaffected', async (t) => {
        const counters = (await fresh(t)).forSite('a').sendCounters;
        for (let i = 0; i < 3; i++) assert.equal((await counters.reserve([ipHourly], at(i * MINUTE))).ok, true);
        assert.deepEqual(await counters.reserve([ipHourly], at(3 * MINUTE)), { ok: false, readings: [{ current: 3, previous: 0 }] });
        assert.equal((await counters.reserve([{ ...ipHourly, key: 'ip:192.0.2.2|60m' }], at(3 * MINUTE))).ok, true);
      });

      test('the previous window counts as much as it still overlaps the sliding window', async (t) => {
        const counters = (await fresh(t)).forSite('a').sendCounters;
        for (let i = 0; i < 3; i++) await counters.reserve([ipHourly], at(50 * MINUTE));
        // 10 minutes into the next hour, 5/6 of the last one still counts: 2.5 + 1 > 3.
        assert.deepEqual(await counters.reserve([ipHourly], at(HOUR + 10 * MINUTE)), {
          ok: false,
          readings: [{ current: 0, previous: 3 }],
        });
        // Past the middle, 3 * (1 - 0.7) = 0.9, room for two.
        assert.equal((await counters.reserve([ipHourly], at(HOUR + 42 * MINUTE))).ok, true);
        assert.equal((await counters.reserve([ipHourly], at(HOUR + 42 * MINUTE))).ok, true);
        assert.equal((await counters.reserve([ipHourly], at(HOUR + 42 * MINUTE))).ok, false);
        // Two hours on, nothing of T0's hour counts.
        assert.deepEqual(await counters.reserve([ipHourly], at(3 * HOUR)), { ok: true, readings: [{ current: 0, previous: 0 }] });
      });

      test('all or nothing: when one counter is full, none is counted', async (t) => {
        const counters = (await fresh(t)).forSite('a').sendCounters;
        for (let i = 0; i < 3; i++) await counters.reserve([ipHourly, siteHourly], at(i));
        for (let i = 0; i < 5; i++) assert.equal((await counters.reserve([ipHourly, siteHourly], at(10 + i))).ok, false);
        const { readings } = await counters.reserve([siteHourly], at(20));
        assert.deepEqual(readings, [{ current: 3, previous: 0 }]);
      });

      test('purgeBefore removes windows that no longer count', async (t) => {
        const counters = (await fresh(t)).forSite('a').sendCounters;
        await counters.reserve([ipHourly], T0);
        assert.equal(await counters.purgeBefore(at(2 * HOUR - 1)), 0);
        assert.equal(await counters.purgeBefore(at(2 * HOUR + 1)), 1);
      });
    });

    describe('audit', () => {
      test('events recorded at once (written together) all land, each in its own site, newest first', async (t) => {
        const store = await fresh(t);
        const event = (i: number) => ({
          type: i % 2 ? 'code_sent' : 'code_verified',
          useCase: 'login',
          userId: i % 3 ? `u${i}` : null,
          phoneHash: `hash-${i}`,
          ip: '192.0.2.1',
          userAgent: null,
          requestId: `req-${i}`,
          detail: { n: i },
          createdAt: at(i * 1000),
        });
        // 70 in one turn: more than one insert's worth of rows.
        await Promise.all(Array.from({ length: 70 }, (_, i) => store.forSite(i < 60 ? 'a' : 'b').audit.record(event(i))));
        const listed = await store.forSite('a').audit.list({ limit: 100 });
        assert.equal(listed.length, 60);
        assert.deepEqual(listed[0], event(59));
        assert.deepEqual(listed.at(-1), event(0));
        assert.deepEqual(
          (await store.forSite('b').audit.list({ limit: 100 })).map((e) => e.detail.n),
          [69, 68, 67, 66, 65, 64, 63, 62, 61, 60],
        );
      });
    });

    describe('delivery attempts', () => {
      test('insertMany then forVerification returns that verification’s attempts in insertion order', async (t) => {
        const attempts = (await fresh(t)).forSite('a').deliveryAttempts;
        await attempts.insertMany([]);
        const timedOut = [{ url: 'https://api.example.com/sms', method: 'POST', status: null, latencyMs: 5000 }];
        const first = [
          attempt('v1', 1, { result: 'PROVIDER_ERROR', detail: 'HTTP 503', providerMessageId: null, callouts: timedOut }),
          attempt('v1', 2),
        ];
        const second = [attempt('v1', 1, { handler: 'backup', createdAt: at(0) })];
        await attempts.insertMany(first);
        await attempts.insertMany([attempt('v2', 1)]);
        await attempts.insertMany(second);
        assert.deepEqual(await attempts.forVerification('v1'), [...first, ...second]);
        assert.deepEqual(await attempts.forVerification('v3'), []);
      });

      test('list: newest first, narrowed by time, handler, result and country', async (t) => {
        const store = await fresh(t);
        const attempts = store.forSite('a').deliveryAttempts;
        await attempts.insertMany([
          attempt('v1', 1, { result: 'PROVIDER_ERROR', createdAt: at(MINUTE) }),
          attempt('v1', 2, { handler: 'backup', createdAt: at(2 * MINUTE) }),
          attempt('v2', 1, { country: 'GB', createdAt: at(3 * MINUTE) }),
          attempt('v3', 1, { country: null, createdAt: at(4 * MINUTE) }),
        ]);
        const ids = (list: { verificationId: string; attempt: number }[]) => list.map((a) => `${a.verificationId}:${a.attempt}`);
        assert.deepEqual(ids(await attempts.list({ limit: 10 })), ['v3:1', 'v2:1', 'v1:2', 'v1:1']);
        assert.deepEqual(ids(await attempts.list({ limit: 2 })), ['v3:1', 'v2:1']);
        assert.deepEqual(ids(await attempts.list({ since: at(2 * MINUTE), limit: 10 })), ['v3:1', 'v2:1', 'v1:2']);
        assert.deepEqual(ids(await attempts.list({ handler: 'backup', limit: 10 })), ['v1:2']);
        assert.deepEqual(ids(await attempts.list({ result: 'PROVIDER_ERROR', limit: 10 })), ['v1:1']);
        assert.deepEqual(ids(await attempts.list({ country: 'GB', limit: 10 })), ['v2:1']);
        assert.deepEqual(await store.forSite('b').deliveryAttempts.list({ limit: 10 }), [], "another site's attempts are not listed");
      });

      test('recordReceipt: by handler and message id; a final status stays; unknown ids and other sites are told apart', async (t) => {
        const store = await fresh(t);
        const attempts = store.forSite('a').deliveryAttempts;
        await attempts.insertMany([attempt('v1', 1, { handler: 'twilio', providerMessageId: 'SM1' })]);
        const receipt = (status: 'accepted' | 'delivered' | 'undelivered' | 'failed', ms: number) => ({
          status,
          providerStatus: status,
          errorCode: null,
          at: at(ms),
        });
        assert.deepEqual(await attempts.recordReceipt('twilio', 'SM-none', receipt('delivered', 1)), { kind: 'unknown_message' });
        assert.deepEqual(await attempts.recordReceipt('other', 'SM1', receipt('delivered', 1)), { kind: 'unknown_message' });
        assert.deepEqual(await store.forSite('b').deliveryAttempts.recordReceipt('twilio', 'SM1', receipt('delivered', 1)), {
          kind: 'unknown_message',
        });
        const accepted = await attempts.recordReceipt('twilio', 'SM1', receipt('accepted', 1));
        assert.equal(accepted.kind === 'recorded' && accepted.attempt.receipt?.status, 'accepted');
        assert.deepEqual(await attempts.recordReceipt('twilio', 'SM1', receipt('accepted', 2)), { kind: 'unchanged' });
        const undelivered = await attempts.recordReceipt('twilio', 'SM1', receipt('undelivered', 3));
        assert.equal(undelivered.kind, 'recorded');
        // Receipts race: of two final words only the first is kept.
        const both = await Promise.all([
          attempts.recordReceipt('twilio', 'SM1', receipt('delivered', 4)),
          attempts.recordReceipt('twilio', 'SM1', receipt('failed', 4)),
        ]);
        assert.deepEqual(both, [{ kind: 'unchanged' }, { kind: 'unchanged' }]);
        const [stored] = await attempts.forVerification('v1');
        assert.deepEqual(stored!.receipt, { status: 'undelivered', providerStatus: 'undelivered', errorCode: null, at: at(3) });
      });

      test('series: attempts per bucket, by handler or country, and result', async (t) => {
        const attempts = (await fresh(t)).forSite('a').deliveryAttempts;
        await attempts.insertMany([
          attempt('v1', 1, { handler: 'a', result: 'PROVIDER_ERROR', country: 'US', createdAt: at(MINUTE) }),
          attempt('v1', 2, { handler: 'b', country: 'US', createdAt: at(MINUTE + 1) }),
          attempt('v2', 1, { handler: 'b', country: null, createdAt: at(3 * MINUTE) }),
        ]);
        const sorted = <T extends { bucket: Date; key: string; result: string }>(rows: T[]) =>
          rows
            .map((r) => ({ ...r, bucket: r.bucket.getTime() - T0.getTime() }))
            .sort((x, y) => x.bucket - y.bucket || x.key.localeCompare(y.key));
        const bucketMs = 2 * MINUTE;
        const base = Math.floor(T0.getTime() / bucketMs) * bucketMs - T0.getTime();
        assert.deepEqual(
          sorted(await attempts.series({ since: T0, bucketMs, by: 'handler' })),
          [
            { bucket: base, key: 'a', result: 'PROVIDER_ERROR', count: 1 },
            { bucket: base, key: 'b', result: 'SUCCESS', count: 1 },
            { bucket: base + bucketMs, key: 'b', result: 'SUCCESS', count: 1 },
          ].sort((x, y) => x.bucket - y.bucket || x.key.localeCompare(y.key)),
        );
        const byCountry = await attempts.series({ since: at(2 * MINUTE), bucketMs, by: 'country' });
        assert.deepEqual(
          byCountry.map((r) => [r.key, r.result, r.count]),
          [['unknown', 'SUCCESS', 1]],
        );
      });
    });

    describe('clients', () => {
      test('upsert inserts then updates; byId and list read them', async (t) => {
        const clients = (await fresh(t)).forSite('a').clients;
        const app = {
          clientId: 'app',
          name: 'App',
          secretHash: null,
          redirectUris: ['https://app.example/cb'],
          postLogoutRedirectUris: [],
          requirePkce: true,
          firstParty: true,
          idTokenAlg: 'RS256' as const,
        };
        const web = {
          clientId: 'web',
          name: 'Web',
          secretHash: 'hash',
          redirectUris: ['https://web.example/cb', 'https://web.example/cb2'],
          postLogoutRedirectUris: ['https://web.example/bye'],
          requirePkce: false,
          firstParty: false,
          idTokenAlg: 'ES256' as const,
        };
        await clients.upsert(app);
        await clients.upsert(web);
        assert.deepEqual(await clients.byId('app'), { ...app, siteId: 'a' });
        assert.equal(await clients.byId('missing'), null);
        const changed = { ...app, name: 'App 2', secretHash: 'new-hash', redirectUris: ['https://app.example/other'] };
        await clients.upsert(changed);
        assert.deepEqual(await clients.byId('app'), { ...changed, siteId: 'a' });
        const listed = (await clients.list()).sort((x, y) => x.clientId.localeCompare(y.clientId));
        assert.deepEqual(listed, [
          { ...changed, siteId: 'a' },
          { ...web, siteId: 'a' },
        ]);
      });

      test('a client upserted without postLogoutRedirectUris has none', async (t) => {
        const clients = (await fresh(t)).forSite('a').clients;
        await clients.upsert({ clientId: 'old', name: 'Old', secretHash: null, redirectUris: ['https://old.example/cb'] });
        assert.deepEqual((await clients.byId('old'))?.postLogoutRedirectUris, []);
        assert.equal((await clients.byId('old'))?.requirePkce, true, 'PKCE required unless turned off');
        assert.equal((await clients.byId('old'))?.firstParty, false, 'third-party unless said otherwise');
        assert.equal((await clients.byId('old'))?.idTokenAlg, 'RS256', 'ID tokens in RS256 unless said otherwise');
      });
    });

    describe('grants', () => {
      test('consumeCode returns the code once', async (t) => {
        const grants = (await fresh(t)).forSite('a').grants;
        const code = newCode({ nonce: 'n-1' });
        await grants.insertCode(code);
        assert.deepEqual(await grants.consumeCode(code.codeHash, T0), { ...code, siteId: 'a' });
        assert.equal(await grants.consumeCode(code.codeHash, T0), null);
        assert.equal(await grants.consumeCode('missing', T0), null);
      });

      test('an expired code cannot be consumed', async (t) => {
        const grants = (await fresh(t)).forSite('a').grants;
        const code = newCode({ expiresAt: at(MINUTE) });
        await grants.insertCode(code);
        assert.equal(await grants.consumeCode(code.codeHash, at(MINUTE)), null);
      });

      test('insertTokens then tokenByHash returns it', async (t) => {
        const grants = (await fresh(t)).forSite('a').grants;
        const refresh = newToken();
        const access = newToken({ kind: 'access', revokedAt: at(MINUTE) });
        await grants.insertTokens([refresh, access]);
        assert.deepEqual(await grants.tokenByHash(refresh.tokenHash), { ...refresh, siteId: 'a' });
        assert.deepEqual(await grants.tokenByHash(access.tokenHash), { ...access, siteId: 'a' });
        assert.equal(await grants.tokenByHash('missing'), null);
      });

      test('revokeToken revokes once; the second call gives false', async (t) => {
        const grants = (await fresh(t)).forSite('a').grants;
        const token = newToken();
        await grants.insertTokens([token]);
        assert.equal(await grants.revokeToken(token.tokenHash, at(MINUTE)), true);
        assert.deepEqual((await grants.tokenByHash(token.tokenHash))?.revokedAt, at(MINUTE));
        assert.equal(await grants.revokeToken(token.tokenHash, at(2 * MINUTE)), false);
        assert.deepEqual((await grants.tokenByHash(token.tokenHash))?.revokedAt, at(MINUTE));
        assert.equal(await grants.revokeToken('missing', T0), false);
      });

      test('revokeFamily revokes every token of the family and no other', async (t) => {
        const grants = (await fresh(t)).forSite('a').grants;
        const earlier = newToken({ familyId: 'f1', revokedAt: T0 });
        const current = newToken({ familyId: 'f1' });
        const other = newToken({ familyId: 'f2' });
        for (const token of [earlier, current, other]) await grants.insertTokens([token]);
        await grants.revokeFamily('f1', at(MINUTE));
        assert.deepEqual((await grants.tokenByHash(earlier.tokenHash))?.revokedAt, T0);
        assert.deepEqual((await grants.tokenByHash(current.tokenHash))?.revokedAt, at(MINUTE));
        assert.equal((await grants.tokenByHash(other.tokenHash))?.revokedAt, null);
      });

      test('exchangedCodeFamily names the family of a code already exchanged, and nothing for one not yet used', async (t) => {
        const store = await fresh(t);
        const grants = store.forSite('a').grants;
        const code = newCode({ familyId: 'f-code' });
        await grants.insertCode(code);
        assert.equal(await grants.exchangedCodeFamily(code.codeHash), null, 'not exchanged yet');
        await grants.consumeCode(code.codeHash, T0);
        assert.equal(await grants.exchangedCodeFamily(code.codeHash), 'f-code');
        assert.equal(await grants.exchangedCodeFamily('missing'), null);
        assert.equal(await store.forSite('b').grants.exchangedCodeFamily(code.codeHash), null, 'another site');
      });

      test('rotateToken marks a live token rotated once; revokeFamily ends the rotation grace', async (t) => {
        const grants = (await fresh(t)).forSite('a').grants;
        const rotated = newToken({ familyId: 'f1' });
        const successor = newToken({ familyId: 'f1' });
        await grants.insertTokens([rotated]);
        await grants.insertTokens([successor]);
        assert.equal(await grants.rotateToken(rotated.tokenHash, at(MINUTE)), true);
        assert.equal(await grants.rotateToken(rotated.tokenHash, at(2 * MINUTE)), false, 'a concurrent rotation loses');
        const after = await grants.tokenByHash(rotated.tokenHash);
        assert.deepEqual([after?.revokedAt, after?.replacedAt], [at(MINUTE), at(MINUTE)]);
        await grants.revokeFamily('f1', at(3 * MINUTE));
        const revoked = await grants.tokenByHash(rotated.tokenHash);
        assert.deepEqual([revoked?.revokedAt, revoked?.replacedAt], [at(MINUTE), null], 'revocation time kept, grace gone');
        assert.deepEqual((await grants.tokenByHash(successor.tokenHash))?.revokedAt, at(3 * MINUTE));
      });

      test('revocationReached: not for a live or a rotated token; yes once a family, user or client revocation reached it', async (t) => {
        const store = await fresh(t);
        const grants = store.forSite('a').grants;
        const [byFamily, byUser, byClient, live] = [
          newToken({ familyId: 'f1', userId: 'u1' }),
          newToken({ familyId: 'f2', userId: 'u2' }),
          newToken({ familyId: 'f3', userId: 'u3', clientId: 'app-3' }),
          newToken({ familyId: 'f4', userId: 'u4' }),
        ];
        for (const token of [byFamily, byUser, byClient, live]) await grants.insertTokens([token]);
        for (const token of [byFamily, byUser, byClient]) assert.equal(await grants.rotateToken(token.tokenHash, at(MINUTE)), true);
        for (const token of [byFamily, byUser, byClient, live])
          assert.equal(await grants.revocationReached(token.tokenHash), false, 'live or only rotated');
        await grants.revokeFamily('f1', at(2 * MINUTE));
        await grants.revokeUserTokens('u2', at(2 * MINUTE));
        await grants.revokeClientTokens('u3', 'app-3', at(2 * MINUTE));
        for (const token of [byFamily, byUser, byClient]) assert.equal(await grants.revocationReached(token.tokenHash), true);
        assert.equal(await grants.revocationReached(live.tokenHash), false);
        assert.equal(await grants.revocationReached('missing'), false);
        assert.equal(await store.forSite('b').grants.revocationReached(byFamily.tokenHash), false, 'another site');
      });

      test('revokeUserTokens revokes every token of the user and no other', async (t) => {
        const grants = (await fresh(t)).forSite('a').grants;
        const access = newToken({ kind: 'access', userId: 'u1', familyId: 'f1' });
        const refresh = newToken({ userId: 'u1', familyId: 'f2' });
        const other = newToken({ userId: 'u2', familyId: 'f3' });
        for (const token of [access, refresh, other]) await grants.insertTokens([token]);
        await grants.revokeUserTokens('u1', at(MINUTE));
        assert.deepEqual((await grants.tokenByHash(access.tokenHash))?.revokedAt, at(MINUTE));
        assert.deepEqual((await grants.tokenByHash(refresh.tokenHash))?.revokedAt, at(MINUTE));
        assert.equal((await grants.tokenByHash(other.tokenHash))?.revokedAt, null);
      });

      test('purgeExpired deletes codes and tokens that expired before the cutoff and counts them', async (t) => {
        const grants = (await fresh(t)).forSite('a').grants;
        const oldCode = newCode({ expiresAt: at(MINUTE) });
        const liveCode = newCode({ expiresAt: at(HOUR) });
        const oldToken = newToken({ expiresAt: at(MINUTE) });
        const liveToken = newToken({ expiresAt: at(HOUR) });
        await grants.insertCode(oldCode);
        await grants.insertCode(liveCode);
        await grants.insertTokens([oldToken]);
        await grants.insertTokens([liveToken]);
        assert.equal(await grants.purgeExpired(at(2 * MINUTE)), 2);
        assert.equal(await grants.tokenByHash(oldToken.tokenHash), null);
        assert.equal((await grants.tokenByHash(liveToken.tokenHash))?.tokenHash, liveToken.tokenHash);
        assert.equal((await grants.consumeCode(liveCode.codeHash, at(2 * MINUTE)))?.codeHash, liveCode.codeHash);
        assert.equal(await grants.purgeExpired(at(2 * MINUTE)), 0);
      });
    });

    describe('signing keys', () => {
      test('insert then list returns keys newest first', async (t) => {
        const keys = (await fresh(t)).forSite('a').signingKeys;
        assert.deepEqual(await keys.list(), []);
        const key = (kid: string, createdAt: Date) => ({
          kid,
          alg: 'ES256',
          privateKey: `enc:v1:k:${kid}`,
          publicJwk: { kty: 'EC', kid },
          createdAt,
        });
        await keys.insert(key('middle', at(MINUTE)));
        await keys.insert(key('oldest', T0));
        await keys.insert(key('newest', at(2 * MINUTE)));
        const listed = await keys.list();
        assert.deepEqual(
          listed.map((k) => k.kid),
          ['newest', 'middle', 'oldest'],
        );
        assert.deepEqual(listed[0], { ...key('newest', at(2 * MINUTE)), siteId: 'a' });
      });

      test('insertFirst: of several racing first keys of an algorithm one is made; another algorithm and site are apart', async (t) => {
        const store = await fresh(t);
        const keys = store.forSite('a').signingKeys;
        const key = (kid: string, alg: 'ES256' | 'RS256') => ({ kid, alg, privateKey: `enc:${kid}`, publicJwk: { kid }, createdAt: T0 });
        const made = await Promise.all(['k1', 'k2', 'k3', 'k4'].map((kid) => keys.insertFirst(key(kid, 'ES256'))));
        assert.equal(made.filter(Boolean).length, 1);
        assert.equal(await keys.insertFirst(key('r1', 'RS256')), true, 'the other algorithm has none yet');
        assert.equal(await store.forSite('b').signingKeys.insertFirst(key('b1', 'ES256')), true, 'nor has the other site');
        assert.deepEqual((await keys.list()).map((k) => k.alg).sort(), ['ES256', 'RS256']);
      });

      test('replacePrivateKey re-seals one key; remove drops one key; both say false for an unknown kid', async (t) => {
        const store = await fresh(t);
        const keys = store.forSite('a').signingKeys;
        const key = (kid: string) => ({ kid, alg: 'ES256', privateKey: `clear-${kid}`, publicJwk: { kid }, createdAt: T0 });
        await keys.insert(key('k1'));
        await keys.insert(key('k2'));
        assert.equal(await keys.replacePrivateKey('k1', 'enc:v1:new'), true);
        assert.equal(await store.forSite('b').signingKeys.replacePrivateKey('k2', 'enc:v1:other-site'), false);
        assert.deepEqual((await keys.list()).map((k) => [k.kid, k.privateKey]).sort(), [
          ['k1', 'enc:v1:new'],
          ['k2', 'clear-k2'],
        ]);
        assert.equal(await store.forSite('b').signingKeys.remove('k1'), false, 'another site cannot remove it');
        assert.equal(await keys.remove('k1'), true);
        assert.equal(await keys.remove('k1'), false);
        assert.deepEqual(
          (await keys.list()).map((k) => k.kid),
          ['k2'],
        );
        assert.equal(await keys.replacePrivateKey('missing', 'x'), false);
      });
    });

    describe('sessions', () => {
      test('insert then byHash returns the session; unknown hashes give null', async (t) => {
        const sessions = (await fresh(t)).forSite('a').sessions;
        const session = newSession();
        await sessions.insert(session);
        assert.deepEqual(await sessions.byHash(session.tokenHash), { ...session, siteId: 'a' });
        assert.equal(await sessions.byHash('missing'), null);
      });

      test('markSecondFactor records the time on a live session only', async (t) => {
        const sessions = (await fresh(t)).forSite('a').sessions;
        const live = newSession({ expiresAt: at(HOUR) });
        const expired = newSession({ expiresAt: at(MINUTE) });
        const revoked = newSession({ revokedAt: T0 });
        for (const s of [live, expired, revoked]) await sessions.insert(s);
        assert.equal(await sessions.markSecondFactor(live.tokenHash, at(2 * MINUTE)), true);
        assert.deepEqual((await sessions.byHash(live.tokenHash))?.secondFactorAt, at(2 * MINUTE));
        assert.equal(await sessions.markSecondFactor(expired.tokenHash, at(2 * MINUTE)), false);
        assert.equal(await sessions.markSecondFactor(revoked.tokenHash, at(2 * MINUTE)), false);
        assert.equal((await sessions.byHash(revoked.tokenHash))?.secondFactorAt, null);
      });

      test('revoke revokes once; the second call gives false', async (t) => {
        const sessions = (await fresh(t)).forSite('a').sessions;
        const session = newSession();
        await sessions.insert(session);
        assert.equal(await sessions.revoke(session.tokenHash, at(MINUTE)), true);
        assert.deepEqual((await sessions.byHash(session.tokenHash))?.revokedAt, at(MINUTE));
        assert.equal(await sessions.revoke(session.tokenHash, at(2 * MINUTE)), false);
        assert.deepEqual((await sessions.byHash(session.tokenHash))?.revokedAt, at(MINUTE));
        assert.equal(await sessions.revoke('missing', T0), false);
      });

      test('touch records activity on a session not revoked, and on no other', async (t) => {
        const store = await fresh(t);
        const sessions = store.forSite('a').sessions;
        const elsewhere = store.forSite('b').sessions;
        const session = newSession();
        const revoked = newSession({ revokedAt: T0 });
        for (const s of [session, revoked]) await sessions.insert(s);
        assert.equal(await sessions.touch(session.tokenHash, at(MINUTE)), true);
        assert.deepEqual((await sessions.byHash(session.tokenHash))?.lastSeenAt, at(MINUTE));
        assert.equal(await sessions.touch(revoked.tokenHash, at(MINUTE)), false);
        assert.deepEqual((await sessions.byHash(revoked.tokenHash))?.lastSeenAt, T0);
        assert.equal(await elsewhere.touch(session.tokenHash, at(2 * MINUTE)), false, 'another site cannot touch it');
        assert.equal(await sessions.touch('missing', at(MINUTE)), false);
      });

      test("revokeUser revokes every live session of the user and no other user's", async (t) => {
        const sessions = (await fresh(t)).forSite('a').sessions;
        const phone = newSession({ userId: 'u1' });
        const laptop = newSession({ userId: 'u1' });
        const earlier = newSession({ userId: 'u1', revokedAt: T0 });
        const other = newSession({ userId: 'u2' });
        for (const s of [phone, laptop, earlier, other]) await sessions.insert(s);
        assert.equal(await sessions.revokeUser('u1', at(MINUTE)), 2);
        assert.deepEqual((await sessions.byHash(phone.tokenHash))?.revokedAt, at(MINUTE));
        assert.deepEqual((await sessions.byHash(laptop.tokenHash))?.revokedAt, at(MINUTE));
        assert.deepEqual((await sessions.byHash(earlier.tokenHash))?.revokedAt, T0);
        assert.equal((await sessions.byHash(other.tokenHash))?.revokedAt, null);
      });

      test('purgeExpired deletes sessions that expired before the cutoff and counts them', async (t) => {
        const sessions = (await fresh(t)).forSite('a').sessions;
        const old = newSession({ expiresAt: at(MINUTE) });
        const current = newSession({ expiresAt: at(HOUR) });
        await sessions.insert(old);
        await sessions.insert(current);
        assert.equal(await sessions.purgeExpired(at(2 * MINUTE)), 1);
        assert.equal(await sessions.byHash(old.tokenHash), null);
        assert.equal((await sessions.byHash(current.tokenHash))?.tokenHash, current.tokenHash);
      });

      test('codes and tokens keep auth_time', async (t) => {
        const grants = (await fresh(t)).forSite('a').grants;
        const code = newCode({ authTime: at(-HOUR) });
        const token = newToken({ authTime: null });
        await grants.insertCode(code);
        await grants.insertTokens([token]);
        assert.deepEqual((await grants.consumeCode(code.codeHash, T0))?.authTime, at(-HOUR));
        assert.equal((await grants.tokenByHash(token.tokenHash))?.authTime, null);
      });
    });

    describe('sites', () => {
      test('upsert inserts then replaces; byId and list read them', async (t) => {
        const sites = (await fresh(t)).sites;
        assert.deepEqual(await sites.list(), []);
        await sites.upsert(newSite('beta'), T0);
        await sites.upsert(newSite('alpha'), T0);
        assert.deepEqual(await sites.byId('alpha'), { ...newSite('alpha'), createdAt: T0, updatedAt: T0 });
        assert.equal(await sites.byId('missing'), null);
        const base = newSite('alpha', 'Alpha 2');
        const renamed = { ...base, settings: { ...base.settings, enabled: false, handlers: [{ type: 'module', path: '/srv/sms.js' }] } };
        await sites.upsert(renamed, at(MINUTE));
        // Replacing keeps when the site was made and records when it changed.
        assert.deepEqual(await sites.byId('alpha'), { ...renamed, createdAt: T0, updatedAt: at(MINUTE) });
        const listed = (await sites.list()).sort((x, y) => x.id.localeCompare(y.id));
        assert.deepEqual(listed, [
          { ...renamed, createdAt: T0, updatedAt: at(MINUTE) },
          { ...newSite('beta'), createdAt: T0, updatedAt: T0 },
        ]);
      });

      test('settings are kept as given: the store neither checks nor fills them (config/sites.ts does, on read)', async (t) => {
        const sites = (await fresh(t)).sites;
        const settings = { policies: { frozen: true }, nested: [1, 'two', null, { deep: [true] }], unicode: 'Café ☕' };
        await sites.upsert({ id: 'odd', name: 'Odd', settings }, T0);
        assert.deepEqual((await sites.byId('odd'))?.settings, settings);
      });
    });

    describe('tenant isolation: a row written through forSite(a) is invisible through forSite(b)', () => {
      test('users', async (t) => {
        const store = await fresh(t);
        const user = await store.forSite('a').users.create(newUser({ username: 'ada', phone: PHONE_A }), T0);
        const b = store.forSite('b').users;
        assert.equal(await b.byId(user.id), null);
        assert.equal(await b.byUsername('ada'), null);
        assert.equal(await b.byPhone(PHONE_A), null);
        assert.deepEqual(await b.list({ limit: 10, offset: 0 }), []);
        assert.equal(await b.setVerifiedPhone(user.id, PHONE_B, at(MINUTE)), null);
        assert.deepEqual(await store.forSite('a').users.byId(user.id), user);
      });

      test('verifications', async (t) => {
        const store = await fresh(t);
        const a = store.forSite('a').verifications;
        const b = store.forSite('b').verifications;
        const v = newVerification({ expiresAt: at(MINUTE) });
        await a.insert(v);
        assert.equal(await b.byId(v.id), null);
        assert.equal(await b.findResendable({ useCase: v.useCase, userId: v.userId, phone: v.phone, now: T0 }), null);
        assert.equal(await b.findResendable({ useCase: v.useCase, userId: v.userId, now: T0 }), null);
        assert.deepEqual(await b.countAttempt(v.id, T0), { kind: 'not_found' });
        assert.equal(
          await b.recordResend(v.id, { codeHash: 'stolen', keyId: 'k9', previousSentAt: v.lastSentAt, sentAt: T0, expiresAt: at(HOUR) }),
          false,
        );
        assert.equal(await b.markVerified(v.id, T0), null);
        assert.equal(await b.purgeExpired(at(HOUR)), 0);
        assert.deepEqual(await a.byId(v.id), { ...v, siteId: 'a' });
      });

      test('send counters', async (t) => {
        const store = await fresh(t);
        const counter = [{ key: `phone:${PHONE_A}|60m`, windowMs: HOUR, limit: 1 }];
        assert.equal((await store.forSite('a').sendCounters.reserve(counter, T0)).ok, true);
        assert.equal((await store.forSite('b').sendCounters.reserve(counter, T0)).ok, true);
        assert.equal((await store.forSite('a').sendCounters.reserve(counter, T0)).ok, false);
      });

      test('delivery attempts', async (t) => {
        const store = await fresh(t);
        await store.forSite('a').deliveryAttempts.insertMany([attempt('v1', 1)]);
        assert.deepEqual(await store.forSite('b').deliveryAttempts.forVerification('v1'), []);
        assert.equal((await store.forSite('a').deliveryAttempts.forVerification('v1')).length, 1);
      });

      test('clients', async (t) => {
        const store = await fresh(t);
        const app = {
          clientId: 'app',
          name: 'App of a',
          secretHash: 'hash-a',
          redirectUris: ['https://a.example/cb'],
          postLogoutRedirectUris: [],
          requirePkce: true,
          firstParty: false,
          idTokenAlg: 'RS256' as const,
        };
        await store.forSite('a').clients.upsert(app);
        assert.equal(await store.forSite('b').clients.byId('app'), null);
        assert.deepEqual(await store.forSite('b').clients.list(), []);
        // The same client id on another site is another client: it must not overwrite a's.
        await store.forSite('b').clients.upsert({ ...app, name: 'App of b', secretHash: 'hash-b' });
        assert.deepEqual(await store.forSite('a').clients.byId('app'), { ...app, siteId: 'a' });
        assert.equal((await store.forSite('b').clients.byId('app'))?.secretHash, 'hash-b');
      });

      test('grants', async (t) => {
        const store = await fresh(t);
        const a = store.forSite('a').grants;
        const b = store.forSite('b').grants;
        const code = newCode({ expiresAt: at(MINUTE) });
        const token = newToken({ userId: 'u1', familyId: 'f1', expiresAt: at(MINUTE) });
        await a.insertCode(code);
        await a.insertTokens([token]);
        assert.equal(await b.consumeCode(code.codeHash, T0), null);
        assert.equal(await b.tokenByHash(token.tokenHash), null);
        assert.equal(await b.revokeToken(token.tokenHash, T0), false);
        await b.revokeFamily('f1', T0);
        await b.revokeUserTokens('u1', T0);
        assert.equal(await b.purgeExpired(at(HOUR)), 0);
        assert.equal((await a.tokenByHash(token.tokenHash))?.revokedAt, null);
        assert.equal((await a.consumeCode(code.codeHash, T0))?.codeHash, code.codeHash);
      });

      test('signing keys', async (t) => {
        const store = await fresh(t);
        await store
          .forSite('a')
          .signingKeys.insert({ kid: 'k1', alg: 'ES256', privateKey: 'secret', publicJwk: { kid: 'k1' }, createdAt: T0 });
        assert.deepEqual(await store.forSite('b').signingKeys.list(), []);
        assert.equal((await store.forSite('a').signingKeys.list()).length, 1);
      });

      test('sessions', async (t) => {
        const store = await fresh(t);
        const a = store.forSite('a').sessions;
        const b = store.forSite('b').sessions;
        const session = newSession({ userId: 'u1', expiresAt: at(MINUTE) });
        await a.insert(session);
        assert.equal(await b.byHash(session.tokenHash), null);
        assert.equal(await b.markSecondFactor(session.tokenHash, T0), false);
        assert.equal(await b.revoke(session.tokenHash, T0), false);
        assert.equal(await b.revokeUser('u1', T0), 0);
        assert.equal(await b.purgeExpired(at(HOUR)), 0);
        assert.deepEqual(await a.byHash(session.tokenHash), { ...session, siteId: 'a' });
      });

      test('forSite returns a store bound to the asked site', async (t) => {
        const store = await fresh(t);
        assert.equal(store.forSite('a').siteId, 'a');
        assert.equal(store.forSite('b').siteId, 'b');
      });
    });

    describe('concurrency: guarded writes hold under parallel requests', () => {
      test('50 concurrent countAttempt with maxAttempts 5: exactly 5 counted', async (t) => {
        const verifications = (await fresh(t)).forSite('a').verifications;
        const v = newVerification({ maxAttempts: 5 });
        await verifications.insert(v);
        const outcomes = await Promise.all(Array.from({ length: 50 }, () => verifications.countAttempt(v.id, T0)));
        assert.equal(
          countWhere(outcomes, (o) => o.kind === 'counted'),
          5,
        );
        assert.equal(
          countWhere(outcomes, (o) => o.kind === 'exhausted'),
          45,
        );
        const counts = outcomes.flatMap((o) => (o.kind === 'counted' ? [o.verification.attempts] : [])).sort();
        assert.deepEqual(counts, [1, 2, 3, 4, 5]);
        assert.equal((await verifications.byId(v.id))?.attempts, 5);
      });

      test('50 concurrent markVerified: exactly one wins', async (t) => {
        const verifications = (await fresh(t)).forSite('a').verifications;
        const v = newVerification();
        await verifications.insert(v);
        const results = await Promise.all(Array.from({ length: 50 }, () => verifications.markVerified(v.id, T0)));
        assert.equal(
          countWhere(results, (r) => r !== null),
          1,
        );
      });

      test('40 concurrent sendCounters.reserve, a phone limit of 5 under a site limit of 100: exactly 5 ok, 5 counted', async (t) => {
        const sendCounters = (await fresh(t)).forSite('a').sendCounters;
        const counters = [
          { key: `phone:${PHONE_A}|60m`, windowMs: HOUR, limit: 5 },
          { key: 'site|60m', windowMs: HOUR, limit: 100 },
        ];
        const results = await Promise.all(Array.from({ length: 40 }, (_, i) => sendCounters.reserve(counters, at(i))));
        assert.equal(
          countWhere(results, (r) => r.ok),
          5,
        );
        // The losers of the race gave back what they took from the site counter.
        const after = await sendCounters.reserve([counters[1]!], at(100));
        assert.deepEqual(after.readings, [{ current: 5, previous: 0 }]);
      });

      test('a burst straddling a window edge never passes the limit: the new window weighs what the old one took meanwhile', async (t) => {
        const sendCounters = (await fresh(t)).forSite('a').sendCounters;
        const phone = { key: `phone:${PHONE_A}|10m`, windowMs: 10 * MINUTE, limit: 5 };
        const edge = 7 * 10 * MINUTE; // T0 is on a window edge, so this is one too
        // Sends stamped just before the edge and just after it, all in flight together (an attacker's timed burst).
        const before = Array.from({ length: 5 }, (_, i) => sendCounters.reserve([phone], at(edge - 5 + i)));
        const after = Array.from({ length: 5 }, (_, i) => sendCounters.reserve([phone], at(edge + 1 + i)));
        const results = await Promise.all([...before, ...after]);
        assert.ok(countWhere(results, (r) => r.ok) <= 5, `${countWhere(results, (r) => r.ok)} sends passed a limit of 5`);
        const [reading] = await sendCounters.read([phone], at(edge + 10));
        assert.ok(reading!.current + reading!.previous <= 5, JSON.stringify(reading));
      });

      test('a send stamped before a window turned over, counted after the new window took one, is refused', async (t) => {
        const sendCounters = (await fresh(t)).forSite('a').sendCounters;
        const phone = { key: `phone:${PHONE_A}|10m`, windowMs: 10 * MINUTE, limit: 5 };
        const edge = 7 * 10 * MINUTE;
        assert.equal((await sendCounters.reserve([phone], at(edge - 60_000))).ok, true);
        assert.equal((await sendCounters.reserve([phone], at(edge + 1))).ok, true);
        assert.equal((await sendCounters.reserve([phone], at(edge - 1))).ok, false, 'the old window is closed');
        assert.deepEqual(await sendCounters.read([phone], at(edge + 2)), [{ current: 1, previous: 1 }]);
      });

      test('sends counted together: all fit and each is counted once; the site counter one short refuses exactly the rest', async (t) => {
        const sendCounters = (await fresh(t)).forSite('a').sendCounters;
        const site = { key: 'site|60m', windowMs: HOUR, limit: 10 };
        const phone = (i: number) => ({ key: `phone:+1415555${String(i).padStart(4, '0')}|60m`, windowMs: HOUR, limit: 5 });
        // Six different phones in one event-loop turn: one statement, every counter raised by its share.
        const first = await Promise.all(Array.from({ length: 6 }, (_, i) => sendCounters.reserve([phone(i), site], at(i))));
        assert.equal(
          countWhere(first, (r) => r.ok),
          6,
        );
        assert.deepEqual(await sendCounters.read([site, phone(0), phone(6)], at(10)), [
          { current: 6, previous: 0 },
          { current: 1, previous: 0 },
          { current: 0, previous: 0 },
        ]);
        // Each of the next five read 6 of 10 and saw room; together they do not fit: only four may pass.
        const second = await Promise.all(Array.from({ length: 5 }, (_, i) => sendCounters.reserve([phone(10 + i), site], at(20 + i))));
        assert.equal(
          countWhere(second, (r) => r.ok),
          4,
        );
        const readings = await sendCounters.read([site, ...Array.from({ length: 5 }, (_, i) => phone(10 + i))], at(30));
        assert.deepEqual(readings[0], { current: 10, previous: 0 });
        // The refused send's phone was given back what the failed joint attempt had counted.
        assert.equal(
          readings.slice(1).reduce((sum, r) => sum + r.current, 0),
          4,
        );
      });

      test('add: concurrent adds to the same counters all count', async (t) => {
        const sendCounters = (await fresh(t)).forSite('a').sendCounters;
        const counters = [
          { key: 'verified:prefix:+1415|24h', windowMs: 24 * HOUR, limit: 0 },
          { key: 'verified:site|24h', windowMs: 24 * HOUR, limit: 0 },
        ];
        await Promise.all(Array.from({ length: 25 }, (_, i) => sendCounters.add(i % 5 === 0 ? counters.slice(1) : counters, at(i))));
        assert.deepEqual(await sendCounters.read(counters, at(100)), [
          { current: 20, previous: 0 },
          { current: 25, previous: 0 },
        ]);
      });

      test('30 concurrent guessLog.reserve with 10 an hour: exactly 10 ok; a released guess gives its place back', async (t) => {
        const guessLog = (await fresh(t)).forSite('a').guessLog;
        const windows = [
          { ms: HOUR, limit: 10 },
          { ms: 24 * HOUR, limit: 30 },
        ];
        const results = await Promise.all(Array.from({ length: 30 }, (_, i) => guessLog.reserve(PHONE_A, at(i), windows)));
        assert.equal(
          countWhere(results, (r) => r.ok),
          10,
        );
        const oldest = results.findIndex((r) => r.ok);
        const refused = await guessLog.reserve(PHONE_A, at(100), windows);
        assert.ok(
          !refused.ok && refused.retryAt.getTime() === at(oldest + HOUR).getTime(),
          'room again when the oldest guess is an hour old',
        );
        assert.deepEqual(await guessLog.spentUntil(PHONE_A, at(100), windows), at(oldest + HOUR));
        assert.equal(await guessLog.spentUntil(PHONE_B, at(100), windows), null, 'another phone has its own budget');
        const first = results.find((r) => r.ok);
        if (first?.ok) await guessLog.release(first.id);
        assert.equal((await guessLog.reserve(PHONE_A, at(101), windows)).ok, true, 'a right code gives its guess back');
      });

      test('20 concurrent consumeCode: exactly one gets the code', async (t) => {
        const grants = (await fresh(t)).forSite('a').grants;
        const code = newCode();
        await grants.insertCode(code);
        const results = await Promise.all(Array.from({ length: 20 }, () => grants.consumeCode(code.codeHash, T0)));
        assert.equal(
          countWhere(results, (r) => r !== null),
          1,
        );
      });
    });
  });
}
