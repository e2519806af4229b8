/**
 * The storage the domain needs, declared here and implemented in store/. A SiteStore is bound to one
 * site: every query it runs carries that site_id, so one site can never read another's rows.
 * Every method throws only domain errors for what callers act on (store-errors.ts: UniqueViolation,
 * StoreUnavailable); anything else is a bug and stays as it was raised.
 */
import type { AuthorizationCode, OAuthClient, SigningKey, Token, SigningAlg } from './oauth.js';
import type { PhoneNumber } from './phone.js';
import type { CounterReading, RateCounter } from './rate-window.js';
import type { BrowserSession } from './session.js';
import type { NewUser, User } from './user.js';
import type { Verification } from './verification.js';

export interface UserRepository {
  /** Throws a UniqueViolation when the username or phone is taken on this site. */
  create(user: Omit<NewUser, 'siteId'>, now: Date): Promise<User>;
  /** Creates all of them or, when any one fails (a clash, a value the database refuses), none. */
  createMany(users: { user: Omit<NewUser, 'siteId'>; createdAt: Date }[]): Promise<void>;
  byId(id: string): Promise<User | null>;
  byUsername(username: string): Promise<User | null>;
  byPhone(phone: PhoneNumber): Promise<User | null>;
  list(options: { limit: number; offset: number }): Promise<User[]>;
  /** Sets a new verified phone. Throws a UniqueViolation when another user holds it. */
  setVerifiedPhone(id: string, phone: PhoneNumber, now: Date): Promise<User | null>;
}

// Declared beside the other store errors; re-exported where callers have always imported it from.
export { UniqueViolation } from './store-errors.js';

export type CountedAttempt =
  | { kind: 'counted'; verification: Verification }
  | { kind: 'not_found' }
  | { kind: 'not_pending'; verification: Verification }
  | { kind: 'expired' }
  | { kind: 'exhausted' };

export interface VerificationRepository {
  insert(verification: Omit<Verification, 'siteId'>): Promise<void>;
  byId(id: string): Promise<Verification | null>;
  /**
   * The newest pending, unexpired, not exhausted verification for this use case and user (and phone, when
   * given) that the same request started (`payload.requestKey`, when given): resends reuse it.
   */
  findResendable(query: {
    useCase: Verification['useCase'];
    phone?: PhoneNumber;
    userId: string | null;
    requestKey?: string;
    now: Date;
  }): Promise<Verification | null>;
  /**
   * Replaces the code of a pending verification whose last send is still `previousSentAt`; false when a
   * concurrent resend (or a verify) got there first. Attempts are kept: a resend never resets them.
   */
  recordResend(
    id: string,
    change: { codeHash: string; keyId: string; previousSentAt: Date; sentAt: Date; expiresAt: Date },
  ): Promise<boolean>;
  /**
   * Counts one submission before the code is compared, in one guarded write: pending, unexpired and
   * under budget, or nothing changes. Concurrent submissions can never exceed the budget.
   */
  countAttempt(id: string, now: Date): Promise<CountedAttempt>;
  /** pending -> verified; null when another request got there first (one success per code). */
  markVerified(id: string, now: Date): Promise<Verification | null>;
  /** Deletes verifications that expired before `before`. */
  purgeExpired(before: Date): Promise<number>;
  /** Recent verifications, newest first, narrowed by what is given (for the admin API; the code hash stays in the store). */
  recent(query: { since?: Date; useCase?: string; state?: string; limit: number }): Promise<Verification[]>;
  /** Verifications started, and of those verified, per time bucket and use case since `since` (send-to-verify conversion). */
  series(query: { since: Date; bucketMs: number }): Promise<{ bucket: Date; useCase: string; started: number; verified: number }[]>;
}

export interface RateCounterRepository {
  /**
   * Counts one event against every counter if each has room (sliding windows, domain/rate-window.ts), else
   * counts nothing; atomically per counter, so concurrent requests on any instance cannot overshoot. Returns
   * the readings before this event (after a lost race, the fresh ones).
   */
  reserve(counters: RateCounter[], now: Date): Promise<{ ok: boolean; readings: CounterReading[] }>;
  /** Counts one event against every counter, whatever the counts (what is only measured, never refused). */
  add(counters: RateCounter[], now: Date): Promise<void>;
  read(counters: RateCounter[], now: Date): Promise<CounterReading[]>;
  /** Deletes windows that no longer count for anything (older than twice their length). */
  purgeBefore(before: Date): Promise<number>;
}

