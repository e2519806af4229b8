/**
 * Delivery receipts end to end: the Twilio fake calls the StatusCallback URL it was given, as Twilio does; the
 * receipt is checked, stored with its attempt and counted; forged ones are refused; and an "undelivered" receipt
 * makes a site that asks for it send a new code through the next handler (Plivo's fake), once.
 * Runs on SQLite and on PostgreSQL (on-postgres.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { assertFails, cliOnServer, json, removeCliFixtures } from './cli-harness.js';
import type { ReceiptRequest } from '../src/delivery/providers/receipts.js';
import { RECEIPT_ROWS } from './providers/receipt-rows.js';
import { pkcePair } from './support/pkce.js';
import { basic, postForm, postJson, startTestServer, type TestServer } from './support/test-server.js';
import type { ProviderFake } from './fakes/providers/modes.js';
import { PLIVO_AUTH_ID, startFakePlivoApi } from './fakes/providers/plivo.js';
import { startFakeTwilioApi, TWILIO_ACCOUNT_SID, type FakeTwilio } from './fakes/providers/twilio.js';

const chain = [
  { type: 'twilio', credential: 'Twilio_Main', accountSid: TWILIO_ACCOUNT_SID, from: '+15005550006' },
  { type: 'plivo', credential: 'Plivo_Backup', authId: PLIVO_AUTH_ID, from: '14155550000' },
];
const client = { clientId: 'public-app', redirectUris: ['http://app.test/callback'], firstParty: true };

describe('delivery receipts', () => {
  let t: TestServer;
  let twilio: FakeTwilio;
  let plivo: ProviderFake;
  before(async () => {
    twilio = await startFakeTwilioApi();
    plivo = await startFakePlivoApi();
    t = await startTestServer({
      namedCredentials: { Twilio_Main: twilio.credential, Plivo_Backup: plivo.credential } as never,
      sites: [
        { id: 'demo', name: 'Demo', handlers: chain, receiptFailoverSeconds: 120, clients: [client] },
        { id: 'plain', name: 'Plain', handlers: chain, clients: [client] },
      ] as never,
    });
  });
  after(async () => {
    await t.close();
    await twilio.close();
    await plivo.close();
  });

  let phoneSeq = 100;
  /** Starts a registration on `site`; returns its identifier and the Twilio message that carried the code. */
  async function register(site: string) {
    const phone = `+1415555${String(phoneSeq++).padStart(4, '0')}`;
    const init = await postJson(`${t.url}/${site}/services/auth/headless/init/registration`, {
      userdata: { username: `user${phoneSeq}`, mobilePhone: phone },
      verificationmethod: 'sms',
    });
    assert.equal(init.status, 200, JSON.stringify(init.body));
    const message = twilio.sent.at(-1)!;
    assert.equal(message.to, phone);
    return { identifier: String(init.body.identifier), message, phone };
  }
  const attemptsOf = (site: string, identifier: string) => t.store.forSite(site).deliveryAttempts.forVerification(identifier);
  const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)?.[1] ?? assert.fail(`no code in ${text}`);
  const authorize = (site: string, identifier: string, code: string) =>
    postForm(
      `${t.url}/${site}/services/oauth2/authorize`,
      {
        response_type: 'code_credentials',
        client_id: 'public-app',
        redirect_uri: 'http://app.test/callback',
        code_challenge: pkcePair().challenge,
      },
      { 'Auth-Request-Type': 'user-registration', 'Auth-Verification-Type': 'sms', Authorization: basic(identifier, code) },
    );

  test('each message carries the receipt URL of its site and handler', async () => {
    const { message } = await register('demo');
    assert.equal(message.callbackUrl, 'http://otpgate.test/demo/receipts/twilio');
  });

  test('a signed receipt is stored with its attempt; a final status is not overwritten by a late one', async () => {
    const { identifier, message } = await register('demo');
    const sent = await twilio.sendStatus(message.id, 'sent', t.url);
    assert.equal(sent.status, 200);
    assert.deepEqual(await sent.json(), { recorded: 1, unchanged: 0, unknown: 0 });
    assert.equal((await attemptsOf('demo', identifier))[0]!.receipt?.status, 'accepted');

    const delivered = await twilio.sendStatus(message.id, 'delivered', t.url);
    assert.deepEqual(await delivered.json(), { recorded: 1, unchanged: 0, unknown: 0 });
    // Callbacks arrive out of order: a "sent" after "delivered" changes nothing.
    const late = await twilio.sendStatus(message.id, 'sent', t.url);
    assert.deepEqual(await late.json(), { recorded: 0, unchanged: 1, unknown: 0 });
    const [attempt] = await attemptsOf('demo', identifier);
    assert.equal(attempt!.receipt?.status, 'delivered');
    assert.equal(attempt!.receipt?.providerStatus, 'delivered');
    assert.equal(plivo.sent.length, 0, 'a delivered message is not sent again');

    const listed = await t.store.forSite('demo').deliveryAttempts.list({ handler: 'twilio', limit: 50 });
    assert.equal(listed.find((a) => a.providerMessageId === message.id)?.receipt?.status, 'delivered');
  });

  test('a receipt that arrives before the send has stored its attempt still finds it', async () => {
    const early: Promise<Response>[] = [];
    twilio.onAccepted = (sid) => void early.push(twilio.sendStatus(sid, 'delivered', t.url));
    // The API's answer comes 300 ms after the callback: the receipt reaches otpgate before the attempt is stored.
    twilio.answerDelayMs = 300;
    try {
      const { identifier } = await register('plain');
      const [answer] = await Promise.all(early);
      assert.deepEqual(await answer!.json(), { recorded: 1, unchanged: 0, unknown: 0 });
      assert.equal((await attemptsOf('plain', identifier))[0]!.receipt?.status, 'delivered');
    } finally {
      twilio.onAccepted = undefined;
      twilio.answerDelayMs = 0;
    }
  });

  test('unsigned, forged and tampered receipts are refused and change nothing', async () => {
    const { identifier, message } = await register('plain');
    const unsigned = await twilio.sendStatus(message.id, 'delivered', t.url, { sign: false });
    assert.equal(unsigned.status, 401);
    assert.equal(((await unsigned.json()) as { error: string }).error, 'receipt_unauthenticated');
    const forged = await twilio.sendStatus(message.id, 'delivered', t.url, { authToken: 'another-accounts-token' });
    assert.equal(forged.status, 401);
    // A receipt signed for one status, replayed with another: the signature covers the fields.
    const tampered = await twilio.sendStatus(message.id, 'undelivered', t.url, {
      tamper: (body) => body.replaceAll('undelivered', 'delivered'),
    });
    assert.equal(tampered.status, 401);
    const empty = await fetch(`${t.url}/plain/receipts/twilio`, { method: 'POST' });
    assert.equal(empty.status, 401, 'an empty, unsigned request is refused');
    assert.equal((await attemptsOf('plain', identifier))[0]!.receipt ?? null, null);
  });

  test('a receipt for a handler the site does not have, or one that sends none, is not found', async () => {
    for (const handler of ['nope', 'console']) {
      const response = await fetch(`${t.url}/demo/receipts/${handler}`, { method: 'POST', body: 'x=1' });
      assert.equal(response.status, 404);
      assert.equal(((await response.json()) as { error: string }).error, 'handler_not_found');
    }
  });

  test('a signed receipt for a message this site never sent is acknowledged and ignored', async () => {
    const { message } = await register('plain');
    // Twilio's receipt for a message of the 'plain' site, sent to the 'demo' site's URL (signed for that URL).
    twilio.sent.push({ ...message, callbackUrl: 'http://otpgate.test/demo/receipts/twilio' });
    twilio.sent.splice(twilio.sent.indexOf(message), 1);
    const response = await twilio.sendStatus(message.id, 'delivered', t.url);
    assert.deepEqual(await response.json(), { recorded: 0, unchanged: 0, unknown: 1 });
  });

  test('undelivered: a new code goes out through the next handler, once; the old code is void, the new one signs in', async () => {
    const { identifier, message, phone } = await register('demo');
    const oldCode = codeIn(message.text);
    const before = plivo.sent.length;
    const undelivered = await twilio.sendStatus(message.id, 'undelivered', t.url, { errorCode: '30003' });
    assert.deepEqual(await undelivered.json(), { recorded: 1, unchanged: 0, unknown: 0 });
    assert.equal(plivo.sent.length, before + 1, 'the backup provider sent one message');
    const backup = plivo.sent.at(-1)!;
    assert.equal(`+${backup.to}`, phone);
    const newCode = codeIn(backup.text);

    // The same receipt again (providers retry) and a late "failed": no second message.
    await twilio.sendStatus(message.id, 'undelivered', t.url, { errorCode: '30003' });
    await twilio.sendStatus(message.id, 'failed', t.url);
    assert.equal(plivo.sent.length, before + 1);

    const attempts = await attemptsOf('demo', identifier);
    assert.deepEqual(
      attempts.map((a) => [a.handler, a.result, a.receipt?.status ?? null]),
      [
        ['twilio', 'SUCCESS', 'undelivered'],
        ['plivo', 'SUCCESS', null],
      ],
    );
    assert.equal(attempts[0]!.receipt?.errorCode, '30003');

    if (newCode !== oldCode) {
      const stale = await authorize('demo', identifier, oldCode);
      assert.equal(stale.status, 400, 'the undelivered code no longer works');
    }
    const signedIn = await authorize('demo', identifier, newCode);
    assert.equal(signedIn.status, 302, JSON.stringify(signedIn.body));
  });

  test('a site that does not fail over on receipts only records the undelivered status', async () => {
    const { identifier, message } = await register('plain');
    const before = plivo.sent.length;
    const response = await twilio.sendStatus(message.id, 'undelivered', t.url);
    assert.deepEqual(await response.json(), { recorded: 1, unchanged: 0, unknown: 0 });
    assert.equal(plivo.sent.length, before);
    assert.equal((await attemptsOf('plain', identifier))[0]!.receipt?.status, 'undelivered');
  });
});

