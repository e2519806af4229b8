import type { FastifyRequest } from 'fastify';
import type { OAuthParams } from '../oauth/params.js';
import { parseBasicCredential } from './basic-credential.js';

/**
 * The client's credentials at the token and revocation endpoints: client_secret_basic (the Authorization
 * header) or client_secret_post / client_id alone (the form). Checking them is the client service's job.
 */
export function clientCredentials(request: FastifyRequest, params: OAuthParams): { clientId: string | null; secret: string | null } {
  const basic = parseBasicCredential(request.headers.authorization);
  if (basic) return { clientId: formDecode(basic.user), secret: formDecode(basic.password) };
  return { clientId: params.client_id ?? null, secret: params.client_secret ?? null };
}

/**
 * RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. A value that decodes to a NUL (`%00`)
 * is no credential of ours (and PostgreSQL refuses a NUL in a compared text): it counts as none.
 */
function formDecode(value: string): string | null {
  let decoded = value;
  try {
    decoded = decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    // Not form-encoded after all: taken as it is.
  }
  return decoded.includes('\u0000') ? null : decoded;
}
