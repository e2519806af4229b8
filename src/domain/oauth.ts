export interface OAuthClient {
  siteId: string;
  clientId: string;
  name: string;
  /** HMAC of the secret, null for a public client. */
  secretHash: string | null;
  redirectUris: string[];
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
