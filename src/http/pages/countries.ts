import { getCountries, getCountryCallingCode, type CountryCode } from 'libphonenumber-js/max';
import type { Locale } from '../../i18n/index.js';

export interface CountryOption {
  code: string;
  name: string;
  callingCode: string;
}

const byLocale = new Map<Locale, CountryOption[]>();

/** Every country libphonenumber knows, named in the page's language and sorted the way its readers sort. */
export function countryOptions(locale: Locale): CountryOption[] {
  let options = byLocale.get(locale);
  if (!options) {
    const names = new Intl.DisplayNames([locale], { type: 'region', fallback: 'code' });
    const collator = new Intl.Collator(locale);
    options = getCountries()
      .map((code) => ({ code, name: names.of(code) ?? code, callingCode: getCountryCallingCode(code) }))
      .sort((a, b) => collator.compare(a.name, b.name));
    byLocale.set(locale, options);
  }
  return options;
}

export function isCountry(value: string | undefined): value is CountryCode {
  return value !== undefined && /^[A-Z]{2}$/.test(value) && (getCountries() as string[]).includes(value);
}
