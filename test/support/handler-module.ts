import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Recorded = { request: Record<string, unknown>; context: string[] }[];
const calls = ((globalThis as { __otpgateCalls?: Record<string, Recorded> }).__otpgateCalls ??= {});

/** Writes a delivery handler module into a fresh directory; its body sees `request`, `context`, and `record()`. */
export function handlerModule(name: string, body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'otpgate-handler-'));
  const path = join(dir, `${name}.mjs`);
  const key = path;
  calls[key] = [];
  writeFileSync(
    path,
    `export default { async sendOneTimePassword(request, context) {
       const record = () => globalThis.__otpgateCalls[${JSON.stringify(key)}].push({ request, context: Object.keys(context) });
       ${body}
     } };\n`,
  );
  return path;
}

/** What a module written by handlerModule recorded, call by call. */
export const recorded = (path: string) => calls[path]!;
