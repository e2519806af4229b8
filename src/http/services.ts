import type { TrustProxySetting } from './client-address.js';
import type { Logger } from 'pino';
import type { Tracer } from '@opentelemetry/api';
import type { Clock } from '../domain/clock.js';
import type { adminTestMessage } from '../flows/admin-actions.js';
import type { FlowDeps } from '../flows/deps.js';
import type { ReceiptRequest } from '../delivery/providers/receipts.js';
import type { ReceiptTally } from '../flows/delivery-receipts.js';
import type { Site } from '../domain/site.js';
import type { UseCases } from '../flows/use-cases.js';
import type { SiteDirectory } from '../flows/site-directory.js';
import type { ClientService } from '../oauth/clients.js';
import type { ConsentService } from '../oauth/consents.js';
import type { Keyring } from '../oauth/signing-keys.js';
import type { TokenService } from '../oauth/tokens.js';
import type { SessionService } from '../sessions/browser-sessions.js';

/** Where things are on the public side: the server's base URL and each site's issuer URL. */
export interface SiteUrls {
  readonly base: string;
  /** The site's base URL (its OIDC issuer): `{base}/{site.id}`. */
  site(site: Site): string;
  /** True when the server is reached over https: cookies are then Secure. */
  readonly secureCookies: boolean;
}

/** Set when shutdown starts: readiness fails so the load balancer stops sending while requests drain. */
export interface Lifecycle {
  readonly draining: boolean;
}

/** Throws when this instance cannot serve (the database does not answer). */
export interface Readiness {
  check(): Promise<void>;
}

export interface ServerSettings {
  bodyLimitBytes: number;
  trustProxy: TrustProxySetting;
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  connectionTimeoutMs: number;
}

/** What the admin API and console use: the credential, the session length, the flows' reads and actions. */
export interface AdminServices {
  /** admin.token; null: no admin API and no console (404). */
  token: string | null;
  sessionMinutes: number;
  /** The flows' dependencies the admin reads and actions take (reports, lists, test message, lifting a block). */
  deps: AdminDeps;
  /** Every site id, for the overview. */
  siteIds(): Promise<string[]>;
}

export type AdminDeps = Parameters<typeof adminTestMessage>[0] & Pick<FlowDeps, 'store' | 'clock' | 'hasher' | 'guards'>;

/**
 * The services the HTTP layer is built from. Every route handler factory names the few it uses
 * (`Pick<HttpServices, ...>`), so what a handler depends on is visible where it is declared.
 */
export interface HttpServices {
  sites: Pick<SiteDirectory, 'require'>;
  useCases: UseCases;
  clients: ClientService;
  tokens: TokenService;
  sessions: SessionService;
  keyring: Pick<Keyring, 'jwks'>;
  clock: Clock;
  urls: SiteUrls;
  lifecycle: Lifecycle;
  readiness: Readiness;
  logger: Logger;
  settings: ServerSettings;
  metrics: MetricsEndpoint;
  corsOrigins: CorsOrigins;
  consents: ConsentService;
  /** A span per request when tracing is on (observability/tracing.ts); null: off. */
  tracer: Tracer | null;
  /** The admin API and console (http/admin/): the admin credential and what their reads and actions use. */
  admin: AdminServices;
  /** Delivery receipts: the provider's status callbacks, checked and noted (flows/delivery-receipts.ts). */
  receipts: { accept(site: Site, handler: string, request: ReceiptRequest): Promise<ReceiptTally> };
}

/** The web origins allowed to call a site's endpoints from a page (CORS): per client, and the site's union. */
export interface CorsOrigins {
  ofClient(siteId: string, clientId: string): readonly string[];
  ofSite(siteId: string): readonly string[];
}

/** GET /metrics: off without a token; with one, Prometheus text for a request that bears it. */
export interface MetricsEndpoint {
  token: string | null;
  render(): Promise<{ contentType: string; body: string }>;
  /** Counts an answered request under its route pattern. */
  requestDone(route: string, method: string, status: number): void;
}
