import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import { ConfigError, loadConfig } from './load.js';
import { configSchema, policySchema, type ConfigInput } from './schema.js';
import { configuredClients, resolvePolicy, siteFromStored, siteSettingsOf, StoredSiteError, toSite, weakGuessOdds } from './sites.js';

/** The policy schema's own defaults (what a config without defaults.policy gets). */
const defaultPolicy = () => policySchema.parse({});

const SECRET = 'a-test-secret-16+';
const MINIMAL = `secrets:\n  hmac:\n    - id: k1\n      secret: ${SECRET}\n`;

/** Writes `text` to conf/<name> inside a fresh temp dir (a subdir, so "relative to the config file" differs from the dir). */
function writeConfig(t: TestContext, text: string, name = 'otpgate.yaml'): { path: string; confDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'otpgate-config-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const confDir = join(root, 'conf');
  mkdirSync(confDir);
  const path = join(confDir, name);
  writeFileSync(path, text);
  return { path, confDir };
}

/** Runs `load` and returns the ConfigError's problems; fails when it does not throw a ConfigError. */
function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.ok(error.message.startsWith('invalid configuration:'));
    for (const problem of error.problems) assert.ok(error.message.includes(problem));
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

function assertProblem(problems: string[], path: string, why: RegExp): void {
  const found = problems.find((p) => p.startsWith(`${path}: `));
  assert.ok(found, `no problem at ${path} in ${JSON.stringify(problems)}`);
  assert.match(found, why);
}

const parse = (input: Omit<ConfigInput, 'secrets'> & { secrets?: ConfigInput['secrets'] }) =>
  configSchema.safeParse({ secrets: { hmac: [{ id: 'k1', secret: SECRET }] }, ...input });

test('defaults fill everything a minimal file leaves out', (t) => {
  const { config } = loadConfig({ path: writeConfig(t, MINIMAL).path, env: {} });
  assert.equal(config.mode, 'development');
  assert.deepEqual(config.server, {
    host: '127.0.0.1',
    port: 8080,
    baseUrl: null,
    bodyLimitBytes: 16_384,
    trustProxy: false,
    requestTimeoutMs: 30_000,
    headersTimeoutMs: 10_000,
    connectionTimeoutMs: 60_000,
    shutdownDelayMs: 0,
    logLevel: 'info',
  });
  assert.deepEqual(config.database, { url: 'sqlite:./otpgate.db', poolSize: 10 });
  assert.deepEqual(config.secrets.hmac, [{ id: 'k1', secret: SECRET }]);
  assert.deepEqual(config.delivery, {
    deadlineMs: 10_000,
    retries: 2,
    backoffMs: 250,
    defaultHandler: { type: 'console' },
    allowConsoleInProduction: false,
  });
  assert.deepEqual(config.namedCredentials, {});
  assert.deepEqual(config.defaults.policy, {
    codeLength: 6,
    ttlSeconds: 600,
    maxAttempts: 5,
    resendIntervalSeconds: 30,
    maxResendIntervalSeconds: 600,
    maxSendsPerPhonePerHour: 5,
    sendsPerIp: { perTenMinutes: 10, perHour: 0, perDay: 30 },
    sendsPerIpRange: { perTenMinutes: 0, perHour: 100, perDay: 0 },
    sendsPerPhone: { perTenMinutes: 0, perDay: 10 },
    sendsPerPrefix: { perTenMinutes: 0, perHour: 100, perDay: 0 },
    sendsPerSite: { perTenMinutes: 0, perHour: 1000, perDay: 10_000 },
    allowedCountries: [],
    deniedCountries: [],
  });
  assert.deepEqual(config.sites, []);
  assert.deepEqual(defaultPolicy(), config.defaults.policy);
});

test('a site gets its defaults', () => {
  const parsed = parse({ sites: [{ id: 'shop', name: 'Shop' }] });
  assert.ok(parsed.success);
  const [site] = parsed.data.sites;
  assert.deepEqual(site, {
    id: 'shop',
    name: 'Shop',
    enabled: true,
    experienceId: null,
    locale: 'en',
    defaultCountry: null,
    passwordlessLoginEnabled: true,
    registrationEnabled: true,
    registrationExistingAccount: 'notice',
    policy: {},
    useCasePolicies: {},
    handlers: [],
    receiptFailoverSeconds: 0,
    userDiscoveryHandler: null,
    registrationHandler: null,
    clients: [],
    tokens: { accessTokenTtlSeconds: 3600, refreshTokenTtlSeconds: 2_592_000, authorizationCodeTtlSeconds: 60, refreshGraceSeconds: 10 },
    branding: {},
    session: { idleTimeoutSeconds: 1800, absoluteLifetimeSeconds: 43_200 },
    secondFactor: { account: false, phoneChange: true, maxAgeSeconds: 300 },
    guessBudget: { perHour: 10, perDay: 30, lockAfterConsecutive: 100 },
    testNumbers: { numbers: [], exemptFromLimits: false, allowInProduction: false },
    pumpingDefence: {
      mode: 'throttle',
      prefix: { minSends: 30, minVerifiedPercent: 10, windowSeconds: 3600, throttleSeconds: 3600 },
      country: { minSends: 300, minVerifiedPercent: 10, windowSeconds: 3600, throttleSeconds: 3600 },
    },
  });
});

