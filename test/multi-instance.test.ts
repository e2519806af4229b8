import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openTestPostgres, requirePostgres, type TestPostgres } from './support/postgres.js';
import { startInstance, startSink, writeInstanceConfig, type Instance } from './support/instances.js';
import { from, numbersAcrossPrefixes, person, randomAddress } from './support/people.js';
import { basic, postForm, postJson } from './support/test-server.js';

// Three real `otpgate serve` processes on one PostgreSQL database: flows cross instances, guarantees hold globally.
if (await requirePostgres('multi-instance')) {
  describe('several instances on one PostgreSQL database', () => {
    let db: TestPostgres;
    let sink: Awaited<ReturnType<typeof startSink>>;
    let configPath: string;
    let instances: Instance[] = [];

    before(async () => {
      db = await openTestPostgres();
      sink = await startSink();
      configPath = writeInstanceConfig(db.url, sink.url);
      // Started together: migrations must serialise on the advisory lock, not collide.
      instances = await Promise.all([startInstance(configPath), startInstance(configPath), startInstance(configPath)]);
    });
    after(async () => {
      await Promise.all(instances.map((i) => i.stop('SIGKILL')));
      await sink.close();
      await db.drop();
    });

    // Each person arrives through the trusted hop (loopback) with an address of their own, as behind a load balancer.
    const register = (i: Instance, phone: string, headers = person()) =>
      postJson(
        `${i.url}/demo/services/auth/headless/init/registration`,
        { userdata: { mobilePhone: phone }, verificationmethod: 'sms' },
        headers,
      );
    const login = (i: Instance, phone: string) =>
      postJson(`${i.url}/demo/services/auth/headless/init/passwordless/login`, { username: phone, verificationmethod: 'sms' }, person());
    const authorize = (i: Instance, type: string, identifier: string, code: string) =>
      postForm(
        `${i.url}/demo/services/oauth2/authorize`,
        { response_type: 'code_credentials', client_id: 'app', redirect_uri: 'http://app.test/cb' },
        { 'Auth-Request-Type': type, 'Auth-Verification-Type': 'sms', Authorization: basic(identifier, code) },
      );
    const token = (i: Instance, code: string) =>
      postForm(
        `${i.url}/demo/services/oauth2/token`,
        { grant_type: 'authorization_code', code, redirect_uri: 'http://app.test/cb' },
        { authorization: basic('app', 'multi-instance-client-secret') },
      );
    const codeOf = (r: { headers: Headers }) => new URL(r.headers.get('location')!).searchParams.get('code')!;

    test('init on A, verify on B, exchange on C, userinfo on A', async () => {
      const [a, b, c] = instances as [Instance, Instance, Instance];
      const init = await register(a, '+14155550180');
      assert.equal(init.status, 200);
      const authorized = await authorize(b, 'user-registration', String(init.body.identifier), await sink.code('+14155550180'));
      assert.equal(authorized.status, 302, JSON.stringify(authorized.body));
      const tokens = await token(c, codeOf(authorized));
      assert.equal(tokens.status, 200);
      const me = await fetch(`${a.url}/demo/services/oauth2/userinfo`, {
        headers: { authorization: `Bearer ${String(tokens.body.access_token)}` },
      });
      assert.equal(((await me.json()) as { phone_number: string }).phone_number, '+14155550180');
      // Every instance publishes the same signing keys.
      const keys = await Promise.all(instances.map(async (i) => JSON.stringify(await (await fetch(`${i.url}/demo/id/keys`)).json())));
      assert.equal(new Set(keys).size, 1);
    });

    test('the same code at two instances at once succeeds once; the attempt budget is global', async () => {
      const [a, b, c] = instances as [Instance, Instance, Instance];
      const phone = '+14155550181';
      const init = await register(c, phone);
      const code = await sink.code(phone);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, k) => authorize(instances[k % 3]!, 'user-registration', String(init.body.identifier), code)),
      );
      assert.equal(results.filter((r) => r.status === 302).length, 1);
      for (const r of results.filter((r) => r.status !== 302))
        assert.ok(['already_used', 'verification_locked'].includes(String(r.body.error)), String(r.body.error));

      // A fresh login: five wrong guesses spread over three instances lock it everywhere.
      await new Promise((resolve) => setTimeout(resolve, 10));
      const started = await login(a, phone);
      const right = await sink.code(phone, 2);
      const wrong = right === '000000' ? '111111' : '000000';
      const guesses = await Promise.all(
        [a, b, c, a, b, c, a].map((i) => authorize(i, 'passwordless-login', String(started.body.identifier), wrong)),
      );
      assert.equal(guesses.filter((g) => g.body.error === 'invalid_code').length, 4);
      assert.equal(guesses.filter((g) => g.body.error === 'verification_locked').length, 3);
      assert.equal((await authorize(b, 'passwordless-login', String(started.body.identifier), right)).body.error, 'verification_locked');
    });

    test('concurrent resends on three instances send one message; the hourly send limit is global', async () => {
      const phone = '+14155550182';
      assert.equal((await register(instances[0]!, phone)).status, 200);
      const resends = await Promise.all(instances.map((i) => register(i, phone)));
      assert.deepEqual(
        resends.map((r) => r.body.limit),
        ['resend', 'resend', 'resend'],
      );
      assert.equal(sink.count(phone), 1);

      // On a site without a resend interval, sends 2-5 go through whichever instance, the 6th is refused by any.
      const unlimited = '+14155550184';
      const answers = [];
      for (let k = 0; k < 7; k++) {
        const r = await postJson(
          `${instances[k % 3]!.url}/fast/services/auth/headless/init/registration`,
          { userdata: { mobilePhone: unlimited }, verificationmethod: 'sms' },
          person(),
        );
        answers.push(r.status === 200 ? 'sent' : r.body.error);
      }
      assert.deepEqual(answers, ['sent', 'sent', 'sent', 'sent', 'sent', 'too_many_requests', 'too_many_requests']);
      assert.equal(sink.count(unlimited), 5);
    });

    test('the send limits are global: one address gets 10 codes across three instances, one network 100', async () => {
      const attacker = from(randomAddress());
      const numbers = numbersAcrossPrefixes(30, 3000);
      const answers = await Promise.all(numbers.map((n, k) => register(instances[k % 3]!, n, attacker)));
      assert.equal(answers.filter((a) => a.status === 200).length, 10);
      assert.ok(answers.filter((a) => a.status !== 200).every((a) => a.status === 429 && a.body.limit === 'ip'));
      assert.equal(
        numbers.reduce((sent, n) => sent + sink.count(n), 0),
        10,
      );
    });

    test('killing an instance mid-load loses no acknowledged flow, and no code succeeds twice', async () => {
      const users = 24;
      const phones = Array.from({ length: users }, (_, k) => `+1415555${String(1000 + k).padStart(4, '0')}`);
      const acknowledged: { phone: string; identifier: string }[] = [];
      // Phase 1: init round-robin over all three.
      await Promise.all(
        phones.map(async (phone, k) => {
          const r = await register(instances[k % 3]!, phone);
          if (r.status === 200) acknowledged.push({ phone, identifier: String(r.body.identifier) });
        }),
      );
      assert.equal(acknowledged.length, users);
      // Instance C dies without warning while the flows are half done.
      await instances[2]!.stop('SIGKILL');
      const survivors = instances.slice(0, 2);
      const outcomes = await Promise.all(
        acknowledged.map(async ({ phone, identifier }, k) => {
          const code = await sink.code(phone);
          const r = await authorize(survivors[k % 2]!, 'user-registration', identifier, code);
          assert.equal(r.status, 302, `${phone}: ${JSON.stringify(r.body)}`);
          const t = await token(survivors[(k + 1) % 2]!, codeOf(r));
          assert.equal(t.status, 200);
          // The same code again, at the other survivor: refused.
          const again = await authorize(survivors[(k + 1) % 2]!, 'user-registration', identifier, code);
          return again.body.error;
        }),
      );
      assert.ok(
        outcomes.every((e) => e === 'already_used'),
        JSON.stringify(outcomes),
      );
      instances[2] = await startInstance(configPath); // back to three for any later test
    });

    test('SIGTERM drains: readiness fails first, in-flight requests finish, the process exits 0', async () => {
      const victim = await startInstance(configPath);
      const inFlight = register(victim, '+14155550183');
      const ready = fetch(`${victim.url}/readyz`);
      assert.equal((await ready).status, 200);
      victim.process.kill('SIGTERM');
      // The signal lands when the child gets to it; from then on readyz says 503 for shutdownDelayMs (3 s).
      const deadline = Date.now() + 2000;
      let status = 200;
      while (status === 200 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        status = (await fetch(`${victim.url}/readyz`)).status;
      }
      assert.equal(status, 503);
      assert.equal((await inFlight).status, 200);
      assert.equal(await victim.exited, 0);
    });
  });
}
