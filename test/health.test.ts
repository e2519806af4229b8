import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestServer } from './support/test-server.js';

test('healthz is up; readyz follows the database', async () => {
  const t = await startTestServer();
  try {
    assert.deepEqual(await (await fetch(`${t.url}/healthz`)).json(), { status: 'ok' });
    assert.equal((await fetch(`${t.url}/readyz`)).status, 200);
    await t.store.close(); // the database goes away under a running server
    const down = await fetch(`${t.url}/readyz`);
    assert.equal(down.status, 503);
    assert.equal(((await down.json()) as { error: string }).error, 'service_unavailable');
  } finally {
    t.store.close = async () => {};
    await t.close();
  }
});
