import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * Named credentials (Salesforce's term): a base URL and an authentication scheme stored under a name,
 * so handler code says `callout:Twilio/Messages.json` and never sees the secret.
 */
export type CredentialAuth =
  | { type: 'none' }
  | { type: 'basic'; username: string; password: string }
  | { type: 'bearer'; token: string }
  | { type: 'header'; name: string; value: string }
  /** Standard Webhooks: each request signed (HMAC-SHA256) with every secret; the handler never sees them. */
  | { type: 'standard-webhooks'; secrets: readonly string[] };

/** What a signing scheme signs: the request's body and its message id. */
export interface SignedMessage {
  id: string;
  body: string;
}

export interface NamedCredential {
  url: string;
  auth: CredentialAuth;
  /** The sites whose handlers may call it; absent: every site. */
  sites?: readonly string[] | undefined;
  /** The account's secret for checking signed delivery receipts, where the provider signs them with one of their own. */
  receiptSecret?: string | undefined;
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

/** The credential `name` as `siteId` may use it: missing, or limited to other sites, is UnknownNamedCredentialError. */
export function credentialFor(credentials: NamedCredentials, name: string, siteId: string): NamedCredential {
  const credential = credentials.get(name);
  if (!credential) throw new UnknownNamedCredentialError(name);
  if (credential.sites && !credential.sites.includes(siteId)) throw new UnknownNamedCredentialError(name, siteId);
  return credential;
}

/**
 * Resolves `callout:NAME/rest` to the credential's URL + rest and the headers its auth scheme adds, for a handler
 * of `siteId`: a credential limited to other sites is refused, so one site's handler cannot spend another's account.
 */
export function resolveCallout(
  target: string,
  credentials: NamedCredentials,
  siteId: string,
  message: SignedMessage = { id: '', body: '' },
): { url: string; headers: Record<string, string> } {
  const parsed = parseCalloutTarget(target);
  if (!parsed) return { url: target, headers: {} };
  const { name, path } = parsed;
  const credential = credentialFor(credentials, name, siteId);
  const base = credential.url.replace(/\/+$/, '');
  return { url: base + path, headers: authHeaders(credential.auth, message) };
}

function authHeaders(auth: CredentialAuth, message: SignedMessage): Record<string, string> {
  switch (auth.type) {
    case 'none':
      return {};
    case 'basic':
      return { authorization: 'Basic ' + Buffer.from(`${auth.username}:${auth.password}`).toString('base64') };
    case 'bearer':
      return { authorization: `Bearer ${auth.token}` };
    case 'header':
      return { [auth.name.toLowerCase()]: auth.value };
    case 'standard-webhooks':
      return standardWebhookHeaders(auth.secrets, message);
  }
}

/**
 * The Standard Webhooks headers: the message id (the handler's `webhook-id`, stable across retries so the
 * receiver can deduplicate; a fresh one otherwise), the time, and one `v1,` signature per secret.
 */
function standardWebhookHeaders(secrets: readonly string[], message: SignedMessage): Record<string, string> {
  const id = message.id || `msg_${randomUUID()}`;
  const now = new Date();
  const signatures = secrets.map((secret) => new Webhook(secret).sign(id, now, message.body));
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}