test('a site has no captcha unless configured; a configured one gets the provider URL and both init endpoints', () => {
  const parsed = parse({
    sites: [
      { id: 'plain', name: 'Plain' },
      { id: 'shop', name: 'Shop', captcha: { provider: 'turnstile', secret: 'ts-secret', siteKey: 'ts-key' } },
    ],
  });
  assert.ok(parsed.success);
  assert.equal(toSite(parsed.data.sites[0]!, parsed.data).captcha, null);
  assert.deepEqual(toSite(parsed.data.sites[1]!, parsed.data).captcha, {
    provider: 'turnstile',
    secret: 'ts-secret',
    siteKey: 'ts-key',
    projectId: null,
    minScore: 0.5,
    action: null,
    verifyUrl: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
    endpoints: ['passwordless_login', 'self_registration'],
    whenNearLimitPercent: null,
  });
});

test('a reCAPTCHA Enterprise captcha needs its projectId; an hCaptcha one cannot check an action', () => {
  const site = (captcha: NonNullable<NonNullable<ConfigInput['sites']>[number]['captcha']>) =>
    parse({ sites: [{ id: 'shop', name: 'Shop', captcha }] });
  const enterprise = site({ provider: 'recaptcha_enterprise', secret: 'api-key', siteKey: 'k' });
  assert.equal(enterprise.success, false);
  assert.match(JSON.stringify(enterprise.error?.issues), /projectId/);
  assert.ok(site({ provider: 'recaptcha_enterprise', secret: 'api-key', siteKey: 'k', projectId: 'my-project' }).success);
  assert.equal(site({ provider: 'hcaptcha', secret: 's', siteKey: 'k', action: 'login' }).success, false);
});

test("a site's captcha secret is not in its stored settings; a stored site gets it from the config, or none", () => {
  const captcha = { provider: 'hcaptcha' as const, secret: 'hc-secret', siteKey: 'hc-key' };
  const parsed = parse({ sites: [{ id: 'shop', name: 'Shop', captcha }] });
  assert.ok(parsed.success);
  const settings = siteSettingsOf({ id: 'shop', name: 'Shop', captcha });
  assert.deepEqual(settings.captcha, { provider: 'hcaptcha', siteKey: 'hc-key' });
  const row = { id: 'shop', name: 'Shop', settings: JSON.parse(JSON.stringify(settings)) as unknown };
  assert.equal(siteFromStored(row, parsed.data.defaults, { captchaSecret: 'hc-secret' }).captcha?.secret, 'hc-secret');
  assert.equal(siteFromStored(row, parsed.data.defaults).captcha?.secret, null, 'no secret: the check fails closed');
});

test('a JSON file is read as JSON', (t) => {
  const { path } = writeConfig(
    t,
    JSON.stringify({ secrets: { hmac: [{ id: 'k1', secret: SECRET }] }, server: { port: 9000 } }),
    'otpgate.json',
  );
  assert.equal(loadConfig({ path, env: {} }).config.server.port, 9000);
});

test('OTPGATE_CONFIG names the file when no path is given; baseDir is its directory', (t) => {
  const { path, confDir } = writeConfig(t, `${MINIMAL}server:\n  port: 9100\n`);
  const loaded = loadConfig({ env: { OTPGATE_CONFIG: path } });
  assert.equal(loaded.config.server.port, 9100);
  assert.equal(loaded.baseDir, confDir);
});

test('without a file, the environment alone can configure the server', () => {
  const { config } = loadConfig({ path: null, env: { OTPGATE_HMAC_SECRETS: `k1:${SECRET}` } });
  assert.deepEqual(config.secrets.hmac, [{ id: 'k1', secret: SECRET }]);
  assert.equal(config.server.port, 8080);
});

test('${ENV} is replaced in every string, including inside arrays and mid-string', (t) => {
  const { path } = writeConfig(
    t,
    [
      `secrets:`,
      `  hmac:`,
      `    - id: k1`,
      `      secret: \${HMAC_SECRET}`,
      `database:`,
      `  url: sqlite:\${DATA_DIR}/otpgate.db`,
      `namedCredentials:`,
      `  Sms:`,
      `    url: https://sms.example`,
      `    auth: { type: bearer, token: "\${SMS_TOKEN}" }`,
    ].join('\n') + '\n',
  );
  const { config } = loadConfig({ path, env: { HMAC_SECRET: 'from-the-environment', DATA_DIR: '/var/lib/otpgate', SMS_TOKEN: 'tok' } });
  assert.equal(config.secrets.hmac[0]?.secret, 'from-the-environment');
  assert.equal(config.database.url, 'sqlite:/var/lib/otpgate/otpgate.db');
  assert.deepEqual(config.namedCredentials.Sms?.auth, { type: 'bearer', token: 'tok' });
});

