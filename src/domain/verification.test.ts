import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify, type Verification } from './verification.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const EXPIRES = at(600_000);

function verification(overrides: Partial<Pick<Verification, 'state' | 'attempts' | 'maxAttempts' | 'expiresAt'>> = {}) {
  return { state: 'pending' as const, attempts: 0, maxAttempts: 3, expiresAt: EXPIRES, ...overrides };
}

test('a pending verification within time and budget is pending', () => {
  assert.equal(classify(verification(), T0), 'pending');
  assert.equal(classify(verification({ attempts: 2 }), at(599_999)), 'pending');
});

test('stored states are final: verified and locked stay so, whatever the time and attempts', () => {
  assert.equal(classify(verification({ state: 'verified' }), T0), 'verified');
  assert.equal(classify(verification({ state: 'locked' }), T0), 'locked');
  assert.equal(classify(verification({ state: 'verified', attempts: 3 }), at(600_000)), 'verified');
  assert.equal(classify(verification({ state: 'locked', attempts: 3 }), at(600_000)), 'locked');
});

test('expired from the instant expiresAt, not one millisecond later', () => {
  assert.equal(classify(verification(), at(599_999)), 'pending');
  assert.equal(classify(verification(), EXPIRES), 'expired');
  assert.equal(classify(verification(), at(600_001)), 'expired');
});

test('exhausted once attempts reach maxAttempts', () => {
  assert.equal(classify(verification({ attempts: 2 }), T0), 'pending');
  assert.equal(classify(verification({ attempts: 3 }), T0), 'exhausted');
  // Concurrent counts are guarded in the store, but a row past the budget still reads as exhausted.
  assert.equal(classify(verification({ attempts: 4 }), T0), 'exhausted');
});

test('expired and exhausted at once: expired wins (the store has always answered so)', () => {
  assert.equal(classify(verification({ attempts: 3 }), EXPIRES), 'expired');
  assert.equal(classify(verification({ attempts: 5 }), at(700_000)), 'expired');
});
