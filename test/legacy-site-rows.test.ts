/**
 * Site rows written by the version before settings were stored as given hold the whole old Site: policies
 * frozen at creation, `clients: []`, and (before hosted pages) no session or secondFactor. They are read as they
 * are, without a migration (config/sites.ts drops the old keys and resolves policies from the live defaults);
 * this proves it on real rows in SQLite and PostgreSQL, written with the driver as the old repository did.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createOtpgate } from '../src/app.js';
import { configSchema } from '../src/config/schema.js';
import { siteFromStored } from '../src/config/sites.js';
import { openStore } from '../src/store/open-store.js';
import { openTestPostgres, requirePostgres } from './support/postgres.js';

const OLD_POLICY = {
  codeLength: 6,
  ttlSeconds: 600,
  maxAttempts: 5,
  resendIntervalSeconds: 30,
  maxSendsPerPhonePerHour: 5,
  allowedCountries: [],
  deniedCountries: [],
};

/** `JSON.stringify(site)` as the old sites repository wrote it for a site made by `otpgate site create`. */
const LEGACY_SETTINGS = JSON.stringify({
  id: 'old',
  name: 'Old Shop',
  enabled: true,
  experienceId: null,
  locale: 'es',
  defaultCountry: null,
  passwordlessLoginEnabled: true,
  registrationEnabled: true,
  policies: {
    passwordless_login: OLD_POLICY,
    self_registration: OLD_POLICY,
    identity_verification: OLD_POLICY,
    phone_registration: OLD_POLICY,
  },
  handlers: [],
  userDiscoveryHandler: null,
  registrationHandler: null,
  clients: [],
  tokens: { accessTokenTtlSeconds: 3600, refreshTokenTtlSeconds: 2_592_000, authorizationCodeTtlSeconds: 60 },
  branding: {},
});
const INSERT = 'insert into sites (id, name, settings, created_at, updated_at) values ($1, $2, $3, $4, $5)';
const ROW = ['old', 'Old Shop', LEGACY_SETTINGS, Date.parse('2025-06-01T00:00:00Z'), Date.parse('2025-06-01T00:00:00Z')] as const;

/** A config whose defaults changed since the row was written (8-digit codes), with no site of its own. */
const configFor = (url: string) =>
  configSchema.parse({
    server: { logLevel: 'silent', baseUrl: 'http://otpgate.test' },
    database: { url },
    secrets: { hmac: [{ id: 't1', secret: 'legacy-test-secret-0123456789' }] },
    defaults: { policy: { codeLength: 8 } },
    sites: [],
  });

async function assertLegacyRowReads(url: string, insertRaw: () => Promise<void>): Promise<void> {
  const store = await openStore(url);
  try {
    await store.migrate();
    await insertRaw();
    const row = await store.sites.byId('old');
    assert.ok(row);
    const site = siteFromStored(row, configFor(url).defaults);
    assert.equal(site.name, 'Old Shop');
    assert.equal(site.locale, 'es');
    assert.equal(site.policies.self_registration.codeLength, 8, 'the live default, not the frozen 6');
    assert.deepEqual(site.session, { idleTimeoutSeconds: 1800, absoluteLifetimeSeconds: 43_200 });
    assert.deepEqual(site.secondFactor, { account: false, phoneChange: true, maxAgeSeconds: 300 });
  } finally {
    await store.close();
  }

  // And a server started on that database sends the legacy site's codes by today's defaults.
  const sent: string[] = [];
  const app = await createOtpgate({ config: configFor(url), consoleWrite: (line) => sent.push(line) });
  try {
    await app.userManagement('old').initSelfRegistration('SMS', { mobilePhone: '+14155550190' });
    const code = /código de Old Shop es (\d+)/.exec(sent.join(''))?.[1];
    assert.equal(code?.length, 8, sent.join(''));
  } finally {
    await app.close();
  }
}

test('sqlite: a site row stored by the previous version reads back with live defaults', async (t: TestContext) => {
  const dir = mkdtempSync(join(tmpdir(), 'otpgate-legacy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'otpgate.db');
  await assertLegacyRowReads(`sqlite:${path}`, async () => {
    const raw = new Database(path);
    try {
      raw.prepare(INSERT.replace(/\$\d/g, '?')).run(...ROW);
    } finally {
      raw.close();
    }
  });
});

if (await requirePostgres('legacy site rows')) {
  test('postgres: a site row stored by the previous version reads back with live defaults', async (t) => {
    const database = await openTestPostgres();
    t.after(() => database.drop());
    await assertLegacyRowReads(database.url, async () => {
      const raw = new pg.Client({ connectionString: database.url });
      await raw.connect();
      try {
        await raw.query(INSERT, [...ROW]);
      } finally {
        await raw.end();
      }
    });
  });
}