describe('otpgate handler test --wait-receipt and otpgate deliveries', () => {
  after(removeCliFixtures);

  test("show the provider's receipt for the test message", async () => {
    const twilio = await startFakeTwilioApi();
    const namedCredentials = { Twilio_Main: twilio.credential };
    const sites = [{ id: 'demo', name: 'Demo', handlers: [chain[0]] }];
    const t = await startTestServer({ namedCredentials: namedCredentials as never, sites: sites as never });
    try {
      const run = cliOnServer(t.databaseUrl, sites, { namedCredentials, server: { baseUrl: 'http://otpgate.test' } });
      const testing = run('handler', 'test', '--site', 'demo', '--phone', '+14155550199', '--wait-receipt', '60', '--json');
      // Twilio reports while the command waits: the receipt reaches the server, the command reads it from the database.
      // As a real provider would, it reports once the send is over: the command has stored its attempt by then.
      const stored = () => t.store.forSite('demo').deliveryAttempts.list({ handler: 'twilio', limit: 1 });
      while (twilio.sent.length === 0 || (await stored()).length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      const receipt = await twilio.sendStatus(twilio.sent[0]!.id, 'delivered', t.url);
      assert.equal(receipt.status, 200);
      const rows = json<{ handler: string; result: string; providerMessageId: string; receipt: string | null }[]>(await testing);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.providerMessageId, twilio.sent[0]!.id);
      assert.match(rows[0]!.receipt ?? '', /^delivered \(delivered\) \d{4}-/);

      const listed = json<{ providerMessageId: string; receipt: string | null }[]>(await run('deliveries', '--site', 'demo', '--json'));
      assert.match(listed.find((r) => r.providerMessageId === twilio.sent[0]!.id)?.receipt ?? '', /^delivered /);
      assertFails(await run('handler', 'test', '--site', 'demo', '--phone', '+14155550199', '--wait-receipt', 'soon'), 'invalid_request');
    } finally {
      await t.close();
      await twilio.close();
    }
  });
});