/** A rolling window: at most `limit` events within `ms` before now. */
export interface RateWindow {
  ms: number;
  limit: number;
}

/** Wrong codes per phone, across every verification and use case: the guess budget. */
export interface GuessLogRepository {
  /**
   * Takes one guess from the phone's budget when every window has room, atomically (concurrent guesses
   * cannot overshoot); returns its id, to give it back if the guess was right. When a window is full,
   * returns when the oldest guess in it leaves the window.
   */
  reserve(phone: string, now: Date, windows: RateWindow[]): Promise<{ ok: true; id: number } | { ok: false; retryAt: Date }>;
  /** Gives a reserved guess back (the code was right: only wrong codes spend the budget). */
  release(id: number): Promise<void>;
  /** When the budget has room again, or null when it has room now. */
  spentUntil(phone: string, now: Date, windows: RateWindow[]): Promise<Date | null>;
  purgeBefore(before: Date): Promise<number>;
}

/** One HTTP call a handler made through `callout` (DESIGN §4.1): where, how it answered, how long it took. */
export interface CalloutRecord {
  /** Origin and path only: a query string may carry the code. */
  url: string;
  method: string;
  /** The HTTP status, or null when no answer came (refused, timed out, aborted). */
  status: number | null;
  latencyMs: number;
}

export interface DeliveryAttemptRecord {
  verificationId: string;
  handler: string;
  attempt: number;
  result: string;
  latencyMs: number;
  providerMessageId: string | null;
  detail: string | null;
  /** The handler's callouts during this attempt, in order. */
  callouts: CalloutRecord[];
  /** The destination's country (ISO 3166), when known. */
  country: string | null;
  createdAt: Date;
  /** What the provider's delivery receipts said last; absent or null: no receipt came. */
  receipt?: DeliveryReceipt | null;
}

/** A provider's delivery receipt for one attempt, normalised (delivery/providers/receipts.ts). */
export interface DeliveryReceipt {
  /** accepted -> delivered | undelivered | failed. */
  status: 'accepted' | 'delivered' | 'undelivered' | 'failed';
  /** The provider's own status word and error code, for support. */
  providerStatus: string;
  errorCode: string | null;
  at: Date;
}

/** What a receipt did to its attempt: changed its status, told nothing new (a repeat, a late "accepted"), or matched none. */
export type ReceiptRecording = { kind: 'recorded'; attempt: DeliveryAttemptRecord } | { kind: 'unchanged' } | { kind: 'unknown_message' };

export interface DeliveryAttemptRepository {
  insertMany(records: DeliveryAttemptRecord[]): Promise<void>;
  /**
   * Notes a receipt on the attempt of `handler` that got `providerMessageId`. A final status (delivered,
   * undelivered, failed) is never replaced: receipts arrive out of order and more than once, and the first final
   * word is the one fail-over acted on. Guarded in one write, so of two identical receipts one records.
   */
  recordReceipt(handler: string, providerMessageId: string, receipt: DeliveryReceipt): Promise<ReceiptRecording>;
  forVerification(verificationId: string): Promise<DeliveryAttemptRecord[]>;
  /** Attempts per time bucket, handler or country, and result since `since` (the admin console's charts). */
  series(query: {
    since: Date;
    bucketMs: number;
    by: 'handler' | 'country';
  }): Promise<{ bucket: Date; key: string; result: string; count: number }[]>;
  /** Recent attempts, newest first, narrowed by what is given. */
  list(query: { since?: Date; handler?: string; result?: string; country?: string; limit: number }): Promise<DeliveryAttemptRecord[]>;
  /** Deletes attempts recorded before `before` (past the retention period). */
  purgeBefore(before: Date): Promise<number>;
}

/** One append-only record of something security-relevant (a phone change, later: sends, failures, limits). */
/** A destination (`prefix:+1201`, `country:US`) whose sends are refused until `until`: the pumping defence. */
export interface SendBlock {
  subject: string;
  blockedAt: Date;
  until: Date;
  /** What the monitor saw when it throttled: sends and verified codes in its window. */
  sends: number;
  verified: number;
  /** Set when an administrator lifted it. */
  liftedAt: Date | null;
}