test('an unset ${ENV} is an error naming the path and the variable', (t) => {
  const { path } = writeConfig(t, `${MINIMAL}database:\n  url: sqlite:\${DATA_DIR}/x.db\nsites:\n  - id: a\n    name: \${SITE_NAME}\n`);
  const problems = problemsOf(() => loadConfig({ path, env: {} }));
  assertProblem(problems, 'database.url', /environment variable DATA_DIR is not set/);
  assertProblem(problems, 'sites.0.name', /environment variable SITE_NAME is not set/);
});

test('OTPGATE_* variables override the file', (t) => {
  const { path } = writeConfig(
    t,
    `${MINIMAL}mode: development\nserver:\n  host: 127.0.0.1\n  port: 8080\n  logLevel: info\ndatabase:\n  url: sqlite:./file.db\n`,
  );
  const { config } = loadConfig({
    path,
    env: {
      OTPGATE_MODE: 'production',
      OTPGATE_HOST: '0.0.0.0',
      OTPGATE_PORT: '9443',
      OTPGATE_BASE_URL: 'https://id.example.com',
      OTPGATE_LOG_LEVEL: 'warn',
      OTPGATE_DATABASE_URL: 'postgres://db.example/otpgate',
      OTPGATE_HMAC_SECRETS: 'new:0123456789abcdef0123456789abcdef,old:fedcba9876543210fedcba9876543210:with-colon',
      OTPGATE_KEY_ENCRYPTION_KEYS: 'kek2:abcdefghijabcdefghijabcdefghij0123,kek1:0123456789abcdefghijabcdefghijab',
    },
  });
  assert.equal(config.mode, 'production');
  assert.equal(config.server.host, '0.0.0.0');
  assert.equal(config.server.port, 9443);
  assert.equal(config.server.baseUrl, 'https://id.example.com');
  assert.equal(config.server.logLevel, 'warn');
  assert.equal(config.database.url, 'postgres://db.example/otpgate');
  assert.deepEqual(
    config.secrets.keyEncryption.map((k) => k.id),
    ['kek2', 'kek1'],
  );
  assert.deepEqual(config.secrets.hmac, [
    { id: 'new', secret: '0123456789abcdef0123456789abcdef' },
    { id: 'old', secret: 'fedcba9876543210fedcba9876543210:with-colon' },
  ]);
});

test('an empty OTPGATE_* variable leaves the file value alone', (t) => {
  const { path } = writeConfig(t, `${MINIMAL}server:\n  port: 9100\n`);
  assert.equal(loadConfig({ path, env: { OTPGATE_PORT: '' } }).config.server.port, 9100);
});

test('two secrets under one id are refused: codes would be made with one and checked with the other', (t) => {
  const { path } = writeConfig(t, MINIMAL);
  assertProblem(
    problemsOf(() => loadConfig({ path, env: { OTPGATE_HMAC_SECRETS: `k1:${SECRET},k1:${SECRET.split('').reverse().join('')}` } })),
    'secrets.hmac.1.id',
    /duplicate secret id "k1": give the new secret a new id/,
  );
  const kek = 'a-key-encryption-secret-of-32-chars!';
  assertProblem(
    problemsOf(() => loadConfig({ path, env: { OTPGATE_KEY_ENCRYPTION_KEYS: `e1:${kek},e2:${kek}x,e1:${kek}y` } })),
    'secrets.keyEncryption.2.id',
    /duplicate secret id "e1"/,
  );
  assert.equal(loadConfig({ path, env: { OTPGATE_HMAC_SECRETS: `k2:${SECRET},k1:${SECRET}` } }).config.secrets.hmac.length, 2);
});

test('bad OTPGATE_* values are errors naming the setting', (t) => {
  const { path } = writeConfig(t, MINIMAL);
  assertProblem(
    problemsOf(() => loadConfig({ path, env: { OTPGATE_HMAC_SECRETS: `k1:${SECRET},nocolon` } })),
    'OTPGATE_HMAC_SECRETS',
    /entry 2 is not id:secret/,
  );
  assertProblem(
    problemsOf(() => loadConfig({ path, env: { OTPGATE_PORT: 'http' } })),
    'server.port',
    /number/,
  );
  assertProblem(
    problemsOf(() => loadConfig({ path, env: { OTPGATE_LOG_LEVEL: 'loud' } })),
    'server.logLevel',
    /Invalid enum value/,
  );
});

