import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createManualClock } from '../src/domain/clock.js';
import { postJson, startTestServer } from './support/test-server.js';

test('purge deletes what has expired and keeps what is live', async () => {
  const clock = createManualClock(new Date());
  const t = await startTestServer({}, { clock });
  try {
    const init = (phone: string) =>
      postJson(`${t.url}/demo/services/auth/headless/init/registration`, { userdata: { mobilePhone: phone }, verificationmethod: 'sms' });
    const old = await init('+14155550160');
    clock.advance(2 * 24 * 3_600_000); // two days: past the 10-minute validity and the 24-hour retention
    const fresh = await init('+14155550161');
    const site = t.store.forSite('demo');

    await site.audit.record({
      type: 'phone_changed',
      useCase: 'phone_registration',
      userId: 'u1',
      phoneHash: 'h',
      ip: null,
      userAgent: null,
      requestId: null,
      detail: {},
      createdAt: clock.now(),
    });
    const report = await t.app.purge();
    // The old send's nine counter windows: client 10 minutes and day, network hour, phone hour and day, prefix hour (which
    // the pumping monitor reads too), site hour and day, and the monitor's country sends. The fresh send's still count.
    assert.deepEqual(report, { verifications: 1, grants: 0, sessions: 0, rateCounters: 9, deliveryAttempts: 0, auditEvents: 0 });
    assert.equal(await site.verifications.byId(String(old.body.identifier)), null);
    assert.notEqual(await site.verifications.byId(String(fresh.body.identifier)), null);
    assert.equal(
      (await site.deliveryAttempts.forVerification(String(old.body.identifier))).length,
      1,
      'attempts outlive verifications (30 days)',
    );

    clock.advance(31 * 24 * 3_600_000);
    const later = await t.app.purge();
    assert.equal(later.deliveryAttempts, 2);
    assert.equal(later.auditEvents, 0, 'the audit log is kept a year');
    // Both sends (code_sent) and the phone change are still there.
    assert.equal((await site.audit.list({ limit: 10 })).length, 3);
    clock.advance(365 * 24 * 3_600_000);
    assert.equal((await t.app.purge()).auditEvents, 3);
    assert.deepEqual(
      await t.app.purge(),
      { verifications: 0, grants: 0, sessions: 0, rateCounters: 0, deliveryAttempts: 0, auditEvents: 0 },
      'a second run finds nothing',
    );
  } finally {
    await t.close();
  }
});
