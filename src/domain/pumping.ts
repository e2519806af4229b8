/**
 * SMS pumping: an attacker has codes sent to numbers whose operator pays them per message, and never uses a
 * code. What gives it away is conversion: many sends to one destination, almost none verified. The monitor
 * counts both per destination prefix and per country and throttles a destination whose codes are not used,
 * leaving every other destination alone.
 */
import type { ParsedPhone } from './phone.js';
import { namedCounter, type NamedCounter } from './send-limits.js';

export interface ConversionRule {
  /** Sends in the window before a destination is judged; 0 turns the rule off. */
  minSends: number;
  minVerifiedPercent: number;
  windowSeconds: number;
  throttleSeconds: number;
}

export interface PumpingDefence {
  /** throttle refuses sends (fail closed); monitor only records (fail open). */
  mode: 'throttle' | 'monitor';
  prefix: ConversionRule;
  country: ConversionRule;
}

/** A destination the monitor judges: `prefix:+1201` or `country:US`. */
export interface Destination {
  subject: string;
  rule: ConversionRule;
}

export function destinationsOf(defence: PumpingDefence, phone: Pick<ParsedPhone, 'prefix' | 'country'>): Destination[] {
  return [
    ...(phone.prefix && defence.prefix.minSends > 0 ? [{ subject: `prefix:${phone.prefix}`, rule: defence.prefix }] : []),
    ...(phone.country && defence.country.minSends > 0 ? [{ subject: `country:${phone.country}`, rule: defence.country }] : []),
  ];
}

/** Never full: these counters only measure (a send is refused by a throttle, not by them). */
const UNLIMITED = 1e12;

/**
 * Sends are counted under the send limits' own key format (`prefix:+1415|60m`), so that with the default hour the
 * monitor reads the prefix limit's counter instead of writing a second one; verified codes have keys of their own.
 */
const counter = (kind: 'sent' | 'verified', d: Destination): NamedCounter =>
  namedCounter('prefix', `${kind === 'sent' ? '' : 'verified:'}${d.subject}`, d.rule.windowSeconds * 1000, UNLIMITED);

export const sentCounters = (destinations: Destination[]): NamedCounter[] => destinations.map((d) => counter('sent', d));
export const verifiedCounters = (destinations: Destination[]): NamedCounter[] => destinations.map((d) => counter('verified', d));

/** True when a destination with these sliding counts should be throttled. */
export function poorConversion(rule: ConversionRule, sends: number, verified: number): boolean {
  return sends >= rule.minSends && verified * 100 < rule.minVerifiedPercent * sends;
}
