import { exportJWK, generateKeyPair, importJWK, type JWK, type KeyLike } from 'jose';
import { randomToken } from '../crypto/random.js';
import type { Clock } from '../domain/clock.js';
import type { Store } from '../domain/repositories.js';

export const SIGNING_ALG = 'ES256';

/**
 * How long an instance keeps signing with the key it last read. After `otpgate keys rotate` every instance
 * behind the load balancer signs with the new key within this time; the old key stays in the JWKS, so
 * tokens it signed keep verifying meanwhile.
 */
const KEY_CACHE_MS = 10_000;

export interface ActiveKey {
  kid: string;
  privateKey: KeyLike | Uint8Array;
}

/**
 * Per-site ES256 keys, kept in the database so every instance signs with and publishes the same keys.
 * A site's first token creates its key; the newest key signs, all keys stay in the JWKS.
 */
export function createKeyring(store: Store, clock: Clock, options: { cacheMs?: number } = {}) {
  const cacheMs = options.cacheMs ?? KEY_CACHE_MS;
  const active = new Map<string, { key: Promise<ActiveKey>; at: number }>();

  async function insertKey(siteId: string): Promise<string> {
    const keys = store.forSite(siteId).signingKeys;
    const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
    const kid = randomToken(12);
    // Strictly newer than the current newest, so "newest signs" holds even when two keys share a millisecond.
    const newest = (await keys.list())[0];
    const createdAt = new Date(Math.max(clock.now().getTime(), (newest?.createdAt.getTime() ?? 0) + 1));
    await keys.insert({
      kid,
      alg: SIGNING_ALG,
      privateJwk: { ...(await exportJWK(privateKey)) },
      publicJwk: { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALG, use: 'sig' },
      createdAt,
    });
    return kid;
  }

  const load = async (siteId: string): Promise<ActiveKey> => {
    const keys = store.forSite(siteId).signingKeys;
    let newest = (await keys.list())[0];
    if (!newest) {
      await insertKey(siteId);
      // Another instance may have inserted its own key at the same time; sign with whichever is newest.
      newest = (await keys.list())[0]!;
    }
    return { kid: newest.kid, privateKey: await importJWK(newest.privateJwk as unknown as JWK, newest.alg) };
  };

  return {
    signingKey(siteId: string): Promise<ActiveKey> {
      const cached = active.get(siteId);
      // Wall time, not the injected clock: this is a cache lifetime, and a test's frozen clock must not pin a key forever.
      if (cached && Date.now() - cached.at < cacheMs) return cached.key;
      const key = load(siteId);
      key.catch(() => active.delete(siteId));
      active.set(siteId, { key, at: Date.now() });
      return key;
    },

    /** Adds a key that signs from now on (on other instances within the cache time); returns its kid. */
    async rotate(siteId: string): Promise<string> {
      const kid = await insertKey(siteId);
      active.delete(siteId);
      return kid;
    },

    async jwks(siteId: string): Promise<{ keys: JWK[] }> {
      await this.signingKey(siteId);
      const keys = await store.forSite(siteId).signingKeys.list();
      return { keys: keys.map((k) => k.publicJwk as unknown as JWK) };
    },
  };
}

export type Keyring = ReturnType<typeof createKeyring>;
