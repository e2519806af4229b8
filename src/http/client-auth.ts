import type { FastifyRequest } from 'fastify';
import { constantTimeEqual } from '../crypto/code-hasher.js';
import type { Otpgate } from '../app.js';
import { OtpgateError } from '../domain/errors.js';
import type { OAuthClient } from '../domain/oauth.js';
import type { Site } from '../domain/site.js';
import { hashClientSecret } from '../oauth/tokens.js';
import { parseBasicCredential } from './basic-credential.js';

/**
 * Authenticates the client at the token and revocation endpoints: client_secret_basic or
 * client_secret_post for confidential clients, client_id alone for public ones (PKCE protects those).
 */
export async function authenticateClient(app: Otpgate, site: Site, request: FastifyRequest, body: Record<string, unknown>): Promise<OAuthClient> {
  const basic = parseBasicCredential(request.headers.authorization);
  const clientId = basic ? safeDecode(basic.user) : typeof body.client_id === 'string' ? body.client_id : null;
  const secret = basic ? safeDecode(basic.password) : typeof body.client_secret === 'string' ? body.client_secret : null;
  if (!clientId) throw new OtpgateError('invalid_client', 'client_id is required.');
  const client = await app.store.forSite(site.id).clients.byId(clientId);
  if (!client) throw new OtpgateError('invalid_client');
  if (client.secretHash !== null && (!secret || !constantTimeEqual(hashClientSecret(secret), client.secretHash))) throw new OtpgateError('invalid_client');
  return client;
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}
