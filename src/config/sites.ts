/**
 * A site's three moments, one schema: the config (or `otpgate site create`) gives its settings, the store
 * keeps them as given (siteSettingsOf), and every read checks them and resolves its policies against the
 * live defaults (siteFromStored), so a change of `defaults.policy` reaches every site at the next start.
 */
import type { z } from 'zod';
import type { CaptchaSettings } from '../domain/captcha.js';
import type { OtpPolicy, SitePolicies } from '../domain/policy.js';
import type { StoredSite } from '../domain/repositories.js';
import type { SessionPolicy } from '../domain/session.js';
import type { Site } from '../domain/site.js';
import { USE_CASES } from '../domain/use-case.js';
import { CAPTCHA_VERIFY_URLS, storedCaptchaSchema } from './captcha-schema.js';
import { formatZodError } from './load.js';
import { siteSchema, type Config, type SiteConfig } from './schema.js';

/** A site as written in the config file or given to `otpgate site create`, before the schema's defaults. */
export type SiteInput = z.input<typeof siteSchema>;

type CaptchaInput = NonNullable<SiteInput['captcha']>;

/**
 * What the store keeps of a site: its settings as given, without its OAuth clients (they go to the clients
 * table) and without its captcha secret (it stays in the config, as client secrets are kept only as hashes).
 */
export type SiteSettings = Omit<SiteInput, 'clients' | 'captcha'> & { captcha?: Omit<CaptchaInput, 'secret'> };

/** A site's OAuth client from the config, named after its id when unnamed; synced into the clients table at start. */
export type ConfiguredClient = SiteConfig['clients'][number];

/** The settings to store for a site: given ones stay given, so later schema defaults reach the site too. */
export function siteSettingsOf(site: SiteInput): SiteSettings {
  const { clients: _clients, captcha, testNumbers, ...rest } = site;
  // Test numbers' fixed codes are known passwords: like the captcha secret, they stay in the config.
  const settings = { ...rest, ...(testNumbers ? { testNumbers: { ...testNumbers, numbers: [] } } : {}) };
  if (!captcha) return settings;
  const { secret: _secret, ...stored } = captcha;
  return { ...settings, captcha: stored };
}

export function configuredClients(site: SiteConfig): ConfiguredClient[] {
  return site.clients.map((c) => ({ ...c, name: c.name || c.clientId }));
}

/**
 * Unknown top-level keys are dropped rather than refused: rows written before settings were stored as given
 * hold the whole old Site (`policies` frozen at creation, `clients: []`). Their `policies` are ignored on
 * purpose: policies resolve from the live defaults, as for every site. Nested objects stay strict.
 */
const storedSettingsSchema = siteSchema.omit({ clients: true }).extend({ captcha: storedCaptchaSchema.optional() }).strip();

/** A stored site that does not match the site schema (hand-edited, or written by an incompatible version). */
export class StoredSiteError extends Error {
  constructor(
    readonly siteId: string,
    readonly problems: string[],
  ) {
    super(`stored site "${siteId}" does not match the site schema: ${problems.join('; ')}`);
  }
}

/** What a site's configuration holds that is never stored: its captcha secret and its test numbers. */
export interface ConfigOnlyParts {
  captchaSecret?: string;
  testNumbers?: SiteConfig['testNumbers']['numbers'];
}

/**
 * A stored site as the domain's Site: its settings checked with the site schema and its policies resolved.
 * `configOnly` is the config's for this site (none: the config names no such site, a captcha fails closed and
 * there are no test numbers).
 */
export function siteFromStored(
  stored: Pick<StoredSite, 'id' | 'name' | 'settings'>,
  defaults: Config['defaults'],
  configOnly: ConfigOnlyParts = {},
): Site {
  const captchaSecret = configOnly.captchaSecret ?? null;
  // The columns are the truth for id and name (they are what lookups use).
  const given = isRecord(stored.settings) ? { ...stored.settings, id: stored.id, name: stored.name } : stored.settings;
  const parsed = storedSettingsSchema.safeParse(given);
  if (!parsed.success) throw new StoredSiteError(stored.id, formatZodError(parsed.error));
  const { captcha, ...settings } = parsed.data;
  const testNumbers = { ...settings.testNumbers, numbers: configOnly.testNumbers ?? [] };
  return toSite({ ...settings, testNumbers, ...(captcha ? { captcha: { ...captcha, secret: captchaSecret } } : {}) }, { defaults });
}

/** The config-only parts of each configured site, for siteFromStored. */
export function configOnlyPartsOf(config: Pick<Config, 'sites'>): ReadonlyMap<string, ConfigOnlyParts> {
  return new Map(
    config.sites.map((site) => [
      site.id,
      { ...(site.captcha ? { captchaSecret: site.captcha.secret } : {}), testNumbers: site.testNumbers.numbers },
    ]),
  );
}

/** A site's captcha as configured, or as stored with the config's secret (null when there is none). */
type CaptchaOfSite = Omit<NonNullable<SiteConfig['captcha']>, 'secret'> & { secret: string | null };

