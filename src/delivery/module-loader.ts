import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Loads a site owner's module (.js, .mjs or .ts: the server runs under tsx, which compiles .ts on import).
 * The default export is either the object itself or a factory taking the configured options.
 */
export async function loadModuleExport<T>(path: string, options: Record<string, unknown> | undefined, check: (value: unknown) => value is T, what: string): Promise<T> {
  if (!/\.(m?js|ts|mts)$/.test(path)) throw new Error(`${what} ${path}: must be a .js, .mjs or .ts file`);
  if (!existsSync(path)) throw new Error(`${what} ${path}: file not found`);
  let loaded: { default?: unknown };
  try {
    loaded = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (error) {
    throw new Error(`${what} ${path}: failed to load: ${(error as Error).message}`, { cause: error });
  }
  let value = loaded.default;
  if (typeof value === 'function') value = await (value as (o: unknown) => unknown)(options ?? {});
  if (!check(value)) throw new Error(`${what} ${path}: the default export does not have the expected method (see README, "Writing a handler")`);
  return value;
}

export const moduleName = (path: string) => basename(path).replace(/\.(m?js|ts|mts)$/, '');
