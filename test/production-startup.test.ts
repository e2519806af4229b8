/** Production mode and transport: an http baseUrl stops `otpgate serve` before it listens; cookies are Secure. */
import assert from 'node:assert/strict';
import { after, afterEach, describe, test } from 'node:test';
import { cliFixture, removeCliFixtures, runCli } from './cli-harness.js';
import { createBrowser, hiddenFields } from './support/browser-fetch.js';
import { seedUser } from './support/hosted-flows.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const STRONG = { OTPGATE_HMAC_SECRETS: `k1:${'s'.repeat(40)}`, OTPGATE_KEY_ENCRYPTION_KEYS: `kek:${'e'.repeat(40)}`, OTPGATE_PORT: '0' };

describe('production transport', () => {
  after(removeCliFixtures);

  test('otpgate serve in production with an http baseUrl fails at startup, naming server.baseUrl', async () => {
    const fixture = cliFixture({ delivery: { allowConsoleInProduction: true } }); // baseUrl http://otpgate.test
    const result = await runCli(['-c', fixture.configPath, 'serve'], { OTPGATE_MODE: 'production', ...STRONG });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^error: config_invalid\n/);
    assert.match(result.stderr, /server\.baseUrl: production needs an https:\/\/ server\.baseUrl/);
  });
});

describe('production cookies', () => {
  let t: TestServer;
  afterEach(() => t.close());

  test('production refuses a site whose guess budget gives better than 1 in 10,000 odds (4-digit codes)', async () => {
    const production = {
      mode: 'production' as const,
      server: { logLevel: 'silent' as const, baseUrl: 'https://otpgate.test' },
      delivery: { allowConsoleInProduction: true },
    };
    await assert.rejects(
      startTestServer({ ...production, sites: [{ id: 'demo', name: 'Demo', handlers: ['console'], policy: { codeLength: 4 } }] }),
      /sites\.0 \(demo\), passwordless_login: 30 wrong codes a day against 4-digit codes/,
    );
    t = await startTestServer({ ...production, sites: [{ id: 'demo', name: 'Demo', handlers: ['console'] }] });
  });

  test('in production the session and CSRF cookies are Secure', async () => {
    t = await startTestServer({
      mode: 'production',
      server: { logLevel: 'silent', baseUrl: 'https://otpgate.test' },
      delivery: { allowConsoleInProduction: true },
      // No confidential client: the fixture's short test secrets are what production refuses.
      sites: [{ id: 'demo', name: 'Demo', handlers: ['console'] }],
    });
    await seedUser(t, '+14155550611');
    const browser = createBrowser(t.url, 'https://otpgate.test');
    const login = await browser.go(`${t.url}/demo/login`);
    const verify = await browser.submit(login, '/demo/login', { country: 'US', phone: '4155550611' });
    const signedIn = await browser.send(`${t.url}/demo/login/verify`, {
      form: { ...hiddenFields(verify.html, '/demo/login/verify'), code: t.lastCode('+14155550611'), action: 'verify' },
    });
    const cookies = [...login.headers.getSetCookie(), ...signedIn.headers.getSetCookie()];
    assert.ok(
      cookies.some((c) => c.startsWith('otpgate_csrf=')),
      cookies.join('\n'),
    );
    assert.ok(
      cookies.some((c) => c.startsWith('otpgate_session=')),
      cookies.join('\n'),
    );
    for (const line of cookies) assert.match(line, /;\s*Secure/i, line);
  });
});
