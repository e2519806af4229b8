/**
 * Writes docs/configuration.md from the zod config schema, the single source of types, defaults, bounds
 * and descriptions. `npm run docs:config` regenerates it; test/config-docs.test.ts fails when it is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z, type ZodTypeAny } from 'zod';
import { configSchema } from '../src/config/schema.js';

interface Row {
  path: string;
  type: string;
  default: string;
  bounds: string;
  description: string;
}

/** A schema stripped of its wrappers, with what the wrappers said. */
interface Unwrapped {
  core: ZodTypeAny;
  description: string;
  hasDefault: boolean;
  defaultValue: unknown;
  optional: boolean;
  nullable: boolean;
}

/**
 * What this script reads of zod 3's internal `_def`, by kind of schema: the wrapped, item, key and value schemas,
 * object shapes, defaults and type names. On a schema whose type is not known statically (`ZodTypeAny`, as every
 * schema here is), zod types these as `any`, through `_def` and through the public getters alike.
 */
interface ZodDefs {
  ZodType: { typeName?: string };
  ZodDefault: { innerType: ZodTypeAny; defaultValue: () => unknown };
  ZodOptional: { innerType: ZodTypeAny };
  ZodNullable: { innerType: ZodTypeAny };
  ZodEffects: { schema: ZodTypeAny };
  ZodArray: { type: ZodTypeAny };
  ZodRecord: { keyType: ZodTypeAny; valueType: ZodTypeAny };
  ZodObject: { shape: () => Record<string, ZodTypeAny> };
}

/** The `_def` of a schema already known (by `instanceof`) to be of kind K, typed: the one place the untyped internals are read. */
const def = <K extends keyof ZodDefs>(schema: ZodTypeAny) => schema._def as ZodDefs[K];

function unwrap(schema: ZodTypeAny): Unwrapped {
  const found: Unwrapped = { core: schema, description: '', hasDefault: false, defaultValue: undefined, optional: false, nullable: false };
  for (let s = schema; ;) {
    found.description ||= s.description ?? '';
    if (s instanceof z.ZodDefault) {
      // optional(default(x)) never applies the default: undefined stops at the optional.
      if (!found.optional && !found.hasDefault)
        Object.assign(found, { hasDefault: true, defaultValue: def<'ZodDefault'>(s).defaultValue() });
      s = def<'ZodDefault'>(s).innerType;
    } else if (s instanceof z.ZodOptional) {
      found.optional = true;
      s = def<'ZodOptional'>(s).innerType;
    } else if (s instanceof z.ZodNullable) {
      found.nullable = true;
      s = def<'ZodNullable'>(s).innerType;
    } else if (s instanceof z.ZodEffects) {
      s = def<'ZodEffects'>(s).schema;
    } else {
      found.core = s;
      return found;
    }
  }
}

const isObject = (s: ZodTypeAny): s is z.AnyZodObject => s instanceof z.ZodObject;
const objectVariants = (s: ZodTypeAny): z.AnyZodObject[] =>
  s instanceof z.ZodUnion || s instanceof z.ZodDiscriminatedUnion
    ? (s.options as ZodTypeAny[]).map((o) => unwrap(o).core).filter(isObject)
    : [];

/** The value of a literal `type` key, which names an object's form in a union. */
function formTag(object: z.AnyZodObject): string | null {
  const tag = def<'ZodObject'>(object).shape().type;
  const core = tag && unwrap(tag).core;
  return core instanceof z.ZodLiteral ? String(core.value) : null;
}

function typeOf(schema: ZodTypeAny): string {
  const { core, nullable } = unwrap(schema);
  return nullable ? `${coreType(core)} | null` : coreType(core);
}

function coreType(s: ZodTypeAny): string {
  if (s instanceof z.ZodString) return s._def.checks.some((c) => c.kind === 'url') ? 'URL' : 'string';
  if (s instanceof z.ZodNumber) return s._def.checks.some((c) => c.kind === 'int') ? 'integer' : 'number';
  if (s instanceof z.ZodBoolean) return 'boolean';
  if (s instanceof z.ZodEnum) return (s.options as string[]).map((o) => JSON.stringify(o)).join(' | ');
  if (s instanceof z.ZodLiteral) return JSON.stringify(s.value);
  if (s instanceof z.ZodArray) return `list of ${wrapUnion(typeOf(def<'ZodArray'>(s).type))}`;
  if (s instanceof z.ZodRecord) return `map of ${wrapUnion(typeOf(def<'ZodRecord'>(s).valueType))}`;
  if (isObject(s)) {
    const tag = formTag(s);
    return tag === null ? 'object' : `{type: "${tag}", …}`;
  }
  if (s instanceof z.ZodUnion || s instanceof z.ZodDiscriminatedUnion) return (s.options as ZodTypeAny[]).map(typeOf).join(' | ');
  if (s instanceof z.ZodUnknown || s instanceof z.ZodAny) return 'any';
  return def<'ZodType'>(s).typeName ?? 'unknown';
}

