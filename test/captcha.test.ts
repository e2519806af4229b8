/**
 * Captcha, per site and per init endpoint, against loopback fakes of each provider's verify API: a good token
 * sends a code; no token, a refused token, a low score or another action send nothing; the provider saw the
 * configured secret and the client's address. Real HTTP on loopback, no mock of otpgate's own code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CaptchaProvider } from '../src/domain/captcha.js';
import type { ConfigInput } from '../src/config/schema.js';
import { alertText, createBrowser, hiddenFields } from './support/browser-fetch.js';
import { startFakeCaptcha, type FakeCaptcha } from './support/fake-captcha.js';
import { seedUser } from './support/hosted-flows.js';
import { postJson, startTestServer, type TestServer } from './support/test-server.js';

type CaptchaInput = NonNullable<NonNullable<ConfigInput['sites']>[number]['captcha']>;

let fake: FakeCaptcha;
before(async () => {
  fake = await startFakeCaptcha();
});
after(() => fake.close());

/** A server whose demo site has a captcha of `provider` at the fake, behind one trusted proxy hop. */
function serverWith(provider: CaptchaProvider, captcha: Partial<CaptchaInput> = {}): Promise<TestServer> {
  return startTestServer({
    server: { logLevel: 'silent', port: 0, baseUrl: 'http://otpgate.test', trustProxy: 1 },
    sites: [
      {
        id: 'demo',
        name: 'Demo',
        handlers: ['console'],
        captcha: {
          provider,
          secret: fake.secret,
          siteKey: fake.siteKey,
          verifyUrl: fake.verifyUrl(provider),
          ...(provider === 'recaptcha_enterprise' ? { projectId: fake.projectId } : {}),
          ...captcha,
        },
      },
    ],
  });
}

let phones = 0;
/** A fresh mobile number per request, so no send limit of one number gets in the way. */
const nextPhone = () => `+1415555${String(1000 + ++phones).slice(-4)}`;

/** The fields a Salesforce client sends its token in: `recaptchaevent` for Enterprise, `recaptcha` for the rest. */
function tokenFields(provider: CaptchaProvider, token: string | null, expectedAction = 'login'): Record<string, unknown> {
  if (token === null) return {};
  if (provider === 'recaptcha_enterprise')
    return { recaptchaevent: { token, siteKey: fake.siteKey, expectedAction, projectId: fake.projectId } };
  return { recaptcha: token };
}

const CLIENT_IP = '203.0.113.9';

for (const provider of ['recaptcha', 'recaptcha_enterprise', 'hcaptcha', 'turnstile'] as const) {
  describe(`captcha: ${provider}`, () => {
    let t: TestServer;
    before(async () => {
      t = await serverWith(provider);
    });
    after(() => t.close());

    const register = (phone: string, token: string | null) =>
      postJson(
        `${t.url}/demo/services/auth/headless/init/registration`,
        { userdata: { mobilePhone: phone }, verificationmethod: 'sms', ...tokenFields(provider, token) },
        { 'x-forwarded-for': CLIENT_IP },
      );

    test('a good token sends the code; the provider saw the secret, the token and the client address', async () => {
      const phone = nextPhone();
      const token = fake.issue(`good-${provider}`, { score: 0.9 });
      const answer = await register(phone, token);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(t.messages.filter((m) => m.phone === phone).length, 1);
      const call = fake.calls.findLast((c) => c.token === token);
      assert.ok(call, 'the provider was asked');
      assert.equal(call.provider, provider);
      assert.equal(call.secret, fake.secret);
      assert.equal(call.remoteIp, CLIENT_IP, 'the address from the trusted hop, not the proxy');
      if (provider === 'hcaptcha' || provider === 'recaptcha_enterprise') assert.equal(call.siteKey, fake.siteKey);
    });

    test('no token: 400 captcha_required, nothing sent, the provider not asked', async () => {
      const phone = nextPhone();
      const asked = fake.calls.length;
      const answer = await register(phone, null);
      assert.equal(answer.status, 400);
      assert.equal(answer.body.error, 'captcha_required');
      assert.equal(t.messages.filter((m) => m.phone === phone).length, 0);
      assert.equal(fake.calls.length, asked);
    });

    test('a token the provider refuses, and a replayed good one: 400 captcha_invalid, nothing sent', async () => {
      const phone = nextPhone();
      const refused = await register(phone, `forged-${provider}`);
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error, 'captcha_invalid');
      const failed = await t.store.forSite('demo').audit.list({ type: 'captcha_failed', limit: 10 });
      assert.ok(
        failed.some((e) => e.ip === CLIENT_IP && e.detail.provider === provider),
        'the refusal is in the audit log',
      );
      const token = fake.issue(`once-${provider}`, { score: 0.9 });
      assert.equal((await register(nextPhone(), token)).status, 200);
      const replayed = await register(phone, token);
      assert.equal(replayed.status, 400);
      assert.equal(replayed.body.error, 'captcha_invalid');
      assert.equal(t.messages.filter((m) => m.phone === phone).length, 0);
    });

    test('the provider down (503) or unreachable: 503 service_unavailable, nothing sent (fails closed)', async () => {
      const phone = nextPhone();
      fake.failNext(503);
      const answer = await register(phone, fake.issue(`outage-${provider}`, { score: 0.9 }));
      assert.equal(answer.status, 503);
      assert.equal(answer.body.error, 'service_unavailable');
      assert.equal(t.messages.filter((m) => m.phone === phone).length, 0);
    });

    test('passwordless login needs the captcha too', async () => {
      const phone = nextPhone();
      await seedUser(t, phone);
      const login = (token: string | null) =>
        postJson(`${t.url}/demo/services/auth/headless/init/passwordless/login`, {
          username: phone,
          verificationmethod: 'sms',
          ...tokenFields(provider, token),
        });
      const missing = await login(null);
      assert.equal(missing.status, 400);
      assert.equal(missing.body.error, 'captcha_required');
      assert.equal(t.messages.filter((m) => m.phone === phone).length, 0);
      const token = fake.issue(`login-${provider}`, { score: 0.9 });
      assert.equal((await login(token)).status, 200);
      assert.equal(t.messages.filter((m) => m.phone === phone).length, 1);
      assert.equal(fake.calls.findLast((c) => c.token === token)?.remoteIp, '127.0.0.1', 'no forwarded header: the peer address');
    });
  });
}