export interface SendBlockRepository {
  /**
   * Blocks the subject unless it is blocked already or an administrator lifted a block of it within `quietMs`
   * (their decision stands while the counts that caused it are still in the window). True when this call blocked it.
   */
  block(block: Omit<SendBlock, 'liftedAt'>, quietMs: number): Promise<boolean>;
  /** Ends an active block now; false when there was none. */
  lift(subject: string, now: Date): Promise<boolean>;
  /** Blocks active at `now` (with `all`, every block still kept), newest first. */
  list(now: Date, options?: { all?: boolean }): Promise<SendBlock[]>;
  purgeBefore(before: Date): Promise<number>;
}

/** Wrong codes in a row per phone (NIST SP 800-63B 5.2.2): past the limit the phone is locked until an admin unlocks it. */
export interface PhoneLockRepository {
  /** Counts one more wrong code; locks the phone when the count reaches `limit`. `locked` is true only for the call that locked it. */
  countFailure(phone: string, limit: number, now: Date): Promise<{ failures: number; locked: boolean }>;
  /** A right code: the count starts again (a locked phone stays locked). */
  reset(phone: string): Promise<void>;
  /** Null when the phone has no wrong code since its last right one. */
  status(phone: string): Promise<{ failures: number; lockedAt: Date | null } | null>;
  /** Unlocks and clears the count; false when the phone was not locked. */
  unlock(phone: string): Promise<boolean>;
  locked(): Promise<{ phone: string; failures: number; lockedAt: Date }[]>;
}

export interface AuditEvent {
  type: string;
  useCase: string | null;
  userId: string | null;
  /** A keyed hash of the phone (never the number). */
  phoneHash: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  detail: Record<string, unknown>;
  createdAt: Date;
}

export interface AuditRepository {
  record(event: AuditEvent): Promise<void>;
  /** Newest first. */
  list(query: { since?: Date; type?: string; phoneHash?: string; limit: number }): Promise<AuditEvent[]>;
  purgeBefore(before: Date): Promise<number>;
}

export interface ClientRepository {
  /** Inserts or replaces the client; postLogoutRedirectUris defaults to none. */
  upsert(
    client: Omit<OAuthClient, 'siteId' | 'postLogoutRedirectUris' | 'requirePkce' | 'firstParty' | 'idTokenAlg'> & {
      postLogoutRedirectUris?: string[];
      requirePkce?: boolean;
      firstParty?: boolean;
      /** Absent: RS256. */
      idTokenAlg?: SigningAlg;
    },
  ): Promise<void>;
  byId(clientId: string): Promise<OAuthClient | null>;
  list(): Promise<OAuthClient[]>;
}

export interface GrantRepository {
  insertCode(code: Omit<AuthorizationCode, 'siteId'>): Promise<void>;
  /** Marks the code used and returns it; null when unknown, expired or already used (one exchange per code). */
  consumeCode(codeHash: string, now: Date): Promise<AuthorizationCode | null>;
  /** The family a code already exchanged started; null when the code is unknown or was never exchanged. */
  exchangedCodeFamily(codeHash: string): Promise<string | null>;
  /** Stores the tokens of one issue (an access token and its refresh token) in one write. */
  insertTokens(tokens: [Omit<Token, 'siteId'>, ...Omit<Token, 'siteId'>[]]): Promise<void>;
  tokenByHash(tokenHash: string): Promise<Token | null>;
  /** Revokes an unrevoked token; false when it was already revoked (a concurrent rotation won). */
  revokeToken(tokenHash: string, now: Date): Promise<boolean>;
  /** Revokes an unrevoked refresh token as rotated (replacedAt = now); false when a concurrent call won. */
  rotateToken(tokenHash: string, now: Date): Promise<boolean>;
  /** Revokes every token of the family and ends the rotation grace of its rotated tokens. */
  revokeFamily(familyId: string, now: Date): Promise<void>;
  /**
   * Whether a revocation (of its family, its user's or its client's tokens) has reached this refresh token: revoked,
   * and no longer marked as rotated. A write, so that on PostgreSQL it waits for a revocation in flight.
   */
  revocationReached(tokenHash: string): Promise<boolean>;
  /** The same for every family of the user, except `exceptFamily` (the one that made an account change). */
  revokeUserTokens(userId: string, now: Date, exceptFamily?: string): Promise<void>;
  /** The same for one client's tokens of the user (its consent was revoked). */
  revokeClientTokens(userId: string, clientId: string, now: Date): Promise<void>;
  /** Records a passed step-up on every live token of the family. */
  markStepUp(familyId: string, at: Date): Promise<void>;
  purgeExpired(before: Date): Promise<number>;
}

