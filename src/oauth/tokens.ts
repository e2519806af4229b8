import { createHash } from 'node:crypto';
import { constantTimeEqual, hashToken } from '../crypto/code-hasher.js';
import { randomToken } from '../crypto/random.js';
import type { Clock } from '../domain/clock.js';
import { OtpgateError } from '../domain/errors.js';
import type { OAuthClient, Token } from '../domain/oauth.js';
import type { Store } from '../domain/repositories.js';
import type { Site } from '../domain/site.js';
import type { User } from '../domain/user.js';
import { identityUrl, shownUsername } from './identity.js';
import { signJwt } from './jwt-sign.js';
import type { Keyring } from './signing-keys.js';

export const SUPPORTED_SCOPES = ['openid', 'profile', 'email', 'phone', 'api', 'full', 'refresh_token', 'offline_access'] as const;
/** Salesforce's scopes for acting on the account itself (a phone change needs one): the site's own apps only. */
export const ACCOUNT_SCOPES: readonly string[] = ['api', 'full'];
const DEFAULT_SCOPE = 'openid api refresh_token';

export interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  token_type: 'Bearer';
  scope: string;
  expires_in: number;
  issued_at: string;
  id: string;
  instance_url: string;
  sfdc_community_url: string;
  sfdc_community_id: string;
}

