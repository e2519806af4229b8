import { sql, type Kysely, type Selectable } from 'kysely';
import type { SigningKey, TokenKind } from '../../domain/oauth.js';
import type { ClientRepository, GrantRepository, SigningKeyRepository } from '../../domain/repositories.js';
import type { StoreKind } from '../migrations.js';
import { toDate, toDateOrNull, type Database, type OAuthClientsTable, type TokensTable } from '../schema.js';
import { prepare, prepareInsert } from '../prepared-query.js';
import { deleteInBatches } from './batched-delete.js';

export function createClientRepository(db: Kysely<Database>, siteId: string): ClientRepository {
  const toClient = (r: Selectable<OAuthClientsTable>) => ({
    siteId: r.site_id,
    clientId: r.client_id,
    name: r.name,
    secretHash: r.secret_hash,
    redirectUris: JSON.parse(r.redirect_uris) as string[],
    postLogoutRedirectUris: JSON.parse(r.post_logout_redirect_uris) as string[],
    requirePkce: r.require_pkce !== 0,
    firstParty: Number(r.first_party) === 1,
    idTokenAlg: r.id_token_alg === 'ES256' ? ('ES256' as const) : ('RS256' as const),
  });
  // Every authorize and token request reads its client (prepared-query.ts).
  const selectById = prepare(db, (p: { clientId: string }) =>
    db.selectFrom('oauth_clients').selectAll().where('site_id', '=', siteId).where('client_id', '=', p.clientId),
  );
  return {
    async upsert(client) {
      const values = {
        name: client.name,
        secret_hash: client.secretHash,
        redirect_uris: JSON.stringify(client.redirectUris),
        post_logout_redirect_uris: JSON.stringify(client.postLogoutRedirectUris ?? []),
        require_pkce: client.requirePkce === false ? 0 : 1,
        first_party: client.firstParty ? 1 : 0,
        id_token_alg: client.idTokenAlg ?? 'RS256',
      };
      await db
        .insertInto('oauth_clients')
        .values({ site_id: siteId, client_id: client.clientId, ...values })
        .onConflict((oc) => oc.columns(['site_id', 'client_id']).doUpdateSet(values))
        .execute();
    },
    async byId(clientId) {
      const row = (await selectById({ clientId })).rows[0];
      return row ? toClient(row) : null;
    },
    async list() {
      const rows = await db.selectFrom('oauth_clients').selectAll().where('site_id', '=', siteId).orderBy('client_id').execute();
      return rows.map(toClient);
    },
  };
}

