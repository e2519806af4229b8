import type { FastifyReply, FastifyRequest } from 'fastify';
import { OtpgateError } from '../domain/errors.js';
import { parseBearer } from './basic-credential.js';
import { metaOf } from './request-meta.js';
import type { HttpServices } from './services.js';

export const phoneInitSchema = {
  body: {
    type: 'object',
    required: ['phone'],
    properties: { phone: { type: 'string', minLength: 3, maxLength: 64 } },
    additionalProperties: false,
  },
} as const;
export const verifySchema = {
  body: {
    type: 'object',
    required: ['identifier', 'otp'],
    properties: { identifier: { type: 'string', minLength: 1, maxLength: 64 }, otp: { type: 'string', minLength: 1, maxLength: 20 } },
    additionalProperties: false,
  },
} as const;

/**
 * The two use cases for a signed-in user (an access token): identity verification (second factor) and
 * phone registration/change. otpgate's own endpoints: Salesforce offers these only in Apex.
 */
export function accountHandlers({ useCases, tokens, clock }: Pick<HttpServices, 'useCases' | 'tokens' | 'clock'>) {
  const signedIn = async (request: FastifyRequest) => {
    const bearer = parseBearer(request.headers.authorization);
    if (!bearer) throw new OtpgateError('invalid_token');
    return (await tokens.authenticate(request.site, bearer)).user;
  };
  return {
    async initVerification(request: FastifyRequest, reply: FastifyReply) {
      const user = await signedIn(request);
      const { identifier } = await useCases.initIdentityVerification(request.site, { userId: user.id, meta: metaOf(request) });
      return reply.header('cache-control', 'no-store').send({ identifier, status: 'success' });
    },
    async verifyVerification(request: FastifyRequest<{ Body: { identifier: string; otp: string } }>, reply: FastifyReply) {
      const user = await signedIn(request);
      await useCases.verifyIdentityVerification(request.site, {
        userId: user.id,
        identifier: request.body.identifier,
        code: request.body.otp,
      });
      return reply.send({ status: 'success', verified_at: clock.now().toISOString() });
    },
    async initPhone(request: FastifyRequest<{ Body: { phone: string } }>, reply: FastifyReply) {
      const user = await signedIn(request);
      const { identifier } = await useCases.initPhoneRegistration(request.site, {
        userId: user.id,
        phone: request.body.phone,
        meta: metaOf(request),
      });
      return reply.header('cache-control', 'no-store').send({ identifier, status: 'success' });
    },
    async verifyPhone(request: FastifyRequest<{ Body: { identifier: string; otp: string } }>, reply: FastifyReply) {
      const user = await signedIn(request);
      const updated = await useCases.verifyPhoneRegistration(request.site, {
        userId: user.id,
        identifier: request.body.identifier,
        code: request.body.otp,
      });
      return reply.send({ status: 'success', phone_number: updated.phone, phone_number_verified: updated.phoneVerified });
    },
  };
}
