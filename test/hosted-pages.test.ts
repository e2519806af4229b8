/**
 * The hosted login, verification and registration pages over real HTTP, as a browser without script sees
 * them: every outcome's message, CSRF, cookies, escaping, return addresses and languages.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import { createManualClock } from '../src/domain/clock.js';
import { alertText, createBrowser, hiddenFields } from './support/browser-fetch.js';
import { seedUser, signIn, wrongCode } from './support/hosted-flows.js';
import { startTestServer, type TestServer } from './support/test-server.js';

describe('hosted pages', () => {
  let t: TestServer;
  afterEach(() => t.close());

  test('the login page: its language, labelled fields, safe headers, and a CSRF token in the form', async () => {
    t = await startTestServer();
    const browser = createBrowser(t.url);
    const page = await browser.go(`${t.url}/demo/login`, { headers: { 'accept-language': 'en-GB,en;q=0.8' } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /^text\/html; charset=utf-8/);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.match(page.headers.get('content-security-policy')!, /default-src 'none'.*frame-ancestors 'none'/);
    assert.match(page.html, /<html lang="en">/);
    assert.match(page.html, /<label for="phone">Mobile number<\/label>/);
    assert.match(page.html, /<input id="phone" name="phone" type="tel" inputmode="tel" autocomplete="tel"/);
    assert.match(page.html, /<option value="GB" selected>United Kingdom \(\+44\)<\/option>/, "the browser's region is the default country");
    assert.ok(hiddenFields(page.html, '/demo/login')._csrf, 'the form carries a CSRF token');
    assert.ok(browser.jar.has('otpgate_csrf'));
  });

  test('the country selector offers only the countries codes may be sent to, per use case', async () => {
    t = await startTestServer({
      sites: [
        {
          id: 'demo',
          name: 'Demo',
          handlers: ['console'],
          policy: { allowedCountries: ['US', 'CA', 'GB'], deniedCountries: ['GB'] },
          useCasePolicies: { self_registration: { allowedCountries: ['CA'] } },
        },
      ],
    });
    const browser = createBrowser(t.url);
    const options = (html: string) => [...html.matchAll(/<option value="([A-Z]{2})"/g)].map((m) => m[1]).sort();
    assert.deepEqual(options((await browser.go(`${t.url}/demo/login`)).html), ['CA', 'US']);
    assert.deepEqual(options((await browser.go(`${t.url}/demo/register`)).html), ['CA']);
  });

  test('the code form: one-time-code autofill, numeric keyboard, and the number it went to', async () => {
    t = await startTestServer();
    await seedUser(t, '+14155550201');
    const browser = createBrowser(t.url);
    const verify = await browser.submit(await browser.go(`${t.url}/demo/login`), '/demo/login', { country: 'US', phone: '(415) 555-0201' });
    assert.equal(verify.status, 200);
    assert.match(verify.html, /<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"/);
    assert.equal(alertText(verify.html), 'We sent a code to +1 415 555 0201.', 'the national number was normalised to E.164');
    assert.equal(hiddenFields(verify.html, '/demo/login/verify').phone, '+14155550201');
    assert.match(t.messages.at(-1)!.text.trim(), /@otpgate\.test #\d{6}$/, 'the text ends with the WebOTP line');
  });

  test('a correct code signs in with an HttpOnly, SameSite=Lax cookie for the site path only', async () => {
    t = await startTestServer();
    await seedUser(t, '+14155550202');
    const browser = createBrowser(t.url);
    const login = await browser.go(`${t.url}/demo/login`);
    const verify = await browser.submit(login, '/demo/login', { country: 'US', phone: '4155550202' });
    const response = await browser.send(`${t.url}/demo/login/verify`, {
      form: { ...hiddenFields(verify.html, '/demo/login/verify'), code: t.lastCode('+14155550202'), action: 'verify' },
    });
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/demo/account');
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('otpgate_session='))!;
    assert.match(cookie, /; Path=\/demo(;|$)/);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Lax/);
    assert.doesNotMatch(cookie, /; Secure/, 'not Secure on a plain-http server');
    const account = await browser.go(`${t.url}/demo/account`);
    assert.equal(account.status, 200);
    assert.match(account.html, /Ada Lovelace/);
  });

  test('behind TLS the session and CSRF cookies are Secure', async () => {
    t = await startTestServer({ server: { baseUrl: 'https://otpgate.test', logLevel: 'silent' } });
    await seedUser(t, '+14155550203');
    const browser = createBrowser(t.url, 'https://otpgate.test');
    const login = await browser.send(`${t.url}/demo/login`);
    assert.match(
      login.headers.getSetCookie().find((c) => c.startsWith('otpgate_csrf='))!,
      /; Secure/,
    );
    const page = await browser.go(`${t.url}/demo/login`);
    const verify = await browser.submit(page, '/demo/login', { country: 'US', phone: '4155550203' });
    const response = await browser.send(`${t.url}/demo/login/verify`, {
      form: { ...hiddenFields(verify.html, '/demo/login/verify'), code: t.lastCode('+14155550203'), action: 'verify' },
    });
    assert.match(
      response.headers.getSetCookie().find((c) => c.startsWith('otpgate_session='))!,
      /; Secure/,
    );
  });

  test('every form refuses a missing or foreign CSRF token', async () => {
    t = await startTestServer();
    const browser = createBrowser(t.url);
    await browser.go(`${t.url}/demo/login`);
    for (const action of [
      '/demo/login',
      '/demo/login/verify',
      '/demo/register',
      '/demo/register/verify',
      '/demo/account/phone',
      '/demo/account/confirm',
      '/demo/logout',
      '/demo/logout/everywhere',
    ]) {
      const page = await browser.go(`${t.url}${action}`, { form: { phone: '+14155550204', country: 'US' } });
      assert.equal(page.status, 403, action);
      assert.equal(alertText(page.html), 'This form has expired. Please try again.', action);
    }
    const other = createBrowser(t.url);
    const foreign = hiddenFields((await other.go(`${t.url}/demo/login`)).html, '/demo/login')._csrf!;
    const forged = await browser.go(`${t.url}/demo/login`, { form: { _csrf: foreign, country: 'US', phone: '4155550204' } });
    assert.equal(forged.status, 403, "another browser's token does not match this browser's secret");
  });

  test('a spent guess budget and a locked phone are told in words a person understands, not as a server error', async () => {
    t = await startTestServer({
      sites: [{ id: 'demo', name: 'Demo', handlers: ['console'], guessBudget: { perHour: 2, perDay: 30, lockAfterConsecutive: 3 } }],
    });
    await seedUser(t, '+14155550206');
    const browser = createBrowser(t.url);
    let page = await browser.submit(await browser.go(`${t.url}/demo/login`), '/demo/login', { country: 'US', phone: '4155550206' });
    const code = t.lastCode('+14155550206');
    for (let i = 0; i < 2; i++) page = await browser.submit(page, '/demo/login/verify', { code: wrongCode(code), action: 'verify' });
    page = await browser.submit(page, '/demo/login/verify', { code, action: 'verify' });
    assert.equal(page.status, 429);
    assert.match(alertText(page.html)!, /^There is a problem Too many wrong codes for this number\. Try again in \d+ minutes?\.$/);
    await t.close();

    t = await startTestServer({
      sites: [{ id: 'demo', name: 'Demo', handlers: ['console'], guessBudget: { perHour: 30, perDay: 30, lockAfterConsecutive: 2 } }],
    });
    await seedUser(t, '+14155550207');
    page = await browser.submit(await browser.go(`${t.url}/demo/login`), '/demo/login', { country: 'US', phone: '4155550207' });
    const second = t.lastCode('+14155550207');
    for (let i = 0; i < 2; i++) page = await browser.submit(page, '/demo/login/verify', { code: wrongCode(second), action: 'verify' });
    page = await browser.submit(page, '/demo/login/verify', { code: second, action: 'verify' });
    assert.equal(page.status, 429);
    assert.equal(
      alertText(page.html),
      'There is a problem Too many wrong codes in a row for this number, so it is locked. Please contact support.',
    );
  });

  test('wrong codes say how many attempts are left, then the code locks; a new code works', async () => {
    t = await startTestServer({}, { clock: createManualClock(new Date()) });
    await seedUser(t, '+14155550205');
    const browser = createBrowser(t.url);
    let page = await browser.submit(await browser.go(`${t.url}/demo/login`), '/demo/login', { country: 'US', phone: '4155550205' });
    const identifier = hiddenFields(page.html, '/demo/login/verify').identifier;
    const code = t.lastCode('+14155550205');
    for (const left of [4, 3, 2, 1]) {
      page = await browser.submit(page, '/demo/login/verify', { code: wrongCode(code), action: 'verify' });
      assert.equal(page.status, 400);
      assert.equal(
        alertText(page.html),
        `There is a problem That code is not right. You have ${left} attempt${left === 1 ? '' : 's'} left.`,
      );
      assert.match(page.html, /aria-invalid="true"/);
      assert.equal(hiddenFields(page.html, '/demo/login/verify').identifier, identifier, 'the form keeps its verification');
    }
    page = await browser.submit(page, '/demo/login/verify', { code: wrongCode(code), action: 'verify' });
    assert.equal(alertText(page.html), 'There is a problem Too many wrong codes. Ask for a new code.');
    page = await browser.submit(page, '/demo/login/verify', { code, action: 'verify' });
    assert.equal(
      alertText(page.html),
      'There is a problem Too many wrong codes. Ask for a new code.',
      'even the right code is refused once locked',
    );

    page = await browser.submit(page, '/demo/login/verify', { action: 'resend' });
    assert.equal(alertText(page.html), 'We sent a new code to +1 415 555 0205.');
    assert.notEqual(
      hiddenFields(page.html, '/demo/login/verify').identifier,
      identifier,
      'a locked verification is replaced, not reopened',
    );
    page = await browser.submit(page, '/demo/login/verify', { code: t.lastCode('+14155550205'), action: 'verify' });
    assert.equal(new URL(page.url).pathname, '/demo/account');
  });

  test('resend: too soon says when; later it sends a new code under the same form; expired codes say so', async () => {
    const clock = createManualClock(new Date());
    t = await startTestServer({}, { clock });
    await seedUser(t, '+14155550206');
    const browser = createBrowser(t.url);
    let page = await browser.submit(await browser.go(`${t.url}/demo/login`), '/demo/login', { country: 'US', phone: '4155550206' });
    const identifier = hiddenFields(page.html, '/demo/login/verify').identifier;
    clock.advance(12_000);
    page = await browser.submit(page, '/demo/login/verify', { action: 'resend' });
    assert.equal(page.status, 429);
    assert.equal(alertText(page.html), 'There is a problem You can ask for a new code in 18 seconds.');
    clock.advance(18_000);
    const first = t.lastCode('+14155550206');
    page = await browser.submit(page, '/demo/login/verify', { action: 'resend' });
    assert.equal(page.status, 200);
    assert.equal(alertText(page.html), 'We sent a new code to +1 415 555 0206.');
    assert.equal(hiddenFields(page.html, '/demo/login/verify').identifier, identifier, 'a resend keeps the verification');
    assert.equal(t.messages.filter((m) => m.phone === '+14155550206').length, 2);
    void first;

    clock.advance(601_000);
    page = await browser.submit(page, '/demo/login/verify', { code: t.lastCode('+14155550206'), action: 'verify' });
    assert.equal(alertText(page.html), 'There is a problem That code has expired. Ask for a new one.');
  });

  test('delivery failures and blocked countries are explained on the form, which keeps what was typed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otpgate-handler-'));
    const handler = join(dir, 'failing.mjs');
    writeFileSync(handler, "export default { async sendOneTimePassword() { return 'PROVIDER_ERROR'; } };\n");
    t = await startTestServer({
      sites: [
        { id: 'demo', name: 'Demo', handlers: ['console'], policy: { deniedCountries: ['GB'] } },
        { id: 'flaky', name: 'Flaky', handlers: [{ type: 'module', path: handler }] },
      ],
    });
    after(() => rmSync(dir, { recursive: true, force: true }));
    const browser = createBrowser(t.url);
    const register = await browser.go(`${t.url}/flaky/register`);
    const failed = await browser.submit(register, '/flaky/register', { first_name: 'Ada', country: 'US', phone: '4155550207' });
    assert.equal(failed.status, 502);
    assert.equal(alertText(failed.html), "There is a problem We couldn't send the text message. Please try again in a moment.");
    assert.match(failed.html, /value="Ada"/, 'the form keeps the name');

    const login = await browser.go(`${t.url}/demo/login`);
    const blocked = await browser.submit(login, '/demo/login', { country: 'GB', phone: '07400 123456' });
    assert.equal(blocked.status, 400);
    assert.equal(alertText(blocked.html), "There is a problem We can't send text messages to numbers in that country.");
    const invalid = await browser.submit(login, '/demo/login', { country: 'US', phone: '12' });
    assert.equal(alertText(invalid.html), 'There is a problem Enter a valid mobile number.');
    assert.match(invalid.html, /value="12"/);
  });

  test('registration: new user signed in; a taken number answers as a new one, owner told; bad email refused; input escaped', async () => {
    t = await startTestServer();
    await seedUser(t, '+14155550208');
    const browser = createBrowser(t.url);
    const form = await browser.go(`${t.url}/demo/register`);
    const taken = await browser.submit(form, '/demo/register', { country: 'US', phone: '4155550208' });
    assert.equal(taken.status, 200, 'the page does not tell the visitor the number has an account');
    assert.match(taken.html, /action="\/demo\/register\/verify"/);
    const notice = t.messages.filter((m) => m.phone === '+14155550208').at(-1);
    assert.equal(notice?.code, '', 'no code, a notice');
    assert.match(notice?.text ?? '', /You already have one: sign in/);
    const badEmail = await browser.submit(form, '/demo/register', { email: 'not-an-email', country: 'US', phone: '4155550209' });
    assert.equal(alertText(badEmail.html), 'There is a problem Enter a valid email address, or leave it empty.');

    const script = '<script>alert("x")</script>';
    const verify = await browser.submit(form, '/demo/register', {
      first_name: script,
      last_name: '"><img src=x>',
      country: 'US',
      phone: '4155550209',
    });
    assert.equal(verify.status, 200);
    assert.ok(!verify.html.includes(script), 'hidden fields are escaped');
    const account = await browser.submit(verify, '/demo/register/verify', { code: t.lastCode('+14155550209'), action: 'verify' });
    assert.equal(new URL(account.url).pathname, '/demo/account');
    assert.ok(!account.html.includes('<script>alert') && !account.html.includes('<img src=x>'));
    assert.match(account.html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &quot;&gt;&lt;img src=x&gt;/);
    const user = await t.store.forSite('demo').users.byPhone('+14155550209' as never);
    assert.equal(user?.firstName, script, 'stored as typed; escaping is the page’s job');
  });

  test('the return address must be a path on the same site', async () => {
    t = await startTestServer();
    for (const [i, returnTo] of [
      'https://evil.test/',
      '//evil.test/demo/x',
      '/other/services/oauth2/authorize',
      '/demo/\\evil',
    ].entries()) {
      const phone = `+1415555021${i}`;
      await seedUser(t, phone);
      const browser = createBrowser(t.url);
      const login = await browser.go(`${t.url}/demo/login?return_to=${encodeURIComponent(returnTo)}`);
      assert.equal(hiddenFields(login.html, '/demo/login').return_to, undefined, returnTo);
      const verify = await browser.submit(login, '/demo/login', { country: 'US', phone, return_to: returnTo });
      const done = await browser.submit(verify, '/demo/login/verify', { code: t.lastCode(phone), action: 'verify', return_to: returnTo });
      assert.equal(new URL(done.url).pathname, '/demo/account', returnTo);
    }
  });

  test('an unknown site gets a page, not a stack trace; / of a site leads to sign-in', async () => {
    t = await startTestServer();
    const browser = createBrowser(t.url);
    const missing = await browser.go(`${t.url}/nosuchsite/login`);
    assert.equal(missing.status, 404);
    assert.match(missing.html, /There&#39;s nothing here\./);
    const home = await browser.go(`${t.url}/demo`);
    assert.equal(new URL(home.url).pathname, '/demo/login');
  });

  test("language: an explicit choice, then the user's, then the site's, then Accept-Language", async () => {
    t = await startTestServer({
      sites: [
        { id: 'demo', name: 'Demo', handlers: ['console'], locale: 'fr' },
        { id: 'intl', name: 'Intl', handlers: ['console'], locale: 'it' },
      ],
    });
    const browser = createBrowser(t.url);
    const french = await browser.go(`${t.url}/demo/login`, { headers: { 'accept-language': 'de' } });
    assert.match(french.html, /<html lang="fr">/, "the site's locale comes before the browser's");
    assert.match(french.html, /Connexion à Demo/);
    const spanish = await browser.go(`${t.url}/demo/login?lang=es`);
    assert.match(spanish.html, /<html lang="es">/);
    assert.match(spanish.html, /<a href="\/demo\/login\?lang=de" hreflang="de" lang="de">Deutsch<\/a>/);
    const stays = await browser.go(`${t.url}/demo/register`);
    assert.match(stays.html, /<html lang="es">/, 'the choice is remembered');

    await seedUser(t, '+14155550220', { locale: 'de' });
    const german = createBrowser(t.url);
    const account = await signIn(german, t, '+14155550220');
    assert.match(account.html, /<html lang="de">/, "a signed-in user's own locale beats the site's");

    const italian = await createBrowser(t.url).go(`${t.url}/intl/login`, { headers: { 'accept-language': 'it-IT, de;q=0.9, en;q=0.5' } });
    assert.match(italian.html, /<html lang="de">/, 'a site locale without pages falls through to Accept-Language');
  });
});