export interface SigningKeyRepository {
  /** Newest first: the first one signs. */
  list(): Promise<SigningKey[]>;
  insert(key: Omit<SigningKey, 'siteId'>): Promise<void>;
  /**
   * Inserts the key only if the site has no key of its algorithm, atomically across instances (several instances
   * creating a site's first key at once make one, and all publish the same JWKS); false when one existed.
   */
  insertFirst(key: Omit<SigningKey, 'siteId'>): Promise<boolean>;
  /** Replaces a key's stored private key (re-sealed under another key-encryption key); false when unknown. */
  replacePrivateKey(kid: string, privateKey: string): Promise<boolean>;
  /** Removes a key from the JWKS for good; false when unknown. */
  remove(kid: string): Promise<boolean>;
}

export interface SessionRepository {
  insert(session: Omit<BrowserSession, 'siteId'>): Promise<void>;
  /** The session whatever its state (the caller decides with sessionLive); null when unknown. */
  byHash(tokenHash: string): Promise<BrowserSession | null>;
  /** Records a passed second factor on a live session; false when it was revoked or has expired. */
  markSecondFactor(tokenHash: string, at: Date): Promise<boolean>;
  /** Records activity (lastSeenAt) on a session not revoked; false when it was revoked or is unknown. */
  touch(tokenHash: string, at: Date): Promise<boolean>;
  /** Revokes one session; false when it was already revoked or unknown. */
  revoke(tokenHash: string, now: Date): Promise<boolean>;
  /** Revokes every live session of the user ("sign out everywhere"); returns how many. */
  revokeUser(userId: string, now: Date, exceptSession?: string): Promise<number>;
  /** Deletes sessions that expired before `before`. */
  purgeExpired(before: Date): Promise<number>;
}

/** What a user allowed a third-party app (OIDC consent): the scopes, remembered until revoked. */
export interface Consent {
  clientId: string;
  scopes: string[];
  grantedAt: Date;
}

export interface ConsentRepository {
  /** The user's consent to the client, or null when none was given (or it was revoked). */
  get(userId: string, clientId: string): Promise<Consent | null>;
  /** Records consent to `scopes`, added to what was allowed before. */
  grant(userId: string, clientId: string, scopes: string[], at: Date): Promise<void>;
  list(userId: string): Promise<Consent[]>;
  /** False when there was none. */
  revoke(userId: string, clientId: string): Promise<boolean>;
}

export interface SiteStore {
  readonly siteId: string;
  readonly consents: ConsentRepository;
  readonly users: UserRepository;
  readonly verifications: VerificationRepository;
  readonly sendCounters: RateCounterRepository;
  readonly sendBlocks: SendBlockRepository;
  readonly phoneLocks: PhoneLockRepository;
  readonly guessLog: GuessLogRepository;
  readonly deliveryAttempts: DeliveryAttemptRepository;
  readonly clients: ClientRepository;
  readonly grants: GrantRepository;
  readonly signingKeys: SigningKeyRepository;
  readonly sessions: SessionRepository;
  readonly audit: AuditRepository;
}

/**
 * A site as stored: its settings as given (the site's configuration without its clients). The store does not
 * know the site schema; config/sites.ts checks the settings and resolves them into a Site on every read.
 */
export interface StoredSite {
  id: string;
  name: string;
  settings: unknown;
  createdAt: Date;
  updatedAt: Date;
}

export interface SiteRepository {
  /** Inserts the site or replaces its name and settings (createdAt stays). */
  upsert(site: Pick<StoredSite, 'id' | 'name' | 'settings'>, now: Date): Promise<void>;
  byId(id: string): Promise<StoredSite | null>;
  /** Every site, by id. */
  list(): Promise<StoredSite[]>;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly sites: SiteRepository;
  forSite(siteId: string): SiteStore;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** The connection pool now (PostgreSQL); absent where there is none (SQLite's one connection). */
  poolStats?(): { total: number; idle: number; waiting: number };
}
