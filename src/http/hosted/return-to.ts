import type { Site } from '../../domain/site.js';

const ORIGIN = 'http://otpgate.invalid';

/**
 * Where to go after signing in: only a path on this same site (an authorize request, the account page).
 * Anything else is dropped, so the login page can never be used to bounce users to another site.
 */
export function safeReturnTo(site: Site, value: string | undefined): string | null {
  if (!value || value.length > 4096 || !value.startsWith(`/${site.id}/`) || /[\\\s]/.test(value)) return null;
  const url = new URL(value, ORIGIN);
  if (url.origin !== ORIGIN || !url.pathname.startsWith(`/${site.id}/`)) return null;
  return url.pathname + url.search;
}

/** `path?return_to=...` when there is somewhere to return to. */
export const withReturnTo = (path: string, returnTo: string | null, extra: Record<string, string> = {}): string => {
  const query = new URLSearchParams({ ...(returnTo ? { return_to: returnTo } : {}), ...extra }).toString();
  return query ? `${path}?${query}` : path;
};
