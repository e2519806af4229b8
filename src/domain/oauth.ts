export interface OAuthClient {
  siteId: string;
  clientId: string;
  name: string;
  /** HMAC of the secret, null for a public client. */
  secretHash: string | null;
  redirectUris: string[];
  /** Where end-session may send the browser back to (OIDC RP-initiated logout); exact matches only. */
  postLogoutRedirectUris: string[];
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
  createdAt: Date;
}

export interface SigningKey {
  siteId: string;
  kid: string;
  alg: string;
  privateJwk: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
  createdAt: Date;
}
