/**
 * The admin console's defences over plain HTTP (the browser test shows the pages): no console without admin.token,
 * a sign-in form refused without its CSRF token, the session cookie's attributes, a forged or expired cookie
 * refused, and every site page and action behind the sign-in.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from './support/test-server.js';

const TOKEN = 'admin-token-0123456789abcdef-0123456789';

/** A client that keeps cookies, as a browser would (one Cookie header from every Set-Cookie). */
function browserLike(base: string) {
  const jar = new Map<string, string>();
  const remember = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = pair!.split('=');
      jar.set(name!, value.join('='));
    }
    return response;
  };
  const cookie = () => [...jar.entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  return {
    jar,
    get: async (path: string) => remember(await fetch(base + path, { headers: { cookie: cookie() }, redirect: 'manual' })),
    post: async (path: string, form: Record<string, string>) =>
      remember(
        await fetch(base + path, {
          method: 'POST',
          headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(form).toString(),
          redirect: 'manual',
        }),
      ),
  };
}
const csrfIn = async (response: Response) =>
  /name="_csrf" value="([^"]+)"/.exec(await response.text())?.[1] ?? assert.fail('no CSRF token on the page');

describe('admin console over HTTP', () => {
  test('without admin.token there is no console', async () => {
    const t = await startTestServer();
    try {
      assert.equal((await fetch(`${t.url}/admin`)).status, 404);
      assert.equal((await fetch(`${t.url}/admin/sites/demo`)).status, 404);
    } finally {
      await t.close();
    }
  });

  describe('with a token', () => {
    let t: TestServer;
    before(async () => (t = await startTestServer({ admin: { token: TOKEN, sessionMinutes: 5 } })));
    after(() => t.close());

    test('the sign-in needs its CSRF token; the cookie is HttpOnly, SameSite=Strict, on /admin, for the session length', async () => {
      const b = browserLike(t.url);
      const csrf = await csrfIn(await b.get('/admin'));
      assert.equal((await b.post('/admin/login', { token: TOKEN })).status, 403, 'no CSRF token');
      assert.equal((await b.post('/admin/login', { token: TOKEN, _csrf: 'forged' })).status, 403, 'a forged one');
      assert.equal((await b.post('/admin/login', { token: 'wrong', _csrf: csrf })).status, 401);
      const signedIn = await b.post('/admin/login', { token: TOKEN, _csrf: csrf });
      assert.equal(signedIn.status, 303);
      const cookie = signedIn.headers.getSetCookie().find((c) => c.startsWith('otpgate_admin='));
      assert.ok(cookie);
      assert.match(cookie, /; Path=\/admin/);
      assert.match(cookie, /; HttpOnly/);
      assert.match(cookie, /; SameSite=Strict/);
      const expires = Date.parse(/Expires=([^;]+)/.exec(cookie)![1]!);
      assert.ok(Math.abs(expires - Date.now() - 5 * 60_000) < 60_000, 'it lasts admin.sessionMinutes');
      const overview = await b.get('/admin');
      assert.match(await overview.text(), /<h1>Overview<\/h1>/);
      // Never framed (clickjacking from a sibling subdomain, which SameSite=Strict counts as the same site).
      assert.match(overview.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
      assert.match(overview.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      assert.equal(overview.headers.get('x-frame-options'), 'DENY');
      assert.equal(overview.headers.get('x-content-type-options'), 'nosniff');
      assert.equal((await b.get('/admin/sites/demo')).status, 200);
      assert.equal((await b.get('/admin/sites/no-such-site')).status, 404, 'signed in, an unknown site is not found');
    });

    test('site pages and actions are behind the sign-in; a forged or expired session cookie is refused', async () => {
      const b = browserLike(t.url);
      const csrf = await csrfIn(await b.get('/admin'));
      const page = await b.get('/admin/sites/demo');
      assert.equal(page.status, 303);
      assert.equal(page.headers.get('location'), '/admin');
      const unknown = await b.get('/admin/sites/no-such-site');
      assert.equal(unknown.status, 303, 'an unknown site is not told apart before the sign-in');
      assert.equal((await b.post('/admin/sites/demo/test-message', { phone: '+14155550101', _csrf: csrf })).status, 303);
      assert.equal(t.messages.length, 0, 'nothing was sent');

      const expired = `${Date.now() - 1000}.bm9uY2U.${'A'.repeat(43)}`;
      for (const value of ['1.2.3', expired, `${Date.now() + 60_000}.bm9uY2U.${'A'.repeat(43)}`]) {
        b.jar.set('otpgate_admin', value);
        assert.equal((await b.get('/admin/sites/demo')).status, 303, value);
      }
    });
  });
});