describe('captcha: score and action', () => {
  const scored = ['recaptcha', 'recaptcha_enterprise'] as const;
  for (const provider of scored) {
    test(`${provider}: a score below minScore is captcha_invalid; at minScore it passes`, async (c) => {
      const t = await serverWith(provider, { minScore: 0.7 });
      c.after(() => t.close());
      const register = (phone: string, token: string) =>
        postJson(`${t.url}/demo/services/auth/headless/init/registration`, {
          userdata: { mobilePhone: phone },
          verificationmethod: 'sms',
          ...tokenFields(provider, token),
        });
      const low = nextPhone();
      const answer = await register(low, fake.issue(`low-${provider}`, { score: 0.3 }));
      assert.equal(answer.status, 400);
      assert.equal(answer.body.error, 'captcha_invalid');
      assert.equal(t.messages.filter((m) => m.phone === low).length, 0);
      assert.equal((await register(nextPhone(), fake.issue(`enough-${provider}`, { score: 0.7 }))).status, 200);
    });
  }

  for (const provider of ['recaptcha', 'recaptcha_enterprise', 'turnstile'] as const) {
    test(`${provider}: a token made for another action is captcha_invalid; the configured action passes`, async (c) => {
      const t = await serverWith(provider, { action: 'signup' });
      c.after(() => t.close());
      const register = (phone: string, token: string) =>
        postJson(`${t.url}/demo/services/auth/headless/init/registration`, {
          userdata: { mobilePhone: phone },
          verificationmethod: 'sms',
          ...tokenFields(provider, token, 'signup'),
        });
      const phone = nextPhone();
      const other = await register(phone, fake.issue(`newsletter-${provider}`, { score: 0.9, action: 'newsletter' }));
      assert.equal(other.status, 400);
      assert.equal(other.body.error, 'captcha_invalid');
      assert.equal(t.messages.filter((m) => m.phone === phone).length, 0);
      const token = fake.issue(`signup-${provider}`, { score: 0.9, action: 'signup' });
      assert.equal((await register(nextPhone(), token)).status, 200);
      if (provider === 'recaptcha_enterprise')
        assert.equal(
          fake.calls.findLast((call) => call.token === token)?.expectedAction,
          'signup',
          'the configured action is the expected one',
        );
    });
  }

  test('endpoints: a captcha on registration only leaves passwordless login as it was', async (c) => {
    const t = await serverWith('turnstile', { endpoints: ['self_registration'] });
    c.after(() => t.close());
    const phone = nextPhone();
    await seedUser(t, phone);
    const login = await postJson(`${t.url}/demo/services/auth/headless/init/passwordless/login`, {
      username: phone,
      verificationmethod: 'sms',
    });
    assert.equal(login.status, 200);
    assert.equal(t.messages.filter((m) => m.phone === phone).length, 1);
    const registration = await postJson(`${t.url}/demo/services/auth/headless/init/registration`, {
      userdata: { mobilePhone: nextPhone() },
      verificationmethod: 'sms',
    });
    assert.equal(registration.body.error, 'captcha_required');
  });
});