test('programmatic overrides set dotted paths', (t) => {
  const { path } = writeConfig(t, MINIMAL);
  const { config } = loadConfig({ path, env: { OTPGATE_PORT: '9000' }, overrides: { 'server.port': 0, 'delivery.retries': 0 } });
  assert.equal(config.server.port, 0);
  assert.equal(config.delivery.retries, 0);
});

test('invalid values are ConfigErrors that name the path and say why', (t) => {
  const { path } = writeConfig(
    t,
    `${MINIMAL}` +
      [
        `server:`,
        `  port: 70000`,
        `  prot: 1`,
        `sites:`,
        `  - id: shop`,
        `    name: Shop`,
        `    policy:`,
        `      codeLength: 3`,
        `      allowedCountries: [us]`,
        `    useCasePolicies:`,
        `      self_registration:`,
        `        maxAttempts: 0`,
      ].join('\n') +
      '\n',
  );
  const problems = problemsOf(() => loadConfig({ path, env: {} }));
  assertProblem(problems, 'sites.0.policy.codeLength', /greater than or equal to 4/);
  assertProblem(problems, 'sites.0.policy.allowedCountries.0', /ISO 3166 alpha-2/);
  assertProblem(problems, 'sites.0.useCasePolicies.self_registration.maxAttempts', /greater than or equal to 1/);
  assertProblem(problems, 'server.port', /less than or equal to 65535/);
  assertProblem(problems, 'server', /Unrecognized key.*prot/);
});

test('missing secrets, bad site ids and unknown use cases are refused', () => {
  const noSecrets = configSchema.safeParse({});
  assert.ok(!noSecrets.success);
  assert.ok(noSecrets.error.issues.some((i) => i.path.join('.') === 'secrets'));
  const badId = parse({ sites: [{ id: 'My Site', name: 'x' }] });
  assert.ok(!badId.success);
  assert.deepEqual(
    badId.error.issues.map((i) => [i.path.join('.'), i.message]),
    [['sites.0.id', 'lowercase letters, digits and dashes']],
  );
  // The server's own paths (/docs, /metrics, /admin, ...) would hide a site of that id.
  const reserved = parse({ sites: [{ id: 'docs', name: 'Docs' }] });
  assert.ok(!reserved.success);
  assert.deepEqual(
    reserved.error.issues.map((i) => [i.path.join('.'), i.message]),
    [['sites.0.id', '"docs" is a path of the server itself; choose another site id']],
  );
  const badUseCase = parse({ sites: [{ id: 'a', name: 'A', useCasePolicies: { login: {} } as never }] });
  assert.ok(!badUseCase.success);
  assert.equal(badUseCase.error.issues[0]?.path.join('.'), 'sites.0.useCasePolicies');
});

test('a file that cannot be read or parsed is a ConfigError naming the file', (t) => {
  const { path, confDir } = writeConfig(t, 'server: [unclosed\n');
  assert.match(problemsOf(() => loadConfig({ path, env: {} }))[0] ?? '', /not valid YAML/);
  const missing = join(confDir, 'missing.yaml');
  assert.match(problemsOf(() => loadConfig({ path: missing, env: {} }))[0] ?? '', /missing\.yaml: cannot read the file \(ENOENT\)/);
  const { path: json } = writeConfig(t, '{ "secrets": ', 'otpgate.json');
  assert.match(problemsOf(() => loadConfig({ path: json, env: {} }))[0] ?? '', /not valid JSON/);
  // What is wrong is said, the file's text never: it may hold a secret.
  const { path: leaky } = writeConfig(t, '{ "secrets": { "hmac": [{ "id": "k1", "secret": SUPERSECRET-0123456789 }] } }', 'leaky.json');
  const [problem] = problemsOf(() => loadConfig({ path: leaky, env: {} }));
  assert.match(problem ?? '', /not valid JSON/);
  assert.ok(!problem!.includes('SUPERSECRET'), problem);
  // A file holding one value (a secret saved as the config) is not a configuration, and is not echoed either.
  for (const [name, text] of [
    ['value.yaml', 'kek-SECRET-9f8e7d6c5b4a39281706\n'],
    ['list.yaml', '- a\n- b\n'],
    ['value.json', '"kek-SECRET-9f8e7d6c5b4a39281706"'],
  ] as const) {
    const { path: single } = writeConfig(t, text, name);
    const problems = problemsOf(() => loadConfig({ path: single, env: {} }));
    assert.match(problems[0] ?? '', /the top level must be a mapping of settings/);
    assert.ok(!problems.join(' ').includes('SECRET'), problems.join(' '));
  }
});

const HTTPS = { baseUrl: 'https://id.example.com' };
/** Production needs a key-encryption key for the signing keys; tests about other rules give one. */
const KEK = [{ id: 'kek', secret: 'e'.repeat(32) }];

