/**
 * Built-in provider handler kinds: `{ type: 'twilio', credential: 'Twilio_Main', ... }`. One object schema per kind,
 * each with linkOptions; a kind added here also needs its module in src/delivery/providers/ and a registry line there.
 */
import { z } from 'zod';
import { linkOptions } from './link-options.js';

const credential = z
  .string()
  .regex(/^[A-Za-z0-9_]+$/)
  .describe('Named credential with the API base URL and the auth the provider documents; startup fails when it is missing.');
const sender = z.string().min(1).max(20).describe('Sender: an E.164 number of the account or an alphanumeric sender id.');
const receipts = z
  .boolean()
  .default(true)
  .describe(
    "Send otpgate's receipt URL (baseUrl/SITE/receipts/HANDLER) with each message, where the provider takes one; needs server.baseUrl.",
  );

export const twilioHandlerSchema = z
  .object({
    type: z.literal('twilio'),
    ...linkOptions,
    credential: credential.describe('Named credential: URL https://api.twilio.com (or a region host), Basic AccountSid:AuthToken.'),
    accountSid: z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'a Twilio Account SID (AC + 32 hex digits)')
      .describe('The Account SID in the Messages API path.'),
    from: sender.optional(),
    messagingServiceSid: z
      .string()
      .regex(/^MG[0-9a-fA-F]{32}$/, 'a Messaging Service SID (MG + 32 hex digits)')
      .optional()
      .describe('Send through a Messaging Service instead of `from`.'),
    statusCallback: receipts,
  })
  .strict()
  .refine((spec) => (spec.from === undefined) !== (spec.messagingServiceSid === undefined), {
    message: 'set exactly one of from and messagingServiceSid',
  });

export const vonageHandlerSchema = z
  .object({
    type: z.literal('vonage'),
    ...linkOptions,
    credential: credential.describe(
      'Named credential: URL https://rest.nexmo.com, Basic api_key:api_secret; its receiptSecret is the signature secret.',
    ),
    from: sender,
    statusReport: receipts,
    receiptSignature: z
      .enum(['md5hash', 'md5', 'sha1', 'sha256', 'sha512'])
      .default('sha256')
      .describe("How the account signs delivery receipts (Vonage dashboard: signature method), with the credential's receiptSecret."),
  })
  .strict();

export const plivoHandlerSchema = z
  .object({
    type: z.literal('plivo'),
    ...linkOptions,
    credential: credential.describe('Named credential: URL https://api.plivo.com, Basic auth_id:auth_token.'),
    authId: z
      .string()
      .regex(/^[A-Z0-9]{10,30}$/, 'a Plivo Auth ID')
      .describe('The Auth ID in the Message API path.'),
    from: sender.optional(),
    powerpackUuid: z.string().uuid().optional().describe('Send through a Powerpack instead of `from`.'),
    statusCallback: receipts,
  })
  .strict()
  .refine((spec) => (spec.from === undefined) !== (spec.powerpackUuid === undefined), {
    message: 'set exactly one of from and powerpackUuid',
  });

export const sinchHandlerSchema = z
  .object({
    type: z.literal('sinch'),
    ...linkOptions,
    credential: credential.describe(
      'Named credential: URL https://{region}.sms.api.sinch.com, Bearer API token; its receiptSecret is the callback HMAC secret.',
    ),
    servicePlanId: z
      .string()
      .regex(/^[A-Za-z0-9]{8,64}$/, 'a Sinch service plan id')
      .describe('The service plan id in the batches path.'),
    from: sender,
    callbackUrl: receipts,
  })
  .strict();

export const telesignHandlerSchema = z
  .object({
    type: z.literal('telesign'),
    ...linkOptions,
    credential: credential.describe('Named credential: URL https://rest-ww.telesign.com, Basic customer_id:api_key.'),
    from: sender.optional().describe('sender_id: a sender id Telesign has allowed for the account (optional).'),
    callbackUrl: receipts,
  })
  .strict();

export const infobipHandlerSchema = z
  .object({
    type: z.literal('infobip'),
    ...linkOptions,
    credential: credential.describe(
      'Named credential: URL https://{your-base}.api.infobip.com, auth { type: header, name: authorization, value: "App KEY" }.',
    ),
    from: sender,
    notifyUrl: receipts,
    receiptCredential: z
      .string()
      .regex(/^[A-Za-z0-9_]+$/)
      .optional()
      .describe('Named credential whose receiptSecret makes the token in the receipt URL (Infobip signs nothing); default: credential.'),
  })
  .strict();

export const birdHandlerSchema = z
  .object({
    type: z.literal('bird'),
    ...linkOptions,
    credential: credential.describe(
      "Named credential: URL https://rest.messagebird.com, auth { type: header, name: authorization, value: 'AccessKey KEY' }.",
    ),
    from: z
      .string()
      .regex(/^(\+?\d{1,17}|[A-Za-z0-9 ]{1,11})$/, 'a number or up to 11 letters and digits')
      .describe('originator: a number of the account, or an alphanumeric sender of up to 11 characters.'),
    reportUrl: receipts,
  })
  .strict();

export const snsHandlerSchema = z
  .object({
    type: z.literal('sns'),
    ...linkOptions,
    credential: credential.describe(
      'Named credential: URL https://sns.{region}.amazonaws.com (the endpoint), Basic access key id : secret access key.',
    ),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1')
      .describe('The AWS region the endpoint is in (SigV4 signs for it).'),
    smsType: z.enum(['Transactional', 'Promotional']).default('Transactional').describe('AWS.SNS.SMS.SMSType: Transactional for codes.'),
    senderId: z
      .string()
      .regex(/^[A-Za-z0-9]{1,11}$/)
      .optional()
      .describe('AWS.SNS.SMS.SenderID, where the destination country supports one.'),
    originationNumber: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/)
      .optional()
      .describe('AWS.MM.SMS.OriginationNumber: an E.164 number of the account.'),
    maxPrice: z
      .string()
      .regex(/^\d+(\.\d+)?$/)
      .optional()
      .describe('AWS.SNS.SMS.MaxPrice in USD per message.'),
  })
  .strict();

/** Every provider kind's schema, spread into the handler union of schema.ts. */
export const providerHandlerSchemas = [
  twilioHandlerSchema,
  vonageHandlerSchema,
  plivoHandlerSchema,
  sinchHandlerSchema,
  telesignHandlerSchema,
  infobipHandlerSchema,
  birdHandlerSchema,
  snsHandlerSchema,
] as const;

export type ProviderHandlerSpec = z.output<(typeof providerHandlerSchemas)[number]>;
export type ProviderKind = ProviderHandlerSpec['type'];
