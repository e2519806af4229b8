import type { FastifyReply, FastifyRequest } from 'fastify';
import { OtpgateError } from '../domain/errors.js';
import { secondFactorFresh } from '../domain/session.js';
import { ACCOUNT_SCOPES } from '../oauth/tokens.js';
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
 *
 * The phone is what a login needs, so changing it is guarded like a password change: a token of the site's own
 * (first-party) app with `api` or `full`, and a fresh identity verification on the current phone by the same
 * login (token family). A user without a verified phone yet may add one with the scope alone.
 */
export function accountHandlers({ useCases, tokens, clients, clock }: Pick<HttpServices, 'useCases' | 'tokens' | 'clients' | 'clock'>) {
  const authenticated = async (request: FastifyRequest) => {
    const bearer = parseBearer(request.headers.authorization);
    if (!bearer) throw new OtpgateError('invalid_token');
    return tokens.authenticate(request.site, bearer);
  };
  const signedIn = async (request: FastifyRequest) => (await authenticated(request)).user;

  async function mayChangePhone(request: FastifyRequest) {
    const site = request.site;
    const { token, user } = await authenticated(request);
    const client = await clients.find(site, token.clientId);
    const scopes = token.scope.split(' ');
    if (!client?.firstParty || !scopes.some((s) => ACCOUNT_SCOPES.includes(s))) throw new OtpgateError('insufficient_scope');
    const fresh = secondFactorFresh(token.stepUpAt, clock.now(), site.secondFactor.maxAgeSeconds);
    if (user.phone && user.phoneVerified && site.secondFactor.phoneChange && !fresh)
      throw new OtpgateError('step_up_required', undefined, {
        step_up: `/${site.id}/services/auth/headless/init/verification`,
        max_age: site.secondFactor.maxAgeSeconds,
      });
    return { token, user };
  }

  return {
    async initVerification(request: FastifyRequest, reply: FastifyReply) {
      const user = await signedIn(request);
      const { identifier } = await useCases.initIdentityVerification(request.site, { userId: user.id, meta: metaOf(request) });
      return reply.header('cache-control', 'no-store').send({ identifier, status: 'success' });
    },
    async verifyVerification(request: FastifyRequest<{ Body: { identifier: string; otp: string } }>, reply: FastifyReply) {
      const { token, user } = await authenticated(request);
      await useCases.verifyIdentityVerification(request.site, {
        userId: user.id,
        identifier: request.body.identifier,
        code: request.body.otp,
        meta: metaOf(request),
      });
      // A step-up belongs to the login that passed it, not to the user: another app's token gains nothing.
      const at = clock.now();
      await tokens.recordStepUp(request.site, token.familyId, at);
      return reply.send({ status: 'success', verified_at: at.toISOString() });
    },
    async initPhone(request: FastifyRequest<{ Body: { phone: string } }>, reply: FastifyReply) {
      const { user } = await mayChangePhone(request);
      const { identifier } = await useCases.initPhoneRegistration(request.site, {
        userId: user.id,
        phone: request.body.phone,
        meta: metaOf(request),
      });
      return reply.header('cache-control', 'no-store').send({ identifier, status: 'success' });
    },
    async verifyPhone(request: FastifyRequest<{ Body: { identifier: string; otp: string } }>, reply: FastifyReply) {
      const { token, user } = await mayChangePhone(request);
      const updated = await useCases.verifyPhoneRegistration(request.site, {
        userId: user.id,
        identifier: request.body.identifier,
        code: request.body.otp,
        changedBy: { tokenFamily: token.familyId },
        meta: metaOf(request),
      });
      return reply.send({ status: 'success', phone_number: updated.phone, phone_number_verified: updated.phoneVerified });
    },
  };
}
