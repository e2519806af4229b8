/** `otpgate doctor`: a table of what would stop sign-ins, checked without sending an SMS, and exit 1 on a failure. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { cliFixture, removeCliFixtures, runCli } from './cli-harness.js';

after(removeCliFixtures);

interface Check {
  status: string;
  check: string;
  detail: string;
}
const checks = (stdout: string) => JSON.parse(stdout) as Check[];
const webhookSite = { id: 'demo', name: 'Demo', handlers: [{ type: 'webhook', credential: 'Hook' }, 'console'] };

test('a healthy deployment: config, database, keys, each handler and credential, exit 0', async () => {
  const result = await cliFixture({
    namedCredentials: { Hook: { url: 'http://127.0.0.1:9', auth: { type: 'none' } } },
    sites: [webhookSite],
  }).run('doctor', '--json');
  assert.equal(result.code, 0, result.stderr);
  const byCheck = new Map(checks(result.stdout).map((c) => [c.check, c]));
  assert.equal(byCheck.get('config')!.status, 'ok');
  assert.equal(byCheck.get('database')!.status, 'ok');
  assert.equal(byCheck.get('key encryption')!.status, 'warn');
  assert.match(byCheck.get('site demo: keys')!.detail, /^signs with /);
  assert.equal(byCheck.get('site demo: handlers')!.detail, 'webhook:Hook, console');
  assert.equal(byCheck.get('site demo: credential Hook')!.status, 'ok');
});

test('keys made before a key-encryption key was configured are reported in clear until keys encrypt seals them', async () => {
  const fixture = cliFixture();
  assert.equal((await fixture.run('keys', 'rotate', '--site', 'demo')).code, 0, 'keys made with no key-encryption key');
  const kek = { OTPGATE_KEY_ENCRYPTION_KEYS: 'e1:a-key-encryption-secret-of-32-chars!' };
  const doctor = async () => {
    const result = await runCli(['-c', fixture.configPath, 'doctor', '--json'], kek);
    return new Map(checks(result.stdout).map((c) => [c.check, c]));
  };
  const before = await doctor();
  assert.equal(before.get('key encryption')!.status, 'ok');
  assert.equal(before.get('site demo: keys')!.status, 'warn');
  assert.match(before.get('site demo: keys')!.detail, /private key\(s\) stored in clear: run otpgate keys encrypt/);
  assert.equal((await runCli(['-c', fixture.configPath, 'keys', 'encrypt'], kek)).code, 0);
  const after = await doctor();
  assert.equal(after.get('site demo: keys')!.status, 'ok', after.get('site demo: keys')!.detail);
});

test('--reach: a credential whose host does not answer fails the check and the exit status; one that answers passes', async () => {
  const up = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((resolve) => up.listen(0, '127.0.0.1', resolve));
  const port = (up.address() as AddressInfo).port;
  try {
    const result = await cliFixture({
      namedCredentials: {
        Hook: { url: 'http://127.0.0.1:9/otp', auth: { type: 'none' } },
        Up: { url: `http://127.0.0.1:${port}/v1`, auth: { type: 'none' } },
      },
      sites: [
        {
          ...webhookSite,
          handlers: [
            { type: 'webhook', credential: 'Hook' },
            { type: 'webhook', credential: 'Up' },
          ],
        },
      ],
    }).run('doctor', '--reach', '--json');
    assert.equal(result.code, 1);
    const byCheck = new Map(checks(result.stdout).map((c) => [c.check, c]));
    assert.equal(byCheck.get('site demo: credential Hook')!.status, 'fail');
    assert.match(byCheck.get('site demo: credential Hook')!.detail, /http:\/\/127\.0\.0\.1:9 does not answer/);
    assert.equal(byCheck.get('site demo: credential Up')!.status, 'ok');
    assert.match(byCheck.get('site demo: credential Up')!.detail, /answers \(HTTP 404\)/);
  } finally {
    up.close();
  }
});

test('what startup would refuse (a module that does not load) is a failed check with the reason, not a crash', async () => {
  const result = await cliFixture({ sites: [{ id: 'demo', name: 'Demo', handlers: ['./missing.mjs'] }] }).run('doctor');
  assert.equal(result.code, 1);
  assert.match(result.stdout, /fail\s+startup\s+.*missing\.mjs/);
});

/** `otpgate serve` on a fixture's config until `until` appears in its output; the output so far. */
async function serveUntil(configPath: string, until: RegExp, env: Record<string, string> = {}): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '-c', configPath, '--port', '0'], {
    cwd: new URL('..', import.meta.url).pathname,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      const read = (chunk: Buffer) => {
        output += String(chunk);
        if (until.test(output)) resolve(output);
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.once('exit', (code) => reject(new Error(`serve exited (${code}) before ${until}: ${output}`)));
    });
  } finally {
    child.kill('SIGKILL');
  }
}

test('serve prints the same checks at startup: a table in development, one JSON record otherwise', async () => {
  const fixture = cliFixture({
    namedCredentials: { Hook: { url: 'http://127.0.0.1:9', auth: { type: 'none' } } },
    sites: [webhookSite],
  });
  const table = await serveUntil(fixture.configPath, /site demo: credential Hook[^\n]*\n/);
  assert.match(table, /status\s+check\s+detail/);
  assert.match(table, /ok\s+config\s+mode development, 1 site\(s\)/);
  assert.match(table, /ok\s+database\s+sqlite reachable, migrations applied/);
  assert.match(table, /warn\s+key encryption\s+signing keys stored in clear/);
  assert.match(table, /ok\s+site demo: handlers\s+webhook:Hook, console/);

  const json = await serveUntil(fixture.configPath, /"msg":"startup self-check"/, {
    OTPGATE_LOG_FORMAT: 'json',
    OTPGATE_LOG_LEVEL: 'info',
  });
  const record = JSON.parse(json.split('\n').find((line) => line.includes('"startup self-check"'))!) as { checks: Check[] };
  assert.deepEqual(
    record.checks.map((c) => c.check),
    ['config', 'database', 'key encryption', 'site demo: keys', 'site demo: handlers', 'site demo: credential Hook'],
  );
});