describe('every provider with receipts, through the endpoint', () => {
  // Each row's receipts are signed for https://otp.example.com/demo/receipts/{kind}: the server's public base URL.
  let t: TestServer;
  before(async () => {
    const names = Object.fromEntries(RECEIPT_ROWS.map((row) => [row.kind, `${row.kind}_cred`]));
    t = await startTestServer({
      server: { baseUrl: 'https://otp.example.com' },
      namedCredentials: Object.fromEntries(RECEIPT_ROWS.map((row) => [names[row.kind], row.credential])) as never,
      // Two sites with the same handlers: a receipt moved to the other site's URL must not pass either.
      sites: ['demo', 'other'].map((id) => ({
        id,
        name: id,
        handlers: RECEIPT_ROWS.map((row) => ({ ...row.spec, credential: names[row.kind] })),
      })) as never,
    });
  });
  after(() => t.close());

  const post = (request: ReceiptRequest) => {
    const url = new URL(request.url);
    const get = request.method === 'GET';
    return fetch(t.url + url.pathname + url.search, {
      method: request.method,
      headers: request.headers as Record<string, string>,
      ...(get ? {} : { body: request.rawBody }),
    });
  };

  for (const row of RECEIPT_ROWS)
    test(`${row.kind}: signed is read (a message this site never sent), unsigned and tampered are refused`, async () => {
      const signed = await post(row.signed('MSG-UNKNOWN', row.signedStatusForTamper ?? 'undelivered'));
      assert.equal(signed.status, 200, await signed.clone().text());
      assert.deepEqual(await signed.json(), { recorded: 0, unchanged: 0, unknown: 1 });
      assert.equal((await post(row.unsigned('MSG-UNKNOWN', 'delivered'))).status, 401);
      const original = row.signed('MSG-UNKNOWN', row.signedStatusForTamper ?? 'undelivered');
      const tampered = row.tamper
        ? row.tamper(original)
        : { ...original, rawBody: original.rawBody.split('undelivered').join('delivered') };
      assert.equal((await post(tampered)).status, 401);
    });

  test('vonage: a receipt delivered as GET query parameters (a dashboard setting) is read the same way', async () => {
    const row = RECEIPT_ROWS.find((r) => r.kind === 'vonage')!;
    const body = JSON.parse(row.signed('MSG-GET', 'delivered').rawBody) as Record<string, string>;
    const response = await fetch(`${t.url}/demo/receipts/vonage?${new URLSearchParams(body).toString()}`);
    assert.deepEqual(await response.json(), { recorded: 0, unchanged: 0, unknown: 1 });
    body.status = 'failed';
    const forged = await fetch(`${t.url}/demo/receipts/vonage?${new URLSearchParams(body).toString()}`);
    assert.equal(forged.status, 401);
  });
});

