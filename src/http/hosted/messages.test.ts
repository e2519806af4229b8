import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sendRefused, tooManyAttempts } from '../../domain/policy.js';
import { OtpgateError } from '../../domain/errors.js';
import { translator } from '../../i18n/index.js';
import { problemText } from './messages.js';

test('a resend wait reads in seconds while short, in minutes once it has doubled past two', () => {
  const en = translator('en');
  assert.equal(problemText(en, sendRefused('resend', 30)), 'You can ask for a new code in 30 seconds.');
  assert.equal(problemText(en, sendRefused('resend', 480)), 'You can ask for a new code in 8 minutes.');
  assert.equal(problemText(translator('de'), sendRefused('resend', 600)), 'Sie können in 10 Minuten einen neuen Code anfordern.');
});

test('every send limit, the guess budget and a locked phone read as what they are, never as a server error', () => {
  const en = translator('en');
  for (const limit of ['ip', 'ip_range', 'phone', 'prefix', 'site'] as const)
    assert.equal(problemText(en, sendRefused(limit, 3600)), 'Too many codes were requested. Try again in 60 minutes.');
  const now = new Date(0);
  assert.equal(problemText(en, tooManyAttempts(new Date(90_000), now)), 'Too many wrong codes for this number. Try again in 2 minutes.');
  assert.match(problemText(en, new OtpgateError('phone_locked')), /locked\. Please contact support\.$/);
  assert.equal(
    problemText(en, new OtpgateError('service_unavailable')),
    'The service is briefly unavailable. Please try again in a moment.',
  );
});
