/**
 * The production build: one ESM bundle, dist/otpgate.mjs, run with plain node (no tsx loader, no 280
 * separate dependency files): ~80 MB instead of ~150 MB at start (bench/README.md). Native and optional
 * modules stay external and load from node_modules; tsx too, loaded only to import a .ts handler module.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function bundleOtpgate(options: { outdir: string; entryPoints?: Record<string, string> }): Promise<void> {
  await build({
    entryPoints: { otpgate: `${root}/src/cli/main.ts`, ...options.entryPoints },
    outdir: options.outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    external: ['better-sqlite3', 'pg', 'pg-native', 'pg-cloudflare', 'tsx', 'tsx/*'],
    // Bundled CommonJS dependencies call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __otpgateRequire } from 'node:module'; const require = __otpgateRequire(import.meta.url);" },
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundleOtpgate({ outdir: `${root}/dist` });
  process.stdout.write('built dist/otpgate.mjs: start it with `npm run start:production`\n');
}
