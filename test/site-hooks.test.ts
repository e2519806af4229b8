import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { parsePhone, type PhoneNumber } from '../src/domain/phone.js';
import { postJson, startTestServer, type TestServer } from './support/test-server.js';

// The user discovery and registration handlers are the site owner's modules, like delivery handlers.
describe('pluggable user discovery and registration handlers', () => {
  let t: TestServer;
  afterEach(() => t.close());

  test('a discovery module maps a member number to the user; a registration module shapes the new user', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otpgate-hooks-'));
    const discover = join(dir, 'discover.mjs');
    const register = join(dir, 'register.mjs');
    // Members log in with "M-<username>"; anything else is unknown.
    writeFileSync(
      discover,
      `export default { async discoverUserFromLoginHint(request, context) {
         if (!request.loginHint.startsWith('M-')) return { userId: null };
         const user = await context.users.byUsername(request.loginHint.slice(2));
         return { userId: user ? user.id : null };
       } };\n`,
    );
    writeFileSync(
      register,
      `export default { async createUser(request, context) {
         const user = await context.users.create({
           id: request.userId, username: 'member-' + request.phone.slice(-4), phone: request.phone, phoneVerified: true,
           firstName: request.userdata.firstName ?? null, lastName: null, email: null, locale: request.locale,
           status: 'active', customData: { ...request.customdata, source: 'hook' } }, context.now);
         return { userId: user.id };
       } };\n`,
    );
    t = await startTestServer({
      sites: [{ id: 'demo', name: 'Demo', handlers: ['console'], userDiscoveryHandler: discover, registrationHandler: register }],
    });
    const um = t.app.userManagement('demo');
    const identifier = await um.initSelfRegistration('SMS', { mobilePhone: '+14155550140', firstName: 'Mo', customdata: { tier: 'gold' } });
    const result = await um.verifySelfRegistration('SMS', identifier, t.lastCode('+14155550140'), null);
    assert.equal(result.success, true, result.message);
    const user = await t.store.forSite('demo').users.byId(result.userId!);
    assert.equal(user!.username, 'member-0140');
    assert.deepEqual(user!.customData, { tier: 'gold', source: 'hook' });

    const before = t.messages.length;
    const byPhone = await postJson(`${t.url}/demo/services/auth/headless/init/passwordless/login`, {
      username: '+14155550140',
      verificationmethod: 'sms',
    });
    assert.equal(byPhone.status, 200);
    assert.equal(t.messages.length, before, 'the custom discovery does not know phones');
    const byMember = await postJson(`${t.url}/demo/services/auth/headless/init/passwordless/login`, {
      username: 'M-member-0140',
      verificationmethod: 'sms',
    });
    assert.equal(byMember.status, 200);
    assert.equal(t.messages.length, before + 1);
    assert.equal(t.messages.at(-1)!.phone, '+14155550140');
  });

  test('a registration module that answers with a user it did not create here gets that user, read as stored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otpgate-hooks-'));
    const register = join(dir, 'register.mjs');
    // Links every new number to one account made elsewhere (as a site that migrates users might), or to no one.
    writeFileSync(
      register,
      `export default { async createUser(request) {
         return { userId: request.userdata.firstName === 'Nobody' ? 'no-such-user' : 'made-elsewhere' };
       } };\n`,
    );
    t = await startTestServer({ sites: [{ id: 'demo', name: 'Demo', handlers: ['console'], registrationHandler: register }] });
    const users = t.store.forSite('demo').users;
    await users.create(
      {
        id: 'made-elsewhere',
        username: 'imported',
        phone: '+14155550141' as PhoneNumber,
        phoneVerified: true,
        firstName: 'Ima',
        lastName: null,
        email: null,
        locale: null,
        status: 'active',
        customData: { imported: true },
      },
      new Date(),
    );
    const um = t.app.userManagement('demo');
    const identifier = await um.initSelfRegistration('SMS', { mobilePhone: '+14155550142', firstName: 'Jo' });
    const result = await um.verifySelfRegistration('SMS', identifier, t.lastCode('+14155550142'), null);
    assert.equal(result.success, true, result.message);
    assert.equal(result.userId, 'made-elsewhere');
    assert.equal((await users.byPhone(parsePhone('+14155550142')!.e164))?.id ?? null, null, 'the handler made no user for the number');

    const other = await um.initSelfRegistration('SMS', { mobilePhone: '+14155550143', firstName: 'Nobody' });
    // A handler that names no existing user is a bug in the handler: an error, never a session for no one.
    await assert.rejects(um.verifySelfRegistration('SMS', other, t.lastCode('+14155550143'), null), /returned user no-such-user/);
  });

  test('a broken or missing module stops startup with the config path and the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otpgate-hooks-'));
    const broken = join(dir, 'broken.mjs');
    writeFileSync(broken, `export default { notTheRightMethod() {} };\n`);
    await assert.rejects(
      startTestServer({ sites: [{ id: 'demo', name: 'Demo', handlers: [broken], registrationHandler: join(dir, 'missing.mjs') }] }),
      (error: Error & { problems?: string[] }) => {
        assert.match(
          error.problems![0]!,
          /^sites\.0\.handlers: delivery handler .*broken\.mjs: the default export does not have the expected method/,
        );
        assert.match(error.problems![1]!, /^sites\.0\.registrationHandler: .*missing\.mjs: file not found/);
        return true;
      },
    );
    t = await startTestServer(); // afterEach closes a server
  });
});
