/**
 * Named credentials (Salesforce's term): a base URL and an authentication scheme stored under a name,
 * so handler code says `callout:Twilio/Messages.json` and never sees the secret.
 */
export type CredentialAuth =
  | { type: 'none' }
  | { type: 'basic'; username: string; password: string }
  | { type: 'bearer'; token: string }
  | { type: 'header'; name: string; value: string };

export interface NamedCredential {
  url: string;
  auth: CredentialAuth;
  /** The sites whose handlers may call it; absent: every site. */
  sites?: readonly string[] | undefined;
}

export type NamedCredentials = ReadonlyMap<string, NamedCredential>;

/** A callout to a credential that does not exist, or not for the calling site: a configuration error either way. */
export class UnknownNamedCredentialError extends Error {
  constructor(
    readonly credentialName: string,
    siteId?: string,
  ) {
    super(
      siteId === undefined
        ? `no named credential "${credentialName}" is configured`
        : `named credential "${credentialName}" is not for site "${siteId}" (its sites list leaves it out)`,
    );
  }
}

const CALLOUT_PREFIX = 'callout:';

/** `callout:NAME/rest` split into NAME and `/rest`; null for a plain URL. */
export function parseCalloutTarget(target: string): { name: string; path: string } | null {
  if (!target.startsWith(CALLOUT_PREFIX)) return null;
  const rest = target.slice(CALLOUT_PREFIX.length);
  const cut = rest.search(/[/?]/);
  return { name: cut === -1 ? rest : rest.slice(0, cut), path: cut === -1 ? '' : rest.slice(cut) };
}

/**
 * Resolves `callout:NAME/rest` to the credential's URL + rest and the headers its auth scheme adds, for a handler
 * of `siteId`: a credential limited to other sites is refused, so one site's handler cannot spend another's account.
 */
export function resolveCallout(
  target: string,
  credentials: NamedCredentials,
  siteId: string,
): { url: string; headers: Record<string, string> } {
  const parsed = parseCalloutTarget(target);
  if (!parsed) return { url: target, headers: {} };
  const { name, path } = parsed;
  const credential = credentials.get(name);
  if (!credential) throw new UnknownNamedCredentialError(name);
  if (credential.sites && !credential.sites.includes(siteId)) throw new UnknownNamedCredentialError(name, siteId);
  const base = credential.url.replace(/\/+$/, '');
  return { url: base + path, headers: authHeaders(credential.auth) };
}

function authHeaders(auth: CredentialAuth): Record<string, string> {
  switch (auth.type) {
    case 'none':
      return {};
    case 'basic':
      return { authorization: 'Basic ' + Buffer.from(`${auth.username}:${auth.password}`).toString('base64') };
    case 'bearer':
      return { authorization: `Bearer ${auth.token}` };
    case 'header':
      return { [auth.name.toLowerCase()]: auth.value };
  }
}
