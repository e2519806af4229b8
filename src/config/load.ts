import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ZodError } from 'zod';
import { configSchema, type Config } from './schema.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface LoadedConfig {
  config: Config;
  /** Directory relative module paths are resolved from. */
  baseDir: string;
}

/**
 * Reads a YAML or JSON file (or none), replaces `${ENV_VAR}` in every string, applies the OTPGATE_*
 * environment overrides and validates. Any problem throws a ConfigError naming the path of the bad value.
 */
export function loadConfig(
  options: { path?: string | null; env?: NodeJS.ProcessEnv; overrides?: Record<string, unknown> } = {},
): LoadedConfig {
  const env = options.env ?? process.env;
  const path = options.path ?? env.OTPGATE_CONFIG ?? null;
  let raw: unknown = {};
  let baseDir = process.cwd();
  if (path) {
    const absolute = resolve(path);
    baseDir = dirname(absolute);
    let text: string;
    try {
      text = readFileSync(absolute, 'utf8');
    } catch (error) {
      throw new ConfigError([`${path}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
    }
    const json = absolute.endsWith('.json');
    try {
      raw = json ? JSON.parse(text) : parseYaml(text);
    } catch (error) {
      // Where, never what: V8's JSON message quotes the text around the error, which may be a secret.
      const where = json ? '' : `: ${(error as Error).message.split('\n')[0]}`;
      throw new ConfigError([`${path}: not valid ${json ? 'JSON' : 'YAML'}${where}`]);
    }
    raw ??= {};
    // A file holding one value (a secret saved under the wrong name, say) is no configuration, and is not echoed.
    if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError([`${path}: the top level must be a mapping of settings`]);
  }
  const problems: string[] = [];
  const interpolated = interpolate(raw, env, [], problems);
  if (problems.length) throw new ConfigError(problems);
  const merged = applyEnv(structuredClone(interpolated) as Record<string, unknown>, env, problems);
  if (problems.length) throw new ConfigError(problems);
  for (const [key, value] of Object.entries(options.overrides ?? {})) setPath(merged, key.split('.'), value);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(formatZodError(parsed.error));
  return { config: resolveModulePaths(parsed.data, baseDir), baseDir };
}

export function formatZodError(error: ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
}

function interpolate(value: unknown, env: NodeJS.ProcessEnv, path: (string | number)[], problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const found = env[name];
      if (found === undefined) problems.push(`${path.join('.')}: environment variable ${name} is not set`);
      return found ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, [...path, i], problems));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, [...path, k], problems)]));
  return value;
}

function applyEnv(config: Record<string, unknown>, env: NodeJS.ProcessEnv, problems: string[]): Record<string, unknown> {
  const set = (name: string, path: string[], convert: (v: string) => unknown = (v) => v) => {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(config, path, convert(value));
  };
  set('OTPGATE_MODE', ['mode']);
  set('OTPGATE_HOST', ['server', 'host']);
  set('OTPGATE_PORT', ['server', 'port'], Number);
  set('OTPGATE_BASE_URL', ['server', 'baseUrl']);
  set('OTPGATE_LOG_LEVEL', ['server', 'logLevel']);
  set('OTPGATE_LOG_FORMAT', ['server', 'logFormat']);
  // OpenTelemetry's own variable, so a collector sidecar configured the usual way is picked up.
  set('OTEL_EXPORTER_OTLP_ENDPOINT', ['tracing', 'endpoint']);
  set('OTPGATE_DATABASE_URL', ['database', 'url']);
  const idSecretList = (name: string) => (v: string) =>
    v.split(',').map((entry, i) => {
      const cut = entry.indexOf(':');
      if (cut <= 0) problems.push(`${name}: entry ${i + 1} is not id:secret`);
      return { id: entry.slice(0, cut), secret: entry.slice(cut + 1) };
    });
  set('OTPGATE_HMAC_SECRETS', ['secrets', 'hmac'], idSecretList('OTPGATE_HMAC_SECRETS'));
  set('OTPGATE_KEY_ENCRYPTION_KEYS', ['secrets', 'keyEncryption'], idSecretList('OTPGATE_KEY_ENCRYPTION_KEYS'));
  return config;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (!next || typeof next !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function resolveModulePaths(config: Config, baseDir: string): Config {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const handler = <T extends { type: string }>(h: T): T =>
    h.type === 'module' ? { ...h, path: abs((h as unknown as { path: string }).path) } : h;
  return {
    ...config,
    delivery: { ...config.delivery, defaultHandler: handler(config.delivery.defaultHandler) },
    sites: config.sites.map((site) => ({
      ...site,
      handlers: site.handlers.map(handler),
      userDiscoveryHandler: site.userDiscoveryHandler && abs(site.userDiscoveryHandler),
      registrationHandler: site.registrationHandler && abs(site.registrationHandler),
    })),
  };
}
