import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { composeServices } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import { assertFails, assertOk, cliFixture, removeCliFixtures } from './cli-harness.js';

after(removeCliFixtures);

test('client add registers post-logout redirect URIs, checked like redirect URIs', async () => {
  const cli = cliFixture();
  assertOk(
    await cli.run(
      'client',
      'add',
      '--site',
      'demo',
      '--id',
      'web',
      '--redirect-uri',
      'https://web.example/cb',
      '--post-logout-redirect-uri',
      'https://web.example/',
      '--post-logout-redirect-uri',
      'https://web.example/bye',
    ),
  );
  assertFails(
    await cli.run(
      'client',
      'add',
      '--site',
      'demo',
      '--id',
      'bad',
      '--redirect-uri',
      'https://web.example/cb',
      '--post-logout-redirect-uri',
      'not a url',
    ),
    'invalid_request',
  );
  const services = await composeServices({
    config: loadConfig({ path: cli.configPath, overrides: { 'server.logLevel': 'silent' } }).config,
  });
  try {
    assert.deepEqual((await services.store.forSite('demo').clients.byId('web'))?.postLogoutRedirectUris, [
      'https://web.example/',
      'https://web.example/bye',
    ]);
  } finally {
    await services.close();
  }
});
