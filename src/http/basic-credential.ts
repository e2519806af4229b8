/**
 * Reads `Authorization: Basic base64(user:password)`. Salesforce's docs encode with btoa (standard,
 * padded); its Android SDK uses the URL-safe alphabet without padding. Both are accepted.
 */
export function parseBasicCredential(header: string | undefined): { user: string; password: string } | null {
  if (!header) return null;
  const match = /^Basic\s+([A-Za-z0-9+/_-]+={0,2})\s*$/i.exec(header);
  if (!match) return null;
  const normalised = match[1]!.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  const decoded = Buffer.from(normalised, 'base64').toString('utf8');
  const cut = decoded.indexOf(':');
  // A NUL can be no identifier, client id or secret of ours (and PostgreSQL cannot even compare one).
  if (cut < 0 || decoded.includes('\u0000')) return null;
  return { user: decoded.slice(0, cut), password: decoded.slice(cut + 1) };
}

export function parseBearer(header: string | undefined): string | null {
  const match = header ? /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(header) : null;
  return match ? match[1]! : null;
}