test('production mode refuses short and demo secrets', () => {
  const short = parse({
    mode: 'production',
    server: HTTPS,
    secrets: { hmac: [{ id: 'k1', secret: 'sixteen-chars-ok' }], keyEncryption: KEK },
  });
  assert.ok(!short.success);
  assert.deepEqual(
    short.error.issues.map((i) => i.path.join('.')),
    ['secrets.hmac.0.secret'],
  );
  assert.match(short.error.issues[0]?.message ?? '', /32\+ characters/);

  const demo = parse({
    mode: 'production',
    server: HTTPS,
    secrets: { hmac: [{ id: 'k1', secret: 'dev-only-not-a-secret-change-me-please' }], keyEncryption: KEK },
  });
  assert.ok(!demo.success);
  assert.match(demo.error.issues[0]?.message ?? '', /not the demo one/);

  const rotated = parse({
    mode: 'production',
    server: HTTPS,
    secrets: {
      hmac: [
        { id: 'new', secret: 'x'.repeat(32) },
        { id: 'old', secret: 'short-but-16-chars' },
      ],
      keyEncryption: KEK,
    },
  });
  assert.ok(!rotated.success);
  assert.deepEqual(
    rotated.error.issues.map((i) => i.path.join('.')),
    ['secrets.hmac.1.secret'],
  );

  assert.ok(
    parse({ mode: 'production', server: HTTPS, secrets: { hmac: [{ id: 'k1', secret: 'x'.repeat(32) }], keyEncryption: KEK } }).success,
  );
  // Development accepts what production refuses.
  assert.ok(parse({ mode: 'development', secrets: { hmac: [{ id: 'k1', secret: 'sixteen-chars-ok' }] } }).success);
});

test('production mode requires a key-encryption key for the signing keys and client secrets of 32+ characters', () => {
  const secrets = { hmac: [{ id: 'k1', secret: 'x'.repeat(32) }] };
  const noKek = parse({ mode: 'production', server: HTTPS, secrets });
  assert.ok(!noKek.success);
  assert.deepEqual(
    noKek.error.issues.map((i) => i.path.join('.')),
    ['secrets.keyEncryption'],
  );
  const site = (clientSecret: string) => ({
    id: 'shop',
    name: 'Shop',
    clients: [{ clientId: 'web', clientSecret, redirectUris: ['https://shop.example/cb'] }],
  });
  const shortClient = parse({
    mode: 'production',
    server: HTTPS,
    secrets: { ...secrets, keyEncryption: KEK },
    sites: [site('x'.repeat(16))],
  });
  assert.ok(!shortClient.success);
  assert.deepEqual(
    shortClient.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    ['sites.0.clients.0.clientSecret: production needs a client secret of 32+ characters (`openssl rand -base64 32` makes one)'],
  );
  assert.ok(
    parse({ mode: 'production', server: HTTPS, secrets: { ...secrets, keyEncryption: KEK }, sites: [site('x'.repeat(32))] }).success,
  );
  assert.ok(parse({ mode: 'development', secrets, sites: [site('x'.repeat(16))] }).success, 'development runs (and warns at serve)');
});

test('server.trustProxy: false, hops or proxy addresses and CIDRs; a bad address is a config error naming it', () => {
  for (const trustProxy of [false, true, 0, 2, ['10.0.0.0/8', '192.0.2.1', '2001:db8::/32', 'loopback']])
    assert.ok(parse({ server: { trustProxy } }).success, JSON.stringify(trustProxy));
  for (const trustProxy of [['10.0.0.0/33'], ['proxy.example'], [], 11, -1]) {
    const parsed = parse({ server: { trustProxy } });
    assert.ok(!parsed.success, JSON.stringify(trustProxy));
    assert.match(parsed.error.issues[0]?.path.join('.') ?? '', /^server\.trustProxy/);
  }
});

test('guess odds (NIST SP 800-63B): the daily guess budget against the code length must stay under 1 in 10,000', () => {
  const site = (extra: Record<string, unknown>) => ({ id: 'shop', name: 'Shop', ...extra });
  const odds = (sites: Record<string, unknown>[]) => {
    const parsed = parse({ sites: sites as never });
    assert.ok(parsed.success);
    return weakGuessOdds(parsed.data);
  };
  assert.deepEqual(odds([site({})]), [], '30 a day against 6 digits: 1 in 33,333');
  const four = odds([site({ policy: { codeLength: 4 } })]);
  assert.equal(four.length, 4, 'every use case');
  assert.match(four[0] ?? '', /^sites\.0 \(shop\), passwordless_login: 30 wrong codes a day against 4-digit codes/);
  assert.deepEqual(
    odds([site({ policy: { codeLength: 5 }, guessBudget: { perHour: 2, perDay: 10 } })]),
    [],
    '10 against 5 digits is exactly 1 in 10,000',
  );
  assert.equal(odds([site({ useCasePolicies: { identity_verification: { codeLength: 4 } } })]).length, 1, 'one use case');
});

