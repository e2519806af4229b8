/**
 * Route schemas of the headless identity API (Salesforce-compatible inits) and the signed-in user's endpoints.
 * The request bodies are the ones declared beside their handlers (http/headless.ts, http/account-endpoints.ts),
 * which Fastify validates; this file adds what the document needs on top: tags, summaries, security, replies.
 */
import { phoneInitSchema, verifySchema } from '../account-endpoints.js';
import { passwordlessLoginSchema, registrationSchema } from '../headless.js';
import { errorResponses, SECURITY, TAGS } from './common.js';

const identifier = { type: 'string', description: 'The verification id: send it back with the code.' } as const;
const started = {
  description: 'A code was sent (or, for an unknown user, the same answer after the same delay).',
  type: 'object',
  required: ['identifier', 'status'],
  properties: { identifier, status: { type: 'string', enum: ['success'] } },
  additionalProperties: false,
} as const;
const bearer = [{ [SECURITY.accessToken]: [] }];

export const passwordlessLoginRoute = {
  ...passwordlessLoginSchema,
  tags: [TAGS.headless],
  operationId: 'initPasswordlessLogin',
  summary: 'Send a sign-in code to a user (Salesforce headless passwordless login)',
  description:
    'Finds the user by username, email or phone (the site may ask a discovery handler) and texts a code. Verify it ' +
    'at the authorize endpoint with `Auth-Request-Type: passwordless-login`. A site may require a captcha (`recaptcha`).',
  response: { 200: started, ...errorResponses },
} as const;

export const registrationRoute = {
  ...registrationSchema,
  tags: [TAGS.headless],
  operationId: 'initRegistration',
  summary: 'Start a self-registration: text a code to the new phone (Salesforce headless registration)',
  description: 'Verify the code at the authorize endpoint with `Auth-Request-Type: user-registration`; the user is created then.',
  response: {
    200: {
      description: 'A code was sent to userdata.mobilePhone.',
      type: 'object',
      required: ['identifier', 'email'],
      properties: { identifier, email: { type: ['string', 'null'], description: 'userdata.email as given, or null.' } },
      additionalProperties: false,
    },
    ...errorResponses,
  },
} as const;

export const initVerificationRoute = {
  tags: [TAGS.account],
  operationId: 'initIdentityVerification',
  summary: 'Text a code to the signed-in user’s phone (identity verification, a second factor)',
  security: bearer,
  response: { 200: started, ...errorResponses },
} as const;

export const verifyVerificationRoute = {
  ...verifySchema,
  tags: [TAGS.account],
  operationId: 'verifyIdentityVerification',
  summary: 'Check the identity verification code; the login (token family) is then stepped up',
  security: bearer,
  response: {
    200: {
      description: 'The code was right.',
      type: 'object',
      required: ['status', 'verified_at'],
      properties: { status: { type: 'string', enum: ['success'] }, verified_at: { type: 'string', format: 'date-time' } },
      additionalProperties: false,
    },
    ...errorResponses,
  },
} as const;

export const initPhoneRoute = {
  ...phoneInitSchema,
  tags: [TAGS.account],
  operationId: 'initPhoneRegistration',
  summary: 'Text a code to a new phone number for the signed-in user',
  description:
    'Needs a token of the site’s own (first-party) app with `api` or `full`; a user with a verified phone must have passed ' +
    'identity verification recently with the same login (else `step_up_required`, with `step_up` and `max_age`).',
  security: bearer,
  response: { 200: started, ...errorResponses },
} as const;

export const verifyPhoneRoute = {
  ...verifySchema,
  tags: [TAGS.account],
  operationId: 'verifyPhoneRegistration',
  summary: 'Check the code sent to the new phone; the phone is changed and the user’s other logins revoked',
  security: bearer,
  response: {
    200: {
      description: 'The phone was changed.',
      type: 'object',
      required: ['status', 'phone_number', 'phone_number_verified'],
      properties: {
        status: { type: 'string', enum: ['success'] },
        phone_number: { type: 'string', description: 'E.164.' },
        phone_number_verified: { type: 'boolean' },
      },
      additionalProperties: false,
    },
    ...errorResponses,
  },
} as const;
