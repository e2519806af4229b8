/**
 * The default SMS text, per locale. It says "code" (iOS offers to fill messages that do) and ends with the
 * WebOTP line `@host #code`, which lets browsers on that origin fill the form.
 */
import { DEFAULT_LOCALE, matchLocale, type Locale } from '../domain/locale.js';

// Keyed by the one locale list: a language added there without a text here fails to compile.
const TEMPLATES: Record<Locale, (v: { code: string; site: string; minutes: number }) => string> = {
  en: (v) => `Your ${v.site} code is ${v.code}. It expires in ${v.minutes} min. Don't share it.`,
  es: (v) => `Tu código de ${v.site} es ${v.code}. Caduca en ${v.minutes} min. No lo compartas.`,
  fr: (v) => `Votre code ${v.site} est ${v.code}. Il expire dans ${v.minutes} min. Ne le partagez pas.`,
  de: (v) => `Ihr ${v.site}-Code ist ${v.code}. Er läuft in ${v.minutes} Min. ab. Geben Sie ihn nicht weiter.`,
};

/** The best supported locale for a tag such as "fr-CA" (falls back to English). */
export function supportedLocale(tag: string | null | undefined): Locale {
  return matchLocale(tag) ?? DEFAULT_LOCALE;
}

export function renderDefaultText(input: { locale: string; code: string; siteName: string; ttlSeconds: number; host: string }): string {
  const template = TEMPLATES[supportedLocale(input.locale)];
  const body = template({ code: input.code, site: input.siteName, minutes: Math.max(1, Math.round(input.ttlSeconds / 60)) });
  return `${body}\n\n@${input.host} #${input.code}`;
}
