import type { HandlerSpec } from '../domain/site.js';
import { parseCalloutTarget } from './named-credentials.js';

/** The parts of the configuration that name handlers and credentials (the config's shape, not its type). */
export interface CredentialCheckInput {
  namedCredentials: Readonly<Record<string, unknown>>;
  delivery: { defaultHandler: HandlerSpec };
  sites: readonly { handlers: readonly HandlerSpec[] }[];
}

/**
 * Every credential a configured handler references and namedCredentials lacks, as `path: reason` problems for
 * a ConfigError. A handler references a credential by declaring it (`credentials: [NAME]`) or by an option
 * value `callout:NAME/...`; a name only inside the handler's code is found at its first callout instead.
 * Checked at startup because at send time the user can only be told "delivery failed".
 */
export function unknownCredentialProblems(config: CredentialCheckInput): string[] {
  const known = new Set(Object.keys(config.namedCredentials));
  const handlers: [string, HandlerSpec][] = [['delivery.defaultHandler', config.delivery.defaultHandler]];
  config.sites.forEach((site, i) => site.handlers.forEach((spec, j) => handlers.push([`sites.${i}.handlers.${j}`, spec])));
  const problems: string[] = [];
  for (const [path, spec] of handlers) {
    for (const [where, name] of credentialReferences(spec)) {
      if (!known.has(name)) problems.push(`${path}.${where}: no named credential "${name}" is configured in namedCredentials`);
    }
  }
  return problems;
}

/** [path within the spec, credential name] for each reference a handler spec makes. */
export function credentialReferences(spec: HandlerSpec): [string, string][] {
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
