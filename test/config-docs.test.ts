import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { z } from 'zod';
import { CONFIG_DOCS_PATH, renderConfigDocs, renderSchemaTables } from '../scripts/config-docs.js';

test('docs/configuration.md is generated from the current config schema', () => {
  const written = readFileSync(CONFIG_DOCS_PATH, 'utf8');
  assert.equal(written, renderConfigDocs(), 'docs/configuration.md is out of date with src/config/schema.ts: run npm run docs:config');
});

test('the reference documents every OTPGATE_* variable the loader reads', () => {
  const docs = renderConfigDocs();
  const loader = readFileSync(new URL('../src/config/load.ts', import.meta.url), 'utf8');
  const read = [...loader.matchAll(/\b(OTPGATE_[A-Z_]+)\b/g)].map((m) => m[1]!);
  const required = [
    'OTPGATE_CONFIG',
    'OTPGATE_MODE',
    'OTPGATE_HOST',
    'OTPGATE_PORT',
    'OTPGATE_BASE_URL',
    'OTPGATE_LOG_LEVEL',
    'OTPGATE_DATABASE_URL',
    'OTPGATE_HMAC_SECRETS',
  ];
  for (const name of new Set([...required, ...read]))
    assert.ok(docs.includes(`| \`${name}\` |`), `${name} is missing from the environment variable table`);
  for (const section of ['General', 'server', 'database', 'secrets', 'delivery', 'namedCredentials', 'defaults', 'sites'])
    assert.ok(docs.includes(`\n## ${section}\n`), `no ${section} section`);
});

/** A small schema with every construct the config uses, so the renderer is tested apart from the real schema's wording. */
function fixtureSchema() {
  const limits = z
    .object({ size: z.number().int().min(1).max(9).default(3).describe('Size.'), ratio: z.number().gt(0).optional() })
    .strict();
  const override = limits.partial();
  return z
    .object({
      mode: z.enum(['a', 'b']).default('a').describe('Mode | with a pipe.'),
      flag: z.literal(true),
      server: z
        .object({
          url: z.string().url().nullable().default(null),
          name: z
            .string()
            .min(2)
            .max(5)
            .regex(/^[a-z]+$/, 'lowercase'),
        })
        .optional(),
      items: z
        .array(
          z.union([
            z.literal('short').transform(() => ({ kind: 'short' as const })),
            z.object({ type: z.literal('x'), name: z.string().optional().describe('A name.') }).strict(),
            z.object({ type: z.literal('y'), name: z.string().optional(), path: z.string().min(1) }).strict(),
          ]),
        )
        .min(1)
        .describe('The items.'),
      named: z
        .record(
          z.string().regex(/^[A-Z]+$/),
          z.object({
            auth: z.discriminatedUnion('type', [
              z.object({ type: z.literal('none') }),
              z.object({ type: z.literal('token'), token: z.string() }),
            ]),
          }),
        )
        .default({}),
      limits: z
        .object({ base: limits.default({}), perUse: z.object({ one: override.optional(), two: override.optional() }).default({}) })
        .default({}),
    })
    .strict()
    .superRefine(() => undefined);
}

test('renderSchemaTables: one row per setting with type, default, bounds and description', () => {
  const lines = renderSchemaTables(fixtureSchema()).split('\n');
  const rowOf = (path: string) => lines.find((l) => l.startsWith(`| \`${path}\` |`));
  const expected: Record<string, string> = {
    mode: '| `mode` | `"a" \\| "b"` | `"a"` |  | Mode \\| with a pipe. |',
    flag: '| `flag` | `true` | *required* |  |  |',
    'server.url': '| `server.url` | `URL \\| null` | `null` |  |  |',
    'server.name': '| `server.name` | `string` | *required* | 2+ characters; at most 5 characters; `^[a-z]+$` (lowercase) |  |',
    items: '| `items` | `list of ("short" \\| {type: "x", …} \\| {type: "y", …})` | *required* | at least 1 item | The items. |',
    'items[].type': '| `items[].type` | `"x" \\| "y"` | *required* |  |  |',
    'items[].name': '| `items[].name` | `string` | — |  | A name. |',
    'items[].path': '| `items[].path` | `string` | *required* | not empty | Only with type "y". |',
    named: '| `named` | `map of object` | `{}` | names: `^[A-Z]+$` |  |',
    'named.<name>.auth.token': '| `named.<name>.auth.token` | `string` | *required* |  | Only with type "token". |',
    'limits.base.size': '| `limits.base.size` | `integer` | `3` | 1–9 | Size. |',
    'limits.base.ratio': '| `limits.base.ratio` | `number` | — | > 0 |  |',
    'limits.perUse.one.size': '| `limits.perUse.one.size` | `integer` | — | 1–9 | Size. |',
    'limits.perUse.two': '| `limits.perUse.two` | `object` | — |  | Same fields as `limits.perUse.one`. |',
  };
  for (const [path, row] of Object.entries(expected)) assert.equal(rowOf(path), row, path);
  assert.equal(rowOf('limits.perUse.two.size'), undefined, 'a reused object is referred to, not repeated');
  assert.deepEqual(
    lines.filter((l) => l.startsWith('## ')),
    ['## General', '## server', '## items', '## named', '## limits'],
  );
});
