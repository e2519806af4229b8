/**
 * GET /metrics as Prometheus scrapes it: off unless a token is configured, refused without it, and, once
 * scraped, counters that moved with what happened (a code sent, a send refused by a limit, the site cap's 80 %
 * mark). Parsed with a Prometheus text-format parser, not matched by hand. Real HTTP, SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, describe, test } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { person } from './support/people.js';
import { basic, postForm, postJson, startTestServer, TEST_DB, type TestServer } from './support/test-server.js';

const TOKEN = 'metrics-token-0123456789abcdef-0123456789';

/** How many queries of a kind the scrape counted. */
const queries = (text: string, dialect: string, operation: string) =>
  Number(new RegExp(`otpgate_db_query_seconds_count\\{dialect="${dialect}",operation="${operation}"\\} (\\d+)`).exec(text)?.[1] ?? 0);

describe('metrics', () => {
  let t: TestServer;
  afterEach(() => t.close());

  const scrape = (authorization?: string) => fetch(`${t.url}/metrics`, authorization ? { headers: { authorization } } : {});
  const register = (phone: string) =>
    postJson(
      `${t.url}/demo/services/auth/headless/init/registration`,
      { userdata: { mobilePhone: phone }, verificationmethod: 'sms' },
      person(),
    );

  test('without a configured token there is no /metrics', async () => {
    t = await startTestServer();
    assert.equal((await scrape(`Bearer ${TOKEN}`)).status, 404);
  });

  test('a scrape needs the token; then sends, refusals and the site cap’s 80 % mark are counted, with no number in any label', async () => {
    t = await startTestServer({
      metrics: { token: TOKEN },
      sites: [{ id: 'demo', name: 'Demo', handlers: ['console'], policy: { sendsPerSite: { perHour: 2, perDay: 0 } } }],
    });
    assert.equal((await scrape()).status, 401);
    assert.equal((await scrape(`Bearer ${TOKEN.slice(0, -1)}x`)).status, 401);
    assert.equal((await scrape(`Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`)).status, 401);

    assert.equal((await register('+14155550301')).status, 200);
    assert.equal((await register('+14155550302')).status, 200);
    assert.equal((await register('+14155550303')).status, 429);

    const response = await scrape(`Bearer ${TOKEN}`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const families = parsePrometheusTextFormat(text);
    const value = (name: string, labels: Record<string, string>) =>
      families.find((f) => f.name === name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value;
    assert.equal(value('otpgate_codes_sent_total', { site: 'demo', use_case: 'self_registration', delivered: 'true' }), '2');
    assert.equal(value('otpgate_send_refusals_total', { site: 'demo', limit: 'site' }), '1');
    assert.equal(value('otpgate_site_send_cap_near_total', { site: 'demo', window: '60m' }), '1');
    assert.equal(families.find((f) => f.name === 'otpgate_codes_sent_total')?.type, 'COUNTER');
    assert.ok(!text.includes('4155550'), 'no phone number in a label');
  });

  test('after one login the request, verification and delivery counters and the latency histogram have moved', async () => {
    t = await startTestServer({ metrics: { token: TOKEN } });
    const started = await register('+14155550311');
    const authorize = (code: string) =>
      postForm(
        `${t.url}/demo/services/oauth2/authorize`,
        { response_type: 'code_credentials', client_id: 'server-app', redirect_uri: 'http://app.test/callback' },
        {
          'Auth-Request-Type': 'user-registration',
          'Auth-Verification-Type': 'sms',
          Authorization: basic(String(started.body.identifier), code),
        },
      );
    const code = t.lastCode('+14155550311');
    assert.equal((await authorize(code === '000000' ? '111111' : '000000')).status, 400);
    assert.equal((await authorize(code)).status, 302);

    const text = await (await scrape(`Bearer ${TOKEN}`)).text();
    const families = parsePrometheusTextFormat(text);
    const family = (name: string) => families.find((f) => f.name === name);
    const value = (name: string, labels: Record<string, string>) =>
      family(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value;
    const registration = { site: 'demo', use_case: 'self_registration' };
    assert.equal(value('otpgate_verifications_total', { ...registration, outcome: 'invalid_code' }), '1');
    assert.equal(value('otpgate_verifications_total', { ...registration, outcome: 'verified' }), '1');
    assert.equal(value('otpgate_delivery_attempts_total', { site: 'demo', handler: 'console', result: 'SUCCESS', country: 'US' }), '1');
    assert.equal(family('otpgate_delivery_attempt_seconds')?.type, 'HISTOGRAM');
    assert.match(text, /otpgate_delivery_attempt_seconds_count\{site="demo",handler="console"\} 1/);
    const route = '/:site/services/auth/headless/init/registration';
    assert.equal(value('otpgate_http_requests_total', { route, method: 'POST', status: '200' }), '1');
    assert.ok(family('nodejs_eventloop_lag_seconds'), "Node's own metrics are there too");
    // Every query of the login was timed, by dialect and kind; PostgreSQL's pool is there too.
    const dialect = TEST_DB;
    for (const operation of ['select', 'insert', 'update'])
      assert.ok(queries(text, dialect, operation) > 0, `${operation} queries were timed`);
    if (dialect === 'postgres')
      assert.ok(Number(value('otpgate_db_pool_connections', { state: 'total' })) >= 1, 'the pool holds a connection');
    else assert.deepEqual(family('otpgate_db_pool_connections')?.metrics ?? [], [], 'SQLite has no pool');
  });

  test('every metric the Grafana dashboard (docs/grafana-dashboard.json) queries is one the server exports', async () => {
    t = await startTestServer({ metrics: { token: TOKEN } });
    const families = new Set(parsePrometheusTextFormat(await (await scrape(`Bearer ${TOKEN}`)).text()).map((f) => f.name));
    const dashboard = JSON.parse(readFileSync(new URL('../docs/grafana-dashboard.json', import.meta.url), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const queried = dashboard.panels.flatMap((p) =>
      p.targets.flatMap((target) => [...target.expr.matchAll(/\b(?:otpgate|nodejs)_[a-z0-9_]+/g)].map((m) => m[0])),
    );
    assert.ok(queried.length >= 9);
    for (const name of queried) assert.ok(families.has(name.replace(/_(bucket|count|sum)$/, '')), `${name} is exported`);
  });
});