/** A site as configured -> the domain's Site, with its policy resolved per use case (defaults <- site <- use case). */
export function toSite(
  site: Omit<SiteConfig, 'clients' | 'captcha'> & { captcha?: CaptchaOfSite | undefined },
  config: Pick<Config, 'defaults'>,
): Site {
  const policies = Object.fromEntries(
    USE_CASES.map((useCase) => [useCase, resolvePolicy({ ...config.defaults.policy, ...site.policy, ...site.useCasePolicies[useCase] })]),
  ) as SitePolicies;
  return {
    id: site.id,
    name: site.name,
    enabled: site.enabled,
    experienceId: site.experienceId,
    locale: site.locale,
    defaultCountry: site.defaultCountry,
    passwordlessLoginEnabled: site.passwordlessLoginEnabled,
    registrationEnabled: site.registrationEnabled,
    registrationExistingAccount: site.registrationExistingAccount,
    policies,
    handlers: site.handlers,
    receiptFailoverSeconds: site.receiptFailoverSeconds,
    userDiscoveryHandler: site.userDiscoveryHandler,
    registrationHandler: site.registrationHandler,
    tokens: site.tokens,
    branding: site.branding,
    session: sessionPolicyOf(site.session),
    secondFactor: site.secondFactor,
    guessBudget: site.guessBudget,
    testNumbers: {
      codes: Object.fromEntries(site.testNumbers.numbers.map((n) => [n.phone, n.code])),
      exemptFromLimits: site.testNumbers.exemptFromLimits,
    },
    pumpingDefence: site.pumpingDefence,
    captcha: captchaSettingsOf(site.captcha),
  };
}

/** The configured policy -> the domain's: the send limits gathered into one value. */
export function resolvePolicy(policy: Config['defaults']['policy']): OtpPolicy {
  const { sendsPerIp, sendsPerIpRange, sendsPerPhone, sendsPerPrefix, sendsPerSite, ...rest } = policy;
  return {
    ...rest,
    sendLimits: {
      ip: sendsPerIp,
      ipRange: sendsPerIpRange,
      phone: { ...sendsPerPhone, perHour: policy.maxSendsPerPhonePerHour },
      prefix: sendsPerPrefix,
      site: sendsPerSite,
    },
  };
}

function captchaSettingsOf(captcha: CaptchaOfSite | undefined): CaptchaSettings | null {
  if (!captcha) return null;
  return {
    provider: captcha.provider,
    secret: captcha.secret,
    siteKey: captcha.siteKey,
    projectId: captcha.projectId ?? null,
    minScore: captcha.minScore,
    action: captcha.action ?? null,
    verifyUrl: captcha.verifyUrl ?? CAPTCHA_VERIFY_URLS[captcha.provider],
    endpoints: captcha.endpoints,
    whenNearLimitPercent: captcha.whenNearLimitPercent ?? null,
  };
}

/** The deprecated single `ttlSeconds` can only shorten the absolute lifetime, never lengthen it past the default. */
function sessionPolicyOf(session: SiteConfig['session']): SessionPolicy {
  const { idleTimeoutSeconds, absoluteLifetimeSeconds, ttlSeconds } = session;
  return { idleTimeoutSeconds, absoluteLifetimeSeconds: Math.min(absoluteLifetimeSeconds, ttlSeconds ?? absoluteLifetimeSeconds) };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * NIST SP 800-63B §5.1.3 asks that guessing a code be hopeless: with the daily guess budget spent on one phone,
 * the chance must stay under 1 in 10,000 (guessBudget.perDay / 10^codeLength). Names each configured site and
 * use case that gives an attacker better odds.
 */
export function weakGuessOdds(config: Pick<Config, 'sites' | 'defaults'>): string[] {
  const problems: string[] = [];
  config.sites.forEach((siteConfig, i) => {
    const site = toSite(siteConfig, config);
    for (const useCase of USE_CASES) {
      const { codeLength } = site.policies[useCase];
      if (site.guessBudget.perDay * 10_000 > 10 ** codeLength)
        problems.push(
          `sites.${i} (${site.id}), ${useCase}: ${site.guessBudget.perDay} wrong codes a day against ${codeLength}-digit codes is ` +
            `better than 1 in 10,000 odds for an attacker; use longer codes or a smaller guessBudget.perDay`,
        );
    }
  });
  return problems;
}

/**
 * The web origins of each site's OAuth clients (CORS, http/cors.ts). They are read from the config only, like
 * test numbers: a client added with the CLI has none. A site's own origins, for the endpoints that name no
 * client (the headless inits, a preflight), are the union of its clients'.
 */
export function corsOriginsOf(config: Pick<Config, 'sites'>): {
  ofClient(siteId: string, clientId: string): readonly string[];
  ofSite(siteId: string): readonly string[];
} {
  const byClient = new Map<string, readonly string[]>();
  const bySite = new Map<string, readonly string[]>();
  for (const site of config.sites) {
    for (const client of site.clients) byClient.set(`${site.id}\0${client.clientId}`, client.allowedOrigins);
    bySite.set(site.id, [...new Set(site.clients.flatMap((c) => c.allowedOrigins))]);
  }
  return {
    ofClient: (siteId, clientId) => byClient.get(`${siteId}\0${clientId}`) ?? [],
    ofSite: (siteId) => bySite.get(siteId) ?? [],
  };
}