const wrapUnion = (type: string) => (type.includes(' | ') ? `(${type})` : type);

function boundsOf(schema: ZodTypeAny): string {
  const s = unwrap(schema).core;
  const parts: string[] = [];
  if (s instanceof z.ZodString) {
    for (const c of s._def.checks) {
      if (c.kind === 'min') parts.push(c.value === 1 ? 'not empty' : `${c.value}+ characters`);
      if (c.kind === 'max') parts.push(`at most ${c.value} characters`);
      if (c.kind === 'length') parts.push(`exactly ${c.value} characters`);
      if (c.kind === 'regex') parts.push(`\`${c.regex.source}\`${c.message ? ` (${c.message})` : ''}`);
    }
  } else if (s instanceof z.ZodNumber) {
    let min: string | null = null;
    let max: string | null = null;
    for (const c of s._def.checks) {
      if (c.kind === 'min') min = c.inclusive ? String(c.value) : `> ${c.value}`;
      if (c.kind === 'max') max = c.inclusive ? String(c.value) : `< ${c.value}`;
    }
    if (min !== null && max !== null) parts.push(`${min}–${max}`);
    else if (min !== null) parts.push(min.startsWith('>') ? min : `≥ ${min}`);
    else if (max !== null) parts.push(max.startsWith('<') ? max : `≤ ${max}`);
  } else if (s instanceof z.ZodArray) {
    const { minLength, maxLength } = s._def;
    if (minLength) parts.push(`at least ${minLength.value} item${minLength.value === 1 ? '' : 's'}`);
    if (maxLength) parts.push(`at most ${maxLength.value} items`);
    const each = boundsOf(def<'ZodArray'>(s).type);
    if (each) parts.push(`each: ${each}`);
  } else if (s instanceof z.ZodRecord) {
    const keys = boundsOf(def<'ZodRecord'>(s).keyType);
    if (keys) parts.push(`names: ${keys}`);
  }
  return parts.join('; ');
}

function row(path: string, schema: ZodTypeAny, description?: string): Row {
  const u = unwrap(schema);
  const shown = u.hasDefault ? `\`${JSON.stringify(u.defaultValue)}\`` : u.optional ? '—' : '*required*';
  return { path, type: typeOf(schema), default: shown, bounds: boundsOf(schema), description: description ?? u.description };
}

/**
 * One row per setting, dotted paths (`[]` for list items, `<name>` for map keys). An object already
 * documented at another path (the same schema reused) is referred to instead of repeated.
 */
function walk(schema: ZodTypeAny, path: string, rows: Row[], seen: Map<ZodTypeAny, string>, element = false): void {
  const u = unwrap(schema);
  const { core } = u;
  if (isObject(core)) {
    const earlier = seen.get(core);
    if (earlier !== undefined)
      return void rows.push(row(path, schema, `${u.description ? `${u.description} ` : ''}Same fields as \`${earlier}\`.`));
    seen.set(core, path);
    if (u.description) rows.push(row(path, schema));
    for (const [key, child] of Object.entries(def<'ZodObject'>(core).shape())) walk(child, `${path}.${key}`, rows, seen);
    return;
  }
  if (!element || u.description) rows.push(row(path, schema));
  if (core instanceof z.ZodArray) walk(def<'ZodArray'>(core).type, `${path}[]`, rows, seen, true);
  else if (core instanceof z.ZodRecord) walk(def<'ZodRecord'>(core).valueType, `${path}.<name>`, rows, seen, true);
  else rows.push(...unionFields(core, path, seen));
}