describe('captcha only when a limit is near (whenNearLimitPercent)', () => {
  test('an address asks for its first codes without a captcha; past half its limit it needs one; others are untouched', async (c) => {
    const t = await serverWith('turnstile', { whenNearLimitPercent: 50 });
    c.after(() => t.close());
    const register = (from: string, token: string | null) =>
      postJson(
        `${t.url}/demo/services/auth/headless/init/registration`,
        { userdata: { mobilePhone: nextPhone() }, verificationmethod: 'sms', ...tokenFields('turnstile', token) },
        { 'x-forwarded-for': from },
      );
    const asked = fake.calls.length;
    // 10 per 10 minutes per address by default: half of it is 5 sends.
    for (let i = 0; i < 5; i++) assert.equal((await register('198.51.100.20', null)).status, 200, `send ${i + 1} needs no captcha`);
    assert.equal(fake.calls.length, asked, 'the provider was not asked');
    const sixth = await register('198.51.100.20', null);
    assert.equal(sixth.status, 400);
    assert.equal(sixth.body.error, 'captcha_required');
    assert.equal((await register('198.51.100.20', fake.issue('near-limit', { score: 0.9 }))).status, 200, 'with a good token it goes on');
    assert.equal((await register('198.51.100.20', 'forged-near-limit')).body.error, 'captcha_invalid');
    assert.equal((await register('203.0.113.77', null)).status, 200, 'another address and network: no captcha yet');
    assert.equal(t.messages.length, 7);
  });
});

describe('captcha: a provider that cannot answer fails closed', () => {
  const register = (t: TestServer, provider: CaptchaProvider, phone: string) =>
    postJson(`${t.url}/demo/services/auth/headless/init/registration`, {
      userdata: { mobilePhone: phone },
      verificationmethod: 'sms',
      ...tokenFields(provider, fake.issue(`${phone}-${provider}`, { score: 0.9 })),
    });

  test('unreachable (connection refused): 503 service_unavailable, nothing sent', async (c) => {
    const t = await serverWith('turnstile', { verifyUrl: 'http://127.0.0.1:1/turnstile/v0/siteverify' });
    c.after(() => t.close());
    const phone = nextPhone();
    const answer = await register(t, 'turnstile', phone);
    assert.equal(answer.status, 503);
    assert.equal(answer.body.error, 'service_unavailable');
    assert.equal(t.messages.filter((m) => m.phone === phone).length, 0);
  });

  test('reCAPTCHA Enterprise refusing the API key (400): 503, not a pass and not the user’s fault', async (c) => {
    const t = await serverWith('recaptcha_enterprise', { secret: 'not-the-api-key' });
    c.after(() => t.close());
    const phone = nextPhone();
    const answer = await register(t, 'recaptcha_enterprise', phone);
    assert.equal(answer.status, 503);
    assert.equal(fake.calls.at(-1)?.secret, 'not-the-api-key', 'the configured key went as ?key=');
    assert.equal(t.messages.filter((m) => m.phone === phone).length, 0);
  });
});

describe('captcha: the secret', () => {
  test('stays in the config: the stored site keeps its captcha without the secret', async (c) => {
    const t = await serverWith('recaptcha');
    c.after(() => t.close());
    const stored = await t.store.sites.byId('demo');
    const settings = JSON.stringify(stored?.settings);
    assert.match(settings, /"provider":"recaptcha"/);
    assert.match(settings, new RegExp(`"siteKey":"${fake.siteKey}"`));
    assert.doesNotMatch(settings, new RegExp(fake.secret));
  });
});