test('production via OTPGATE_MODE refuses the shipped demo secret', (t) => {
  const { path } = writeConfig(t, 'secrets:\n  hmac:\n    - id: dev\n      secret: dev-only-not-a-secret-change-me\n');
  assertProblem(
    problemsOf(() => loadConfig({ path, env: { OTPGATE_MODE: 'production' } })),
    'secrets.hmac.0.secret',
    /production/,
  );
});

test('production mode refuses a server.baseUrl that is not https, loopback and unset included', (t) => {
  const secrets = { hmac: [{ id: 'k1', secret: 'x'.repeat(32) }], keyEncryption: KEK };
  for (const server of [{ baseUrl: 'http://id.example.com' }, { baseUrl: 'http://127.0.0.1:8080' }, {}]) {
    const parsed = parse({ mode: 'production', server, secrets });
    assert.ok(!parsed.success, JSON.stringify(server));
    assert.deepEqual(
      parsed.error.issues.map((i) => i.path.join('.')),
      ['server.baseUrl'],
    );
    assert.match(parsed.error.issues[0]?.message ?? '', /https/);
  }
  assert.ok(parse({ mode: 'production', server: HTTPS, secrets }).success);
  // Development (what the tests run in) keeps http.
  assert.ok(parse({ mode: 'development', server: { baseUrl: 'http://id.example.com' }, secrets }).success);
  // At startup the loader names the path.
  const { path } = writeConfig(t, `${MINIMAL}mode: production\nserver:\n  baseUrl: http://id.example.com\n`);
  assertProblem(
    problemsOf(() => loadConfig({ path, env: { OTPGATE_HMAC_SECRETS: `k1:${'y'.repeat(32)}` } })),
    'server.baseUrl',
    /https/,
  );
});

test('every secret needs 16+ characters, in any mode', () => {
  const parsed = parse({ secrets: { hmac: [{ id: 'k1', secret: 'short' }] } });
  assert.ok(!parsed.success);
  assert.deepEqual(
    parsed.error.issues.map((i) => [i.path.join('.'), i.message]),
    [['secrets.hmac.0.secret', 'at least 16 characters (32+ in production)']],
  );
});

test('duplicate site ids are refused, naming the second one', () => {
  const parsed = parse({
    sites: [
      { id: 'a', name: 'A' },
      { id: 'b', name: 'B' },
      { id: 'a', name: 'A again' },
    ],
  });
  assert.ok(!parsed.success);
  assert.deepEqual(
    parsed.error.issues.map((i) => [i.path.join('.'), i.message]),
    [['sites.2.id', 'duplicate site id "a"']],
  );
});

test('handler shorthands are normalised and module paths resolve against the config file', (t) => {
  const { path, confDir } = writeConfig(
    t,
    `${MINIMAL}` +
      [
        `delivery:`,
        `  defaultHandler: ./handlers/default.mjs`,
        `sites:`,
        `  - id: shop`,
        `    name: Shop`,
        `    handlers:`,
        `      - console`,
        `      - ./handlers/sms.ts`,
        `      - { type: module, name: backup, path: ../shared/backup.js, options: { region: eu } }`,
        `      - /opt/otpgate/handler.js`,
        `      - { type: console, name: dev }`,
        `    userDiscoveryHandler: ./discovery.ts`,
        `    registrationHandler: /opt/otpgate/register.ts`,
      ].join('\n') +
      '\n',
  );
  const { config } = loadConfig({ path, env: {} });
  assert.deepEqual(config.delivery.defaultHandler, { type: 'module', path: join(confDir, 'handlers/default.mjs') });
  const [site] = config.sites;
  assert.deepEqual(site?.handlers, [
    { type: 'console' },
    { type: 'module', path: join(confDir, 'handlers/sms.ts') },
    { type: 'module', name: 'backup', path: join(confDir, '../shared/backup.js'), options: { region: 'eu' } },
    { type: 'module', path: '/opt/otpgate/handler.js' },
    { type: 'console', name: 'dev' },
  ]);
  assert.equal(site?.userDiscoveryHandler, join(confDir, 'discovery.ts'));
  assert.equal(site?.registrationHandler, '/opt/otpgate/register.ts');
});

test('the console default handler and console shorthand stay console', (t) => {
  const { path } = writeConfig(t, `${MINIMAL}sites:\n  - id: shop\n    name: Shop\n    handlers: [console]\n`);
  const { config } = loadConfig({ path, env: {} });
  assert.deepEqual(config.delivery.defaultHandler, { type: 'console' });
  assert.deepEqual(config.sites[0]?.handlers, [{ type: 'console' }]);
});

