/**
 * The composition root: config -> store, crypto, delivery, flows, tokens, sessions -> HTTP. The one file that
 * knows every part. The HTTP server, the CLI and an application embedding otpgate as a library start here.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createCaptchaVerifier } from './captcha/verify-captcha.js';
import { cleartextCaptchaUrls } from './config/captcha-schema.js';
import { ConfigError } from './config/load.js';
import type { Config } from './config/schema.js';
import {
  configOnlyPartsOf,
  configuredClients,
  corsOriginsOf,
  siteFromStored,
  siteSettingsOf,
  toSite,
  weakGuessOdds,
} from './config/sites.js';
import { createCodeHasher } from './crypto/code-hasher.js';
import { createKeyEncryption } from './crypto/key-encryption.js';
import { hashSecret, verifySecret } from './crypto/secret-hash.js';
import { createChainResolver, linkNameOf } from './delivery/chain.js';
import { unknownCredentialProblems } from './delivery/credential-references.js';
import { createHttpClient } from './delivery/http-client.js';
import { credentialFor, type NamedCredential } from './delivery/named-credentials.js';
import { systemClock, systemTimers, type Clock } from './domain/clock.js';
import type { Store } from './domain/repositories.js';
import { createSendGuards } from './flows/send-guards.js';
import { createMetrics } from './observability/metrics.js';
import { createDeliveryTiming } from './flows/delivery-timing.js';
import type { FlowDeps, RequestMeta } from './flows/deps.js';
import { createSiteDirectory, type SiteDirectory } from './flows/site-directory.js';
import { createSiteHooks } from './flows/site-hooks.js';
import { acceptReceipt } from './flows/delivery-receipts.js';
import { receiptToken } from './delivery/providers/receipts.js';
import { createUseCases, type UseCases } from './flows/use-cases.js';
import { createUserManagement, type UserManagement } from './flows/user-management.js';
import { buildServer } from './http/server.js';
import type { HttpServices, SiteUrls } from './http/services.js';
import { createClientService, type ClientService } from './oauth/clients.js';
import { createConsentService } from './oauth/consents.js';
import { createKeyring, type Keyring } from './oauth/signing-keys.js';
import { createTokenService, type TokenService } from './oauth/tokens.js';
import { createLogger, logFormatOf } from './observability/logger.js';
import { createSessionService, type SessionService } from './sessions/browser-sessions.js';
import { openStore } from './store/open-store.js';
import { pastSpan, startTracing } from './observability/tracing.js';
import { purgeExpired, type PurgeReport } from './store/purge.js';

export interface OtpgateOptions {
  config: Config;
  clock?: Clock;
  logger?: Logger;
  /** Where the console handler prints (tests capture it). */
  consoleWrite?: (line: string) => void;
  /** An already open store (tests share one); otherwise database.url is opened. */
  store?: Store;
  /**
   * SQLite only: checkpoint the WAL from a worker thread (store/sqlite-checkpointer.ts). Default true: a server
   * under load needs it; a one-shot command (the CLI's) does not, and skips the thread.
   */
  backgroundCheckpoints?: boolean;
}

/**
 * otpgate embedded in an application: the UserManagement API per site, the HTTP server, and maintenance.
 *
 * @example
 * const otpgate = await createOtpgate({ config });
 * const address = await otpgate.listen({ port: 8080 });
 * const identifier = await otpgate.userManagement('demo').initPasswordlessLogin(userId, 'SMS');
 */
export interface Otpgate {
  /** Salesforce's UserManagement operations for one site. */
  userManagement(siteId: string, meta?: RequestMeta): UserManagement;
  /** Deletes expired verifications, codes, tokens, rate counters and old attempt logs (in short batches). */
  purge(): Promise<PurgeReport>;
  /** The HTTP server (built once, on first use), e.g. to inject requests or add routes before listen(). */
  server(): Promise<FastifyInstance>;
  /** Starts listening; resolves to the address. Host and port default to the config's. */
  listen(options?: { host?: string; port?: number }): Promise<string>;
  /** Readiness fails from now on, so a load balancer stops sending; requests keep being served until close(). */
  drain(): void;
  /** Stops the server, then closes the database and every connection otpgate opened. */
  close(): Promise<void>;
}

