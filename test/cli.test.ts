import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { verifySecret } from '../src/crypto/secret-hash.js';
import { assertFails, assertOk, assertUsage, cliFixture, json, removeCliFixtures, runCli } from './cli-harness.js';

// Every case spawns its own CLI processes against its own temp dir, so cases and suites can run side by side;
// a cap keeps a busy machine from starving the child processes (each one compiles through tsx).
const options = { concurrency: 2 };

interface SiteRow {
  id: string;
  name: string;
  handlers: string;
  enabled: boolean;
  locale: string;
  registration: string;
}
interface UserRow {
  id: string;
  username: string;
  phone: string;
  phoneVerified: boolean;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  status: string;
}
interface ClientRow {
  clientId: string;
  name: string;
  type: string;
  pkce: string;
  firstParty: boolean;
  idTokenAlg: string;
  redirectUris: string[];
}
interface AttemptRow {
  handler: string;
  attempt: number;
  result: string;
  latencyMs: number;
  providerMessageId: string | null;
  detail: string | null;
}

const failingHandler = `export default { async sendOneTimePassword() { return { result: 'PROVIDER_ERROR', detail: 'upstream 503' }; } };\n`;
/** Posts the message to the Sink named credential, the code in the query string (as GET-style provider APIs do). */
const callingHandler = `export default { async sendOneTimePassword(request, context) {
  const res = await context.callout('callout:Sink/messages?code=' + request.oneTimePassword, { method: 'POST', body: request.defaultText });
  return res.status === 201 ? { result: 'SUCCESS', providerMessageId: (await res.json()).id } : 'PROVIDER_ERROR';
} };\n`;

