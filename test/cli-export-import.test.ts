import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { assertFails, assertOk, cliFixture, json, removeCliFixtures, runCli } from './cli-harness.js';
import { openTestPostgres, requirePostgres } from './support/postgres.js';

interface UserRow {
  id: string;
  username: string;
  phone: string;
}

/** One user line of an export file. */
const exportLine = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: 'u1',
    username: 'a',
    phone: '+14155550173',
    phoneVerified: true,
    firstName: null,
    lastName: null,
    email: null,
    locale: null,
    status: 'active',
    customData: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    ...fields,
  });

describe('otpgate export / import', () => {
  after(removeCliFixtures);

  test('users move to another database whole, and a conflicting import writes nothing', async () => {
    const source = cliFixture();
    assertOk(await source.run('user', 'add', '--site', 'demo', '--phone', '+14155550170', '--username', 'ada', '--first-name', 'Ada'));
    assertOk(await source.run('user', 'add', '--site', 'demo', '--phone', '+14155550171'));
    const file = join(source.dir, 'users.jsonl');
    const exported = await source.run('export', '--site', 'demo', '--out', file);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stderr, /exported 2 users/);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines.length, 3);
    assert.deepEqual(JSON.parse(lines[0]!), { format: 'otpgate-users', version: 1, site: 'demo' });

    const target = cliFixture();
    assertOk(await target.run('user', 'add', '--site', 'demo', '--phone', '+14155550172', '--username', 'existing'));
    const imported = await target.run('import', '--site', 'demo', '--in', file);
    assertOk(imported);
    assert.match(imported.stdout, /imported 2 users/);
    const before = json<UserRow[]>(await source.run('user', 'list', '--site', 'demo', '--json'));
    const afterImport = json<UserRow[]>(await target.run('user', 'list', '--site', 'demo', '--json'));
    for (const user of before)
      assert.deepEqual(
        afterImport.find((u) => u.id === user.id),
        user,
      );
    assert.equal(afterImport.length, 3);

    // Importing again clashes on the first line: nothing more is written.
    assertFails(await target.run('import', '--site', 'demo', '--in', file), 'invalid_request');
    assert.equal(json<UserRow[]>(await target.run('user', 'list', '--site', 'demo', '--json')).length, 3);
  });

  test('what only the database can refuse (an id of a user of another site) fails the whole import, not half of it', async () => {
    const target = cliFixture({
      sites: [
        { id: 'demo', name: 'Demo', handlers: ['console'] },
        { id: 'other', name: 'Other', handlers: ['console'] },
      ],
    });
    const added = await target.run('user', 'add', '--site', 'demo', '--phone', '+14155550174');
    assertOk(added);
    const taken = added.stdout.trim();
    const path = join(target.dir, 'mixed.jsonl');
    writeFileSync(
      path,
      [
        JSON.stringify({ format: 'otpgate-users', version: 1, site: 'demo' }),
        exportLine({ id: 'new-1', username: 'first', phone: '+14155550175' }),
        exportLine({ id: taken, username: 'second', phone: '+14155550176' }),
      ].join('\n') + '\n',
    );
    const failed = await target.run('import', '--site', 'other', '--in', path);
    assertFails(failed, 'invalid_request');
    assert.match(failed.stderr, /nothing was imported/);
    assert.deepEqual(json<UserRow[]>(await target.run('user', 'list', '--site', 'other', '--json')), [], 'not even the first line');
  });

  test('bad files are refused with the line and the reason, before anything is written', async () => {
    const target = cliFixture();
    const file = (name: string, text: string) => {
      const path = join(target.dir, name);
      writeFileSync(path, text);
      return path;
    };
    const header = JSON.stringify({ format: 'otpgate-users', version: 1, site: 'demo' });
    const good = exportLine();
    const noHeader = await target.run('import', '--site', 'demo', '--in', file('a.jsonl', `${good}\n`));
    assertFails(noHeader, 'invalid_request');
    assert.match(noHeader.stderr, /not an otpgate users export/);
    const badLine = await target.run('import', '--site', 'demo', '--in', file('b.jsonl', `${header}\n${good}\n{"id":"u2"}\n`));
    assertFails(badLine, 'invalid_request');
    assert.match(badLine.stderr, /b\.jsonl:3: /);
    const badPhone = await target.run(
      'import',
      '--site',
      'demo',
      '--in',
      file('c.jsonl', `${header}\n${good.replace('+14155550173', '4155550173')}\n`),
    );
    assertFails(badPhone, 'invalid_phone_number');
    const twice = await target.run('import', '--site', 'demo', '--in', file('d.jsonl', `${header}\n${good}\n${good}\n`));
    assertFails(twice, 'invalid_request');
    assert.match(twice.stderr, /appears twice/);
    // Usernames are unique case-folded and NFKC (0008): "A" and "ａ" are "a" again, refused before any write.
    const other = (username: string, n: string) =>
      good.replace('"u1"', `"u${n}"`).replace('"a"', JSON.stringify(username)).replace('+14155550173', `+1415555017${n}`);
    const folded = await target.run('import', '--site', 'demo', '--in', file('e.jsonl', `${header}\n${good}\n${other('A', '4')}\n`));
    assertFails(folded, 'invalid_request');
    assert.match(folded.stderr, /e\.jsonl:3: username:a appears twice/);
    const wide = await target.run('import', '--site', 'demo', '--in', file('f.jsonl', `${header}\n${good}\n${other('ａ', '5')}\n`));
    assertFails(wide, 'invalid_request');
    assertFails(await target.run('import', '--site', 'demo', '--in', join(target.dir, 'missing.jsonl')), 'invalid_request');
    assert.deepEqual(json<UserRow[]>(await target.run('user', 'list', '--site', 'demo', '--json')), []);
    assertFails(await target.run('export', '--site', 'nope'), 'site_not_found');
    const unwritable = await target.run('export', '--site', 'demo', '--out', join(target.dir, 'no-such-folder', 'users.jsonl'));
    assertFails(unwritable, 'invalid_request');
    assert.match(unwritable.stderr, /users\.jsonl: cannot write the file \(ENOENT\)/);
  });
});

if (await requirePostgres('export/import between SQLite and PostgreSQL')) {
  test('users exported from SQLite import into PostgreSQL and come back the same', async () => {
    const source = cliFixture();
    assertOk(
      await source.run('user', 'add', '--site', 'demo', '--phone', '+14155550174', '--username', 'lin', '--email', 'lin@example.com'),
    );
    const file = join(source.dir, 'users.jsonl');
    assert.equal((await source.run('export', '--site', 'demo', '--out', file)).code, 0);
    const db = await openTestPostgres();
    try {
      const onPostgres = (...args: string[]) => runCli(['-c', source.configPath, ...args], { OTPGATE_DATABASE_URL: db.url });
      assertOk(await onPostgres('import', '--site', 'demo', '--in', file));
      assert.deepEqual(
        json<UserRow[]>(await onPostgres('user', 'list', '--site', 'demo', '--json')),
        json<UserRow[]>(await source.run('user', 'list', '--site', 'demo', '--json')),
      );
    } finally {
      await db.drop();
    }
  });
}
