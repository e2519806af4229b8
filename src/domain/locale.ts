/**
 * The one list of supported locales: pages (i18n/), default SMS texts (delivery/default-text.ts), the OIDC
 * discovery document and the config docs all use it, so adding a language is adding it here and to each.
 */
export const LOCALES = ['en', 'es', 'fr', 'de'] as const;
export type Locale = (typeof LOCALES)[number];

/** What a user or site with no supported locale gets. */
export const DEFAULT_LOCALE: Locale = 'en';

/** The supported locale for a tag such as "fr-CA" (its language decides), or null. */
export function matchLocale(tag: string | null | undefined): Locale | null {
  const language = (tag ?? '').trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return (LOCALES as readonly string[]).includes(language) ? (language as Locale) : null;
}
