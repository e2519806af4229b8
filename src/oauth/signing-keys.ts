import type { KeyObject } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { createKeyEncryption, type KeyEncryption } from '../crypto/key-encryption.js';
import { randomToken } from '../crypto/random.js';
import type { Clock } from '../domain/clock.js';
import { OtpgateError } from '../domain/errors.js';
import { SIGNING_ALGS, type SigningAlg, type SigningKey } from '../domain/oauth.js';
import type { Store } from '../domain/repositories.js';

/**
 * How long an instance keeps signing with the key it last read. After `otpgate keys rotate` every instance
 * behind the load balancer signs with the new key within this time; the old key stays in the JWKS, so
 * tokens it signed keep verifying meanwhile.
 */
const KEY_CACHE_MS = 10_000;

export interface ActiveKey {
  kid: string;
  alg: SigningAlg;
  /** A node:crypto key (jose imports a JWK as one on Node); `jwt-sign.ts` signs with it on the thread pool. */
  privateKey: KeyObject;
}

/**
 * Per-site signing keys of each algorithm (RS256 and ES256), kept in the database so every instance signs with
 * and publishes the same keys. A site's first token of an algorithm creates its key (so a deployment from before
 * RS256 gets its RSA key on first use); the newest key of an algorithm signs, all keys stay in the JWKS.
 */
export function createKeyring(store: Store, clock: Clock, options: { cacheMs?: number; encryption?: KeyEncryption } = {}) {
  const cacheMs = options.cacheMs ?? KEY_CACHE_MS;
  const encryption = options.encryption ?? createKeyEncryption([]);
  const active = new Map<string, { key: Promise<ActiveKey>; at: number }>();
  const forget = (siteId: string) => SIGNING_ALGS.forEach((alg) => active.delete(`${siteId}\n${alg}`));
  // Binds a sealed key to its row: a ciphertext copied to another site or kid does not open.
  const binding = (siteId: string, kid: string) => `${siteId}:${kid}`;
  const privateJwk = (siteId: string, key: SigningKey) => JSON.parse(encryption.open(key.privateKey, binding(siteId, key.kid))) as JWK;

  /** A new key of `alg`; with `first`, only if the site has none yet (false: another instance made it meanwhile). */
  async function insertKey(siteId: string, alg: SigningAlg, first = false): Promise<string | false> {
    const keys = store.forSite(siteId).signingKeys;
    const { privateKey, publicKey } = await generateKeyPair(alg, {
      extractable: true,
      ...(alg === 'RS256' ? { modulusLength: 2048 } : {}),
    });
    const kid = randomToken(12);
    // Strictly newer than the current newest, so "newest signs" holds even when two keys share a millisecond.
    const newest = (await keys.list())[0];
    const createdAt = new Date(Math.max(clock.now().getTime(), (newest?.createdAt.getTime() ?? 0) + 1));
    const key = {
      kid,
      alg,
      privateKey: encryption.seal(JSON.stringify(await exportJWK(privateKey)), binding(siteId, kid)),
      publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
      createdAt,
    };
    if (first) return (await keys.insertFirst(key)) && kid;
    await keys.insert(key);
    return kid;
  }

  const newestOf = async (siteId: string, alg: SigningAlg) =>
    (await store.forSite(siteId).signingKeys.list()).find((key) => key.alg === alg);
  const load = async (siteId: string, alg: SigningAlg): Promise<ActiveKey> => {
    let newest = await newestOf(siteId, alg);
    if (!newest) {
      // Only if there is still none: instances answering their first request at once make one key, not one each.
      await insertKey(siteId, alg, true);
      newest = (await newestOf(siteId, alg))!;
    }
    return { kid: newest.kid, alg, privateKey: (await importJWK(privateJwk(siteId, newest), newest.alg)) as KeyObject };
  };

  return {
    /** The key that signs for `alg` now (RS256 unless the client chose ES256). */
    signingKey(siteId: string, alg: SigningAlg = 'RS256'): Promise<ActiveKey> {
      const slot = `${siteId}\n${alg}`;
      const cached = active.get(slot);
      // Wall time, not the injected clock: this is a cache lifetime, and a test's frozen clock must not pin a key forever.
      if (cached && Date.now() - cached.at < cacheMs) return cached.key;
      const key = load(siteId, alg);
      key.catch(() => active.delete(slot));
      active.set(slot, { key, at: Date.now() });
      return key;
    },

    /** Adds a key of each algorithm that signs from now on (on other instances within the cache time); returns their kids. */
    async rotate(siteId: string): Promise<string[]> {
      const kids: string[] = [];
      for (const alg of SIGNING_ALGS) kids.push((await insertKey(siteId, alg)) as string);
      forget(siteId);
      return kids;
    },

    /** Opens every private key of the site: a missing or wrong key-encryption key fails here, at start, not at a login. */
    async checkReadable(siteId: string): Promise<void> {
      for (const key of await store.forSite(siteId).signingKeys.list()) privateJwk(siteId, key);
    },

    /** How the site's private keys are stored: in clear, or sealed under a key-encryption key other than the current one. */
    async sealing(siteId: string): Promise<{ inClear: number; underOlderKey: number }> {
      const sealedWith = (await store.forSite(siteId).signingKeys.list()).map((key) => encryption.sealedWith(key.privateKey));
      return {
        inClear: sealedWith.filter((id) => id === null).length,
        underOlderKey: sealedWith.filter((id) => id !== null && id !== encryption.currentId).length,
      };
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
      forget(siteId);
      return changed;
    },

    /**
     * Which old keys may leave the JWKS: a key stopped signing when the next newer one was added (plus the
     * instances' cache time), and what it signed expires `tokenLifetimeSeconds` later. The signing key never goes.
     */
    async retirement(siteId: string, tokenLifetimeSeconds: number): Promise<{ kid: string; retirableAt: Date | null }[]> {
      const keys = await store.forSite(siteId).signingKeys.list();
      // Newest first: a key stopped signing when the next newer key of its own algorithm came.
      return keys.map((key, i) => {
        const successor = keys.slice(0, i).findLast((k) => k.alg === key.alg);
        return {
          kid: key.kid,
          retirableAt: successor ? new Date(successor.createdAt.getTime() + cacheMs + tokenLifetimeSeconds * 1000) : null,
        };
      });
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
      // Every algorithm a client may choose is published, whether or not a token was signed with it yet.
      await Promise.all(SIGNING_ALGS.map((alg) => this.signingKey(siteId, alg)));
      const keys = await store.forSite(siteId).signingKeys.list();
      return { keys: keys.map((k) => k.publicJwk as unknown as JWK) };
    },
  };
}

export type Keyring = ReturnType<typeof createKeyring>;