/** Every part, composed: what the CLI's admin commands and the HTTP layer are built from. */
export interface Services extends HttpServices {
  config: Config;
  store: Store;
  flowDeps: FlowDeps;
  siteDirectory: SiteDirectory;
  useCases: UseCases;
  clients: ClientService;
  tokens: TokenService;
  sessions: SessionService;
  keyring: Keyring;
  lifecycle: { draining: boolean };
  /** Deletes expired verifications, codes, tokens, rate counters and old attempt logs (in short batches). */
  purge(): Promise<PurgeReport>;
  /** Releases what composition opened: the store and any pooled connections. */
  close(): Promise<void>;
}

export async function createOtpgate(options: OtpgateOptions): Promise<Otpgate> {
  return otpgateOf(await composeServices(options));
}

export async function composeServices(options: OtpgateOptions): Promise<Services> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.server.logLevel, undefined, logFormatOf(config));
  // Traces only when a collector is configured (observability/tracing.ts); null otherwise, and nothing is wrapped.
  const tracing = await startTracing(config.tracing);
  const tracer = tracing?.tracer ?? null;
  // Node's own metrics, query timings and the pool only where something may scrape them (each costs a little).
  const scraped = config.metrics.token !== null;
  // The pool gauge reads the store that is opened next (metrics come first: the store reports its query times to them).
  const opened: { store?: Store } = {};
  const metrics = createMetrics({ nodeDefaults: scraped, pool: () => opened.store?.poolStats?.() });
  const dialect = config.database.url.startsWith('sqlite:') ? 'sqlite' : 'postgres';
  const store =
    options.store ??
    (await openStore(config.database.url, {
      poolSize: config.database.poolSize,
      onIdleError: (err) => logger.warn({ err }, 'idle database connection lost; the pool reconnects'),
      backgroundCheckpoints: options.backgroundCheckpoints ?? true,
      onCheckpointError: (err) => logger.warn({ err }, 'SQLite checkpoint thread failed; commits checkpoint again'),
      ...(scraped || tracer
        ? {
            onQuery: (operation, ms) => {
              if (scraped) metrics.dbQuerySeconds.observe({ dialect, operation }, ms / 1000);
              if (tracer) pastSpan(tracer, `db ${operation}`, { 'db.system': dialect, 'db.operation': operation }, ms);
            },
          }
        : {}),
    }));
  opened.store = store;
  const base = (config.server.baseUrl ?? `http://${config.server.host}:${config.server.port}`).replace(/\/+$/, '');
  // Production insists on an https baseUrl (config schema); Secure there regardless, so no path can drop it.
  const secureCookies = base.startsWith('https:') || config.mode === 'production';
  const urls: SiteUrls = { base, site: (site) => `${base}/${site.id}`, secureCookies };
  // Callouts to SMS providers share one keep-alive pool per app, closed with it.
  const httpClient = createHttpClient();
  const credentials = new Map<string, NamedCredential>(Object.entries(config.namedCredentials));
  const flowDeps: FlowDeps = {
    store,
    clock,
    hasher: createCodeHasher(config.secrets.hmac),
    chains: createChainResolver({
      production: config.mode === 'production',
      allowConsoleInProduction: config.delivery.allowConsoleInProduction,
      defaultHandler: config.delivery.defaultHandler,
      ...(options.consoleWrite ? { consoleWrite: options.consoleWrite } : {}),
      elapsedMs: systemTimers.elapsedMs,
      // Receipts come back to this instance's public address: without a configured baseUrl the provider could not reach it.
      providers: {
        receiptUrl: (siteId, handler, tokenFrom) => {
          if (!config.server.baseUrl) return null;
          const url = `${base}/${encodeURIComponent(siteId)}/receipts/${encodeURIComponent(handler)}`;
          const secret = tokenFrom === undefined ? undefined : credentials.get(tokenFrom)?.receiptSecret;
          return secret === undefined ? url : `${url}?token=${receiptToken(secret, siteId, handler)}`;
        },
        credential: (siteId, name) => credentialFor(credentials, name, siteId),
      },
      onBreakerChange: (site, handler, state) => {
        metrics.breakerChanges.inc({ site, handler, state });
        if (state === 'open')
          logger.warn(
            { siteId: site, handler },
            `delivery handler "${handler}" keeps failing: circuit open, skipped until a probe succeeds`,
          );
        else logger.info({ siteId: site, handler }, `delivery handler "${handler}" answers again: circuit closed`);
      },
    }),
    hooks: createSiteHooks(),
    credentials,
    calloutFetch: httpClient.fetch,
    captcha: createCaptchaVerifier({ fetch: httpClient.fetch }),
    deliverySettings: { deadlineMs: config.delivery.deadlineMs, retries: config.delivery.retries, backoffMs: config.delivery.backoffMs },
    timers: systemTimers,
    deliveryTiming: createDeliveryTiming(systemTimers),
    guards: createSendGuards(store, clock),
    metrics,
    logger,
    publicHost: new URL(base).host,
    tracer,
  };

  const keyring = createKeyring(store, clock, { encryption: createKeyEncryption(config.secrets.keyEncryption) });
  try {
    await store.migrate();
    await syncConfiguredSites(store, config, clock);
    await checkConfiguredModules(flowDeps, config);
    // A missing or wrong key-encryption key stops startup here, not the first login after it.
    for (const site of await store.sites.list()) await keyring.checkReadable(site.id);
  } catch (error) {
    // A store we opened must not outlive a failed start: an open PostgreSQL pool keeps the process alive.
    if (!options.store) await store.close().catch(() => {});
    await httpClient.close().catch(() => {});
    await tracing?.shutdown().catch(() => {});
    throw error;
  }

  const configOnly = configOnlyPartsOf(config);
  const siteDirectory = createSiteDirectory({
    load: async (id) => {
      const stored = await store.sites.byId(id);
      return stored ? siteFromStored(stored, config.defaults, configOnly.get(id)) : null;
    },
  });
  const tokens = createTokenService(store, keyring, clock, urls.site);
  return {
    config,
    store,
    flowDeps,
    siteDirectory,
    sites: siteDirectory,
    useCases: createUseCases(flowDeps),
    clients: createClientService(store),
    tokens,
    sessions: createSessionService(store, clock),
    keyring,
    clock,
    urls,
    lifecycle: { draining: false },
    readiness: { check: () => store.ping() },
    corsOrigins: corsOriginsOf(config),
    consents: createConsentService(store, clock),
    receipts: { accept: (site, handler, request) => acceptReceipt(flowDeps, site, handler, request) },
    tracer,
    admin: {
      token: config.admin.token,
      sessionMinutes: config.admin.sessionMinutes,
      deps: flowDeps,
      siteIds: async () => (await store.sites.list()).map((s) => s.id),
    },
    logger,
    metrics: {
      token: config.metrics.token,
      render: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
      requestDone: (route, method, status) => metrics.httpRequests.inc({ route, method, status: String(status) }),
    },
    settings: {
      bodyLimitBytes: config.server.bodyLimitBytes,
      trustProxy: config.server.trustProxy,
      requestTimeoutMs: config.server.requestTimeoutMs,
      headersTimeoutMs: Math.min(config.server.headersTimeoutMs, config.server.requestTimeoutMs),
      connectionTimeoutMs: config.server.connectionTimeoutMs,
    },
    purge: () => purgeExpired(store, clock, config.maintenance),
    async close() {
      await store.close();
      await httpClient.close();
      await tracing?.shutdown();
    },
  };
}

