import { compactVerify, createLocalJWKSet } from 'jose';
import type { Keyring } from './signing-keys.js';
import { SIGNING_ALGS } from '../domain/oauth.js';

export interface IdTokenHint {
  sub: string;
  aud: string[];
}

/**
 * Reads an id_token this site issued, as sent back by an app (id_token_hint). Only the signature and the
 * issuer are checked: an expired id_token is still a fine hint of who the app thinks is signed in.
 */
export async function readIdTokenHint(
  keyring: Pick<Keyring, 'jwks'>,
  siteId: string,
  issuer: string,
  token: string,
): Promise<IdTokenHint | null> {
  try {
    const keys = createLocalJWKSet(await keyring.jwks(siteId));
    const { payload } = await compactVerify(token, keys, { algorithms: [...SIGNING_ALGS] });
    const claims = JSON.parse(new TextDecoder().decode(payload)) as { iss?: unknown; sub?: unknown; aud?: unknown };
    if (claims.iss !== issuer || typeof claims.sub !== 'string') return null;
    const aud =
      typeof claims.aud === 'string'
        ? [claims.aud]
        : Array.isArray(claims.aud)
          ? claims.aud.filter((a): a is string => typeof a === 'string')
          : [];
    return aud.length ? { sub: claims.sub, aud } : null;
  } catch {
    return null;
  }
}
