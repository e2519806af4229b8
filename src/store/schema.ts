/** Table shapes as Kysely sees them. Times are epoch milliseconds, booleans 0/1, JSON as text: the same on SQLite and PostgreSQL. */
import type { Generated } from 'kysely';

type Millis = number | string; // PostgreSQL returns bigint as string; read through toDate()
type Flag = number;

export interface SitesTable {
  id: string;
  name: string;
  settings: string;
  created_at: Millis;
  updated_at: Millis;
}

export interface UsersTable {
  id: string;
  site_id: string;
  username: string;
  /** NFKC, lower case: what uniqueness compares (0008). */
  username_key: string | null;
  phone: string | null;
  phone_verified: Flag;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  locale: string | null;
  status: string;
  custom_data: string;
  created_at: Millis;
  updated_at: Millis;
}

export interface VerificationsTable {
  id: string;
  site_id: string;
  use_case: string;
  user_id: string | null;
  phone: string;
  code_hash: string;
  key_id: string;
  state: string;
  attempts: number;
  max_attempts: number;
  sends: number;
  last_sent_at: Millis;
  expires_at: Millis;
  created_at: Millis;
  deliverable: Flag;
  locale: string;
  experience_id: string | null;
  payload: string;
}

export interface GuessEventsTable {
  id: Generated<number>;
  site_id: string;
  phone: string;
  guessed_at: Millis;
}

export interface RateCountersTable {
  id: Generated<number>;
  site_id: string;
  /** What is counted over which window: `ip:203.0.113.7|10m`, `site|1440m`. */
  counter_key: string;
  window_start: Millis;
  count: number;
  /** When the window stops counting even as the previous one (start + 2 windows): purged after. */
  expires_at: Millis;
}

export interface SendBlocksTable {
  id: Generated<number>;
  site_id: string;
  subject: string;
  blocked_at: Millis;
  until: Millis;
  sends: number;
  verified: number;
  lifted_at: Millis | null;
}

export interface PhoneLocksTable {
  id: Generated<number>;
  site_id: string;
  phone: string;
  failures: number;
  locked_at: Millis | null;
}

export interface DeliveryAttemptsTable {
  id: Generated<number>;
  site_id: string;
  verification_id: string;
  handler: string;
  attempt: number;
  result: string;
  latency_ms: number;
  provider_message_id: string | null;
  detail: string | null;
  /** JSON: the attempt's callouts (url without query, method, status, latency). */
  callouts: string;
  country: string | null;
  created_at: Millis;
  /** The last receipt's status (accepted, delivered, undelivered, failed); null: none came. */
  receipt_status: string | null;
  receipt_provider_status: string | null;
  receipt_error_code: string | null;
  receipt_at: Millis | null;
}

export interface OAuthClientsTable {
  site_id: string;
  client_id: string;
  name: string;
  secret_hash: string | null;
  redirect_uris: string;
  post_logout_redirect_uris: string;
  require_pkce: number;
  first_party: number;
  id_token_alg: string;
}

export interface AuthorizationCodesTable {
  code_hash: string;
  site_id: string;
  client_id: string;
  user_id: string;
  redirect_uri: string;
  scope: string;
  code_challenge: string | null;
  nonce: string | null;
  auth_time: Millis | null;
  family_id: string | null;
  expires_at: Millis;
  used_at: Millis | null;
}

export interface TokensTable {
  token_hash: string;
  site_id: string;
  kind: string;
  client_id: string;
  user_id: string;
  scope: string;
  family_id: string;
  auth_time: Millis | null;
  expires_at: Millis;
  revoked_at: Millis | null;
  replaced_at: Millis | null;
  /** When this token's family last passed a step-up (identity verification); null when never. */
  step_up_at: Millis | null;
  created_at: Millis;
}

export interface ConsentsTable {
  site_id: string;
  user_id: string;
  client_id: string;
  /** Space-separated scopes allowed. */
  scope: string;
  granted_at: Millis;
}

export interface SigningKeysTable {
  site_id: string;
  kid: string;
  alg: string;
  private_jwk: string;
  public_jwk: string;
  created_at: Millis;
}

export interface SessionsTable {
  token_hash: string;
  site_id: string;
  user_id: string;
  auth_time: Millis;
  second_factor_at: Millis | null;
  created_at: Millis;
  expires_at: Millis;
  revoked_at: Millis | null;
  /** Null on rows written before 0006_session_activity: read as created_at. */
  last_seen_at: Millis | null;
}

export interface AuditEventsTable {
  id: Generated<number>;
  site_id: string;
  type: string;
  use_case: string | null;
  user_id: string | null;
  /** A keyed hash of the phone, never the number. */
  phone_hash: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  detail: string;
  created_at: Millis;
}

export interface Database {
  sites: SitesTable;
  users: UsersTable;
  verifications: VerificationsTable;
  rate_counters: RateCountersTable;
  send_blocks: SendBlocksTable;
  phone_locks: PhoneLocksTable;
  guess_events: GuessEventsTable;
  delivery_attempts: DeliveryAttemptsTable;
  oauth_clients: OAuthClientsTable;
  authorization_codes: AuthorizationCodesTable;
  tokens: TokensTable;
  signing_keys: SigningKeysTable;
  consents: ConsentsTable;
  sessions: SessionsTable;
  audit_events: AuditEventsTable;
}

export const toDate = (value: Millis): Date => new Date(Number(value));
export const toDateOrNull = (value: Millis | null): Date | null => (value === null ? null : toDate(value));