describe('captcha: production', () => {
  test('production refuses a verify URL that is not https (the secret would cross in clear), naming the site', async () => {
    await assert.rejects(
      startTestServer({
        mode: 'production',
        server: { logLevel: 'silent', port: 0, baseUrl: 'https://otpgate.test' },
        delivery: { allowConsoleInProduction: true },
        sites: [
          {
            id: 'demo',
            name: 'Demo',
            handlers: ['console'],
            captcha: { provider: 'turnstile', secret: fake.secret, siteKey: fake.siteKey, verifyUrl: fake.verifyUrl('turnstile') },
          },
        ],
      }),
      /sites\.0\.captcha\.verifyUrl \(demo\): not https/,
    );
  });
});

describe('captcha: hosted pages', () => {
  test('the login page shows the Turnstile widget, its CSP allows Cloudflare and no one else, and the form field is read', async (c) => {
    const t = await serverWith('turnstile');
    c.after(() => t.close());
    const phone = nextPhone();
    await seedUser(t, phone);
    const browser = createBrowser(t.url);
    const page = await browser.go(`${t.url}/demo/login`);
    assert.equal(page.status, 200);
    assert.match(page.html, /<script src="https:\/\/challenges\.cloudflare\.com\/turnstile\/v0\/api\.js" async defer><\/script>/);
    assert.match(page.html, new RegExp(`<div class="cf-turnstile captcha" data-sitekey="${fake.siteKey}"></div>`));
    const csp = page.headers.get('content-security-policy')!;
    assert.match(csp, /script-src https:\/\/challenges\.cloudflare\.com;/);
    assert.match(csp, /frame-src https:\/\/challenges\.cloudflare\.com;/);
    assert.doesNotMatch(csp, /google|hcaptcha|'unsafe-eval'|script-src[^;]*'unsafe-inline'/);

    const refused = await browser.submit(page, '/demo/login', { country: 'US', phone });
    assert.equal(refused.status, 400);
    assert.match(alertText(refused.html)!, /complete the check/);
    assert.match(refused.html, /class="cf-turnstile captcha"/, 'the page comes back with the widget');
    assert.equal(t.messages.filter((m) => m.phone === phone).length, 0);

    const token = fake.issue('hosted-turnstile');
    const verify = await browser.submit(refused, '/demo/login', { country: 'US', phone, 'cf-turnstile-response': token });
    assert.equal(verify.status, 200, alertText(verify.html) ?? '');
    assert.ok(hiddenFields(verify.html, '/demo/login/verify').identifier);
    assert.equal(t.messages.filter((m) => m.phone === phone).length, 1);
    assert.equal(fake.calls.findLast((call) => call.token === token)?.remoteIp, '127.0.0.1');
    // A resend is a new init: without the captcha it sends nothing, so it is no way around it.
    const resend = await browser.submit(verify, '/demo/login/verify', { action: 'resend' });
    assert.equal(resend.status, 400);
    assert.match(resend.html, /class="cf-turnstile captcha"/);
    assert.equal(t.messages.filter((m) => m.phone === phone).length, 1);
  });

  test('the register page shows the hCaptcha widget and reads h-captcha-response; an unguarded page has no script', async (c) => {
    const t = await serverWith('hcaptcha', { endpoints: ['self_registration'] });
    c.after(() => t.close());
    const browser = createBrowser(t.url);
    const page = await browser.go(`${t.url}/demo/register`);
    assert.match(page.html, /<script src="https:\/\/js\.hcaptcha\.com\/1\/api\.js" async defer><\/script>/);
    assert.match(page.html, /<div class="h-captcha captcha" data-sitekey="fake-site-key"><\/div>/);
    assert.match(page.headers.get('content-security-policy')!, /script-src https:\/\/hcaptcha\.com https:\/\/\*\.hcaptcha\.com;/);
    const phone = nextPhone();
    const invalid = await browser.submit(page, '/demo/register', {
      first_name: 'Ada',
      country: 'US',
      phone,
      'h-captcha-response': 'forged',
    });
    assert.equal(invalid.status, 400);
    assert.match(alertText(invalid.html)!, /didn't pass/);
    const token = fake.issue('hosted-hcaptcha');
    const verify = await browser.submit(invalid, '/demo/register', {
      first_name: 'Ada',
      country: 'US',
      phone,
      'h-captcha-response': token,
    });
    assert.equal(verify.status, 200, alertText(verify.html) ?? '');
    assert.equal(t.messages.filter((m) => m.phone === phone).length, 1);

    // Login is not guarded on this site: its page has no widget and the CSP allows no script at all.
    const login = await browser.go(`${t.url}/demo/login`);
    assert.doesNotMatch(login.html, /<script/);
    assert.doesNotMatch(login.headers.get('content-security-policy')!, /script-src/);
  });
});
