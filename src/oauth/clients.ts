import { createHmac, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { hashSecret, verifySecret } from '../crypto/secret-hash.js';
import { OtpgateError } from '../domain/errors.js';
import type { OAuthClient } from '../domain/oauth.js';
import type { Store } from '../domain/repositories.js';
import type { Site } from '../domain/site.js';
import { createReadCache } from '../store/read-cache.js';

const CLIENT_TTL_MS = 5000;

/**
 * The OAuth clients of a site and every rule about them: which client, which redirect and post-logout
 * addresses it may use (exact string matches only: prefix or pattern matching is how open redirects and
 * code theft start), and how a confidential client proves itself.
 */
export function createClientService(store: Pick<Store, 'forSite'>, options: { ttlMs?: number } = {}) {
  /*
   * Every login reads its client twice (authorize and token), and clients change rarely: like sites, they are kept for
   * a few seconds. A change made on another instance or with `otpgate client add` is seen within that time; this
   * instance's own change (a secret hash upgraded below) at once.
   */
  // JSON, so that no client_id (they come from requests) can make one site's key read as another's.
  const slot = (siteId: string, clientId: string) => JSON.stringify([siteId, clientId]);
  const cache = createReadCache<OAuthClient>({
    ttlMs: options.ttlMs ?? CLIENT_TTL_MS,
    load: (key) => {
      const [siteId, clientId] = JSON.parse(key) as [string, string];
      return store.forSite(siteId).clients.byId(clientId);
    },
  });
  const find = (site: Site, clientId: string | undefined): Promise<OAuthClient | null> =>
    clientId ? cache.get(slot(site.id, clientId)) : Promise.resolve(null);

  /*
   * scrypt costs tens of milliseconds by design; a server app calling the token endpoint all day should not pay
   * it every time. A secret that verified is remembered as an HMAC under a key that never leaves this process,
   * mapped to the stored hash it verified against: memory holds no secret, a wrong secret is never cached (it
   * always pays scrypt), and a changed secret (a new stored hash) no longer matches.
   */
  const cacheKey = randomBytes(32);
  const verified = new LRUCache<string, string>({ max: 1000 });
  const fingerprint = (site: Site, clientId: string, secret: string) =>
    createHmac('sha256', cacheKey).update(`${site.id}\0${clientId}\0${secret}`).digest('base64url');

  async function secretMatches(site: Site, client: OAuthClient & { secretHash: string }, secret: string): Promise<boolean> {
    const seen = fingerprint(site, client.clientId, secret);
    if (verified.get(seen) === client.secretHash) return true;
    const check = await verifySecret(secret, client.secretHash);
    if (!check.ok) return false;
    let stored = client.secretHash;
    if (check.upgrade) {
      // An old unsalted hash (or an old cost) verified: replace it now that the secret is at hand. Onto the stored
      // row as it is now: the cached one may be seconds old, and writing it back would undo a change made meanwhile.
      const clients = store.forSite(site.id).clients;
      const current = await clients.byId(client.clientId);
      // Changed meanwhile (rotated, or upgraded by another instance): the secret must match what is stored now.
      if (current?.secretHash !== client.secretHash) {
        cache.forget(slot(site.id, client.clientId));
        return !!current?.secretHash && (await verifySecret(secret, current.secretHash)).ok;
      }
      stored = await hashSecret(secret);
      await clients.upsert({ ...current, secretHash: stored });
      cache.forget(slot(site.id, client.clientId)); // after the write: a read in between would cache the old row
    }
    verified.set(seen, stored);
    return true;
  }

  return {
    find,

    async require(site: Site, clientId: string | undefined): Promise<OAuthClient> {
      if (!clientId) throw new OtpgateError('invalid_client', 'client_id is required.');
      const client = await find(site, clientId);
      if (!client) throw new OtpgateError('invalid_client', 'Unknown client_id.');
      return client;
    },

    /**
     * client_secret_basic or client_secret_post for confidential clients, client_id alone for public ones
     * (PKCE protects those). The same answer for an unknown client and a wrong secret.
     */
    async authenticate(site: Site, credentials: { clientId: string | null; secret: string | null }): Promise<OAuthClient> {
      if (!credentials.clientId) throw new OtpgateError('invalid_client', 'client_id is required.');
      const client = await find(site, credentials.clientId);
      if (!client) throw new OtpgateError('invalid_client');
      const { secret } = credentials;
      if (client.secretHash !== null && (!secret || !(await secretMatches(site, { ...client, secretHash: client.secretHash }, secret))))
        throw new OtpgateError('invalid_client');
      return client;
    },

    /** A post-logout address the client registered, or null (then the browser stays with us). */
    async postLogoutTarget(site: Site, clientId: string | undefined, uri: string | undefined): Promise<string | null> {
      if (!uri) return null;
      const client = await find(site, clientId);
      return client && postLogoutUriAllowed(client, uri) ? uri : null;
    },
  };
}

export type ClientService = ReturnType<typeof createClientService>;

export const redirectUriAllowed = (client: OAuthClient, uri: string): boolean => client.redirectUris.includes(uri);

export const postLogoutUriAllowed = (client: OAuthClient, uri: string): boolean => client.postLogoutRedirectUris.includes(uri);

/** OAuth lets a client with exactly one registered redirect URI leave it out of the request (RFC 6749 §3.1.2.3). */
export function resolveRedirectUri(client: OAuthClient, given: string | undefined): string | null {
  const uri = given ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
  return uri !== undefined && redirectUriAllowed(client, uri) ? uri : null;
}
