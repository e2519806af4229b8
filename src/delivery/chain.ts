import type { Channel } from '../domain/channel.js';
import type { HandlerSpec, Site } from '../domain/site.js';
import { createConsoleHandler } from './builtin/console-handler.js';
import { createHttpProvider } from './builtin/http-provider.js';
import { createWebhookHandler } from './builtin/webhook-handler.js';
import { createCircuitBreaker, DEFAULT_BREAKER, type BreakerListener, type CircuitBreaker } from './circuit-breaker.js';
import type { OneTimePasswordDeliveryHandler } from './contract.js';
import type { ChainLink } from './dispatcher.js';
import { loadModuleExport, moduleName } from './module-loader.js';
import { UnknownNamedCredentialError } from './named-credentials.js';
import { createProviderHandler, providerLinkName, type ProviderServices } from './providers/index.js';

export interface ChainSettings {
  production: boolean;
  allowConsoleInProduction: boolean;
  defaultHandler: HandlerSpec;
  /** Where the console handler writes (tests capture it). */
  consoleWrite?: (line: string) => void;
  /** Monotonic milliseconds for the circuit breakers (Timers.elapsedMs). */
  elapsedMs: () => number;
  /** Told when a handler's circuit opens or closes. */
  onBreakerChange?: (siteId: string, handler: string, state: 'open' | 'closed') => void;
  /** What built-in provider kinds use (the receipt URL); absent: they send no receipt URL. */
  providers?: ProviderServices;
}

const NO_RECEIPT_URL: ProviderServices = {
  receiptUrl: () => null,
  credential: (_siteId, name) => {
    throw new UnknownNamedCredentialError(name);
  },
};

const isHandler = (v: unknown): v is OneTimePasswordDeliveryHandler =>
  !!v && typeof (v as OneTimePasswordDeliveryHandler).sendOneTimePassword === 'function';

/** The name a configured handler has in attempt logs, metrics, receipt URLs and the admin console. */
export function linkNameOf(spec: HandlerSpec): string {
  switch (spec.type) {
    case 'console':
      return spec.name ?? 'console';
    case 'webhook':
      return spec.name ?? `webhook:${spec.credential}`;
    case 'http':
      return spec.name ?? 'http';
    case 'module':
      return spec.name ?? moduleName(spec.path);
    default:
      return providerLinkName(spec);
  }
}

/** Turns a site's configured chain into handler objects; modules are loaded once and kept. */
export function createChainResolver(settings: ChainSettings) {
  const cache = new Map<string, Promise<ChainLink>>();
  const resolveLink = (spec: HandlerSpec): Promise<ChainLink> => {
    if (spec.type === 'console') {
      if (settings.production && !settings.allowConsoleInProduction)
        return Promise.reject(
          new Error(
            'the console handler prints codes and is refused in production mode (set delivery.allowConsoleInProduction to override)',
          ),
        );
      return Promise.resolve({ name: linkNameOf(spec), handler: createConsoleHandler(settings.consoleWrite) });
    }
    if (spec.type === 'webhook' || spec.type === 'http') {
      // Built once per configuration (a webhook's public key is imported once).
      const key = `${spec.type}\n${JSON.stringify(spec)}`;
      let link = cache.get(key);
      if (!link) {
        link = Promise.resolve(
          spec.type === 'webhook'
            ? { name: linkNameOf(spec), handler: createWebhookHandler(spec) }
            : { name: linkNameOf(spec), handler: createHttpProvider(spec) },
        );
        cache.set(key, link);
      }
      return link;
    }
    if (spec.type !== 'module') {
      const key = `provider\n${JSON.stringify(spec)}`;
      let link = cache.get(key);
      if (!link) {
        link = Promise.resolve({
          name: linkNameOf(spec),
          handler: createProviderHandler(spec, settings.providers ?? NO_RECEIPT_URL),
        });
        cache.set(key, link);
      }
      return link;
    }
    const key = `${spec.path}\n${JSON.stringify(spec.options ?? {})}`;
    let link = cache.get(key);
    if (!link) {
      link = loadModuleExport(spec.path, spec.options, isHandler, 'delivery handler').then((handler) => ({
        name: linkNameOf(spec),
        handler,
      }));
      link.catch(() => cache.delete(key)); // a fixed file may load on the next try
      cache.set(key, link);
    }
    return link;
  };
  // One breaker per site and link, kept for the life of the app (the chain is resolved on every send).
  const breakers = new Map<string, CircuitBreaker>();
  const breakerFor = (siteId: string, index: number, name: string, spec: HandlerSpec): CircuitBreaker | undefined => {
    if (spec.breaker === false) return undefined;
    const key = `${siteId}\n${index}\n${name}`;
    let breaker = breakers.get(key);
    if (!breaker) {
      const listener: BreakerListener = (state) => settings.onBreakerChange?.(siteId, name, state);
      breaker = createCircuitBreaker(spec.breaker ?? DEFAULT_BREAKER, settings.elapsedMs, listener);
      breakers.set(key, breaker);
    }
    return breaker;
  };
  const specsOf = (site: Site): readonly HandlerSpec[] => (site.handlers.length > 0 ? site.handlers : [settings.defaultHandler]);
  return {
    /** The site's configured chain (or the deployment's default handler), as written: what a receipt is checked against. */
    specsFor: specsOf,
    async chainFor(site: Site): Promise<ChainLink[]> {
      const specs = specsOf(site);
      // One loaded handler may serve several links with different routes: route, timeout and breaker belong to the link.
      return Promise.all(
        specs.map(async (spec, index) => {
          const link = await resolveLink(spec);
          const breaker = breakerFor(site.id, index, link.name, spec);
          return {
            ...link,
            ...(spec.destinations ? { destinations: spec.destinations } : {}),
            ...(spec.channel && spec.channel !== 'sms' ? { channel: spec.channel } : {}),
            ...(spec.timeoutMs ? { timeoutMs: spec.timeoutMs } : {}),
            ...(breaker ? { breaker } : {}),
          };
        }),
      );
    },
  };
}

export type ChainResolver = ReturnType<typeof createChainResolver>;

/**
 * The links that serve a destination, in chain order: a link with `destinations` serves the numbers of those
 * countries or starting with those prefixes, a link without serves every number.
 */
export function routeChain(chain: ChainLink[], phone: string, country: string | null, channel: Channel = 'sms'): ChainLink[] {
  return chain.filter((link) => (link.channel ?? 'sms') === channel && serves(link, phone, country));
}

/** The channels other than `channel` that some link of the chain would use for this number, in chain order. */
export function otherChannels(chain: ChainLink[], phone: string, country: string | null, channel: Channel): Channel[] {
  const others = chain.filter((link) => (link.channel ?? 'sms') !== channel && serves(link, phone, country)).map((l) => l.channel ?? 'sms');
  return [...new Set(others)];
}

const serves = (link: ChainLink, phone: string, country: string | null) =>
  !link.destinations || link.destinations.some((d) => (d.startsWith('+') ? phone.startsWith(d) : d === country));
