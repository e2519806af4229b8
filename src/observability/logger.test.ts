import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger, logFormatOf } from './logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  return { lines, stream };
}

test('development logs read like a dev server; production logs are JSON; the config can choose either', () => {
  assert.equal(logFormatOf({ mode: 'development', server: {} }), 'pretty');
  assert.equal(logFormatOf({ mode: 'production', server: {} }), 'json');
  assert.equal(logFormatOf({ mode: 'production', server: { logFormat: 'pretty' } }), 'pretty');
  assert.equal(logFormatOf({ mode: 'development', server: { logFormat: 'json' } }), 'json');
});

test('pretty lines carry the level, the message and the fields, and redact codes and phone numbers as JSON does', () => {
  for (const format of ['pretty', 'json'] as const) {
    const { lines, stream } = capture();
    createLogger('info', stream, format).warn({ siteId: 'demo', phone: '+14155550101', code: '482913' }, 'delivery slow');
    const out = lines.join('');
    assert.ok(!out.includes('+14155550101') && !out.includes('482913'), `${format}: ${out}`);
    assert.match(out, /\[redacted\]/);
    if (format === 'json') assert.equal((JSON.parse(out) as { msg: string }).msg, 'delivery slow');
    else {
      assert.throws(() => JSON.parse(out));
      assert.match(out, /WARN.*delivery slow/);
      assert.match(out, /siteId: "demo"/);
    }
  }
});
