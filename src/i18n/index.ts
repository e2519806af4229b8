/**
 * Page languages. A page's language is the first supported one of: the visitor's explicit choice (the
 * language links, or an app's ui_locales), the signed-in user's locale, the site's locale, then the
 * browser's Accept-Language; English when none is supported.
 */
import { DEFAULT_LOCALE, LOCALES, matchLocale, type Locale } from '../domain/locale.js';
import { de } from './de.js';
import { en, type Catalog, type MessageKey } from './en.js';
import { es } from './es.js';
import { fr } from './fr.js';

export { LOCALES, matchLocale, type Locale };
export type { MessageKey };

const CATALOGS: Record<Locale, Catalog> = { en, es, fr, de };

/** Each language named in itself, for the language links. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', es: 'Español', fr: 'Français', de: 'Deutsch' };

/** The first supported locale among candidates, in order; English when none is. */
export function pickLocale(candidates: ReadonlyArray<string | null | undefined>): Locale {
  for (const candidate of candidates) {
    const match = matchLocale(candidate);
    if (match) return match;
  }
  return DEFAULT_LOCALE;
}

/** Accept-Language tags, most preferred first (q=0 means "not this one"). */
export function acceptedLanguages(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .slice(0, 20)
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = Number(
        params
          .map((p) => p.trim())
          .find((p) => p.startsWith('q='))
          ?.slice(2) ?? '1',
      );
      return { tag: tag.trim(), q: Number.isFinite(q) ? q : 0, index };
    })
    .filter((l) => l.q > 0 && /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(l.tag))
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map((l) => l.tag);
}

export type Params = Record<string, string | number>;

export interface Translator {
  locale: Locale;
  (key: MessageKey, params?: Params): string;
  /** `${base}_one` or `${base}_other` by the language's plural rules, with {count}. */
  plural(base: PluralBase, count: number, params?: Params): string;
}

type PluralBase = MessageKey extends infer K ? (K extends `${infer B}_one` ? B : never) : never;

export function translator(locale: Locale): Translator {
  const catalog = CATALOGS[locale];
  const rules = new Intl.PluralRules(locale);
  const format = (text: string, params: Params = {}) =>
    text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  const t = ((key: MessageKey, params?: Params) => format(catalog[key], params)) as Translator;
  t.locale = locale;
  t.plural = (base, count, params = {}) => {
    const key = `${base}_${rules.select(count) === 'one' ? 'one' : 'other'}` as MessageKey;
    return format(catalog[key] ?? catalog[`${base}_other` as MessageKey], { ...params, count });
  };
  return t;
}
