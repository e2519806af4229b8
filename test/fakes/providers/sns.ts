/**
 * Loopback fake of Amazon SNS's Query API, Publish to a phone number (sms-providers.md §8): `POST /`, form body
 * Action=Publish, Version=2010-03-31, PhoneNumber (E.164), Message and the SMS MessageAttributes; a SigV4
 * `Authorization` naming the access key, the region and the service `sns` (the signature itself is not
 * recomputed); XML answers: PublishResponse with a MessageId, or ErrorResponse with Type, Code and Message
 * (400 InvalidParameter, 403 InvalidClientTokenId, 429 Throttled, 500 InternalError).
 */
import { randomUUID } from 'node:crypto';
import { startLoopbackServer, type RecordedRequest, type Reply } from '../../examples/loopback-server.js';
import type { FakeMode, ProviderFake } from './modes.js';

export const SNS_ACCESS_KEY_ID = 'AKIAFAKESNS000000001';
export const SNS_SECRET_ACCESS_KEY = 'fakeSnsSecretAccessKey/0123456789abcdefghij';
export const SNS_REGION = 'us-east-1';
const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([a-z0-9-]+)\/sns\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/;

export interface FakeSns extends ProviderFake {
  /** The SMS attributes of each accepted Publish, by name. */
  attributes: Record<string, string>[];
}

export async function startFakeSnsApi(): Promise<FakeSns> {
  const mode: FakeMode = 'success';
  const fake: Omit<FakeSns, 'url' | 'credential' | 'requests' | 'close'> = { mode, sent: [], attributes: [] };
  const decide = (request: RecordedRequest): Reply => {
    if (request.path !== '/' || request.method !== 'POST') return error(404, 'Sender', 'NotFound', 'Not found');
    const signed = SIGV4.exec(request.headers.authorization ?? '');
    if (!signed || !request.headers['x-amz-date'])
      return error(403, 'Sender', 'MissingAuthenticationToken', 'Request is missing Authentication Token');
    if (fake.mode === 'auth_failure' || signed[1] !== SNS_ACCESS_KEY_ID || signed[2] !== SNS_REGION)
      return error(403, 'Sender', 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    if (!request.contentType.startsWith('application/x-www-form-urlencoded'))
      return error(400, 'Sender', 'InvalidAction', 'Could not find operation');
    const form = request.form;
    if (form.get('Action') !== 'Publish' || form.get('Version') !== '2010-03-31')
      return error(400, 'Sender', 'InvalidAction', 'Could not find operation');
    const phone = form.get('PhoneNumber') ?? '';
    const message = form.get('Message');
    if (!message) return error(400, 'Sender', 'InvalidParameter', 'Invalid parameter: Empty message');
    if (fake.mode === 'rate_limit') return error(429, 'Sender', 'Throttled', 'Rate exceeded');
    if (fake.mode === 'outage') return error(500, 'Receiver', 'InternalError', 'Internal error');
    if (fake.mode === 'invalid_number' || !/^\+[1-9]\d{6,14}$/.test(phone))
      return error(400, 'Sender', 'InvalidParameter', 'Invalid parameter: PhoneNumber Reason: +1000 is not valid to publish to');
    const attributes: Record<string, string> = {};
    for (let i = 1; form.has(`MessageAttributes.entry.${i}.Name`); i++)
      attributes[form.get(`MessageAttributes.entry.${i}.Name`)!] = form.get(`MessageAttributes.entry.${i}.Value.StringValue`) ?? '';
    const id = randomUUID();
    fake.sent.push({ id, to: phone, text: message, callbackUrl: null });
    fake.attributes.push(attributes);
    return xml(
      200,
      `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${id}</MessageId></PublishResult>` +
        `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
    );
  };
  const server = await startLoopbackServer(decide);
  return Object.assign(fake, {
    url: server.url,
    credential: { url: server.url, auth: { type: 'basic' as const, username: SNS_ACCESS_KEY_ID, password: SNS_SECRET_ACCESS_KEY } },
    requests: server.requests,
    close: () => server.close(),
  });
}

const xml = (status: number, body: string): Reply => ({ status, rawBody: body, headers: { 'content-type': 'text/xml' } });
const error = (status: number, type: string, code: string, message: string): Reply =>
  xml(
    status,
    `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${type}</Type><Code>${code}</Code>` +
      `<Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  );
