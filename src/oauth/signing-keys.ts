import { exportJWK, generateKeyPair, importJWK, type JWK, type KeyLike } from 'jose';
import { createKeyEncryption, type KeyEncryption } from '../crypto/key-encryption.js';
import { randomToken } from '../crypto/random.js';
import type { Clock } from '../domain/clock.js';
import { OtpgateError } from '../domain/errors.js';
import type { SigningKey } from '../domain/oauth.js';
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
export function createKeyring(store: Store, clock: Clock, options: { cacheMs?: number; encryption?: KeyEncryption } = {}) {
  const cacheMs = options.cacheMs ?? KEY_CACHE_MS;
  const encryption = options.encryption ?? createKeyEncryption([]);
  const active = new Map<string, { key: Promise<ActiveKey>; at: number }>();
  // Binds a sealed key to its row: a ciphertext copied to another site or kid does not open.
  const binding = (siteId: string, kid: string) => `${siteId}:${kid}`;
  const privateJwk = (siteId: string, key: SigningKey) => JSON.parse(encryption.open(key.privateKey, binding(siteId, key.kid))) as JWK;

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
      privateKey: encryption.seal(JSON.stringify(await exportJWK(privateKey)), binding(siteId, kid)),
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
    return { kid: newest.kid, privateKey: await importJWK(privateJwk(siteId, newest), newest.alg) };
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

    /** Opens every private key of the site: a missing or wrong key-encryption key fails here, at start, not at a login. */
    async checkReadable(siteId: string): Promise<void> {
      for (const key of await store.forSite(siteId).signingKeys.list()) privateJwk(siteId, key);
    },

    /**
     * Re-seals every key of the site not sealed with the current key-encryption key (keys in clear included);
     * returns how many changed. The second half of a key-encryption key rotation.
     */
    async reseal(siteId: string): Promise<number> {
      if (encryption.currentId === null)
        throw new OtpgateError(
          'invalid_request',
          'No key-encryption key is configured (secrets.keyEncryption or OTPGATE_KEY_ENCRYPTION_KEYS).',
        );
      const keys = store.forSite(siteId).signingKeys;
      let changed = 0;
      for (const key of await keys.list()) {
        if (encryption.sealedWith(key.privateKey) === encryption.currentId) continue;
        const sealed = encryption.seal(JSON.stringify(privateJwk(siteId, key)), binding(siteId, key.kid));
        if (await keys.replacePrivateKey(key.kid, sealed)) changed++;
      }
      active.delete(siteId);
      return changed;
    },

    /**
     * Which old keys may leave the JWKS: a key stopped signing when the next newer one was added (plus the
     * instances' cache time), and what it signed expires `tokenLifetimeSeconds` later. The signing key never goes.
     */
    async retirement(siteId: string, tokenLifetimeSeconds: number): Promise<{ kid: string; retirableAt: Date | null }[]> {
      const keys = await store.forSite(siteId).signingKeys.list();
      return keys.map((key, i) => ({
        kid: key.kid,
        retirableAt: i === 0 ? null : new Date(keys[i - 1]!.createdAt.getTime() + cacheMs + tokenLifetimeSeconds * 1000),
      }));
    },

    /**
     * Removes from the JWKS the old keys whose tokens have all expired (or only `kid`, which must be one of
     * them); returns the kids removed. The signing key and keys whose tokens may still be valid stay.
     */
    async retire(siteId: string, tokenLifetimeSeconds: number, kid?: string): Promise<string[]> {
      const now = clock.now();
      const plan = await this.retirement(siteId, tokenLifetimeSeconds);
      const chosen = kid === undefined ? plan : plan.filter((k) => k.kid === kid);
      if (kid !== undefined) {
        const key = chosen[0];
        if (!key) throw new OtpgateError('key_not_found', `No signing key "${kid}" on site ${siteId}.`);
        if (key.retirableAt === null) throw new OtpgateError('key_active', `Key ${kid} signs tokens for site ${siteId} now; rotate first.`);
        if (key.retirableAt > now)
          throw new OtpgateError(
            'key_in_use',
            `Tokens signed with key ${kid} may be valid until ${key.retirableAt.toISOString()}; retire it after that.`,
          );
      }
      const removed: string[] = [];
      for (const key of chosen) {
        if (key.retirableAt !== null && key.retirableAt <= now && (await store.forSite(siteId).signingKeys.remove(key.kid)))
          removed.push(key.kid);
      }
      return removed;
    },

    async jwks(siteId: string): Promise<{ keys: JWK[] }> {
      await this.signingKey(siteId);
      const keys = await store.forSite(siteId).signingKeys.list();
      return { keys: keys.map((k) => k.publicJwk as unknown as JWK) };
    },
  };
}

export type Keyring = ReturnType<typeof createKeyring>;
