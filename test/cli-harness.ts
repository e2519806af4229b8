/** Runs the real `otpgate` CLI as a child process against a throwaway config and database. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { TEST_SECRETS } from './support/test-server.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliFixture {
  dir: string;
  configPath: string;
  run(...args: string[]): Promise<CliResult>;
}

const ROOT = new URL('..', import.meta.url).pathname;
const made: string[] = [];

/** Deletes every fixture directory made so far (call from `after`). */
export function removeCliFixtures(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A fresh temp dir holding the config made for it as otpgate.json (removed by removeCliFixtures). */
function writeConfig(configFor: (dir: string) => object): { dir: string; configPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'otpgate-cli-'));
  made.push(dir);
  const configPath = join(dir, 'otpgate.json');
  writeFileSync(configPath, JSON.stringify({ server: { logLevel: 'silent', baseUrl: 'http://otpgate.test' }, ...configFor(dir) }));
  return { dir, configPath };
}

/** A fresh temp dir with a JSON config; `files` are written beside it (handler modules). */
export function cliFixture(
  config: { sites?: unknown[]; delivery?: Record<string, unknown>; namedCredentials?: Record<string, unknown> } = {},
  files: Record<string, string> = {},
): CliFixture {
  const { dir, configPath } = writeConfig((dir) => ({
    database: { url: `sqlite:${join(dir, 't.db')}` },
    secrets: { hmac: [{ id: 't', secret: 'test-secret-test-secret-123' }] },
    delivery: config.delivery ?? {},
    namedCredentials: config.namedCredentials ?? {},
    sites: config.sites ?? [{ id: 'demo', name: 'Demo', handlers: ['console'] }],
  }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, configPath, run: (...args) => runCli(['-c', configPath, ...args]) };
}

/**
 * The CLI on a running test server's database (with the test server's secrets), configured with `sites`: what an
 * administrator runs beside a live server.
 */
export function cliOnServer(databaseUrl: string, sites: unknown[], extra: object = {}): (...args: string[]) => Promise<CliResult> {
  const { configPath } = writeConfig(() => ({ database: { url: databaseUrl }, secrets: TEST_SECRETS, sites, ...extra }));
  return (...args) => runCli(['-c', configPath, ...args]);
}

export function runCli(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const env = { ...process.env, ...extraEnv };
    delete env.OTPGATE_CONFIG; // the test's -c must be the only config
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      // Only a guard against a hung command: a loaded machine can take tens of seconds to start tsx.
      { cwd: ROOT, env, timeout: 180_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        if (error?.killed) stderr += `\n(killed after the harness's 180 s guard: ${error.signal ?? 'no signal'})`;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Exit 0 and nothing on stderr. */
export function assertOk(result: CliResult): void {
  assert.equal(result.code, 0, `expected success, got ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  assert.equal(result.stderr, '');
}

/** Exit 1 with `error: CODE: ...` and never a stack trace. */
export function assertFails(result: CliResult, errorCode: string): void {
  assert.equal(result.code, 1, `expected exit 1, got ${result.code}\nstderr: ${result.stderr}`);
  assert.match(result.stderr, new RegExp(`^error: ${errorCode}: \\S`));
  assert.doesNotMatch(result.stderr, /\n\s+at /);
}

/** Exit 2: commander's usage error, with the command's help. */
export function assertUsage(result: CliResult, message: RegExp): void {
  assert.equal(result.code, 2, `expected exit 2, got ${result.code}\nstderr: ${result.stderr}`);
  assert.match(result.stderr, message);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
}

export const json = <T>(result: CliResult): T => {
  assertOk(result);
  return JSON.parse(result.stdout) as T;
};
