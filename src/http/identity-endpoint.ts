import type { FastifyReply, FastifyRequest } from 'fastify';
import { OtpgateError } from '../domain/errors.js';
import { identityResponse, organizationIdOf } from '../oauth/identity.js';
import { bearerToken } from './bearer.js';
import { callingClient } from './cors.js';
import type { HttpServices } from './services.js';

type IdentityRequest = FastifyRequest<{
  Params: { organizationId: string; userId: string };
  Querystring: Record<string, string | undefined>;
  Body: Record<string, string | undefined> | undefined;
}>;

/**
 * Salesforce's identity URL, `{site}/id/{organizationId}/{userId}` (GET or POST; Bearer header or access_token
 * parameter; `format=json`, the only format). A token answers for its own user only.
 */
export function identityHandler({ tokens, urls }: Pick<HttpServices, 'tokens' | 'urls'>) {
  return async (request: IdentityRequest, reply: FastifyReply) => {
    const site = request.site;
    const format = request.query.format ?? request.body?.format;
    const accessToken = bearerToken(request, { parameter: true });
    if (format !== undefined && format !== 'json') throw new OtpgateError('invalid_request', 'format must be json.');
    const { token, user } = await tokens.authenticate(site, accessToken);
    callingClient(request, token.clientId);
    const { organizationId, userId } = request.params;
    if (organizationId !== organizationIdOf(site.id) || userId !== user.id)
      throw new OtpgateError('not_found', 'This identity URL is not the access token’s user.');
    const body = identityResponse({ siteUrl: urls.site(site), siteId: site.id, user, scopes: token.scope.split(' ') });
    return reply.header('cache-control', 'no-store').send(body);
  };
}
