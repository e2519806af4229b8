/**
 * Who the client is, behind proxies we trust and no others. The address limits, handlers, logs and the audit
 * log see is never a value the client wrote: `X-Forwarded-For` is read from the right, one trusted hop at a
 * time, and whatever comes out must be an IP address, else the connection's own address is used.
 *
 * The installed Fastify (5.x) does not honour a hop count: a number makes it trust no proxy at all (it cannot
 * check the peer). So the hop count is given to Fastify as a trust function, the proxy-addr convention that
 * Express uses too: hop `i` (0 = the connection's peer) is trusted while `i < hops`.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import proxyAddr from '@fastify/proxy-addr';

/** `false`, a number of trusted hops, or the trusted proxies' addresses and CIDRs (`true` means one hop). */
export type TrustProxySetting = boolean | number | string[];
export type ProxyTrust = (address: string, hop: number) => boolean;

export function proxyTrust(setting: TrustProxySetting): ProxyTrust | false {
  if (setting === false || setting === 0) return false;
  if (Array.isArray(setting)) return proxyAddr.compile(setting);
  const hops = setting === true ? 1 : setting;
  return (_address, hop) => hop < hops;
}

/** The address Fastify resolved (`request.ip`) when it is one, else the connection's. */
export function clientIp(resolved: string | undefined, raw: IncomingMessage): string | null {
  if (resolved && isIP(resolved)) return resolved;
  const own = raw.socket.remoteAddress;
  return own && isIP(own) ? own : null;
}

/** True when the connection comes from a proxy we trust: only then are its X-Forwarded-* and X-Request-Id believed. */
export const fromTrustedProxy = (trust: ProxyTrust | false, raw: IncomingMessage): boolean =>
  trust !== false && raw.socket.remoteAddress !== undefined && trust(raw.socket.remoteAddress, 0);