describe('otpgate CLI', { concurrency: true }, () => {
  after(removeCliFixtures);

  test('a database out of reach is database_unavailable with the reason, not a bare message', async () => {
    const fixture = cliFixture();
    const result = await runCli(['-c', fixture.configPath, 'user', 'list', '--site', 'demo'], {
      OTPGATE_DATABASE_URL: 'postgres://otpgate@127.0.0.1:1/nowhere',
    });
    assertFails(result, 'database_unavailable');
    assert.match(result.stderr, /ECONNREFUSED/);
  });

  describe('otpgate site', options, () => {
    test('create stores the site; list shows it beside the configured ones', async () => {
      const cli = cliFixture();
      const created = await cli.run('site', 'create', '--id', 'shop', '--name', 'The Shop', '--locale', 'fr', '--registration', 'off');
      assertOk(created);
      assert.match(created.stdout, /created site shop at http:\/\/otpgate\.test\/shop/);

      const sites = json<SiteRow[]>(await cli.run('site', 'list', '--json'));
      assert.deepEqual(sites, [
        { id: 'demo', name: 'Demo', handlers: 'console', enabled: true, locale: 'en', registration: 'on' },
        { id: 'shop', name: 'The Shop', handlers: 'console (default)', enabled: true, locale: 'fr', registration: 'off' },
      ]);
      const table = await cli.run('site', 'list');
      assertOk(table);
      assert.match(table.stdout, /^id\s+name\s+handlers\s+enabled/);
      assert.match(table.stdout, /\nshop\s+The Shop\s+console \(default\)\s+true/);
    });

    test('a created site follows defaults.policy: a change reaches it at the next start', async () => {
      const cli = cliFixture();
      assertOk(await cli.run('site', 'create', '--id', 'shop', '--name', 'Shop'));
      const before = await cli.run('handler', 'test', '--site', 'shop', '--phone', '+14155550101');
      assertOk(before);
      assert.match(before.stdout, /expires in 10 min\. .*\n\n@otpgate\.test #\d{6}\n/);

      const config = JSON.parse(readFileSync(cli.configPath, 'utf8')) as Record<string, unknown>;
      writeFileSync(cli.configPath, JSON.stringify({ ...config, defaults: { policy: { codeLength: 8, ttlSeconds: 900 } } }));
      const after = await cli.run('handler', 'test', '--site', 'shop', '--phone', '+14155550101');
      assertOk(after);
      assert.match(after.stdout, /expires in 15 min\. .*\n\n@otpgate\.test #\d{8}\n/);
    });

    test('list names every link of a chain, primary first', async () => {
      const cli = cliFixture(
        { sites: [{ id: 'multi', name: 'Multi', handlers: ['./primary.mjs', { type: 'console', name: 'backup' }] }] },
        { 'primary.mjs': failingHandler },
      );
      const sites = json<SiteRow[]>(await cli.run('site', 'list', '--json'));
      assert.equal(sites[0]?.handlers, 'primary > backup');
    });

    test('create refuses an id that exists, in the config or made earlier', async () => {
      const cli = cliFixture();
      assertFails(await cli.run('site', 'create', '--id', 'demo', '--name', 'Again'), 'site_exists');
      assertOk(await cli.run('site', 'create', '--id', 'shop', '--name', 'Shop'));
      const again = await cli.run('site', 'create', '--id', 'shop', '--name', 'Other');
      assertFails(again, 'site_exists');
      assert.match(again.stderr, /already exists/);
      // The refused create changed nothing.
      assert.equal(json<SiteRow[]>(await cli.run('site', 'list', '--json')).find((s) => s.id === 'shop')?.name, 'Shop');
    });

    test('create refuses an invalid id or locale', async () => {
      const cli = cliFixture();
      for (const id of ['Shop', '-shop', 'shop_1', 'a'.repeat(64)]) {
        const result = await cli.run('site', 'create', '--id', id, '--name', 'Shop');
        assertFails(result, 'invalid_request');
        assert.match(result.stderr, /id: lowercase letters, digits and dashes/);
      }
      assertFails(await cli.run('site', 'create', '--id', 'shop', '--name', 'Shop', '--locale', 'english'), 'invalid_request');
      assert.equal(json<SiteRow[]>(await cli.run('site', 'list', '--json')).length, 1);
    });

    test('create without --name or with --registration maybe is a usage error', async () => {
      const cli = cliFixture();
      assertUsage(await cli.run('site', 'create', '--id', 'shop'), /required option '--name <name>' not specified/);
      assertUsage(
        await cli.run('site', 'create', '--id', 'shop', '--name', 'Shop', '--registration', 'maybe'),
        /Allowed choices are on, off/,
      );
    });
  });

  describe('otpgate user', options, () => {
    test('add stores a verified user and prints its id; list reads it back', async () => {
      const cli = cliFixture();
      const added = await cli.run(
        'user',
        'add',
        '--site',
        'demo',
        '--phone',
        '+1 415 555 0101',
        '--username',
        'ann',
        '--first-name',
        'Ann',
        '--last-name',
        'Lee',
        '--email',
        'ann@example.com',
      );
      assertOk(added);
      const id = added.stdout.trim();
      assert.match(id, /^[0-9a-f-]{36}$/);

      const users = json<UserRow[]>(await cli.run('user', 'list', '--site', 'demo', '--json'));
      assert.equal(users.length, 1);
      assert.deepEqual(users[0], {
        ...users[0],
        id,
        username: 'ann',
        phone: '+14155550101',
        phoneVerified: true,
        firstName: 'Ann',
        lastName: 'Lee',
        email: 'ann@example.com',
        status: 'active',
      });
    });

    test('username defaults to the E.164 phone; --limit caps the list', async () => {
      const cli = cliFixture();
      assertOk(await cli.run('user', 'add', '--site', 'demo', '--phone', '+14155550101'));
      assertOk(await cli.run('user', 'add', '--site', 'demo', '--phone', '+14155550102'));
      const all = json<UserRow[]>(await cli.run('user', 'list', '--site', 'demo', '--json'));
      assert.deepEqual(
        all.map((u) => u.username),
        ['+14155550101', '+14155550102'],
      );
      const one = json<UserRow[]>(await cli.run('user', 'list', '--site', 'demo', '--limit', '1', '--json'));
      assert.equal(one.length, 1);
      const table = await cli.run('user', 'list', '--site', 'demo');
      assertOk(table);
      assert.match(table.stdout, /^id\s+username\s+phone\s+phoneVerified/);
      assert.equal(table.stdout.trim().split('\n').length, 3);
    });

    test('users belong to their site', async () => {
      const cli = cliFixture({
        sites: [
          { id: 'a', name: 'A' },
          { id: 'b', name: 'B' },
        ],
      });
      assertOk(await cli.run('user', 'add', '--site', 'a', '--phone', '+14155550101'));
      // The same phone on another site is another person's account, not a clash.
      assertOk(await cli.run('user', 'add', '--site', 'b', '--phone', '+14155550101'));
      assert.equal(json<UserRow[]>(await cli.run('user', 'list', '--site', 'a', '--json')).length, 1);
      assert.equal(json<UserRow[]>(await cli.run('user', 'list', '--site', 'b', '--json')).length, 1);
    });

    test('add refuses an unknown site, a bad phone, a taken phone or username, a bad email', async () => {
      const cli = cliFixture();
      assertFails(await cli.run('user', 'add', '--site', 'nope', '--phone', '+14155550101'), 'site_not_found');
      assertFails(await cli.run('user', 'add', '--site', 'demo', '--phone', '12345'), 'invalid_phone_number');
      assertFails(await cli.run('user', 'add', '--site', 'demo', '--phone', '+14155550101', '--email', 'not-an-email'), 'invalid_request');
      assertOk(await cli.run('user', 'add', '--site', 'demo', '--phone', '+14155550101', '--username', 'ann'));
      assertFails(await cli.run('user', 'add', '--site', 'demo', '--phone', '+14155550101'), 'phone_taken');
      assertFails(await cli.run('user', 'add', '--site', 'demo', '--phone', '+14155550102', '--username', 'ann'), 'username_taken');
      // Unique without case or width, and no control characters in names.
      assertFails(await cli.run('user', 'add', '--site', 'demo', '--phone', '+14155550102', '--username', 'ＡＮＮ'), 'username_taken');
      assertFails(
        await cli.run('user', 'add', '--site', 'demo', '--phone', '+14155550102', '--first-name', 'Eve\u001b[2J'),
        'invalid_request',
      );
      assert.equal(json<UserRow[]>(await cli.run('user', 'list', '--site', 'demo', '--json')).length, 1);
    });

    test('list refuses an unknown site; missing options and a bad --limit are usage errors', async () => {
      const cli = cliFixture();
      assertFails(await cli.run('user', 'list', '--site', 'nope'), 'site_not_found');
      assertUsage(await cli.run('user', 'add', '--site', 'demo'), /required option '--phone <number>' not specified/);
      assertUsage(await cli.run('user', 'list'), /required option '--site <id>' not specified/);
      assertUsage(await cli.run('user', 'list', '--site', 'demo', '--limit', '0'), /--limit/);
      assertUsage(await cli.run('user', 'list', '--site', 'demo', '--limit', 'ten'), /--limit/);
    });
  });

  describe('otpgate client', options, () => {
    test('a confidential client: the secret is printed once and only its hash is stored', async () => {
      const cli = cliFixture();
      const added = await cli.run(
        'client',
        'add',
        '--site',
        'demo',
        '--id',
        'web-app',
        '--redirect-uri',
        'https://app.example/cb',
        '--redirect-uri',
        'https://app.example/cb2',
        '--confidential',
      );
      assertOk(added);
      const secret = /client_secret: (\S+)/.exec(added.stdout)?.[1];
      assert.ok(secret && secret.length >= 40, 'a 32-byte secret');
      assert.match(added.stdout, /will not be shown again/);

      const listed = await cli.run('client', 'list', '--site', 'demo', '--json');
      assert.ok(!listed.stdout.includes(secret));
      assert.deepEqual(json<ClientRow[]>(listed), [
        {
          clientId: 'web-app',
          name: 'web-app',
          type: 'confidential',
          pkce: 'required',
          firstParty: false,
          idTokenAlg: 'RS256',
          redirectUris: ['https://app.example/cb', 'https://app.example/cb2'],
        },
      ]);

      const db = new Database(join(cli.dir, 't.db'), { readonly: true });
      try {
        const row = db.prepare('select secret_hash from oauth_clients where client_id = ?').get('web-app') as { secret_hash: string };
        assert.match(row.secret_hash, /^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/, 'salted scrypt, not a fast hash');
        assert.deepEqual(await verifySecret(secret, row.secret_hash), { ok: true, upgrade: false });
        assert.ok(!JSON.stringify(db.prepare('select * from oauth_clients').all()).includes(secret));
      } finally {
        db.close();
      }
    });

    test('a public client is listed as public, with its name', async () => {
      const cli = cliFixture();
      const added = await cli.run(
        'client',
        'add',
        '--site',
        'demo',
        '--id',
        'spa',
        '--name',
        'Single page',
        '--redirect-uri',
        'https://spa.example/cb',
      );
      assertOk(added);
      assert.doesNotMatch(added.stdout, /secret/);
      const table = await cli.run('client', 'list', '--site', 'demo');
      assertOk(table);
      assert.match(
        table.stdout,
        new RegExp(
          String.raw`^clientId\s+name\s+type\s+pkce\s+firstParty\s+idTokenAlg\s+redirectUris\n` +
            String.raw`spa\s+Single page\s+public\s+required\s+false\s+RS256\s+https://spa\.example/cb\n$`,
        ),
      );
    });

    test('add refuses an unknown site, a taken id, a bad id or redirect URI', async () => {
      const cli = cliFixture();
      const add = (...args: string[]) => cli.run('client', 'add', '--site', 'demo', ...args);
      assertFails(
        await cli.run('client', 'add', '--site', 'nope', '--id', 'x', '--redirect-uri', 'https://a.example/cb'),
        'site_not_found',
      );
      assertFails(await add('--id', 'bad id', '--redirect-uri', 'https://a.example/cb'), 'invalid_request');
      assertFails(await add('--id', 'x', '--redirect-uri', 'not a url'), 'invalid_request');
      assertOk(await add('--id', 'x', '--redirect-uri', 'https://a.example/cb', '--confidential'));
      // Replacing the client would also replace the secret its app already uses.
      assertFails(await add('--id', 'x', '--redirect-uri', 'https://b.example/cb'), 'client_exists');
      assert.deepEqual(
        json<ClientRow[]>(await cli.run('client', 'list', '--site', 'demo', '--json')).map((c) => [c.clientId, c.type, c.redirectUris]),
        [['x', 'confidential', ['https://a.example/cb']]],
      );
    });

    test('--no-pkce: only a confidential client may turn PKCE off (RFC 9700)', async () => {
      const cli = cliFixture();
      const add = (...args: string[]) => cli.run('client', 'add', '--site', 'demo', ...args);
      const refused = await add('--id', 'spa', '--redirect-uri', 'https://a.example/cb', '--no-pkce');
      assertFails(refused, 'invalid_request');
      assert.match(refused.stderr, /only a confidential client/);
      assertOk(await add('--id', 'legacy', '--redirect-uri', 'https://a.example/cb', '--confidential', '--no-pkce'));
      assertOk(await add('--id', 'modern', '--redirect-uri', 'https://a.example/cb', '--confidential', '--first-party'));
      assert.deepEqual(
        json<ClientRow[]>(await cli.run('client', 'list', '--site', 'demo', '--json')).map((c) => [c.clientId, c.pkce, c.firstParty]),
        [
          ['legacy', 'off', false],
          ['modern', 'required', true],
        ],
      );
    });

    test('list refuses an unknown site; a missing --redirect-uri is a usage error', async () => {
      const cli = cliFixture();
      assertFails(await cli.run('client', 'list', '--site', 'nope'), 'site_not_found');
      assertUsage(await cli.run('client', 'add', '--site', 'demo', '--id', 'x'), /required option '--redirect-uri <uri>' not specified/);
    });
  });

  describe('otpgate handler test', options, () => {
    test('sends one message through the console handler and shows the SUCCESS attempt', async () => {
      const cli = cliFixture();
      const result = await cli.run('handler', 'test', '--site', 'demo', '--phone', '+14155550101');
      assertOk(result);
      assert.match(result.stdout, /\[otpgate console handler\] SMS to \+14155550101 \(site demo, identity_verification\)/);
      assert.match(result.stdout, /test message/);
      assert.match(
        result.stdout,
        new RegExp(
          String.raw`\nhandler\s+attempt\s+result\s+latencyMs\s+providerMessageId\s+detail\s+callouts\n` +
            String.raw`console\s+1\s+SUCCESS\s+\d+\s+console-\S+\s+-\s+-\n`,
        ),
      );
      // The code (6 digits, the default policy) shows only where the console handler printed it: text and WebOTP line.
      const code = /#(\d{6})\n/.exec(result.stdout)?.[1];
      assert.ok(code);
      assert.equal(result.stdout.split(code).length - 1, 2);
      const afterMessage = result.stdout.slice(result.stdout.indexOf('\nhandler '));
      assert.ok(!afterMessage.includes(code));
    });

    test('uses the code length of the site policy', async () => {
      const cli = cliFixture({
        sites: [{ id: 'demo', name: 'Demo', handlers: ['console'], useCasePolicies: { identity_verification: { codeLength: 8 } } }],
      });
      const result = await cli.run('handler', 'test', '--site', 'demo', '--phone', '+14155550101');
      assertOk(result);
      assert.match(result.stdout, /#\d{8}\n/);
    });

    test('--json prints only the attempts on stdout', async () => {
      const cli = cliFixture();
      const result = await cli.run('handler', 'test', '--site', 'demo', '--phone', '+14155550101', '--json');
      assert.equal(result.code, 0);
      const attempts = JSON.parse(result.stdout) as AttemptRow[];
      assert.deepEqual(
        attempts.map((a) => [a.handler, a.attempt, a.result]),
        [['console', 1, 'SUCCESS']],
      );
      assert.match(result.stderr, /otpgate console handler/);
    });

    test('--channel tests the handlers of a second channel; a bad channel is a clear error', async () => {
      const cli = cliFixture({
        sites: [{ id: 'demo', name: 'Demo', handlers: ['console', { type: 'console', name: 'voice', channel: 'voice' }] }],
      });
      const result = await cli.run('handler', 'test', '--site', 'demo', '--phone', '+14155550101', '--channel', 'voice');
      assertOk(result);
      assert.match(result.stdout, /\[otpgate console handler\] VOICE to \+14155550101/);
      assert.match(result.stdout, /\nvoice\s+1\s+SUCCESS/);
      const none = await cli.run('handler', 'test', '--site', 'demo', '--phone', '+14155550101', '--channel', 'whatsapp');
      assertFails(none, 'delivery_failed');
      assert.match(none.stderr, /No whatsapp handler/);
      assertFails(await cli.run('handler', 'test', '--site', 'demo', '--phone', '+14155550101', '--channel', 'fax'), 'invalid_request');
    });

    test('a failing handler: every retry is shown and the exit status is 1', async () => {
      const cli = cliFixture(
        { delivery: { retries: 1, backoffMs: 0 }, sites: [{ id: 'flaky', name: 'Flaky', handlers: ['./failing.mjs'] }] },
        { 'failing.mjs': failingHandler },
      );
      const result = await cli.run('handler', 'test', '--site', 'flaky', '--phone', '+14155550101');
      assertFails(result, 'delivery_failed');
      assert.match(result.stderr, /PROVIDER_ERROR/);
      assert.match(
        result.stdout,
        /\nfailing\s+1\s+PROVIDER_ERROR\s+\d+\s+-\s+upstream 503\s+-\nfailing\s+2\s+PROVIDER_ERROR\s+\d+\s+-\s+upstream 503\s+-\n$/,
      );
    });

    test("shows each attempt's callouts: method, URL without the query, status, latency", async () => {
      const provider = createServer((_req, res) => res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"p-7"}'));
      await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
      const port = (provider.address() as { port: number }).port;
      try {
        const cli = cliFixture(
          {
            namedCredentials: { Sink: { url: `http://127.0.0.1:${port}`, auth: { type: 'bearer', token: 'sink-token' } } },
            sites: [{ id: 'demo', name: 'Demo', handlers: [{ type: 'module', path: './caller.mjs', credentials: ['Sink'] }] }],
          },
          { 'caller.mjs': callingHandler },
        );
        const result = await cli.run('handler', 'test', '--site', 'demo', '--phone', '+14155550101', '--json');
        const [attempt] = json<(AttemptRow & { callouts: string[] })[]>({ ...result, stderr: '' });
        assert.equal(attempt!.result, 'SUCCESS');
        assert.equal(attempt!.callouts.length, 1);
        assert.match(attempt!.callouts[0]!, new RegExp(`^POST http://127\\.0\\.0\\.1:${port}/messages 201 \\d+ms$`));
      } finally {
        provider.close();
      }
    });

    test('fails over to the next handler and reports every attempt', async () => {
      const cli = cliFixture(
        { delivery: { retries: 1, backoffMs: 0 }, sites: [{ id: 'multi', name: 'Multi', handlers: ['./failing.mjs', 'console'] }] },
        { 'failing.mjs': failingHandler },
      );
      const attempts = json<AttemptRow[]>({
        ...(await cli.run('handler', 'test', '--site', 'multi', '--phone', '+14155550101', '--json')),
        stderr: '',
      });
      assert.deepEqual(
        attempts.map((a) => [a.handler, a.attempt, a.result]),
        [
          ['failing', 1, 'PROVIDER_ERROR'],
          ['failing', 2, 'PROVIDER_ERROR'],
          ['console', 1, 'SUCCESS'],
        ],
      );
    });

    test('refuses an unknown site or a bad phone; missing --phone is a usage error', async () => {
      const cli = cliFixture();
      assertFails(await cli.run('handler', 'test', '--site', 'nope', '--phone', '+14155550101'), 'site_not_found');
      assertFails(await cli.run('handler', 'test', '--site', 'demo', '--phone', 'call me'), 'invalid_phone_number');
      assertUsage(await cli.run('handler', 'test', '--site', 'demo'), /required option '--phone <number>' not specified/);
    });

    test('a chain that does not load is reported with its reason', async () => {
      // Configured sites' modules are checked at start; a site made by the CLI uses delivery.defaultHandler, loaded only when needed.
      const cli = cliFixture({ delivery: { defaultHandler: './missing.mjs' }, sites: [] });
      assertOk(await cli.run('site', 'create', '--id', 'shop', '--name', 'Shop'));
      const broken = await cli.run('handler', 'test', '--site', 'shop', '--phone', '+14155550101');
      assertFails(broken, 'delivery_failed');
      assert.match(broken.stderr, /did not load: .*missing\.mjs: file not found/);
    });
  });
});
