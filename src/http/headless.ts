import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CaptchaProof } from '../domain/captcha.js';
import { isChannel, type Channel } from '../domain/channel.js';
import { OtpgateError } from '../domain/errors.js';
import type { RegistrationUserData } from '../flows/site-hooks.js';
import { metaOf, preferredLanguage } from './request-meta.js';
import type { HttpServices } from './services.js';

const method = { type: 'string', maxLength: 20 } as const;
const anyObject = { type: 'object', additionalProperties: true } as const;
const shortString = { type: 'string', maxLength: 200 } as const;

/** A captcha token: reCAPTCHA's run to about 2 KB, Turnstile's are at most 2048 characters. */
const captchaToken = { type: 'string', maxLength: 8192 } as const;

/**
 * Salesforce's captcha fields: `recaptcha` (a token) and, for reCAPTCHA Enterprise, `recaptchaevent`. otpgate
 * reads the token from either, whatever the site's provider: an hCaptcha or Turnstile token travels in
 * `recaptcha` too. The event's siteKey and projectId are the client's claim and are not used (the site's are).
 */
const captchaFields = {
  recaptcha: captchaToken,
  recaptchaevent: {
    type: 'object',
    properties: { token: captchaToken, siteKey: shortString, expectedAction: shortString, projectId: shortString },
    additionalProperties: true,
  },
} as const;

interface CaptchaBody {
  recaptcha?: string;
  recaptchaevent?: { token?: string; expectedAction?: string };
}

const captchaProofOf = (body: CaptchaBody): CaptchaProof => ({
  token: body.recaptchaevent?.token || body.recaptcha || null,
  expectedAction: body.recaptchaevent?.expectedAction ?? null,
});

/** Other unknown fields (emailtemplate, ...) are accepted and ignored, as Salesforce clients send them. */
export const passwordlessLoginSchema = {
  body: {
    type: 'object',
    required: ['username', 'verificationmethod'],
    properties: {
      username: { type: 'string', minLength: 1, maxLength: 200 },
      verificationmethod: method,
      customdata: anyObject,
      ...captchaFields,
    },
    additionalProperties: true,
  },
} as const;

export const registrationSchema = {
  body: {
    type: 'object',
    required: ['userdata'],
    properties: {
      userdata: {
        type: 'object',
        required: ['mobilePhone'],
        properties: {
          firstName: shortString,
          lastName: shortString,
          email: { type: 'string', maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' },
          username: { type: 'string', minLength: 1, maxLength: 200 },
          mobilePhone: { type: 'string', minLength: 3, maxLength: 64 },
        },
        additionalProperties: true,
      },
      customdata: anyObject,
      verificationmethod: method,
      // One iOS SDK version spells it in camel case.
      verificationMethod: method,
      ...captchaFields,
    },
    additionalProperties: true,
  },
} as const;

/** `sms`, what Salesforce clients send; `voice` or `whatsapp` where the site has such a handler (offered when SMS fails). */
function channelOf(value: string | undefined): Channel {
  if (!value) throw new OtpgateError('invalid_request', 'verificationmethod is required ("sms").');
  const channel = value.toLowerCase();
  if (!isChannel(channel)) throw new OtpgateError('unsupported_verification_method');
  return channel;
}

export function headlessHandlers({ useCases }: Pick<HttpServices, 'useCases'>) {
  return {
    async passwordlessLogin(
      request: FastifyRequest<{
        Body: { username: string; verificationmethod: string; customdata?: Record<string, unknown> } & CaptchaBody;
      }>,
      reply: FastifyReply,
    ) {
      const channel = channelOf(request.body.verificationmethod);
      const { identifier } = await useCases.initPasswordlessLogin(request.site, {
        loginHint: request.body.username,
        channel,
        customData: request.body.customdata ?? {},
        captcha: captchaProofOf(request.body),
        meta: metaOf(request),
      });
      return reply.header('cache-control', 'no-store').send({ identifier, status: 'success' });
    },

    async registration(
      request: FastifyRequest<{
        Body: {
          userdata: RegistrationUserData & { locale?: string };
          customdata?: Record<string, unknown>;
          verificationmethod?: string;
          verificationMethod?: string;
        } & CaptchaBody;
      }>,
      reply: FastifyReply,
    ) {
      const channel = channelOf(request.body.verificationmethod ?? request.body.verificationMethod);
      const { locale, ...userdata } = request.body.userdata;
      const result = await useCases.initSelfRegistration(request.site, {
        userdata,
        channel,
        customdata: request.body.customdata ?? {},
        locale: (typeof locale === 'string' ? locale : null) ?? preferredLanguage(request),
        captcha: captchaProofOf(request.body),
        meta: metaOf(request),
      });
      return reply.header('cache-control', 'no-store').send({ email: result.email, identifier: result.identifier });
    },
  };
}
