/**
 * Registration tried as an attacker would: probing which numbers and usernames have accounts, pre-seeding a
 * victim's number with the attacker's data, linking a username to its phone through a wait, and leaving a
 * password behind in the database. Real HTTP on loopback, on SQLite and again on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { PhoneNumber } from '../src/domain/phone.js';
import { person } from './support/people.js';
import { basic, postForm, postJson, startTestServer, type TestServer } from './support/test-server.js';

describe('registration that neither enumerates nor can be pre-seeded', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  const site = () => `${t.url}/demo`;
  const register = (userdata: Record<string, unknown>, customdata: Record<string, unknown> = {}) =>
    postJson(`${site()}/services/auth/headless/init/registration`, { userdata, customdata, verificationmethod: 'sms' }, person());
  const verify = (identifier: unknown, code: string) =>
    postForm(
      `${site()}/services/oauth2/authorize`,
      { response_type: 'code_credentials', client_id: 'server-app', redirect_uri: 'http://app.test/callback' },
      { 'Auth-Request-Type': 'user-registration', 'Auth-Verification-Type': 'sms', Authorization: basic(String(identifier), code) },
    );
  const seed = (phone: string, username: string, server: TestServer = t) =>
    server.store.forSite('demo').users.create(
      {
        id: randomUUID(),
        username,
        phone: phone as PhoneNumber,
        phoneVerified: true,
        firstName: 'Owner',
        lastName: null,
        email: null,
        locale: null,
        status: 'active',
        customData: {},
      },
      server.clock.now(),
    );

  test('answers for a taken number, a taken username and a new one have the same status and keys', async () => {
    await seed('+14155550801', 'taken-name');
    const answers = [
      await register({ mobilePhone: '+14155550801', email: 'x@example.com' }),
      await register({ mobilePhone: '+14155550802', email: 'x@example.com', username: 'taken-name' }),
      await register({ mobilePhone: '+14155550803', email: 'x@example.com', username: 'fresh-name' }),
    ];
    for (const answer of answers) {
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual(Object.keys(answer.body).sort(), ['email', 'identifier']);
      assert.match(String(answer.body.identifier), /^[A-Za-z0-9_-]{24}$/);
    }
    const notice = t.messages.filter((m) => m.phone === '+14155550801').at(-1);
    assert.equal(notice?.code, '', 'the owner gets a notice, without a code');
    assert.match(notice?.text ?? '', /You already have one: sign in at otpgate\.test with this number/);
  });

  test('a taken username is refused only to the person who proved the phone, and nothing is created', async () => {
    await seed('+14155550811', 'Grace');
    const init = await register({ mobilePhone: '+14155550812', username: 'ｇｒａｃｅ' });
    assert.equal(init.status, 200);
    const done = await verify(init.body.identifier, t.lastCode('+14155550812'));
    assert.equal(done.status, 409, JSON.stringify(done.body));
    assert.equal(done.body.error, 'username_taken', 'NFKC and case-folded: ｇｒａｃｅ is Grace');
    assert.equal(await t.store.forSite('demo').users.byPhone('+14155550812' as PhoneNumber), null);
  });

  test('pre-seeding a victim’s number fails: the account gets the victim’s data, the attacker’s identifier never verifies', async () => {
    const victimPhone = '+14155550821';
    const attacker = await register({ mobilePhone: victimPhone, email: 'attacker@evil.test', username: 'attacker', firstName: 'Mallory' });
    const victim = await register({ mobilePhone: victimPhone, email: 'victim@example.com', username: 'victim', firstName: 'Alice' });
    assert.equal(victim.status, 200);
    assert.notEqual(victim.body.identifier, attacker.body.identifier, 'a different request gets its own verification');
    const victimCode = t.lastCode(victimPhone);

    const stolen = await verify(attacker.body.identifier, victimCode);
    assert.notEqual(stolen.status, 302, 'the victim’s code does not verify the attacker’s registration');
    const done = await verify(victim.body.identifier, victimCode);
    assert.equal(done.status, 302, JSON.stringify(done.body));
    const user = await t.store.forSite('demo').users.byPhone(victimPhone as PhoneNumber);
    assert.deepEqual([user?.firstName, user?.email, user?.username], ['Alice', 'victim@example.com', 'victim']);
  });

  test('the same registration sent twice is a resend of one verification, not two', async () => {
    const userdata = { mobilePhone: '+14155550831', firstName: 'Ada' };
    const first = await register(userdata);
    const again = await register(userdata);
    assert.equal(again.status, 429, 'inside the resend interval');
    assert.equal(again.body.error, 'too_many_requests');
    assert.equal(again.body.limit, 'resend');
    assert.ok(first.body.identifier);
  });

  test('a login by phone then by username of one user is not told to wait for a resend (no username-to-phone link)', async () => {
    await seed('+14155550841', 'linked-user');
    await seed('+14155550842', 'other-user');
    const login = (username: string) =>
      postJson(`${site()}/services/auth/headless/init/passwordless/login`, { username, verificationmethod: 'sms' }, person());
    assert.equal((await login('+14155550841')).status, 200);
    const byName = await login('LINKED-USER');
    assert.equal(byName.status, 200, `the same as for another user's name: ${JSON.stringify(byName.body)}`);
    assert.equal((await login('+14155550842')).status, 200);
    assert.equal((await login('other-user')).status, 200);
    assert.equal((await login('+14155550841')).body.limit, 'resend', 'the same hint again still waits');
  });

  test('a password sent with the registration (as Salesforce SDKs do) leaves no trace in the database', async () => {
    const password = `Pw-${randomUUID()}`;
    const init = await register(
      { mobilePhone: '+14155550851', firstName: 'Pat', password, confirmPassword: password },
      { secret: password, plan: 'pro' },
    );
    assert.equal(init.status, 200, JSON.stringify(init.body));
    assert.equal((await verify(init.body.identifier, t.lastCode('+14155550851'))).status, 302);
    const user = await t.store.forSite('demo').users.byPhone('+14155550851' as PhoneNumber);
    assert.deepEqual(user?.customData, { plan: 'pro' }, 'the rest of customdata is kept');
    assert.ok(!(await everythingStored(t.databaseUrl)).includes(password), 'not in any table, file or WAL');
  });

  test('existingAccount: notice (the default) leaves nothing to guess: even the right code of it signs no one in', async () => {
    // The owner's number is a test number, so the code the registration stored is known, as one lucky guess would be.
    const server = await startTestServer({
      sites: [
        {
          id: 'demo',
          name: 'Demo',
          handlers: ['console'],
          passwordlessLoginEnabled: false,
          testNumbers: { numbers: [{ phone: '+14155550862', code: '246810' }] },
          clients: [],
        },
      ],
    });
    try {
      await seed('+14155550862', 'owner-862', server);
      const init = await postJson(`${server.url}/demo/services/auth/headless/init/registration`, {
        userdata: { mobilePhone: '+14155550862', firstName: 'Mallory' },
        verificationmethod: 'sms',
      });
      assert.equal(init.status, 200);
      const verified = await server.app
        .userManagement('demo')
        .verifySelfRegistration('SMS', init.body.identifier as string, '246810', null);
      assert.equal(verified.success, false, JSON.stringify(verified));
      assert.equal(verified.userId ?? null, null);
    } finally {
      await server.close();
    }
  });

  test('existingAccount: login_code sends the owner a sign-in code that the registration accepts, creating nobody', async () => {
    const server = await startTestServer({
      sites: [{ id: 'demo', name: 'Demo', handlers: ['console'], registrationExistingAccount: 'login_code', clients: [] }],
    });
    try {
      const owner = await seed('+14155550861', 'owner-861', server);
      const init = await postJson(`${server.url}/demo/services/auth/headless/init/registration`, {
        userdata: { mobilePhone: '+14155550861', firstName: 'Someone Else' },
        verificationmethod: 'sms',
      });
      assert.equal(init.status, 200);
      const code = server.lastCode('+14155550861');
      assert.match(code, /^\d{6}$/);
      const verified = await server.app.userManagement('demo').verifySelfRegistration('SMS', init.body.identifier as string, code, null);
      assert.equal(verified.success, true, JSON.stringify(verified));
      assert.equal(verified.userId, owner.id, 'the owner is signed in; no account is created from the other data');
    } finally {
      await server.close();
    }
  });
});

/** Every byte the database keeps: the SQLite file and its WAL, or every row of every table on PostgreSQL. */
async function everythingStored(databaseUrl: string): Promise<string> {
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    return [file, `${file}-wal`]
      .filter((f) => existsSync(f))
      .map((f) => readFileSync(f).toString('latin1'))
      .join('');
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'",
    );
    let all = '';
    for (const { table_name } of tables.rows) {
      const rows = await client.query<{ row: string }>(`select t::text as row from "${table_name}" t`);
      all += rows.rows.map((r) => r.row).join('\n');
    }
    return all;
  } finally {
    await client.end();
  }
}