test('handler objects with unknown types or keys are refused at their path', () => {
  for (const handler of [{ type: 'sms' }, { type: 'module' }, { type: 'console', path: './x.js' }, '']) {
    const parsed = parse({ sites: [{ id: 'a', name: 'A', handlers: [handler as never] }] });
    assert.ok(!parsed.success, JSON.stringify(handler));
    assert.equal(parsed.error.issues[0]?.path.join('.'), 'sites.0.handlers.0');
  }
});

test('policy resolves per use case: defaults <- site.policy <- useCasePolicies', () => {
  const parsed = parse({
    defaults: { policy: { codeLength: 8, maxAttempts: 4, deniedCountries: ['KP'] } },
    sites: [
      {
        id: 'shop',
        name: 'Shop',
        policy: { ttlSeconds: 300, maxAttempts: 3 },
        useCasePolicies: { self_registration: { codeLength: 4, maxAttempts: 10 }, phone_registration: { allowedCountries: ['US', 'CA'] } },
      },
    ],
  });
  assert.ok(parsed.success);
  const site = toSite(parsed.data.sites[0]!, parsed.data);
  const base = { ...defaultPolicy(), codeLength: 8, deniedCountries: ['KP'], ttlSeconds: 300, maxAttempts: 3 };
  assert.deepEqual(site.policies.passwordless_login, resolvePolicy(base));
  // The phone's hourly window is maxSendsPerPhonePerHour; its other windows come from sendsPerPhone.
  assert.deepEqual(site.policies.passwordless_login.sendLimits.phone, { perTenMinutes: 0, perHour: 5, perDay: 10 });
  assert.deepEqual(site.policies.identity_verification, resolvePolicy(base));
  assert.deepEqual(site.policies.self_registration, resolvePolicy({ ...base, codeLength: 4, maxAttempts: 10 }));
  assert.deepEqual(site.policies.phone_registration, resolvePolicy({ ...base, allowedCountries: ['US', 'CA'] }));
  // Resolved policies are separate objects: changing one use case cannot leak into another.
  assert.notEqual(site.policies.passwordless_login, site.policies.identity_verification);
});

test('toSite carries the site settings; configured clients are named after their id when unnamed', () => {
  const parsed = parse({
    sites: [
      {
        id: 'shop',
        name: 'Shop',
        experienceId: 'checkout',
        defaultCountry: 'GB',
        locale: 'fr-CA',
        registrationEnabled: false,
        clients: [
          { clientId: 'mobile', redirectUris: ['com.shop.app:/cb'] },
          { clientId: 'web', name: 'Web', clientSecret: 's'.repeat(16), redirectUris: ['https://shop.example/cb'] },
        ],
      },
    ],
  });
  assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues));
  const site = toSite(parsed.data.sites[0]!, parsed.data);
  assert.equal(site.experienceId, 'checkout');
  assert.equal(site.defaultCountry, 'GB');
  assert.equal(site.locale, 'fr-CA');
  assert.equal(site.registrationEnabled, false);
  const clients = configuredClients(parsed.data.sites[0]!);
  assert.deepEqual(
    clients.map((c) => c.name),
    ['mobile', 'Web'],
  );
  assert.equal(clients[1]?.clientSecret, 's'.repeat(16));
  // The Site carries no clients (the clients table is their truth), and the stored settings hold none.
  assert.equal('clients' in site, false);
  assert.equal('clients' in siteSettingsOf(parsed.data.sites[0]!), false);
});

/** A row as the store gives it back: the settings went through JSON. */
const stored = (settings: { id: string; name: string } & Record<string, unknown>) => ({
  id: settings.id,
  name: settings.name,
  settings: JSON.parse(JSON.stringify(settings)) as unknown,
});

test('a site created with only an id and a name gets the schema defaults and the server default policy, live', () => {
  const parsed = parse({ defaults: { policy: { ttlSeconds: 120 } } });
  assert.ok(parsed.success);
  // What `otpgate site create` stores: the settings as given.
  const row = stored(siteSettingsOf({ id: 'fresh', name: 'Fresh' }));
  const site = siteFromStored(row, parsed.data.defaults);
  assert.equal(site.enabled, true);
  assert.deepEqual(site.handlers, []);
  assert.deepEqual(site.policies.passwordless_login, resolvePolicy({ ...defaultPolicy(), ttlSeconds: 120 }));
  // A later change of defaults.policy reaches the same stored row.
  const later = siteFromStored(row, { policy: { ...defaultPolicy(), ttlSeconds: 900, codeLength: 8 } });
  assert.deepEqual(later.policies.passwordless_login, resolvePolicy({ ...defaultPolicy(), ttlSeconds: 900, codeLength: 8 }));
  assert.deepEqual(later.policies.self_registration, resolvePolicy({ ...defaultPolicy(), ttlSeconds: 900, codeLength: 8 }));
  assert.throws(() => siteFromStored(stored({ id: 'Not Valid', name: 'x' }), parsed.data.defaults), StoredSiteError);
});

