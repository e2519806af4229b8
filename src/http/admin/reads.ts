/**
 * The admin API's and console's reads, from query strings as given (strings) to views: one place reads the
 * filters, so both answer a bad one with the same invalid_request.
 */
import { DELIVERY_RESULTS } from '../../delivery/contract.js';
import { OtpgateError } from '../../domain/errors.js';
import type { Site } from '../../domain/site.js';
import { USE_CASES } from '../../domain/use-case.js';
import { siteReport } from '../../flows/admin-reports.js';
import { countryOf, limitOf, sinceOf } from '../../flows/list-filters.js';
import type { AdminDeps } from '../services.js';
import { attemptView, auditView, blockView, verificationView } from './views.js';

export type Query = Record<string, string | undefined>;

const MAX_LIST = 1000;
const limitIn = (query: Query) => limitOf(query.limit ?? '50', MAX_LIST, 'limit');

function oneOf(value: string | undefined, allowed: readonly string[], name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!allowed.includes(value)) throw new OtpgateError('invalid_request', `${name} must be one of ${allowed.join(', ')}, not "${value}".`);
  return value;
}

function wholeNumber(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new OtpgateError('invalid_request', `${name} must be a whole number, not "${value}".`);
  return n;
}

export async function deliveriesOf(deps: Pick<AdminDeps, 'store'>, site: Site, query: Query) {
  const since = sinceOf(query.since || undefined, 'since');
  const country = countryOf(query.country || undefined, 'country');
  const result = oneOf(query.result, DELIVERY_RESULTS, 'result');
  const rows = await deps.store.forSite(site.id).deliveryAttempts.list({
    limit: limitIn(query),
    ...(since ? { since } : {}),
    ...(query.handler ? { handler: query.handler } : {}),
    ...(result ? { result } : {}),
    ...(country ? { country } : {}),
  });
  return rows.map(attemptView);
}

export async function verificationsOf(deps: Pick<AdminDeps, 'store' | 'clock'>, site: Site, query: Query) {
  const since = sinceOf(query.since || undefined, 'since');
  const useCase = oneOf(query.useCase, USE_CASES, 'useCase');
  const state = oneOf(query.state, ['pending', 'verified', 'locked'], 'state');
  const rows = await deps.store.forSite(site.id).verifications.recent({
    limit: limitIn(query),
    ...(since ? { since } : {}),
    ...(useCase ? { useCase } : {}),
    ...(state ? { state } : {}),
  });
  const now = deps.clock.now();
  return rows.map((v) => verificationView(v, now));
}

export async function auditOf(deps: Pick<AdminDeps, 'store'>, site: Site, query: Query) {
  const since = sinceOf(query.since || undefined, 'since');
  const rows = await deps.store.forSite(site.id).audit.list({
    limit: limitIn(query),
    ...(since ? { since } : {}),
    ...(query.type ? { type: query.type } : {}),
  });
  return rows.map(auditView);
}

export async function blocksOf(deps: Pick<AdminDeps, 'store' | 'clock'>, site: Site, query: Query) {
  const all = oneOf(query.all, ['true', 'false'], 'all') === 'true';
  return (await deps.store.forSite(site.id).sendBlocks.list(deps.clock.now(), { all })).map(blockView);
}

export function reportOf(deps: Pick<AdminDeps, 'store' | 'clock'>, site: Site, query: Query) {
  const handler = query.handler || undefined;
  const country = countryOf(query.country || undefined, 'country');
  if (handler && country) throw new OtpgateError('invalid_request', 'Give at most one of handler and country.');
  const focus = handler ? { by: 'handler' as const, key: handler } : country ? { by: 'country' as const, key: country } : null;
  return siteReport(
    deps,
    site,
    { hours: wholeNumber(query.hours, 24, 'hours'), bucketMinutes: wholeNumber(query.bucketMinutes, 60, 'bucketMinutes') },
    focus,
  );
}
