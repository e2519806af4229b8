import { usernameKey } from '../domain/text.js';
import { sql, type CreateTableBuilder, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/**
 * Migrations in code (no files to ship or find at run time), written once for SQLite and PostgreSQL:
 * bigint milliseconds, integer flags and text JSON mean the same on both.
 */
function migrations(kind: StoreKind): Record<string, Migration> {
  return {
    '0001_initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('sites')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('settings', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('users')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('site_id', 'text', (c) => c.notNull())
          .addColumn('username', 'text', (c) => c.notNull())
          .addColumn('phone', 'text')
          .addColumn('phone_verified', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('first_name', 'text')
          .addColumn('last_name', 'text')
          .addColumn('email', 'text')
          .addColumn('locale', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('custom_data', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('users_site_username', ['site_id', 'username'])
          .addUniqueConstraint('users_site_phone', ['site_id', 'phone'])
          .execute();

        await db.schema
          .createTable('verifications')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('site_id', 'text', (c) => c.notNull())
          .addColumn('use_case', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text')
          .addColumn('phone', 'text', (c) => c.notNull())
          .addColumn('code_hash', 'text', (c) => c.notNull())
          .addColumn('key_id', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('max_attempts', 'integer', (c) => c.notNull())
          .addColumn('sends', 'integer', (c) => c.notNull())
          .addColumn('last_sent_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('deliverable', 'integer', (c) => c.notNull())
          .addColumn('locale', 'text', (c) => c.notNull())
          .addColumn('experience_id', 'text')
          .addColumn('payload', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('verifications_resend')
          .on('verifications')
          .columns(['site_id', 'phone', 'use_case', 'state'])
          .execute();
        await db.schema.createIndex('verifications_expiry').on('verifications').column('expires_at').execute();

        await db.schema
          .createTable('send_events')
          .$call(serialId(kind))
          .addColumn('site_id', 'text', (c) => c.notNull())
          .addColumn('phone', 'text', (c) => c.notNull())
          .addColumn('sent_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('send_events_phone').on('send_events').columns(['site_id', 'phone', 'sent_at']).execute();

        await db.schema
          .createTable('delivery_attempts')
          .$call(serialId(kind))
          .addColumn('site_id', 'text', (c) => c.notNull())
          .addColumn('verification_id', 'text', (c) => c.notNull())
          .addColumn('handler', 'text', (c) => c.notNull())
          .addColumn('attempt', 'integer', (c) => c.notNull())
          .addColumn('result', 'text', (c) => c.notNull())
          .addColumn('latency_ms', 'integer', (c) => c.notNull())
          .addColumn('provider_message_id', 'text')
          .addColumn('detail', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('delivery_attempts_verification')
          .on('delivery_attempts')
          .columns(['site_id', 'verification_id'])
          .execute();

        await db.schema
          .createTable('oauth_clients')
          .addColumn('site_id', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('secret_hash', 'text')
          .addColumn('redirect_uris', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('oauth_clients_pk', ['site_id', 'client_id'])
          .execute();

        await db.schema
          .createTable('authorization_codes')
          .addColumn('code_hash', 'text', (c) => c.primaryKey())
          .addColumn('site_id', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('redirect_uri', 'text', (c) => c.notNull())
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('code_challenge', 'text')
          .addColumn('nonce', 'text')
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('used_at', 'bigint')
          .execute();
        await db.schema.createIndex('authorization_codes_expiry').on('authorization_codes').column('expires_at').execute();

        await db.schema
          .createTable('tokens')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('site_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('family_id', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('revoked_at', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('tokens_family').on('tokens').columns(['site_id', 'family_id']).execute();
        await db.schema.createIndex('tokens_user').on('tokens').columns(['site_id', 'user_id']).execute();
        await db.schema.createIndex('tokens_expiry').on('tokens').column('expires_at').execute();

        await db.schema
          .createTable('signing_keys')
          .addColumn('site_id', 'text', (c) => c.notNull())
          .addColumn('kid', 'text', (c) => c.notNull())
          .addColumn('alg', 'text', (c) => c.notNull())
          .addColumn('private_jwk', 'text', (c) => c.notNull())
          .addColumn('public_jwk', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('signing_keys_pk', ['site_id', 'kid'])
          .execute();
      },
    },
    // Hosted pages and OpenID Connect: browser sessions, auth_time carried from sign-in to every token, and
    // the post-logout redirect URIs end-session checks. New columns are nullable or defaulted, so rows
    // written before this migration stay valid.
    '0002_sessions': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('sessions')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('site_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('auth_time', 'bigint', (c) => c.notNull())
          .addColumn('second_factor_at', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('revoked_at', 'bigint')
          .execute();
        await db.schema.createIndex('sessions_user').on('sessions').columns(['site_id', 'user_id']).execute();
        await db.schema.createIndex('sessions_expiry').on('sessions').column('expires_at').execute();

        await db.schema.alterTable('authorization_codes').addColumn('auth_time', 'bigint').execute();
        await db.schema.alterTable('tokens').addColumn('auth_time', 'bigint').execute();
        await db.schema
          .alterTable('oauth_clients')
          .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull().defaultTo('[]'))
          .execute();
      },
    },
    // Hosted sessions get an idle timeout: the last recorded activity. Nullable, so sessions opened before
    // this migration read their creation as their last activity (and so end by the idle rule soon after).
    '0006_session_activity': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('sessions').addColumn('last_seen_at', 'bigint').execute();
      },
    },
    // Phone changes need re-authentication: which clients are first-party (may be granted `api`), a step-up
    // (a fresh identity verification) recorded on the token family that passed it, and an append-only audit log.
    '0007_first_party_and_audit': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .alterTable('oauth_clients')
          .addColumn('first_party', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema.alterTable('tokens').addColumn('step_up_at', 'bigint').execute();
        await db.schema
          .createTable('audit_events')
          .$call(serialId(kind))
          .addColumn('site_id', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('use_case', 'text')
          .addColumn('user_id', 'text')
          .addColumn('phone_hash', 'text')
          .addColumn('ip', 'text')
          .addColumn('user_agent', 'text')
          .addColumn('request_id', 'text')
          .addColumn('detail', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('audit_events_site_time').on('audit_events').columns(['site_id', 'created_at']).execute();
      },
    },
    // Usernames are unique without regard to case or Unicode width: a key column (NFKC, lower case) carries the
    // unique index. Rows written before are keyed by the same function new users are (usernameKey, in code:
    // neither SQLite's lower(), ASCII only, nor either database's has NFKC), page by page. Of rows that would
    // share a key, the first by id keeps it and the others get "key:id", so no existing account is lost to the
    // new index (they still sign in by phone).
    '0008_registration_normalisation': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('users').addColumn('username_key', 'text').execute();
        await keyLegacyUsernames(db);
        // Only for the duplicate check below, which would otherwise scan the table once per row.
        await db.schema.createIndex('users_username_key_backfill').on('users').columns(['site_id', 'username_key']).execute();
        await sql`update users set username_key = username_key || ':' || id
          where exists (select 1 from users older where older.site_id = users.site_id
            and older.username_key = users.username_key and older.id < users.id)`.execute(db);
        await db.schema.dropIndex('users_username_key_backfill').execute();
        await db.schema.createIndex('users_site_username_key').on('users').columns(['site_id', 'username_key']).unique().execute();
      },
    },
    // OAuth per RFC 9700: PKCE per client (on unless a confidential client turns it off), the family a code
    // started (so a replayed code can revoke it), and when a refresh token was rotated (the grace window of a
    // benign concurrent refresh). Existing clients get PKCE required, the secure default.
    '0009_grant_lineage': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .alterTable('oauth_clients')
          .addColumn('require_pkce', 'integer', (c) => c.notNull().defaultTo(1))
          .execute();
        await db.schema.alterTable('authorization_codes').addColumn('family_id', 'text').execute();
        await db.schema.alterTable('tokens').addColumn('replaced_at', 'bigint').execute();
      },
    },
    // A budget of wrong codes per phone across every verification and use case (issue 8): one row per wrong
    // guess, counted over rolling windows like send_events.
    '0010_guess_budget': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('guess_events')
          .$call(serialId(kind))
          .addColumn('site_id', 'text', (c) => c.notNull())
          .addColumn('phone', 'text', (c) => c.notNull())
          .addColumn('guessed_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('guess_events_phone').on('guess_events').columns(['site_id', 'phone', 'guessed_at']).execute();
      },
    },
    // Layered send limits (issue 8): per client, network, phone, prefix and site, each a pair of fixed-window
    // counters instead of a row per send; the per-phone rows of send_events become counters too.
    '0011_rate_counters': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('rate_counters')
          .$call(serialId(kind))
          .addColumn('site_id', 'text', (c) => c.notNull())
          .addColumn('counter_key', 'text', (c) => c.notNull())
          .addColumn('window_start', 'bigint', (c) => c.notNull())
          .addColumn('count', 'integer', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('rate_counters_window')
          .unique()
          .on('rate_counters')
          .columns(['site_id', 'counter_key', 'window_start'])
          .execute();
        await db.schema.createIndex('rate_counters_expiry').on('rate_counters').columns(['site_id', 'expires_at']).execute();
        await db.schema.dropTable('send_events').execute();
      },
    },
    // The SMS-pumping defence (issue 8): destinations throttled for poor conversion, one row per destination.
    '0012_send_blocks': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('send_blocks')
          .$call(serialId(kind))
          .addColumn('site_id', 'text', (c) => c.notNull())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('blocked_at', 'bigint', (c) => c.notNull())
          .addColumn('until', 'bigint', (c) => c.notNull())
          .addColumn('sends', 'integer', (c) => c.notNull())
          .addColumn('verified', 'integer', (c) => c.notNull())
          .addColumn('lifted_at', 'bigint')
          .execute();
        await db.schema.createIndex('send_blocks_subject').unique().on('send_blocks').columns(['site_id', 'subject']).execute();
      },
    },
    // Wrong codes in a row per phone, and the admin-lifted lock they lead to (issue 8, NIST SP 800-63B 5.2.2).
    '0013_phone_locks': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('phone_locks')
          .$call(serialId(kind))
          .addColumn('site_id', 'text', (c) => c.notNull())
          .addColumn('phone', 'text', (c) => c.notNull())
          .addColumn('failures', 'integer', (c) => c.notNull())
          .addColumn('locked_at', 'bigint')
          .execute();
        await db.schema.createIndex('phone_locks_phone').unique().on('phone_locks').columns(['site_id', 'phone']).execute();
      },
    },
    // Every callout's status and latency with its delivery attempt (DESIGN §4.1; issue 11).
    '0014_callout_records': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .alterTable('delivery_attempts')
          .addColumn('callouts', 'text', (c) => c.notNull().defaultTo('[]'))
          .execute();
      },
    },
    // Each attempt's destination country, and recent attempts by site and time for `otpgate deliveries` (issue 11).
    '0015_delivery_listing': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('delivery_attempts').addColumn('country', 'text').execute();
        await db.schema.createIndex('delivery_attempts_recent').on('delivery_attempts').columns(['site_id', 'created_at']).execute();
      },
    },
    // Each client's ID token algorithm (issue 10): RS256 by default, the one every OIDC library accepts.
    '0016_client_id_token_alg': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .alterTable('oauth_clients')
          .addColumn('id_token_alg', 'text', (c) => c.notNull().defaultTo('RS256'))
          .execute();
      },
    },
    // What users allowed third-party apps (issue 10: the consent screen).
    '0017_consents': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('consents')
          .addColumn('site_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('granted_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('consents_pk', ['site_id', 'user_id', 'client_id'])
          .execute();
      },
    },
    // Delivery receipts (issue 11): the provider's last word on each attempt, and the lookup a receipt makes by the
    // provider's message id.
    '0018_delivery_receipts': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('delivery_attempts').addColumn('receipt_status', 'text').execute();
        await db.schema.alterTable('delivery_attempts').addColumn('receipt_provider_status', 'text').execute();
        await db.schema.alterTable('delivery_attempts').addColumn('receipt_error_code', 'text').execute();
        await db.schema.alterTable('delivery_attempts').addColumn('receipt_at', 'bigint').execute();
        await db.schema
          .createIndex('delivery_attempts_message')
          .on('delivery_attempts')
          .columns(['site_id', 'handler', 'provider_message_id'])
          .execute();
      },
    },
    // PostgreSQL: a guess reserved in one round trip instead of five (begin, lock, count, insert, commit; issue 12).
    // Each statement of a volatile PL/pgSQL function takes a new snapshot, so the count after the lock sees every
    // guess committed before it; the lock is the transaction's, held until the calling statement commits.
    '0019_reserve_guess_function': {
      async up(db: Kysely<unknown>) {
        if (kind !== 'postgres') return;
        await sql`create or replace function otpgate_reserve_guess(
            p_site text, p_phone text, p_now bigint, p_window_ms bigint[], p_limits integer[]) returns bigint
          language plpgsql volatile as $$
          declare
            i integer;
            reserved bigint;
          begin
            perform pg_advisory_xact_lock(hashtextextended('guess|' || p_site || '|' || p_phone, 0));
            for i in 1 .. coalesce(array_length(p_window_ms, 1), 0) loop
              if (select count(*) from guess_events
                  where site_id = p_site and phone = p_phone and guessed_at > p_now - p_window_ms[i]) >= p_limits[i] then
                return null;
              end if;
            end loop;
            insert into guess_events (site_id, phone, guessed_at) values (p_site, p_phone, p_now) returning id into reserved;
            return reserved;
          end $$`.execute(db);
      },
    },
  };
}

export type StoreKind = 'sqlite' | 'postgres';

/** Sets username_key on every row without one, a page at a time (memory stays flat however many users). */
async function keyLegacyUsernames(db: Kysely<unknown>): Promise<void> {
  for (;;) {
    const { rows } = await sql<{ id: string; username: string }>`select id, username from users
      where username_key is null order by id limit 500`.execute(db);
    if (rows.length === 0) return;
    for (const row of rows) await sql`update users set username_key = ${usernameKey(row.username)} where id = ${row.id}`.execute(db);
  }
}

/** An auto-incrementing key: SQLite's rowid alias, PostgreSQL's identity column. */
const serialId =
  (kind: StoreKind) =>
  <T extends string>(table: CreateTableBuilder<T, never>) =>
    kind === 'sqlite'
      ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      : table.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity());

export const migrationProvider = (kind: StoreKind): MigrationProvider => ({ getMigrations: async () => migrations(kind) });
