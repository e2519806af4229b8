/**
 * Amazon SNS, Publish to a phone number, through the official AWS SDK client (SigV4, the Query protocol, its
 * error types). The named credential gives the endpoint (its URL: `https://sns.{region}.amazonaws.com`, or any
 * compatible endpoint) and the keys (Basic: access key id, secret access key). The SDK's HTTP goes through the
 * attempt's callout (recorded, cut off at the deadline) and makes one attempt: the dispatcher owns retries.
 * SNS has no per-message receipt callback (delivery status goes to CloudWatch Logs) and no idempotency key for SMS.
 */
import type * as SnsSdk from '@aws-sdk/client-sns';
import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import type { z } from 'zod';
import type { snsHandlerSchema } from '../../config/provider-schema.js';
import type { DeliveryContext, DeliveryOutcome } from '../contract.js';
import type { ProviderModule } from './index.js';
import { transportFailure } from './response.js';

export type SnsSpec = z.output<typeof snsHandlerSchema>;

/** SNS sends no Retry-After with Throttled; its SMS limits are per second. */
const THROTTLED_WAIT_MS = 1000;
const AUTH_ERRORS = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'AuthorizationError',
  'InvalidSecurity',
  'AccessDenied',
  'AccessDeniedException',
  'ExpiredToken',
]);
const THROTTLE_ERRORS = new Set(['Throttled', 'Throttling', 'ThrottlingException', 'ThrottledException']);

/** The SDK is loaded with the first SNS message: it holds ~10 MB that a server without an SNS handler never uses. */
let sdk: Promise<typeof SnsSdk> | null = null;
const loadSdk = () => (sdk ??= import('@aws-sdk/client-sns'));

export const sns: ProviderModule<SnsSpec> = {
  create(spec, services) {
    const attributes: Record<string, MessageAttributeValue> = {
      'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: spec.smsType },
      ...(spec.senderId ? { 'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: spec.senderId } } : {}),
      ...(spec.originationNumber ? { 'AWS.MM.SMS.OriginationNumber': { DataType: 'String', StringValue: spec.originationNumber } } : {}),
      ...(spec.maxPrice ? { 'AWS.SNS.SMS.MaxPrice': { DataType: 'Number', StringValue: spec.maxPrice } } : {}),
    };
    return {
      async sendOneTimePassword(request, context) {
        const credential = services.credential(request.siteId, spec.credential);
        if (credential.auth.type !== 'basic')
          return { result: 'EXCEPTION', detail: 'configuration: the sns credential must be basic (access key id, secret access key)' };
        const { PublishCommand, SNSClient, SNSServiceException } = await loadSdk();
        const client = new SNSClient({
          region: spec.region,
          endpoint: credential.url,
          credentials: { accessKeyId: credential.auth.username, secretAccessKey: credential.auth.password },
          maxAttempts: 1,
          requestHandler: calloutHandler(context),
        });
        try {
          const answer = await client.send(
            new PublishCommand({ PhoneNumber: request.phoneNumber, Message: request.defaultText, MessageAttributes: attributes }),
            { abortSignal: context.signal },
          );
          if (!answer.MessageId) return { result: 'PROVIDER_ERROR', detail: 'sns: answer without a MessageId' };
          return { result: 'SUCCESS', providerMessageId: answer.MessageId };
        } catch (error) {
          return snsFailure(error, SNSServiceException);
        } finally {
          client.destroy();
        }
      },
    };
  },
};

/** SDK errors by their code (the exception's name); codes and our own words only, AWS's messages may quote the number. */
function snsFailure(error: unknown, SNSServiceException: new (...args: never[]) => Error): DeliveryOutcome {
  if (!(error instanceof SNSServiceException) && !(error instanceof Error && '$metadata' in error)) return transportFailure('sns', error);
  const { name } = error;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const detail = `sns HTTP ${status ?? '?'} ${name}`;
  if (
    (name === 'InvalidParameter' || name === 'InvalidParameterException' || name === 'ParameterValueInvalid') &&
    /phone/i.test(error.message)
  )
    return { result: 'INVALID_PHONE_NUMBER', detail };
  if (AUTH_ERRORS.has(name)) return { result: 'EXCEPTION', detail: `configuration: auth refused (${detail})` };
  if (THROTTLE_ERRORS.has(name) || status === 429) return { result: 'PROVIDER_ERROR', detail, retryAfterMs: THROTTLED_WAIT_MS };
  return { result: 'PROVIDER_ERROR', detail };
}

/** The SDK's HTTP, sent through the attempt's callout: recorded with the attempt, aborted with it. */
function calloutHandler(context: Pick<DeliveryContext, 'callout'>) {
  return {
    async handle(request: {
      protocol: string;
      hostname: string;
      port?: number;
      path: string;
      query?: Record<string, string | string[] | null>;
      method: string;
      headers: Record<string, string>;
      body?: unknown;
    }) {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(request.query ?? {}))
        for (const item of Array.isArray(value) ? value : [value]) query.append(key, item ?? '');
      const search = query.size > 0 ? `?${query.toString()}` : '';
      const url = `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}${request.path}${search}`;
      const response = await context.callout(url, {
        method: request.method,
        headers: request.headers,
        ...(typeof request.body === 'string' ? { body: request.body } : {}),
      });
      const body = new Uint8Array(await response.arrayBuffer());
      return { response: { statusCode: response.status, headers: Object.fromEntries(response.headers), body } };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
}
