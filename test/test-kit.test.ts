/** The package's test kit, used as a handler author would: a fake provider, a request, the handler run as otpgate runs it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTwilioHandler } from '../examples/twilio-handler.js';
import { deliveryRequest, fakeProvider, runHandler } from '../src/testing/index.js';

test('a hand-written Twilio handler tested in a few lines: the request it makes and the result it reports', async () => {
  const twilio = await fakeProvider(() => ({ status: 201, json: { sid: 'SM123', status: 'queued' } }));
  try {
    const handler = createTwilioHandler({ accountSid: 'AC0001', from: '+15005550006' });
    const credentials = { Twilio: { url: twilio.url, auth: { type: 'basic' as const, username: 'AC0001', password: 'token' } } };
    const report = await runHandler(handler, { phoneNumber: '+14155550199' }, { credentials });
    assert.equal(report.result, 'SUCCESS');
    assert.equal(report.providerMessageId, 'SM123');
    const [sent] = twilio.requests;
    assert.equal(sent!.path, '/2010-04-01/Accounts/AC0001/Messages.json');
    assert.equal(sent!.form.get('To'), '+14155550199');
    assert.equal(sent!.form.get('Body'), deliveryRequest().defaultText);
    assert.match(String(sent!.headers.authorization), /^Basic /);
  } finally {
    await twilio.close();
  }
});

test('retries and the failure a provider outage gives, as the dispatcher would record them', async () => {
  const down = await fakeProvider(() => ({ status: 503, json: { code: 20500, message: 'down' } }));
  try {
    const handler = createTwilioHandler({ accountSid: 'AC0001', from: '+15005550006' });
    const report = await runHandler(handler, {}, { credentials: { Twilio: { url: down.url, auth: { type: 'none' } } }, retries: 1 });
    assert.equal(report.result, 'EXCEPTION'); // the example's reading of a 5xx: retried like a provider error
    assert.deepEqual(
      report.attempts.map((a) => a.attempt),
      [1, 2],
    );
    assert.equal(down.requests.length, 2);
  } finally {
    await down.close();
  }
});
