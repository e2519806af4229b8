import type { SitePolicies } from '../domain/policy.js';
import type { Site } from '../domain/site.js';
import { USE_CASES } from '../domain/use-case.js';
import { policySchema, siteSchema, type Config, type SiteConfig } from './schema.js';

/** A site as configured -> the domain's Site, with its policy resolved per use case (defaults <- site <- use case). */
export function toSite(site: SiteConfig, config: Config): Site {
  const policies = Object.fromEntries(
    USE_CASES.map((useCase) => [useCase, { ...config.defaults.policy, ...site.policy, ...site.useCasePolicies[useCase] }]),
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
    policies,
    handlers: site.handlers,
    userDiscoveryHandler: site.userDiscoveryHandler,
    registrationHandler: site.registrationHandler,
    clients: site.clients.map((c) => ({ ...c, name: c.name || c.clientId })),
    tokens: site.tokens,
    branding: site.branding,
    session: site.session,
    secondFactor: site.secondFactor,
  };
}

/** A site made by `otpgate site create`: schema defaults plus the server's default policy. */
export function newSite(input: { id: string; name: string }, config: Config): Site {
  return toSite(siteSchema.parse(input), config);
}

export const defaultPolicy = () => policySchema.parse({});