/** The fields of a union's object forms, merged by path; a field only some forms have says which. */
function unionFields(union: ZodTypeAny, path: string, seen: Map<ZodTypeAny, string>): Row[] {
  const variants = objectVariants(union);
  const merged = new Map<string, { row: Row; tags: Set<string> }>();
  for (const variant of variants) {
    const rows: Row[] = [];
    for (const [key, child] of Object.entries(def<'ZodObject'>(variant).shape())) walk(child, `${path}.${key}`, rows, seen);
    for (const r of rows) {
      const entry = merged.get(r.path) ?? { row: r, tags: new Set<string>() };
      if (entry.row !== r && !entry.row.type.split(' | ').includes(r.type)) entry.row.type += ` | ${r.type}`;
      entry.row.description ||= r.description;
      entry.tags.add(formTag(variant) ?? '?');
      merged.set(r.path, entry);
    }
  }
  return [...merged.values()].map(({ row: r, tags }) => {
    if (tags.size === variants.length) return r;
    const only = `Only with type ${[...tags].map((t) => `"${t}"`).join(' or ')}.`;
    return { ...r, description: r.description ? `${r.description} ${only}` : only };
  });
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(rows: Row[]): string {
  const lines = ['| Path | Type | Default | Bounds | Description |', '|---|---|---|---|---|'];
  for (const r of rows)
    lines.push(`| \`${cell(r.path)}\` | \`${cell(r.type)}\` | ${cell(r.default)} | ${cell(r.bounds)} | ${cell(r.description)} |`);
  return lines.join('\n');
}

const INTRO = `# Configuration reference

<!-- Generated from src/config/schema.ts by \`npm run docs:config\`. Do not edit by hand: a test compares this file with the schema. -->

otpgate reads one configuration file, in **YAML** or **JSON** (a \`.json\` name is read as JSON, anything else
as YAML). \`otpgate serve --config FILE\` or the \`OTPGATE_CONFIG\` variable names it; without one, the server
runs on defaults and the environment. The shipped \`otpgate.yaml\` is a working development example.

- **Environment interpolation**: any string value may contain \`\${NAME}\`, replaced by the environment
  variable \`NAME\`. An unset variable is an error that names the setting, e.g.
  \`namedCredentials.Sms.auth.token: environment variable SMS_TOKEN is not set\`. Write secrets this way.
- **Validation**: unknown keys are refused, and every problem is reported with its path and the reason,
  e.g. \`sites.0.policy.codeLength: Number must be greater than or equal to 4\`.
- **Module paths** (handlers, user discovery and registration handlers) are resolved relative to the
  configuration file.
- **OTP policy** is resolved per site and use case: \`defaults.policy\`, overridden by \`sites[].policy\`,
  overridden by \`sites[].useCasePolicies.<useCase>\`.
- **Production mode** refuses HMAC secrets shorter than 32 characters or starting with \`dev-only\`, and
  the console handler unless \`delivery.allowConsoleInProduction\` is true.

## Environment variables

These override the file (an empty value is ignored).

| Variable | Sets | Example |
|---|---|---|
| \`OTPGATE_CONFIG\` | the configuration file to read | \`/etc/otpgate/otpgate.yaml\` |
| \`OTPGATE_MODE\` | \`mode\` | \`production\` |
| \`OTPGATE_HOST\` | \`server.host\` | \`0.0.0.0\` |
| \`OTPGATE_PORT\` | \`server.port\` | \`8080\` |
| \`OTPGATE_BASE_URL\` | \`server.baseUrl\` | \`https://id.example.com\` |
| \`OTPGATE_LOG_LEVEL\` | \`server.logLevel\` | \`warn\` |
| \`OTPGATE_LOG_FORMAT\` | \`server.logFormat\` | \`json\` |
| \`OTEL_EXPORTER_OTLP_ENDPOINT\` | \`tracing.endpoint\` | \`http://otel-collector:4318\` |
| \`OTPGATE_DATABASE_URL\` | \`database.url\` | \`postgres://otpgate@db/otpgate\` |
| \`OTPGATE_HMAC_SECRETS\` | \`secrets.hmac\`: comma-separated \`id:secret\` pairs, current first | \`k2:NEW_SECRET,k1:OLD_SECRET\` |
| \`OTPGATE_KEY_ENCRYPTION_KEYS\` | \`secrets.keyEncryption\`: \`id:secret\` pairs, current first | \`kek2:NEW_KEY,kek1:OLD_KEY\` |

In the tables below, \`[]\` stands for any item of a list and \`<name>\` for any key of a map.
`;

/** A "General" table of the top-level scalars, then one table per top-level object, list or map. */
export function renderSchemaTables(schema: ZodTypeAny): string {
  const root = unwrap(schema).core;
  if (!isObject(root)) throw new Error('the config schema is expected to be an object schema');
  const general: Row[] = [];
  const sections: string[] = [];
  const seen = new Map<ZodTypeAny, string>();
  for (const [key, child] of Object.entries(def<'ZodObject'>(root).shape())) {
    const { core } = unwrap(child);
    if (!isObject(core) && !(core instanceof z.ZodArray) && !(core instanceof z.ZodRecord)) {
      walk(child, key, general, seen);
      continue;
    }
    const rows: Row[] = [];
    walk(child, key, rows, seen);
    sections.push(`## ${key}\n\n${table(rows)}\n`);
  }
  return [...(general.length ? [`## General\n\n${table(general)}\n`] : []), ...sections].join('\n');
}

/** The whole of docs/configuration.md. */
export function renderConfigDocs(): string {
  return `${INTRO}\n${renderSchemaTables(configSchema)}`;
}

export const CONFIG_DOCS_PATH = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(CONFIG_DOCS_PATH, renderConfigDocs());
  console.log(`wrote ${CONFIG_DOCS_PATH}`);
}
