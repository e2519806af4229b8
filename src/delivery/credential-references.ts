import type { HandlerSpec } from '../domain/site.js';
import { parseCalloutTarget } from './named-credentials.js';

/** The parts of the configuration that name handlers and credentials (the config's shape, not its type). */
export interface CredentialCheckInput {
  namedCredentials: Readonly<Record<string, { sites?: readonly string[] | undefined }>>;
  delivery: { defaultHandler: HandlerSpec };
  sites: readonly { id: string; handlers: readonly HandlerSpec[] }[];
}

/**
 * Every credential a configured handler references that namedCredentials lacks, or that is limited to other
 * sites, as `path: reason` problems for a ConfigError. A handler references a credential by declaring it
 * (`credentials: [NAME]`) or by an option value `callout:NAME/...`; a name only inside the handler's code is
 * found at its first callout instead. Checked at startup because at send time the user can only be told
 * "delivery failed".
 */
export function unknownCredentialProblems(config: CredentialCheckInput): string[] {
  // The default chain serves every site that names no handlers of its own.
  const defaultUsers = config.sites.filter((site) => site.handlers.length === 0).map((site) => site.id);
  const handlers: [string, HandlerSpec, string[]][] = [['delivery.defaultHandler', config.delivery.defaultHandler, defaultUsers]];
  config.sites.forEach((site, i) => site.handlers.forEach((spec, j) => handlers.push([`sites.${i}.handlers.${j}`, spec, [site.id]])));
  const problems: string[] = [];
  for (const [path, spec, siteIds] of handlers) {
    for (const [where, name] of credentialReferences(spec)) {
      const credential = config.namedCredentials[name];
      if (!credential) {
        problems.push(`${path}.${where}: no named credential "${name}" is configured in namedCredentials`);
        continue;
      }
      const allowed = credential.sites;
      for (const siteId of allowed ? siteIds.filter((id) => !allowed.includes(id)) : [])
        problems.push(`${path}.${where}: named credential "${name}" is not for site "${siteId}" (namedCredentials.${name}.sites)`);
    }
  }
  return problems;
}

/** [path within the spec, credential name] for each reference a handler spec makes. */
export function credentialReferences(spec: HandlerSpec): [string, string][] {
  // A built-in kind (webhook, a provider) names the one credential it calls, and maybe one its receipts are checked with.
  if ('credential' in spec && typeof spec.credential === 'string') {
    const receipts = 'receiptCredential' in spec && typeof spec.receiptCredential === 'string' ? spec.receiptCredential : undefined;
    return [['credential', spec.credential], ...(receipts ? [['receiptCredential', receipts] as [string, string]] : [])];
  }
  if (spec.type === 'http') return calloutsIn(spec.url, 'url');
  if (spec.type !== 'module') return [];
  const declared = (spec.credentials ?? []).map((name, k): [string, string] => [`credentials.${k}`, name]);
  return [...declared, ...calloutsIn(spec.options ?? {}, 'options')];
}

function calloutsIn(value: unknown, path: string): [string, string][] {
  if (typeof value === 'string') {
    const target = parseCalloutTarget(value);
    return target ? [[path, target.name]] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => calloutsIn(item, `${path}.${i}`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => calloutsIn(item, `${path}.${key}`));
  return [];
}