describe('delivery receipt metrics', () => {
  test('receipts are counted by outcome, refused ones included', async () => {
    const token = 'metrics-token-0123456789abcdef-0123456789';
    const twilio = await startFakeTwilioApi();
    const t = await startTestServer({
      metrics: { token },
      namedCredentials: { Twilio_Main: twilio.credential } as never,
      sites: [{ id: 'demo', name: 'Demo', handlers: [chain[0]], clients: [client] }] as never,
    });
    try {
      const init = await postJson(`${t.url}/demo/services/auth/headless/init/registration`, {
        userdata: { mobilePhone: '+14155550190' },
        verificationmethod: 'sms',
      });
      assert.equal(init.status, 200);
      const id = twilio.sent[0]!.id;
      await twilio.sendStatus(id, 'delivered', t.url);
      await twilio.sendStatus(id, 'delivered', t.url);
      await twilio.sendStatus(id, 'delivered', t.url, { sign: false });
      const text = await (await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
      const families = parsePrometheusTextFormat(text);
      const value = (outcome: string) =>
        families
          .find((f) => f.name === 'otpgate_delivery_receipts_total')
          ?.metrics.find((m) => m.labels?.site === 'demo' && m.labels.handler === 'twilio' && m.labels.outcome === outcome)?.value;
      assert.deepEqual([value('delivered'), value('repeat'), value('unsigned')], ['1', '1', '1']);
    } finally {
      await t.close();
      await twilio.close();
    }
  });
});