test('a stored site that fails the schema is a clear error naming the site and the path', () => {
  const defaults = { policy: defaultPolicy() };
  const bad = stored({ id: 'shop', name: 'Shop', handlers: [{ type: 'module' }], tokens: { accessTokenTtlSeconds: 5 } });
  assert.throws(
    () => siteFromStored(bad, defaults),
    (error: unknown) => {
      assert.ok(error instanceof StoredSiteError);
      assert.equal(error.siteId, 'shop');
      assert.match(error.message, /^stored site "shop" does not match the site schema: /);
      assert.match(error.message, /handlers\.0/);
      assert.match(error.message, /tokens\.accessTokenTtlSeconds: Number must be greater than or equal to 60/);
      return true;
    },
  );
  const notAnObject = { id: 'shop', name: 'Shop', settings: 'not an object' };
  assert.throws(() => siteFromStored(notAnObject, defaults), /stored site "shop" .*\(root\): Expected object/);
});

test("a row stored by the previous version (the whole old Site) reads as today's Site", () => {
  const frozen = { ...defaultPolicy(), codeLength: 6, ttlSeconds: 600 };
  // Exactly what `otpgate site create` stored before settings were stored as given: the resolved Site with
  // its policies frozen at creation, `clients: []`, and (before hosted pages) no session or secondFactor.
  const legacy = {
    id: 'old',
    name: 'Old',
    enabled: true,
    experienceId: null,
    locale: 'fr',
    defaultCountry: null,
    passwordlessLoginEnabled: true,
    registrationEnabled: false,
    policies: { passwordless_login: frozen, self_registration: frozen, identity_verification: frozen, phone_registration: frozen },
    handlers: [],
    userDiscoveryHandler: null,
    registrationHandler: null,
    clients: [],
    tokens: { accessTokenTtlSeconds: 3600, refreshTokenTtlSeconds: 2_592_000, authorizationCodeTtlSeconds: 60 },
    branding: {},
  };
  const live = { ...defaultPolicy(), codeLength: 8 };
  const site = siteFromStored(stored(legacy), { policy: live });
  // The frozen policies are ignored: the live defaults apply, as for every site.
  for (const useCase of ['passwordless_login', 'self_registration', 'identity_verification', 'phone_registration'] as const)
    assert.deepEqual(site.policies[useCase], resolvePolicy(live));
  assert.equal(site.locale, 'fr');
  assert.equal(site.registrationEnabled, false);
  assert.deepEqual(site.session, { idleTimeoutSeconds: 1800, absoluteLifetimeSeconds: 43_200 });
  assert.deepEqual(site.secondFactor, { account: false, phoneChange: true, maxAgeSeconds: 300 });
  assert.equal('clients' in site, false);
});

test('the shipped otpgate.yaml loads cleanly', () => {
  const path = fileURLToPath(new URL('../../otpgate.yaml', import.meta.url));
  const { config } = loadConfig({ path, env: {} });
  assert.equal(config.mode, 'development');
  assert.equal(config.sites.length, 1);
  const site = toSite(config.sites[0]!, config);
  assert.equal(site.id, 'demo');
  assert.deepEqual(site.handlers, [{ type: 'console' }]);
  const clients = configuredClients(config.sites[0]!);
  assert.ok(clients.length > 0);
  for (const client of clients) assert.ok(client.redirectUris.length > 0);
});

test('site.session: idle 30 min and absolute 12 h by default; the deprecated ttlSeconds can only shorten the absolute lifetime', () => {
  const sessionOf = (session: Record<string, number> | undefined) => {
    const parsed = parse({ sites: [{ id: 'shop', name: 'Shop', ...(session ? { session } : {}) }] });
    assert.ok(parsed.success);
    return toSite(parsed.data.sites[0]!, parsed.data).session;
  };
  assert.deepEqual(sessionOf(undefined), { idleTimeoutSeconds: 1800, absoluteLifetimeSeconds: 43_200 });
  assert.deepEqual(sessionOf({ idleTimeoutSeconds: 600, absoluteLifetimeSeconds: 3600 }), {
    idleTimeoutSeconds: 600,
    absoluteLifetimeSeconds: 3600,
  });
  // A site configured under the old 7-day default gets 12 hours, not 7 days; a stricter old value is kept.
  assert.deepEqual(sessionOf({ ttlSeconds: 604_800 }), { idleTimeoutSeconds: 1800, absoluteLifetimeSeconds: 43_200 });
  assert.deepEqual(sessionOf({ ttlSeconds: 900 }), { idleTimeoutSeconds: 1800, absoluteLifetimeSeconds: 900 });
  assert.ok(!parse({ sites: [{ id: 'shop', name: 'Shop', session: { idleTimeoutSeconds: 10 } }] }).success, 'bounded');
});
