/**
 * The webhook handler end to end with the example receivers, each a real process: Python (standard library
 * only) and Node (the standardwebhooks package). The code reaches the receiver, which "sends" it, and the user
 * registers with it; unsigned, tampered, stale and wrongly signed requests are refused and send nothing.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { person } from '../support/people.js';
import { postJson, startTestServer, type TestServer } from '../support/test-server.js';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const OLD_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

interface Receiver {
  url: string;
  outbox: string;
  process: ChildProcess;
}

/** Starts a receiver on a free port; it prints the port it took. Both secrets are accepted (a rotation). */
async function startReceiver(command: string, script: string): Promise<Receiver> {
  const outbox = join(mkdtempSync(join(tmpdir(), 'otpgate-outbox-')), 'outbox.jsonl');
  const child = spawn(command, [script], {
    env: { ...process.env, PORT: '0', WEBHOOK_SECRET: `${OLD_SECRET} ${SECRET}`, OUTBOX: outbox },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      const match = /listening on (\d+)/.exec(chunk.toString());
      if (match) resolve(Number(match[1]));
    });
  });
  return { url: `http://127.0.0.1:${port}`, outbox, process: child };
}

const outbox = (r: Receiver): { to: string; text: string }[] =>
  existsSync(r.outbox)
    ? readFileSync(r.outbox, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { to: string; text: string })
    : [];

const RECEIVERS = [
  ['Python (standard library only)', 'python3', 'examples/webhook-python/receiver.py'],
  ['Node (standardwebhooks)', process.execPath, 'examples/webhook-node/receiver.mjs'],
] as const;

for (const [label, command, script] of RECEIVERS) {
  describe(`webhook receiver: ${label}`, () => {
    let receiver: Receiver;
    let t: TestServer;
    before(async () => {
      receiver = await startReceiver(command, script);
      t = await startTestServer({
        namedCredentials: { Hook: { url: receiver.url, auth: { type: 'standard-webhooks', secrets: [SECRET] } } },
        sites: [
          {
            id: 'demo',
            name: 'Demo',
            handlers: [{ type: 'webhook', credential: 'Hook', path: '/otp' }],
            clients: [
              {
                clientId: 'server-app',
                clientSecret: 'server-app-secret-123456',
                redirectUris: ['http://app.test/cb'],
                requirePkce: false,
              },
            ],
          },
        ] as never,
      });
    });
    after(async () => {
      await t.close();
      receiver.process.kill();
    });

    test('a registration: the code goes through the receiver and registers the user', async () => {
      const init = await postJson(
        `${t.url}/demo/services/auth/headless/init/registration`,
        { userdata: { mobilePhone: '+14155550171' }, verificationmethod: 'sms' },
        person(),
      );
      assert.equal(init.status, 200, JSON.stringify(init.body));
      const [message] = outbox(receiver);
      assert.equal(message!.to, '+14155550171');
      const code = /#(\d{6})$/.exec(message!.text)![1]!;
      const authorized = await fetch(`${t.url}/demo/services/oauth2/authorize`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'auth-request-type': 'user-registration',
          'auth-verification-type': 'sms',
          authorization: basic(String(init.body.identifier), code),
        },
        body: new URLSearchParams({ response_type: 'code_credentials', client_id: 'server-app', redirect_uri: 'http://app.test/cb' }),
      });
      assert.equal(authorized.status, 302, await authorized.text());
      const [attempt] = await t.store.forSite('demo').deliveryAttempts.forVerification(String(init.body.identifier));
      assert.equal(attempt!.handler, 'webhook:Hook');
      assert.equal(attempt!.result, 'SUCCESS');
      assert.match(String(attempt!.providerMessageId), /^(py|node)-\d+$/);
    });

    test('unsigned, tampered, stale and wrongly signed requests are refused and nothing is sent', async () => {
      const before = outbox(receiver).length;
      const body = JSON.stringify({
        type: 'otp.delivery',
        timestamp: new Date().toISOString(),
        data: { phoneNumber: '+14155550172', defaultText: 'x' },
      });
      const post = (headers: Record<string, string>, payload = body) =>
        fetch(`${receiver.url}/otp`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
      const signed = (secret: string, at = new Date(), id = 'msg_test') => ({
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(id, at, body),
      });
      assert.equal((await post({})).status, 401, 'unsigned');
      assert.equal((await post(signed(SECRET), body.replace('+14155550172', '+14155550173'))).status, 401, 'tampered body');
      assert.equal((await post({ ...signed(SECRET), 'webhook-id': 'msg_other' })).status, 401, 'tampered id');
      assert.equal((await post(signed(`whsec_${randomBytes(24).toString('base64')}`))).status, 401, 'wrong secret');
      assert.equal((await post(signed(SECRET, new Date(Date.now() - 10 * 60_000)))).status, 401, 'stale');
      assert.equal(outbox(receiver).length, before);
      // The same request signed properly (with the old secret of a rotation, too) is taken.
      assert.equal((await post(signed(OLD_SECRET))).status, 200);
      assert.equal(outbox(receiver).length, before + 1);
    });
  });
}
