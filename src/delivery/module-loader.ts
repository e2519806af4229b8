import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Loads a site owner's module (.js, .mjs or .ts: the server runs under tsx, which compiles .ts on import).
 * The default export is either the object itself or a factory taking the configured options.
 */
export async function loadModuleExport<T>(
  path: string,
  options: Record<string, unknown> | undefined,
  check: (value: unknown) => value is T,
  what: string,
): Promise<T> {
  if (!/\.(m?js|ts|mts)$/.test(path)) throw new Error(`${what} ${path}: must be a .js, .mjs or .ts file`);
  if (!existsSync(path)) throw new Error(`${what} ${path}: file not found`);
  let loaded: { default?: unknown };
  try {
    loaded = await importModule(path);
  } catch (error) {
    throw new Error(`${what} ${path}: failed to load: ${(error as Error).message}`, { cause: error });
  }
  let value = loaded.default;
  if (typeof value === 'function') value = await (value as (o: unknown) => unknown)(options ?? {});
  if (!check(value))
    throw new Error(`${what} ${path}: the default export does not have the expected method (see README, "Writing a handler")`);
  return value;
}

/**
 * Under tsx (npm start) .ts imports just work. The production bundle runs on plain node, so the first
 * .ts module registers tsx's loader then; servers with only .js handlers never pay for it.
 */
let tsxRegistered = process.execArgv.some((arg) => /\btsx\b/.test(arg));
async function importModule(path: string): Promise<{ default?: unknown }> {
  if (/\.m?ts$/.test(path) && !tsxRegistered) {
    // Both loaders: a .ts file outside a "type": "module" package is loaded as CommonJS.
    (await import('tsx/esm/api')).register();
    (await import('tsx/cjs/api')).register();
    tsxRegistered = true;
  }
  const loaded = (await import(pathToFileURL(path).href)) as { default?: unknown };
  // CommonJS interop wraps an `export default` once more: { default: { default: handler } }.
  const inner = loaded.default as { default?: unknown; __esModule?: boolean } | undefined;
  return inner && typeof inner === 'object' && 'default' in inner && Object.keys(inner).every((k) => k === 'default' || k === '__esModule')
    ? { default: inner.default }
    : loaded;
}

export const moduleName = (path: string) => basename(path).replace(/\.(m?js|ts|mts)$/, '');
