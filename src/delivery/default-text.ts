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

export type Notice = 'account_exists' | 'phone_changed';

// A notice carries no code: it tells the phone's owner what happened and what to do.
const NOTICES: Record<Notice, Record<Locale, (v: { site: string; host: string }) => string>> = {
  account_exists: {
    en: (v) =>
      `Someone asked to create a ${v.site} account with this number. You already have one: ` +
      `sign in at ${v.host} with this number. If it wasn't you, ignore this message.`,
    es: (v) =>
      `Alguien pidió crear una cuenta de ${v.site} con este número. Ya tienes una: ` +
      `inicia sesión en ${v.host} con este número. Si no fuiste tú, ignora este mensaje.`,
    fr: (v) =>
      `Quelqu'un a demandé à créer un compte ${v.site} avec ce numéro. Vous en avez déjà un : ` +
      `connectez-vous sur ${v.host} avec ce numéro. Si ce n'était pas vous, ignorez ce message.`,
    de: (v) =>
      `Jemand wollte mit dieser Nummer ein ${v.site}-Konto erstellen. Sie haben schon eines: ` +
      `Melden Sie sich auf ${v.host} mit dieser Nummer an. Falls Sie es nicht waren, ignorieren Sie diese Nachricht.`,
  },
  phone_changed: {
    en: (v) =>
      `The phone number of your ${v.site} account was changed; this number no longer signs in. If it wasn't you, contact ${v.site} now.`,
    es: (v) =>
      `El número de tu cuenta de ${v.site} ha cambiado; este número ya no inicia sesión. Si no fuiste tú, contacta con ${v.site} ya.`,
    fr: (v) =>
      `Le numéro de votre compte ${v.site} a été changé ; ce numéro ne permet plus de vous connecter. ` +
      `Si ce n'était pas vous, contactez ${v.site} maintenant.`,
    de: (v) =>
      `Die Telefonnummer Ihres ${v.site}-Kontos wurde geändert; mit dieser Nummer ist keine Anmeldung mehr möglich. ` +
      `Falls Sie es nicht waren, wenden Sie sich sofort an ${v.site}.`,
  },
};

export function renderNotice(input: { notice: Notice; locale: string; siteName: string; host: string }): string {
  return NOTICES[input.notice][supportedLocale(input.locale)]({ site: input.siteName, host: input.host });
}

/** The best supported locale for a tag such as "fr-CA" (falls back to English). */
export function supportedLocale(tag: string | null | undefined): Locale {
  return matchLocale(tag) ?? DEFAULT_LOCALE;
}

export function renderDefaultText(input: { locale: string; code: string; siteName: string; ttlSeconds: number; host: string }): string {
  const template = TEMPLATES[supportedLocale(input.locale)];
  const body = template({ code: input.code, site: input.siteName, minutes: Math.max(1, Math.round(input.ttlSeconds / 60)) });
  return `${body}\n\n@${input.host} #${input.code}`;
}
