/**
 * Composition: config -> store, crypto, delivery, flows, tokens. The HTTP server and the CLI both start here,
 * and so does an application that embeds otpgate as a library.
 */
import type { Logger } from 'pino';
import { ConfigError } from './config/load.js';
import type { Config } from './config/schema.js';
import { configuredClients, siteFromStored, siteSettingsOf, toSite } from './config/sites.js';
import { createCodeHasher } from './crypto/code-hasher.js';
import { createChainResolver } from './delivery/chain.js';
import type { NamedCredential } from './delivery/named-credentials.js';
import { systemClock, type Clock } from './domain/clock.js';
import { OtpgateError } from './domain/errors.js';
import type { Store } from './domain/repositories.js';
import { SITE_ID_PATTERN, type Site } from './domain/site.js';
import type { FlowDeps, RequestMeta } from './flows/deps.js';
import { createSiteHooks } from './flows/site-hooks.js';
import { createUserManagement } from './flows/user-management.js';
import { createSessionService } from './oauth/sessions.js';
import { createKeyring } from './oauth/signing-keys.js';
import { createTokenService, hashClientSecret } from './oauth/tokens.js';
import { createLogger } from './observability/logger.js';
import { openStore } from './store/open-store.js';
import { purgeExpired } from './store/purge.js';

export interface OtpgateOptions {
  config: Config;
  clock?: Clock;
  logger?: Logger;
  /** Where the console handler prints (tests capture it). */
  consoleWrite?: (line: string) => void;
  /** An already open store (tests share one); otherwise database.url is opened. */
  store?: Store;
}

export type Otpgate = Awaited<ReturnType<typeof createOtpgate>>;

const SITE_CACHE_MS = 5000;

export async function createOtpgate(options: OtpgateOptions) {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.server.logLevel);
  const store =
    options.store ??
    (await openStore(config.database.url, {
      poolSize: config.database.poolSize,
      onIdleError: (err) => logger.warn({ err }, 'idle database connection lost; the pool reconnects'),
    }));
  const baseUrl = (config.server.baseUrl ?? `http://${config.server.host}:${config.server.port}`).replace(/\/+$/, '');
  const siteUrl = (site: Site) => `${baseUrl}/${site.id}`;
  const deps: FlowDeps = {
    store,
    clock,
    hasher: createCodeHasher(config.secrets.hmac),
    chains: createChainResolver({
      production: config.mode === 'production',
      allowConsoleInProduction: config.delivery.allowConsoleInProduction,
      defaultHandler: config.delivery.defaultHandler,
      ...(options.consoleWrite ? { consoleWrite: options.consoleWrite } : {}),
    }),
    hooks: createSiteHooks(),
    credentials: new Map<string, NamedCredential>(Object.entries(config.namedCredentials)),
    dispatch: { deadlineMs: config.delivery.deadlineMs, retries: config.delivery.retries, backoffMs: config.delivery.backoffMs },
    logger,
    publicHost: new URL(baseUrl).host,
  };

  try {
    await store.migrate();
    await syncConfiguredSites(store, config, clock);
    await checkConfiguredModules(deps, config);
  } catch (error) {
    // A store we opened must not outlive a failed start: an open PostgreSQL pool keeps the process alive.
    if (!options.store) await store.close().catch(() => {});
    throw error;
  }

  // Sites change rarely and are read on every request: keep them for a few seconds, so a site made by
  // `otpgate site create` shows up on a running server without a restart.
  const siteCache = new Map<string, { site: Site | null; at: number }>();
  async function findSite(id: string): Promise<Site | null> {
    const cached = siteCache.get(id);
    if (cached && Date.now() - cached.at < SITE_CACHE_MS) return cached.site;
    const stored = SITE_ID_PATTERN.test(id) ? await store.sites.byId(id) : null;
    const site = stored ? siteFromStored(stored, config.defaults) : null;
    siteCache.set(id, { site, at: Date.now() });
    return site;
  }
  async function requireSite(id: string): Promise<Site> {
    const site = await findSite(id);
    if (!site || !site.enabled) throw new OtpgateError('site_not_found', `No site "${id}".`);
    return site;
  }

  const keyring = createKeyring(store, clock);
  const tokens = createTokenService(store, keyring, clock, siteUrl);
  const sessions = createSessionService(store, clock);

  return {
    config,
    store,
    deps,
    clock,
    logger,
    baseUrl,
    siteUrl,
    findSite,
    requireSite,
    keyring,
    tokens,
    sessions,
    /** Set when shutdown starts: readiness fails so the load balancer stops sending while requests drain. */
    lifecycle: { draining: false },
    /** The UserManagement library API bound to one site. */
    userManagement(siteId: string, meta?: RequestMeta) {
      return createUserManagement(deps, () => requireSite(siteId), `${baseUrl}/${siteId}`, meta);
    },
    /** Deletes expired verifications, codes, tokens, rate counters and old attempt logs (in short batches). */
    purge() {
      return purgeExpired(store, clock, config.maintenance);
    },
    async close() {
      await store.close();
    },
  };
}

/** Loads every configured handler module once at start, so a typo in a path stops startup instead of a login. */
async function checkConfiguredModules(deps: FlowDeps, config: Config): Promise<void> {
  const problems: string[] = [];
  for (const [i, siteConfig] of config.sites.entries()) {
    const site = toSite(siteConfig, config);
    await deps.chains.chainFor(site).catch((e: Error) => problems.push(`sites.${i}.handlers: ${e.message}`));
    await deps.hooks.discoveryFor(site).catch((e: Error) => problems.push(`sites.${i}.userDiscoveryHandler: ${e.message}`));
    await deps.hooks.registrationFor(site).catch((e: Error) => problems.push(`sites.${i}.registrationHandler: ${e.message}`));
  }
  if (problems.length) throw new ConfigError(problems);
}

/** Sites and clients in the config file are the truth for those ids: written to the database at every start. */
async function syncConfiguredSites(store: Store, config: Config, clock: Clock): Promise<void> {
  const now = clock.now();
  for (const siteConfig of config.sites) {
    // Client secrets go to oauth_clients as hashes only; the stored settings never hold a client.
    await store.sites.upsert({ id: siteConfig.id, name: siteConfig.name, settings: siteSettingsOf(siteConfig) }, now);
    for (const client of configuredClients(siteConfig)) {
      await store.forSite(siteConfig.id).clients.upsert({
        clientId: client.clientId,
        name: client.name,
        secretHash: client.clientSecret ? hashClientSecret(client.clientSecret) : null,
        redirectUris: client.redirectUris,
        postLogoutRedirectUris: client.postLogoutRedirectUris ?? [],
      });
    }
  }
}
