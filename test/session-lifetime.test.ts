/**
 * Hosted sessions end: after the site's idle timeout without a request, and after its absolute lifetime
 * however active. Activity is written at most once a minute, and the cookie's expiry follows the session.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { hashToken } from '../src/crypto/code-hasher.js';
import { createManualClock } from '../src/domain/clock.js';
import { createBrowser, hiddenFields, type Browser } from './support/browser-fetch.js';
import { seedUser, signIn } from './support/hosted-flows.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const MINUTE = 60_000;

/** Where a visit to the account page ends: the account page when signed in, the login page when not. */
async function accountVisit(browser: Browser, t: TestServer): Promise<string> {
  return new URL((await browser.go(`${t.url}/demo/account`)).url).pathname;
}

/** The Expires of the session cookie a response set, or null when it set none. */
function sessionCookieExpiry(headers: Headers): Date | null {
  const line = headers.getSetCookie().find((c) => c.startsWith('otpgate_session='));
  const expires = line
    ?.split(';')
    .map((p) => p.trim())
    .find((p) => /^expires=/i.test(p));
  return expires ? new Date(expires.slice(8)) : null;
}

/** The HTTP date a cookie carries: whole seconds. */
const cookieDate = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);

describe('hosted session lifetime', () => {
  let t: TestServer;
  afterEach(() => t.close());

  test('a session idle past the timeout (default 30 minutes) is refused', async () => {
    const clock = createManualClock(new Date());
    t = await startTestServer({}, { clock });
    await seedUser(t, '+14155550601');
    const browser = createBrowser(t.url);
    assert.equal(new URL((await signIn(browser, t, '+14155550601')).url).pathname, '/demo/account');

    clock.advance(29 * MINUTE);
    assert.equal(await accountVisit(browser, t), '/demo/account', 'still signed in within the idle timeout');
    clock.advance(30 * MINUTE + 1000);
    assert.equal(await accountVisit(browser, t), '/demo/login', 'idle for 30 minutes: signed out');
    assert.ok(browser.jar.has('otpgate_session'), 'the browser still sent its cookie: the server refused it');
  });

  test('an active session survives past the idle timeout, but not past the absolute lifetime (default 12 hours)', async () => {
    const clock = createManualClock(new Date());
    t = await startTestServer({}, { clock });
    await seedUser(t, '+14155550602');
    const browser = createBrowser(t.url);
    await signIn(browser, t, '+14155550602');

    const signInAt = clock.now().getTime();
    // A request every 20 minutes for 11 h 20 min: never idle, and long past any one idle timeout.
    for (let elapsed = 20 * MINUTE; elapsed <= 680 * MINUTE; elapsed += 20 * MINUTE) {
      clock.advance(20 * MINUTE);
      assert.equal(await accountVisit(browser, t), '/demo/account', `active at ${elapsed / MINUTE} minutes`);
    }
    clock.advance(20 * MINUTE); // 11 h 40 min: the idle deadline would pass the absolute end, so the cookie ends with the session
    const last = await browser.send(`${t.url}/demo/account`);
    assert.equal(last.status, 200);
    assert.deepEqual(sessionCookieExpiry(last.headers), cookieDate(signInAt + 12 * 60 * MINUTE));
    clock.advance(20 * MINUTE); // 12 h exactly since sign-in
    assert.equal(await accountVisit(browser, t), '/demo/login', 'the absolute lifetime ends it however active');
  });

  test('both limits are per site (site.session)', async () => {
    const clock = createManualClock(new Date());
    t = await startTestServer(
      {
        sites: [{ id: 'demo', name: 'Demo', handlers: ['console'], session: { idleTimeoutSeconds: 120, absoluteLifetimeSeconds: 300 } }],
      },
      { clock },
    );
    await seedUser(t, '+14155550603');
    const idle = createBrowser(t.url);
    await signIn(idle, t, '+14155550603');
    clock.advance(121_000);
    assert.equal(await accountVisit(idle, t), '/demo/login', 'idle past 120 s');

    const active = createBrowser(t.url);
    await signIn(active, t, '+14155550603');
    for (let i = 0; i < 4; i++) {
      clock.advance(MINUTE + 10_000);
      assert.equal(await accountVisit(active, t), '/demo/account', `active after ${i + 1} visits`);
    }
    clock.advance(MINUTE);
    assert.equal(await accountVisit(active, t), '/demo/login', 'past 300 s since sign-in');
  });

  test('activity is written at most once a minute, and the cookie expiry follows it', async () => {
    const clock = createManualClock(new Date());
    t = await startTestServer({}, { clock });
    await seedUser(t, '+14155550604');
    const browser = createBrowser(t.url);
    const signInAt = clock.now().getTime();
    const verify = await browser.submit(await browser.go(`${t.url}/demo/login`), '/demo/login', { country: 'US', phone: '4155550604' });
    const signedIn = await browser.send(`${t.url}/demo/login/verify`, {
      form: { ...hiddenFields(verify.html, '/demo/login/verify'), code: t.lastCode('+14155550604'), action: 'verify' },
    });
    assert.deepEqual(sessionCookieExpiry(signedIn.headers), cookieDate(signInAt + 30 * MINUTE), 'the cookie ends at the idle timeout');
    const tokenHash = hashToken('session', browser.jar.get('otpgate_session')!.value);
    const lastSeen = async () => (await t.store.forSite('demo').sessions.byHash(tokenHash))?.lastSeenAt.getTime();

    clock.advance(30_000);
    const quiet = await browser.send(`${t.url}/demo/account`);
    assert.equal(quiet.status, 200);
    assert.equal(sessionCookieExpiry(quiet.headers), null, 'within the minute: no new cookie');
    assert.equal(await lastSeen(), signInAt, 'within the minute: nothing written');

    clock.advance(40_000);
    const later = await browser.send(`${t.url}/demo/account`);
    assert.equal(later.status, 200);
    assert.equal(await lastSeen(), signInAt + 70_000, 'activity recorded');
    assert.deepEqual(sessionCookieExpiry(later.headers), cookieDate(signInAt + 70_000 + 30 * MINUTE), 'the cookie moved with it');
  });
});