/** The embedding API over composed services: the only surface an application relies on. */
export function otpgateOf(services: Services): Otpgate {
  let server: Promise<FastifyInstance> | null = null;
  const serverOnce = () => (server ??= buildServer(services));
  return {
    userManagement(siteId, meta) {
      const site = () => services.siteDirectory.require(siteId);
      return createUserManagement(services.useCases, site, `${services.urls.base}/${siteId}`, meta);
    },
    purge: () => services.purge(),
    server: serverOnce,
    async listen(options = {}) {
      const { host, port } = services.config.server;
      return (await serverOnce()).listen({ host: options.host ?? host, port: options.port ?? port });
    },
    drain() {
      services.lifecycle.draining = true;
    },
    async close() {
      if (server) await (await server).close();
      await services.close();
    },
  };
}

/** Loads every configured handler module once at start, so a typo in a path stops startup instead of a login. */
async function checkConfiguredModules(deps: FlowDeps, config: Config): Promise<void> {
  const problems: string[] = unknownCredentialProblems(config);
  if (config.mode === 'production') problems.push(...weakGuessOdds(config), ...cleartextCaptchaUrls(config));
  for (const [i, siteConfig] of config.sites.entries()) {
    const site = toSite(siteConfig, config);
    // Receipts, fail-over, metrics and the console tell a site's handlers apart by name (two unnamed twilio links
    // would share one receipt URL, and the second one's receipts would be checked with the first one's secret).
    const names = site.handlers.map(linkNameOf);
    for (const name of new Set(names.filter((n, j) => names.indexOf(n) !== j)))
      problems.push(`sites.${i}.handlers: two handlers are named "${name}"; give each its own name:`);
    await deps.chains.chainFor(site).catch((e: Error) => problems.push(`sites.${i}.handlers: ${e.message}`));
    await deps.hooks.discoveryFor(site).catch((e: Error) => problems.push(`sites.${i}.userDiscoveryHandler: ${e.message}`));
    await deps.hooks.registrationFor(site).catch((e: Error) => problems.push(`sites.${i}.registrationHandler: ${e.message}`));
  }
  if (problems.length) throw new ConfigError(problems);
}

