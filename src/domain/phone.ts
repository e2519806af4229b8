import { LRUCache } from 'lru-cache';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

declare const phoneBrand: unique symbol;
/** An E.164 number that a real parser accepted. The only way to get one is `parsePhone`. */
export type PhoneNumber = string & { readonly [phoneBrand]: true };

export interface ParsedPhone {
  e164: PhoneNumber;
  country: string | null;
  /**
   * The destination prefix that SMS-pumping fraud targets: calling code and the first three national digits
   * (+1415, +44770). Null for a stand-in that is not a number (an unknown username).
   */
  prefix: string | null;
}

/**
 * Parses a phone number typed by a person or sent by an app. Without a leading + the
 * default country decides. Fixed-line numbers are refused: they cannot receive a text.
 */
export function parsePhone(input: string, defaultCountry?: string): ParsedPhone | null {
  if (typeof input !== 'string' || input.length > 64) return null;
  // A code's check parses again the number its send parsed (for its country and prefix): the answer is kept for
  // the last few thousand numbers, since a parse with the full metadata costs ~30 µs (issue 12).
  const key = `${defaultCountry ?? ''}|${input}`;
  const known = recent.get(key);
  if (known !== undefined) return known || null;
  const parsed = parseUncached(input, defaultCountry);
  recent.set(key, parsed ?? false); // a refusal is remembered too
  return parsed;
}

const recent = new LRUCache<string, ParsedPhone | false>({ max: 4096 });

function parseUncached(input: string, defaultCountry: string | undefined): ParsedPhone | null {
  const parsed = parsePhoneNumberFromString(input.trim(), defaultCountry as CountryCode | undefined);
  if (!parsed || !parsed.isValid()) return null;
  const type = parsed.getType();
  if (type === 'FIXED_LINE' || type === 'PREMIUM_RATE' || type === 'TOLL_FREE' || type === 'SHARED_COST') return null;
  // Frozen: every caller of the same number shares this object.
  return Object.freeze({
    e164: parsed.number as PhoneNumber,
    country: parsed.country ?? null,
    prefix: `+${parsed.countryCallingCode}${parsed.nationalNumber.slice(0, 3)}`,
  });
}

/**
 * Salesforce's `UserManagement.formatPhoneNumber(countryCode, phoneNumber)`: country code and
 * national number passed apart, e.g. ('1', '4155551234') or ('+1', '(415) 555-1234').
 * Returns the E.164 form, or null when the two do not make a valid mobile number.
 */
export function formatPhoneNumber(countryCode: string, phoneNumber: string): PhoneNumber | null {
  const cc = String(countryCode ?? '').replace(/[^\d]/g, '');
  const national = String(phoneNumber ?? '').replace(/[\s().-]/g, '');
  if (!/^\d{1,3}$/.test(cc) || !/^\d{3,49}$/.test(national)) return null;
  return parsePhone(`+${cc}${national}`)?.e164 ?? null;
}

/** True when the country of a parsed number passes the site's allow and deny lists. */
export function countryAllowed(country: string | null, allow: readonly string[] | undefined, deny: readonly string[] | undefined): boolean {
  if (deny && country && deny.includes(country)) return false;
  if (allow && allow.length > 0) return country !== null && allow.includes(country);
  return true;
}
