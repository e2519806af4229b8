import type { OAuthClient } from '../domain/oauth.js';
import type { Site } from '../domain/site.js';
import type { HeadlessAuthorizationRequest } from '../oauth/authorization-request.js';
import type { TokenService } from '../oauth/tokens.js';
import type { RequestMeta } from './deps.js';
import type { UseCases } from './use-cases.js';

/** Salesforce's Auth-Request-Type values: which use case the code in the Basic credential belongs to. */
export type HeadlessRequestType = 'passwordless-login' | 'user-registration';

export interface HeadlessAuthorizeDeps {
  useCases: Pick<UseCases, 'verifyPasswordlessLogin' | 'verifySelfRegistration'>;
  tokens: Pick<TokenService, 'issueCode'>;
}

/**
 * The headless authorize step: verify the code for the request's use case (logging the user in, or creating
 * them), then issue an authorization code. The caller has checked the client and the request first, so a
 * misconfigured app cannot burn a user's code.
 */
export async function authorizeHeadless(
  deps: HeadlessAuthorizeDeps,
  site: Site,
  input: {
    requestType: HeadlessRequestType;
    identifier: string;
    code: string;
    client: OAuthClient;
    request: HeadlessAuthorizationRequest;
    meta: RequestMeta;
  },
): Promise<string> {
  const credential = { identifier: input.identifier, code: input.code, meta: input.meta };
  const user =
    input.requestType === 'passwordless-login'
      ? await deps.useCases.verifyPasswordlessLogin(site, credential)
      : await deps.useCases.verifySelfRegistration(site, credential);
  const { redirectUri, scope, codeChallenge, nonce } = input.request;
  return deps.tokens.issueCode(site, { client: input.client, user, redirectUri, scope, codeChallenge, nonce });
}
