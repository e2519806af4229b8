import { exportJWK, generateKeyPair, importJWK, type JWK, type KeyLike } from 'jose';
import { randomToken } from '../crypto/random.js';
import type { Clock } from '../domain/clock.js';
import type { Store } from '../domain/repositories.js';

export const SIGNING_ALG = 'ES256';

export interface ActiveKey {
  kid: string;
  privateKey: KeyLike | Uint8Array;
}

/**
 * Per-site ES256 keys, kept in the database so every instance signs with and publishes the same keys.
 * A site's first token creates its key; the newest key signs, all keys stay in the JWKS.
 */
export function createKeyring(store: Store, clock: Clock) {
  const active = new Map<string, Promise<ActiveKey>>();

  const load = async (siteId: string): Promise<ActiveKey> => {
    const keys = store.forSite(siteId).signingKeys;
    let newest = (await keys.list())[0];
    if (!newest) {
      const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
      const kid = randomToken(12);
      await keys.insert({ kid, alg: SIGNING_ALG, privateJwk: { ...(await exportJWK(privateKey)) }, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALG, use: 'sig' }, createdAt: clock.now() });
      // Another instance may have inserted its own key at the same time; sign with whichever is newest.
      newest = (await keys.list())[0]!;
    }
    return { kid: newest.kid, privateKey: await importJWK(newest.privateJwk as unknown as JWK, newest.alg) };
  };

  return {
    signingKey(siteId: string): Promise<ActiveKey> {
      let key = active.get(siteId);
      if (!key) {
        key = load(siteId);
        key.catch(() => active.delete(siteId));
        active.set(siteId, key);
      }
      return key;
    },
    async jwks(siteId: string): Promise<{ keys: JWK[] }> {
      await this.signingKey(siteId);
      const keys = await store.forSite(siteId).signingKeys.list();
      return { keys: keys.map((k) => k.publicJwk as unknown as JWK) };
    },
  };
}

export type Keyring = ReturnType<typeof createKeyring>;
