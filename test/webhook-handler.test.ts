/**
 * The webhook handler against a loopback endpoint: the request is a Standard Webhooks event signed by the named
 * credential (every secret of a rotation, verifiable by the spec's library), its id is one per code sent, the code
 * can travel only as a JWE, and each kind of answer maps to a delivery result.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { compactDecrypt, exportJWK, generateKeyPair } from 'jose';
import { Webhook } from 'standardwebhooks';
import { createWebhookHandler, CODE_PLACEHOLDER } from '../src/delivery/builtin/webhook-handler.js';
import { asOutcome, CODE, deliveryContext, deliveryRequest } from './examples/delivery-fixture.js';
import { startLoopbackServer, type LoopbackServer, type Reply } from './examples/loopback-server.js';

const secrets = [`whsec_${randomBytes(24).toString('base64')}`, `whsec_${randomBytes(24).toString('base64')}`];
let reply: Reply = { status: 200, json: { result: 'SUCCESS', providerMessageId: 'p-1' } };
let endpoint: LoopbackServer;
before(async () => (endpoint = await startLoopbackServer(() => reply)));
after(() => endpoint.close());

const credentials = () => ({ Hook: { url: endpoint.url, auth: { type: 'standard-webhooks' as const, secrets } } });
const send = async (handler = createWebhookHandler({ credential: 'Hook', path: '/otp' }), overrides = {}) =>
  asOutcome(await handler.sendOneTimePassword(deliveryRequest(overrides), deliveryContext(credentials()).context));

test('the delivery request arrives as a signed Standard Webhooks event that each secret of a rotation verifies', async () => {
  reply = { status: 200, json: { result: 'SUCCESS', providerMessageId: 'p-1' } };
  const expiresAt = new Date(Date.now() + 10 * 60_000);
  assert.deepEqual(await send(undefined, { expiresAt }), { result: 'SUCCESS', providerMessageId: 'p-1' });
  const request = endpoint.requests.at(-1)!;
  assert.equal(request.path, '/otp');
  assert.equal(request.contentType, 'application/json');
  const headers = request.headers as Record<string, string>;
  const firstId = headers['webhook-id']!;
  assert.match(firstId, new RegExp(`^msg_${deliveryRequest().identifier}_[0-9a-z]+$`));
  assert.equal(headers['webhook-signature']!.split(' ').length, 2);
  for (const secret of secrets) {
    const event = new Webhook(secret).verify(request.rawBody, headers) as { type: string; data: Record<string, unknown> };
    assert.equal(event.type, 'otp.delivery');
    assert.equal(event.data.phoneNumber, '+14155550101');
    assert.equal(event.data.oneTimePassword, CODE);
    assert.equal(event.data.identifier, deliveryRequest().identifier);
  }
  assert.throws(() => new Webhook(`whsec_${randomBytes(24).toString('base64')}`).verify(request.rawBody, headers));
  // A retry (after a timeout, say) is the same message: the same id, so a receiver that got the first drops it.
  await send(undefined, { attempt: 2, expiresAt });
  assert.equal((endpoint.requests.at(-1)!.headers as Record<string, string>)['webhook-id'], firstId);
  // A resend keeps the identifier but carries a new code with a new expiry: a new message, with its own id.
  await send(undefined, { expiresAt: new Date(expiresAt.getTime() + 60_000), oneTimePassword: '654321' });
  assert.notEqual((endpoint.requests.at(-1)!.headers as Record<string, string>)['webhook-id'], firstId);
});

test('with encryptCodeTo the code travels only as a JWE that the private key opens', async () => {
  for (const alg of ['RSA-OAEP-256', 'ECDH-ES'] as const) {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    const jwk = await exportJWK(publicKey);
    const handler = createWebhookHandler({ credential: 'Hook', encryptCodeTo: jwk as never });
    reply = { status: 200, json: { result: 'SUCCESS' } };
    assert.equal((await send(handler)).result, 'SUCCESS');
    const raw = endpoint.requests.at(-1)!.rawBody;
    assert.ok(!raw.includes(CODE), `${alg}: the code is not in the body`);
    const data = (JSON.parse(raw) as { data: Record<string, string> }).data;
    assert.equal(data.oneTimePassword, undefined);
    assert.ok(data.defaultText!.includes(CODE_PLACEHOLDER));
    const { plaintext } = await compactDecrypt(data.encryptedOneTimePassword!, privateKey);
    assert.equal(new TextDecoder().decode(plaintext), CODE);
  }
});

test("each kind of answer maps to a delivery result; the answer's body is never the detail", async () => {
  const cases: [Reply, Record<string, unknown>][] = [
    [{ status: 200, json: { result: 'INVALID_PHONE_NUMBER' } }, { result: 'INVALID_PHONE_NUMBER' }],
    [
      { status: 429, json: {}, headers: { 'retry-after': '3' } },
      { result: 'PROVIDER_ERROR', retryAfterMs: 3000, detail: 'webhook answered 429' },
    ],
    [
      { status: 503, rawBody: `down ${CODE}` },
      { result: 'PROVIDER_ERROR', detail: 'webhook answered 503' },
    ],
    [
      { status: 401, json: { error: 'invalid_signature' } },
      { result: 'EXCEPTION', detail: 'webhook refused the request (401)' },
    ],
    [
      { status: 200, rawBody: 'ok' },
      { result: 'EXCEPTION', detail: 'webhook answer is not a delivery result ({"result":"SUCCESS"})' },
    ],
    [
      { status: 200, json: { result: 'DELIVERED' } },
      { result: 'EXCEPTION', detail: 'webhook answer is not a delivery result ({"result":"SUCCESS"})' },
    ],
  ];
  for (const [answer, expected] of cases) {
    reply = answer;
    assert.deepEqual(await send(), expected, JSON.stringify(answer));
  }
});
