import type { SitePolicies } from './policy.js';

/** One link of a site's delivery chain (primary first). */
export type HandlerSpec =
  | { type: 'console'; name?: string }
  | { type: 'module'; name?: string; path: string; options?: Record<string, unknown> };

export interface OAuthClientSpec {
  clientId: string;
  name: string;
  /** Absent for public clients (mobile and single-page apps), which must use PKCE. */
  clientSecret?: string;
  redirectUris: string[];
}

export interface SiteBranding {
  logoUrl?: string;
  primaryColor?: string;
}

/** A tenant: its own users, URL prefix, policy, delivery chain and OAuth clients. */
export interface Site {
  /** Also the URL path prefix: /{id}/services/... */
  id: string;
  name: string;
  enabled: boolean;
  experienceId: string | null;
  /** Locale of messages when the user has none. */
  locale: string;
  /** Country assumed for numbers typed without a +. */
  defaultCountry: string | null;
  passwordlessLoginEnabled: boolean;
  registrationEnabled: boolean;
  policies: SitePolicies;
  handlers: HandlerSpec[];
  /** Module paths of the pluggable user discovery and registration handlers (null: built-in). */
  userDiscoveryHandler: string | null;
  registrationHandler: string | null;
  clients: OAuthClientSpec[];
  tokens: { accessTokenTtlSeconds: number; refreshTokenTtlSeconds: number; authorizationCodeTtlSeconds: number };
  branding: SiteBranding;
}