export function createGrantRepository(db: Kysely<Database>, siteId: string): GrantRepository {
  // The shapes every login runs (prepared-query.ts).
  const insertCodes = prepareInsert(db, 'authorization_codes');
  const insertTokenRows = prepareInsert(db, 'tokens');
  // Guarded write: of two concurrent exchanges of one code, exactly one sees the row.
  const consumeGuarded = prepare(db, (p: { codeHash: string; now: number }) =>
    db
      .updateTable('authorization_codes')
      .set({ used_at: p.now })
      .where('site_id', '=', siteId)
      .where('code_hash', '=', p.codeHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', p.now)
      .returningAll(),
  );
  return {
    async insertCode(code) {
      await insertCodes([
        {
          code_hash: code.codeHash,
          site_id: siteId,
          client_id: code.clientId,
          user_id: code.userId,
          redirect_uri: code.redirectUri,
          scope: code.scope,
          code_challenge: code.codeChallenge,
          nonce: code.nonce,
          auth_time: code.authTime?.getTime() ?? null,
          family_id: code.familyId,
          expires_at: code.expiresAt.getTime(),
          used_at: null,
        },
      ]);
    },
    async consumeCode(codeHash, now) {
      const row = (await consumeGuarded({ codeHash, now: now.getTime() })).rows[0];
      if (!row) return null;
      return {
        codeHash: row.code_hash,
        siteId: row.site_id,
        clientId: row.client_id,
        userId: row.user_id,
        redirectUri: row.redirect_uri,
        scope: row.scope,
        codeChallenge: row.code_challenge,
        nonce: row.nonce,
        authTime: toDateOrNull(row.auth_time),
        familyId: row.family_id,
        expiresAt: toDate(row.expires_at),
      };
    },
    async exchangedCodeFamily(codeHash) {
      const row = await db
        .selectFrom('authorization_codes')
        .select(['family_id', 'used_at'])
        .where('site_id', '=', siteId)
        .where('code_hash', '=', codeHash)
        .executeTakeFirst();
      return row && row.used_at !== null ? row.family_id : null;
    },
    async insertTokens(tokens) {
      await insertTokenRows(
        tokens.map((token) => ({
          token_hash: token.tokenHash,
          site_id: siteId,
          kind: token.kind,
          client_id: token.clientId,
          user_id: token.userId,
          scope: token.scope,
          family_id: token.familyId,
          auth_time: token.authTime?.getTime() ?? null,
          expires_at: token.expiresAt.getTime(),
          revoked_at: token.revokedAt?.getTime() ?? null,
          replaced_at: token.replacedAt?.getTime() ?? null,
          step_up_at: token.stepUpAt?.getTime() ?? null,
          created_at: token.createdAt.getTime(),
        })),
      );
    },
    async tokenByHash(tokenHash) {
      const row = await db
        .selectFrom('tokens')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return row ? toToken(row) : null;
    },
    async revokeToken(tokenHash, now) {
      const result = await db
        .updateTable('tokens')
        .set({ revoked_at: now.getTime() })
        .where('site_id', '=', siteId)
        .where('token_hash', '=', tokenHash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async rotateToken(tokenHash, now) {
      const result = await db
        .updateTable('tokens')
        .set({ revoked_at: now.getTime(), replaced_at: now.getTime() })
        .where('site_id', '=', siteId)
        .where('token_hash', '=', tokenHash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async revokeFamily(familyId, now) {
      await db
        .updateTable('tokens')
        .set({ revoked_at: sql<number>`coalesce(revoked_at, ${now.getTime()})`, replaced_at: null })
        .where('site_id', '=', siteId)
        .where('family_id', '=', familyId)
        .where((eb) => eb.or([eb('revoked_at', 'is', null), eb('replaced_at', 'is not', null)]))
        .execute();
    },
    async revocationReached(tokenHash) {
      // An UPDATE that changes nothing, matched by the key alone: on PostgreSQL it takes the row lock, so a revocation
      // still running is waited for, and RETURNING gives the row as that revocation left it. A SELECT would read the
      // row from before it, and so would an UPDATE that also matched on the columns (PostgreSQL skips a row whose
      // old version does not match without waiting for it).
      const row = await db
        .updateTable('tokens')
        .set({ replaced_at: sql<number | null>`replaced_at` })
        .where('site_id', '=', siteId)
        .where('token_hash', '=', tokenHash)
        .returning(['revoked_at', 'replaced_at'])
        .executeTakeFirst();
      return row !== undefined && row.revoked_at !== null && row.replaced_at === null;
    },
    async revokeUserTokens(userId, now, exceptFamily) {
      let query = db
        .updateTable('tokens')
        .set({ revoked_at: sql<number>`coalesce(revoked_at, ${now.getTime()})`, replaced_at: null })
        .where('site_id', '=', siteId)
        .where('user_id', '=', userId)
        .where((eb) => eb.or([eb('revoked_at', 'is', null), eb('replaced_at', 'is not', null)]));
      if (exceptFamily !== undefined) query = query.where('family_id', '!=', exceptFamily);
      await query.execute();
    },
    async revokeClientTokens(userId, clientId, now) {
      await db
        .updateTable('tokens')
        .set({ revoked_at: sql<number>`coalesce(revoked_at, ${now.getTime()})`, replaced_at: null })
        .where('site_id', '=', siteId)
        .where('user_id', '=', userId)
        .where('client_id', '=', clientId)
        .where((eb) => eb.or([eb('revoked_at', 'is', null), eb('replaced_at', 'is not', null)]))
        .execute();
    },
    async markStepUp(familyId, at) {
      await db
        .updateTable('tokens')
        .set({ step_up_at: at.getTime() })
        .where('site_id', '=', siteId)
        .where('family_id', '=', familyId)
        .where('revoked_at', 'is', null)
        .execute();
    },
    async purgeExpired(before) {
      const codes = await deleteInBatches(db, 'authorization_codes', 'code_hash', 'expires_at', siteId, before);
      return codes + (await deleteInBatches(db, 'tokens', 'token_hash', 'expires_at', siteId, before));
    },
  };
}

function toToken(row: Selectable<TokensTable>) {
  return {
    tokenHash: row.token_hash,
    siteId: row.site_id,
    kind: row.kind as TokenKind,
    clientId: row.client_id,
    userId: row.user_id,
    scope: row.scope,
    familyId: row.family_id,
    authTime: toDateOrNull(row.auth_time),
    expiresAt: toDate(row.expires_at),
    revokedAt: toDateOrNull(row.revoked_at),
    replacedAt: toDateOrNull(row.replaced_at),
    stepUpAt: toDateOrNull(row.step_up_at),
    createdAt: toDate(row.created_at),
  };
}

export function createSigningKeyRepository(db: Kysely<Database>, siteId: string, kind: StoreKind): SigningKeyRepository {
  const row = (key: Omit<SigningKey, 'siteId'>) => ({
    site_id: siteId,
    kid: key.kid,
    alg: key.alg,
    private_jwk: key.privateKey,
    public_jwk: JSON.stringify(key.publicJwk),
    created_at: key.createdAt.getTime(),
  });
  return {
    async list() {
      const rows = await db.selectFrom('signing_keys').selectAll().where('site_id', '=', siteId).orderBy('created_at', 'desc').execute();
      return rows.map((r) => ({
        siteId: r.site_id,
        kid: r.kid,
        alg: r.alg,
        privateKey: r.private_jwk,
        publicJwk: JSON.parse(r.public_jwk) as Record<string, unknown>,
        createdAt: toDate(r.created_at),
      }));
    },
    async insert(key) {
      await db
        .insertInto('signing_keys')
        .values(row(key))
        .onConflict((oc) => oc.columns(['site_id', 'kid']).doNothing())
        .execute();
    },
    insertFirst: (key) =>
      db.transaction().execute(async (trx) => {
        // PostgreSQL: two transactions would both see "none" and both insert; a lock per site and algorithm makes
        // the second wait and then see the first's key. SQLite's write transaction already excludes the others.
        if (kind === 'postgres')
          await sql`select pg_advisory_xact_lock(hashtext(${`otpgate signing key ${siteId} ${key.alg}`}))`.execute(trx);
        const existing = await trx
          .selectFrom('signing_keys')
          .select('kid')
          .where('site_id', '=', siteId)
          .where('alg', '=', key.alg)
          .executeTakeFirst();
        if (existing) return false;
        await trx.insertInto('signing_keys').values(row(key)).execute();
        return true;
      }),
    async replacePrivateKey(kid, privateKey) {
      const result = await db
        .updateTable('signing_keys')
        .set({ private_jwk: privateKey })
        .where('site_id', '=', siteId)
        .where('kid', '=', kid)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async remove(kid) {
      const result = await db.deleteFrom('signing_keys').where('site_id', '=', siteId).where('kid', '=', kid).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
  };
}
