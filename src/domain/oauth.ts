/** The algorithms a site signs ID tokens with; each site has a key of each, and each client picks one. */
export const SIGNING_ALGS = ['RS256', 'ES256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

export interface OAuthClient {
  siteId: string;
  clientId: string;
  name: string;
  /** HMAC of the secret, null for a public client. */
  secretHash: string | null;
  redirectUris: string[];
  /** Where end-session may send the browser back to (OIDC RP-initiated logout); exact matches only. */
  postLogoutRedirectUris: string[];
  /**
   * PKCE on every authorization request (RFC 9700 §2.1.1), confidential clients included. Only a confidential
   * client may turn it off, for a legacy app that cannot send a code_challenge.
   */
  requirePkce: boolean;
  /** The site's own app: only a first-party client may be granted `api` (or `full`), which account changes need. */
  firstParty: boolean;
  /** What its ID tokens are signed with (OIDC Dynamic Registration's id_token_signed_response_alg). */
  idTokenAlg: SigningAlg;
}

export interface AuthorizationCode {
  codeHash: string;
  siteId: string;
  clientId: string;
  userId: string;
  redirectUri: string;
  scope: string;
  codeChallenge: string | null;
  nonce: string | null;
  /** When the user signed in (id_token auth_time); null only for codes issued before it was recorded. */
  authTime: Date | null;
  /** The token family this code's exchange starts, so a replayed code can revoke what it issued (RFC 6749 §4.1.2). */
  familyId: string | null;
  expiresAt: Date;
}

export type TokenKind = 'access' | 'refresh';

export interface Token {
  tokenHash: string;
  siteId: string;
  kind: TokenKind;
  clientId: string;
  userId: string;
  scope: string;
  /** Refresh tokens of one login share a family; reusing a rotated one revokes the family. */
  familyId: string;
  /** The sign-in this token descends from, kept across refreshes for the id_token's auth_time. */
  authTime: Date | null;
  expiresAt: Date;
  revokedAt: Date | null;
  /**
   * When a refresh token was rotated (replaced by a new pair). A second refresh with it inside the grace window
   * is a benign race, not theft; revoking the family clears it, so a logged-out family gets no grace.
   */
  replacedAt: Date | null;
  /** When this token's family last passed a step-up (a fresh identity verification on the current phone). */
  stepUpAt: Date | null;
  createdAt: Date;
}

export interface SigningKey {
  siteId: string;
  kid: string;
  alg: string;
  /**
   * The private JWK as stored: sealed with a key-encryption key (`enc:v1:…`, see crypto/key-encryption.ts),
   * or its JSON in clear for keys written without one (development, or before encryption was configured).
   */
  privateKey: string;
  publicJwk: Record<string, unknown>;
  createdAt: Date;
}