/** Authorization codes, access and refresh tokens, id_tokens: issued, exchanged, rotated, revoked. */
export function createTokenService(store: Store, keyring: Keyring, clock: Clock, siteUrl: (site: Site) => string) {
  const grants = (site: Site) => store.forSite(site.id).grants;

  /**
   * Checks scope names; the default stands in for none. A client that is not first-party is never granted
   * `api` or `full` (RFC 6749 §3.3 lets the server grant less than asked; the token response says what).
   */
  function normaliseScope(scope: string | undefined, client?: Pick<OAuthClient, 'firstParty'>): string {
    const asked = (scope ?? '').split(/\s+/).filter(Boolean);
    const names = asked.length === 0 ? DEFAULT_SCOPE.split(' ') : asked;
    const unknown = names.filter((n) => !(SUPPORTED_SCOPES as readonly string[]).includes(n));
    if (unknown.length) throw new OtpgateError('invalid_scope', `Unknown scope: ${unknown.join(' ')}.`);
    const granted = client && !client.firstParty ? names.filter((n) => !ACCOUNT_SCOPES.includes(n)) : names;
    if (granted.length === 0) throw new OtpgateError('invalid_scope', 'The api and full scopes are for the site’s own (first-party) apps.');
    return [...new Set(granted)].join(' ');
  }

  async function issueTokens(
    site: Site,
    client: OAuthClient,
    user: User,
    grant: { scope: string; nonce: string | null; familyId: string; authTime: Date | null; familyEnd?: Date; stepUpAt?: Date | null },
  ): Promise<TokenResponse> {
    const { scope, nonce, familyId, authTime } = grant;
    const now = clock.now();
    // A family lives refreshTokenTtlSeconds from its first issue, however often it rotates (RFC 9700 §4.14.2):
    // a refresh passes the family's end on, and no token of the family outlives it.
    const familyEnd = grant.familyEnd ?? new Date(now.getTime() + site.tokens.refreshTokenTtlSeconds * 1000);
    const until = (seconds: number) => new Date(Math.min(now.getTime() + seconds * 1000, familyEnd.getTime()));
    const accessToken = randomToken(32);
    const accessExpires = until(site.tokens.accessTokenTtlSeconds);
    const base = {
      clientId: client.clientId,
      userId: user.id,
      scope,
      familyId,
      authTime,
      revokedAt: null,
      replacedAt: null,
      // A step-up counts for the whole login (recordStepUp): a refresh's new pair keeps the one it had.
      stepUpAt: grant.stepUpAt ?? null,
      createdAt: now,
    };
    const scopes = scope.split(' ');
    const refreshToken = scopes.includes('refresh_token') || scopes.includes('offline_access') ? randomToken(32) : undefined;
    await grants(site).insertTokens([
      { ...base, tokenHash: hashToken('access', accessToken), kind: 'access', expiresAt: accessExpires },
      ...(refreshToken ? [{ ...base, tokenHash: hashToken('refresh', refreshToken), kind: 'refresh' as const, expiresAt: familyEnd }] : []),
    ]);
    const url = siteUrl(site);
    const expiresIn = Math.max(0, Math.floor((accessExpires.getTime() - now.getTime()) / 1000));
    const response: TokenResponse = {
      access_token: accessToken,
      token_type: 'Bearer',
      scope,
      expires_in: expiresIn,
      issued_at: String(now.getTime()),
      id: identityUrl(url, site.id, user.id),
      instance_url: url,
      sfdc_community_url: url,
      sfdc_community_id: site.id,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
    };
    if (scopes.includes('openid')) response.id_token = await idToken(site, client, user, { scopes, nonce, accessToken, authTime, now });
    return response;
  }

  async function idToken(
    site: Site,
    client: OAuthClient,
    user: User,
    input: { scopes: string[]; nonce: string | null; accessToken: string; authTime: Date | null; now: Date },
  ): Promise<string> {
    const key = await keyring.signingKey(site.id, client.idTokenAlg);
    // OIDC Core 3.1.3.6: the left half of SHA-256 of the access token, so a client can tell it belongs to this id_token.
    const atHash = createHash('sha256').update(input.accessToken).digest().subarray(0, 16).toString('base64url');
    const seconds = Math.floor(input.now.getTime() / 1000);
    const authTime = input.authTime ? { auth_time: Math.floor(input.authTime.getTime() / 1000) } : {};
    return signJwt(
      { alg: key.alg, kid: key.kid, typ: 'JWT' },
      {
        ...userClaims(user, input.scopes),
        at_hash: atHash,
        ...authTime,
        ...(input.nonce ? { nonce: input.nonce } : {}),
        iss: siteUrl(site),
        sub: user.id,
        aud: client.clientId,
        iat: seconds,
        exp: seconds + site.tokens.accessTokenTtlSeconds,
      },
      key.privateKey,
    );
  }

  return {
    normaliseScope,

    /** `authTime` is when the user signed in (a browser session's); a headless login signs in now. */
    async issueCode(
      site: Site,
      input: {
        client: OAuthClient;
        user: User;
        redirectUri: string;
        scope: string;
        codeChallenge: string | null;
        nonce: string | null;
        authTime?: Date;
      },
    ): Promise<string> {
      const code = randomToken(32);
      await grants(site).insertCode({
        familyId: randomToken(16),
        codeHash: hashToken('code', code),
        clientId: input.client.clientId,
        userId: input.user.id,
        redirectUri: input.redirectUri,
        scope: input.scope,
        codeChallenge: input.codeChallenge,
        nonce: input.nonce,
        authTime: input.authTime ?? clock.now(),
        expiresAt: new Date(clock.now().getTime() + site.tokens.authorizationCodeTtlSeconds * 1000),
      });
      return code;
    },

    async exchangeCode(
      site: Site,
      input: { client: OAuthClient; code: string; redirectUri: string | undefined; codeVerifier: string | undefined },
    ): Promise<TokenResponse> {
      const now = clock.now();
      const codeHash = hashToken('code', input.code);
      const grant = await grants(site).consumeCode(codeHash, now);
      if (!grant) {
        // A code presented twice was stolen or replayed: what its first exchange issued is revoked (RFC 6749 §4.1.2).
        const family = await grants(site).exchangedCodeFamily(codeHash);
        if (family) await grants(site).revokeFamily(family, now);
        throw new OtpgateError('invalid_grant');
      }
      if (grant.clientId !== input.client.clientId) throw new OtpgateError('invalid_grant');
      // RFC 6749 §4.1.3: required when the authorization request had one, and it always has.
      if (input.redirectUri === undefined) throw new OtpgateError('invalid_grant', 'redirect_uri is required.');
      if (input.redirectUri !== grant.redirectUri)
        throw new OtpgateError('invalid_grant', 'redirect_uri does not match the authorization request.');
      if (grant.codeChallenge === null) {
        // RFC 9700 §2.1.1: a verifier for a request that had no challenge is a PKCE downgrade attempt.
        if (input.codeVerifier !== undefined)
          throw new OtpgateError('invalid_grant', 'code_verifier was sent, but the authorization request had no code_challenge.');
      } else {
        // RFC 7636 §4.1 says 43 to 128 characters; the Salesforce Mobile SDKs send 128 random bytes in base64url,
        // 171 characters, and Salesforce accepts them. Up to 256 are accepted here (docs/clients.md).
        if (!input.codeVerifier || !/^[A-Za-z0-9._~-]{43,256}$/.test(input.codeVerifier))
          throw new OtpgateError('invalid_grant', 'code_verifier is missing or malformed.');
        const computed = createHash('sha256').update(input.codeVerifier).digest('base64url');
        if (!constantTimeEqual(computed, grant.codeChallenge))
          throw new OtpgateError('invalid_grant', 'code_verifier does not match code_challenge.');
      }
      const user = await store.forSite(site.id).users.byId(grant.userId);
      if (!user || user.status !== 'active') throw new OtpgateError('invalid_grant');
      return issueTokens(site, input.client, user, {
        scope: grant.scope,
        nonce: grant.nonce,
        // Codes issued before 0009_grant_lineage carry no family; they start one here.
        familyId: grant.familyId ?? randomToken(16),
        authTime: grant.authTime,
      });
    },

    /**
     * Rotates: the old refresh token dies. Presenting a dead one again revokes the whole family (a theft signal),
     * except within tokens.refreshGraceSeconds of its rotation: two tabs or a retry after a lost response
     * refreshing at once is a race, not theft, and gets a fresh pair of the same family. Nothing is kept in
     * clear for this: the late caller gets new tokens, not the ones the first caller got.
     */
    async refresh(site: Site, input: { client: OAuthClient; refreshToken: string; scope?: string }): Promise<TokenResponse> {
      const now = clock.now();
      const hash = hashToken('refresh', input.refreshToken);
      let token = await grants(site).tokenByHash(hash);
      if (!token || token.kind !== 'refresh' || token.clientId !== input.client.clientId) throw new OtpgateError('invalid_grant');
      if (token.expiresAt <= now) throw new OtpgateError('invalid_grant');
      const rotated = token.revokedAt === null && (await grants(site).rotateToken(hash, now));
      if (!rotated) {
        // Already rotated or revoked, perhaps by a concurrent refresh between our read and our write: judge by the row.
        token = (await grants(site).tokenByHash(hash)) ?? token;
        const replacedAt = token.revokedAt !== null ? token.replacedAt : null;
        if (replacedAt === null || now.getTime() - replacedAt.getTime() > site.tokens.refreshGraceSeconds * 1000) {
          await grants(site).revokeFamily(token.familyId, now);
          throw new OtpgateError('invalid_grant');
        }
      }
      let scope = token.scope;
      if (input.scope) {
        const asked = normaliseScope(input.scope).split(' ');
        const granted = token.scope.split(' ');
        if (asked.some((s) => !granted.includes(s))) throw new OtpgateError('invalid_scope', 'A refresh cannot widen the scope.');
        scope = asked.join(' ');
      }
      const user = await store.forSite(site.id).users.byId(token.userId);
      if (!user || user.status !== 'active') throw new OtpgateError('invalid_grant');
      const issued = await issueTokens(site, input.client, user, {
        scope,
        nonce: null,
        familyId: token.familyId,
        authTime: token.authTime,
        familyEnd: token.expiresAt,
        stepUpAt: token.stepUpAt,
      });
      // A revocation that ran while this pair was being made (the client's /revoke, a replay caught, signing out
      // everywhere, a phone change, consent withdrawn) reached only the rows that existed then, not this pair. It
      // shows on the presented token, so the new pair is revoked too and never handed out. Checked after the insert:
      // a revocation after the check reaches the pair itself.
      if (await grants(site).revocationReached(hash)) {
        await grants(site).revokeFamily(token.familyId, now);
        throw new OtpgateError('invalid_grant');
      }
      return issued;
    },

    /** The live access token behind a Bearer value, or an invalid_token error. */
    async authenticate(site: Site, accessToken: string): Promise<{ token: Token; user: User }> {
      const token = await grants(site).tokenByHash(hashToken('access', accessToken));
      const now = clock.now();
      if (!token || token.kind !== 'access' || token.revokedAt || token.expiresAt <= now) throw new OtpgateError('invalid_token');
      const user = await store.forSite(site.id).users.byId(token.userId);
      if (!user || user.status !== 'active') throw new OtpgateError('invalid_token');
      return { token, user };
    },

    /** A passed step-up (identity verification) counts for every token of that login, and only for it. */
    async recordStepUp(site: Site, familyId: string, at: Date): Promise<void> {
      await grants(site).markStepUp(familyId, at);
    },

    /** RFC 7009: unknown tokens are not an error. Revoking a refresh token ends its whole login. */
    async revoke(site: Site, client: OAuthClient, value: string): Promise<void> {
      const now = clock.now();
      for (const kind of ['refresh', 'access'] as const) {
        const token = await grants(site).tokenByHash(hashToken(kind, value));
        if (token && token.clientId === client.clientId) {
          if (kind === 'refresh') await grants(site).revokeFamily(token.familyId, now);
          else await grants(site).revokeToken(token.tokenHash, now);
          return;
        }
      }
    },

    userClaims,
  };
}

/** OIDC standard claims, by scope. */
export function userClaims(user: User, scopes: string[]): Record<string, unknown> {
  const phoneGranted = scopes.includes('phone') || scopes.includes('api');
  const username = shownUsername(user, phoneGranted) ?? undefined;
  const claims: Record<string, unknown> = { sub: user.id, user_id: user.id, preferred_username: username };
  if (scopes.includes('profile') || scopes.includes('api')) {
    const name = [user.firstName, user.lastName].filter(Boolean).join(' ');
    Object.assign(claims, {
      name: name || username,
      given_name: user.firstName ?? undefined,
      family_name: user.lastName ?? undefined,
      locale: user.locale ?? undefined,
      updated_at: Math.floor(user.updatedAt.getTime() / 1000),
    });
  }
  if ((scopes.includes('email') || scopes.includes('api')) && user.email)
    Object.assign(claims, { email: user.email, email_verified: false });
  if (phoneGranted && user.phone) Object.assign(claims, { phone_number: user.phone, phone_number_verified: user.phoneVerified });
  return JSON.parse(JSON.stringify(claims)) as Record<string, unknown>;
}

export type TokenService = ReturnType<typeof createTokenService>;
