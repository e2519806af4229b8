/**
 * The layered send limits (issue 8): who may make the site send how many codes. Each layer stops a different
 * attack: one client (ip), one network (ip_range), one victim's phone (phone), SMS pumping into a range of
 * premium numbers (prefix), and the site's bill as a whole (site). All are counted before a code is generated,
 * for unknown login hints too, so a refusal cannot tell a known number from an unknown one.
 */
import ipaddr from 'ipaddr.js';
import type { RateCounter } from './rate-window.js';

/** Sends allowed per window; 0 turns a window off. */
export interface LimitWindows {
  perTenMinutes: number;
  perHour: number;
  perDay: number;
}

export interface SendLimits {
  /** One client address: an IPv4 address, or an IPv6 /64 (what one subscriber usually gets). */
  ip: LimitWindows;
  /** One network: an IPv4 /24 or an IPv6 /48. */
  ipRange: LimitWindows;
  /** One phone (its hourly window is the use case's maxSendsPerPhonePerHour). */
  phone: LimitWindows;
  /** One destination prefix (calling code and three national digits). */
  prefix: LimitWindows;
  /** The whole site: a spend cap. */
  site: LimitWindows;
}

/** The names a refusal gives (the `limit` field of a 429 too_many_requests). */
export type LimitName = 'ip' | 'ip_range' | 'phone' | 'prefix' | 'site' | 'resend';

export interface NamedCounter extends RateCounter {
  name: Exclude<LimitName, 'resend'>;
  /** What is counted (`ip:203.0.113.7`, `site`) and over which window (`10m`): the two halves of the key. */
  subject: string;
  window: string;
}

const MINUTE_MS = 60_000;
const WINDOWS: [keyof LimitWindows, number][] = [
  ['perTenMinutes', 10 * MINUTE_MS],
  ['perHour', 60 * MINUTE_MS],
  ['perDay', 24 * 60 * MINUTE_MS],
];

/** What one send is counted against, in the order refusals name them. */
export interface SendSubject {
  ip: string | null;
  phone: string;
  prefix: string | null;
}

export function sendCounters(limits: SendLimits, subject: SendSubject): NamedCounter[] {
  return [
    ...clientCounters(limits, subject.ip),
    ...countersOf('phone', `phone:${subject.phone}`, limits.phone),
    ...(subject.prefix ? countersOf('prefix', `prefix:${subject.prefix}`, limits.prefix) : []),
    ...countersOf('site', 'site', limits.site),
  ];
}

/** The counters of the client alone (its address and its network); none without an address. */
export function clientCounters(limits: SendLimits, ip: string | null): NamedCounter[] {
  const network = ip ? clientNetwork(ip) : null;
  if (!network) return [];
  return [...countersOf('ip', `ip:${network.client}`, limits.ip), ...countersOf('ip_range', `net:${network.range}`, limits.ipRange)];
}

function countersOf(name: NamedCounter['name'], subject: string, windows: LimitWindows): NamedCounter[] {
  return WINDOWS.filter(([field]) => windows[field] > 0).map(([field, windowMs]) => namedCounter(name, subject, windowMs, windows[field]));
}

/** A counter under its key `subject|<minutes>m`, the one format the store, the monitor and the audit log share. */
export function namedCounter(name: NamedCounter['name'], subject: string, windowMs: number, limit: number): NamedCounter {
  const window = `${windowMs / MINUTE_MS}m`;
  return { name, subject, window, key: `${subject}|${window}`, windowMs, limit };
}

/**
 * The client and its network, as a limit should see them: an IPv4 address (also when it arrives IPv4-mapped
 * on an IPv6 socket) and its /24; for IPv6 the /64 (one subscriber can use any address in it) and the /48.
 */
export function clientNetwork(ip: string): { client: string; range: string } | null {
  if (!ipaddr.isValid(ip)) return null;
  let address = ipaddr.parse(ip);
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) address = (address as ipaddr.IPv6).toIPv4Address();
  if (address.kind() === 'ipv4') {
    const octets = (address as ipaddr.IPv4).octets;
    return { client: octets.join('.'), range: `${octets.slice(0, 3).join('.')}.0/24` };
  }
  const parts = (address as ipaddr.IPv6).parts.map((p) => p.toString(16));
  return { client: `${parts.slice(0, 4).join(':')}::/64`, range: `${parts.slice(0, 3).join(':')}::/48` };
}
