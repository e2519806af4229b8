/**
 * The layered send limits, tried as an attacker would spend a site's money: from one address, from one
 * network, against one phone, into one prefix, and against the site's cap. Every refusal is a 429
 * too_many_requests naming its limit, with Retry-After. The server sits behind one trusted hop (loopback), so
 * each request's client address is the one that hop appended, never what the client wrote. Real HTTP, SQLite
 * and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { afterEach, describe, test } from 'node:test';
import type { ConfigInput } from '../src/config/schema.js';
import { createLogger } from '../src/observability/logger.js';
import { seedUser } from './support/hosted-flows.js';
import { from, numbersAcrossPrefixes, numbersUnder, person, randomAddress } from './support/people.js';
import { createSkewedClock } from './support/skewed-clock.js';
import { postJson, startTestServer, type TestServer } from './support/test-server.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('send limits', () => {
  let t: TestServer;
  afterEach(() => t.close());

  async function server(policy: NonNullable<ConfigInput['defaults']>['policy'] = {}, options: Parameters<typeof startTestServer>[1] = {}) {
    t = await startTestServer(
      {
        server: { logLevel: 'silent', baseUrl: 'http://otpgate.test', trustProxy: ['loopback'] },
        sites: [{ id: 'demo', name: 'Demo', handlers: ['console'], policy }],
      },
      options,
    );
    return t;
  }
  const register = (phone: string, headers: Record<string, string>, extra: Record<string, unknown> = {}) =>
    postJson(
      `${t.url}/demo/services/auth/headless/init/registration`,
      { userdata: { mobilePhone: phone, ...extra }, verificationmethod: 'sms' },
      headers,
    );
  const login = (hint: string, headers: Record<string, string>) =>
    postJson(`${t.url}/demo/services/auth/headless/init/passwordless/login`, { username: hint, verificationmethod: 'sms' }, headers);

  function assertRefused(response: Awaited<ReturnType<typeof postJson>>, limit: string) {
    assert.equal(response.status, 429, JSON.stringify(response.body));
    assert.equal(response.body.error, 'too_many_requests');
    assert.equal(response.body.limit, limit);
    const retryAfter = Number(response.headers.get('retry-after'));
    assert.ok(retryAfter >= 1, 'Retry-After is set');
    assert.equal(response.body.retry_after, retryAfter);
  }

  test('one address, 200 registrations for 200 numbers: 10 codes sent; a forged leftmost X-Forwarded-For changes nothing', async () => {
    await server();
    const attacker = randomAddress();
    const numbers = numbersAcrossPrefixes(200);
    const results: Awaited<ReturnType<typeof register>>[] = [];
    // Four at a time, as the attack that found 12,386 sends a minute did; each with a new forged leftmost value.
    for (let i = 0; i < numbers.length; i += 4)
      results.push(...(await Promise.all(numbers.slice(i, i + 4).map((n) => register(n, from(attacker, randomAddress()))))));
    assert.equal(t.messages.length, 10);
    assert.equal(results.filter((r) => r.status === 200).length, 10);
    for (const refused of results.filter((r) => r.status !== 200)) assertRefused(refused, 'ip');
    // The refusal is the address's 10-minute window, not its day: the sliding estimate frees room at most a tenth of a
    // window after the current 10-minute window ends (10 sends, limit 10: 10 * (1 - g) + 1 <= 10 at g = 0.1).
    const last = results.at(-1)!;
    assert.ok(Number(last.body.retry_after) <= 661, String(last.body.retry_after));
    // Another person is not affected.
    assert.equal((await register(numbersUnder(415, 1)[0]!, person())).status, 200);
  });

  test('unknown login hints are counted like known ones: the 11th login from one address is refused either way', async () => {
    await server();
    const known = '+14155550111';
    await seedUser(t, known);
    const attacker = from(randomAddress());
    for (const hint of numbersUnder(202, 10)) assert.equal((await login(hint, attacker)).status, 200, hint);
    assert.equal(t.messages.length, 0, 'nothing was sent to unknown numbers');
    assertRefused(await login(known, attacker), 'ip');
    assertRefused(await login('nobody-at-all', attacker), 'ip');
    assert.equal((await login(known, person())).status, 200);
  });

  test('one network (/24) is held to 100 sends an hour, however many of its addresses take part', async () => {
    await server();
    const numbers = numbersAcrossPrefixes(102);
    let n = 0;
    for (let host = 1; host <= 10; host++)
      for (let i = 0; i < 10; i++) assert.equal((await register(numbers[n++]!, from(`198.51.100.${host}`))).status, 200);
    assertRefused(await register(numbers[n++]!, from('198.51.100.77')), 'ip_range');
    assert.equal((await register(numbers[n++]!, from('198.51.101.77'))).status, 200, 'the next /24 is another network');
    assert.equal(t.messages.length, 101);
  });

  test('IPv6: one client is its /64, however many addresses it uses', async () => {
    await server();
    const numbers = numbersAcrossPrefixes(12);
    for (let i = 0; i < 10; i++) assert.equal((await register(numbers[i]!, from(`2001:db8:7:1::${(i + 1).toString(16)}`))).status, 200);
    assertRefused(await register(numbers[10]!, from('2001:db8:7:1:ffff:ffff:ffff:ffff')), 'ip');
    assert.equal((await register(numbers[11]!, from('2001:db8:7:2::1'))).status, 200, 'the next /64 is another client');
  });

  test('IPv4-mapped IPv6 is the IPv4 client it maps', async () => {
    await server({ sendsPerIp: { perTenMinutes: 1 } });
    const [a, b] = numbersAcrossPrefixes(2);
    assert.equal((await register(a!, from('203.0.113.50'))).status, 200);
    assertRefused(await register(b!, from('::ffff:203.0.113.50')), 'ip');
  });

  test('one phone gets at most 5 codes an hour and 10 a day, whoever asks', async () => {
    const clock = createSkewedClock();
    await server({ resendIntervalSeconds: 0 }, { clock });
    const victim = '+14155550123';
    await seedUser(t, victim);
    for (let i = 0; i < 5; i++) assert.equal((await login(victim, person())).status, 200);
    assertRefused(await login(victim, person()), 'phone');
    clock.advance(2 * HOUR);
    for (let i = 0; i < 5; i++) assert.equal((await login(victim, person())).status, 200);
    const refused = await login(victim, person());
    assertRefused(refused, 'phone');
    assert.ok(Number(refused.body.retry_after) > HOUR / 1000, 'the day window, not the hour');
    assert.equal(t.messages.filter((m) => m.phone === victim).length, 10);
  });

  test('a burst timed at an hour edge gets no more than 5 codes to one phone', async () => {
    // Twelve registrations for one number fired a few milliseconds before the hour turns over, from many addresses:
    // the ones counted after the edge must weigh what the ones before it took (the last hour's window).
    const clock = createSkewedClock();
    await server({}, { clock });
    for (const [n, lead] of [1, 3, 5, 7, 9, 11].entries()) {
      const phone = `+14155550${String(180 + n)}`;
      const now = clock.now().getTime();
      let edge = Math.ceil(now / HOUR) * HOUR + HOUR;
      if (edge % (24 * HOUR) === 0) edge += HOUR; // an hour edge that is not also the day's
      clock.advance(edge - lead - now);
      await Promise.all(Array.from({ length: 12 }, (_, i) => register(phone, person(), { firstName: `n${i}` })));
      const sent = t.messages.filter((m) => m.phone === phone).length;
      assert.ok(sent <= 5, `${sent} codes to ${phone} in a burst ${lead} ms before the hour`);
    }
  });

  test('one destination prefix is held to its limit; other prefixes are not', async () => {
    await server({ sendsPerPrefix: { perHour: 3 } });
    for (const n of numbersUnder(201, 3)) assert.equal((await register(n, person())).status, 200);
    assertRefused(await register(numbersUnder(201, 1, 500)[0]!, person()), 'prefix');
    assert.equal((await register(numbersUnder(202, 1)[0]!, person())).status, 200);
  });

  test('the site cap refuses every sender once reached, after a warning at 80 %', async () => {
    const lines: string[] = [];
    const logger = createLogger('info', new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
    await server({ sendsPerSite: { perHour: 5, perDay: 0 } }, { logger });
    const numbers = numbersAcrossPrefixes(7);
    for (let i = 0; i < 3; i++) assert.equal((await register(numbers[i]!, person())).status, 200);
    assert.ok(!lines.some((l) => l.includes('site_send_limit_near')));
    assert.equal((await register(numbers[3]!, person())).status, 200);
    const warning = lines.find((l) => l.includes('site_send_limit_near'));
    assert.ok(warning, 'a warning at the 4th of 5');
    assert.match(warning, /"limit":5/);
    assert.equal((await register(numbers[4]!, person())).status, 200);
    assertRefused(await register(numbers[5]!, person()), 'site');
    assertRefused(await register(numbers[6]!, person()), 'site');
    assert.equal(t.messages.length, 5);
  });

  test('resends of one verification wait 30 s, then twice as long each time, capped', async () => {
    const clock = createSkewedClock();
    await server({ maxResendIntervalSeconds: 100 }, { clock });
    const me = person();
    const phone = '+14155550177';
    const first = await register(phone, me);
    assert.equal(first.status, 200);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const refused = await register(phone, me);
      assertRefused(refused, 'resend');
      const wait = Number(refused.body.retry_after);
      waits.push(wait);
      clock.advance(wait * 1000);
      const resent = await register(phone, me);
      assert.equal(resent.status, 200);
      assert.equal(resent.body.identifier, first.body.identifier, 'a resend of the same verification');
    }
    assert.deepEqual(
      waits.map((w) => Math.round(w)),
      [30, 60, 100, 100],
    );
    assert.equal(t.messages.length, 5);
  });

  test('the limits are configurable per use case: registration may be stricter than login', async () => {
    t = await startTestServer({
      server: { logLevel: 'silent', baseUrl: 'http://otpgate.test', trustProxy: ['loopback'] },
      sites: [
        { id: 'demo', name: 'Demo', handlers: ['console'], useCasePolicies: { self_registration: { sendsPerIp: { perTenMinutes: 1 } } } },
      ],
    });
    const me = from(randomAddress());
    const [a, b] = numbersAcrossPrefixes(2);
    assert.equal((await register(a!, me)).status, 200);
    assertRefused(await register(b!, me), 'ip');
    assert.equal((await login(b!, me)).status, 200, 'login keeps the default of 10');
  });
});