/** The hash already stored when it still matches the configured secret at today's cost (no rewrite per start), else a new one. */
async function storedSecretHash(secret: string, stored: string | null | undefined): Promise<string> {
  if (stored) {
    const check = await verifySecret(secret, stored);
    if (check.ok && !check.upgrade) return stored;
  }
  return hashSecret(secret);
}

/** What a starting server says about its settings: a changed meaning, and (development) what production would refuse. */
export function warnAtStartup(config: Config, logger: Logger): void {
  if (config.server.trustProxy === true)
    logger.warn(
      "server.trustProxy: true means one trusted hop (the nearest proxy); give a number of hops or the proxies' CIDRs to say more",
    );
  if (config.mode === 'production') return;
  for (const problem of [...weakGuessOdds(config), ...cleartextCaptchaUrls(config)]) logger.warn(`${problem} (production refuses this)`);
  if (config.secrets.keyEncryption.length === 0)
    logger.warn('signing keys are stored in clear: set secrets.keyEncryption (OTPGATE_KEY_ENCRYPTION_KEYS); production requires it');
  for (const site of config.sites)
    for (const client of site.clients)
      if (client.clientSecret !== undefined && client.clientSecret.length < 32)
        logger.warn(`client ${client.clientId} of site ${site.id} has a secret shorter than 32 characters; production refuses it`);
}

/** Sites and clients in the config file are the truth for those ids: written to the database at every start. */
async function syncConfiguredSites(store: Store, config: Config, clock: Clock): Promise<void> {
  const now = clock.now();
  for (const siteConfig of config.sites) {
    // Client secrets go to oauth_clients as hashes only; the stored settings never hold a client.
    await store.sites.upsert({ id: siteConfig.id, name: siteConfig.name, settings: siteSettingsOf(siteConfig) }, now);
    for (const client of configuredClients(siteConfig)) {
      const clients = store.forSite(siteConfig.id).clients;
      await clients.upsert({
        clientId: client.clientId,
        name: client.name,
        secretHash: client.clientSecret
          ? await storedSecretHash(client.clientSecret, (await clients.byId(client.clientId))?.secretHash)
          : null,
        redirectUris: client.redirectUris,
        postLogoutRedirectUris: client.postLogoutRedirectUris ?? [],
        requirePkce: client.requirePkce,
        firstParty: client.firstParty,
        idTokenAlg: client.idTokenSignedResponseAlg,
      });
    }
  }
}
