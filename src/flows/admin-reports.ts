import type { FlowDeps, Site } from './deps.js';

/** One time bucket of a site's sends: delivery attempts by outcome, and verifications started and verified. */
export interface ReportBucket {
  at: Date;
  delivered: number;
  failed: number;
  started: number;
  verified: number;
}

/** A handler's or a country's attempts over the window: the share that succeeded says which one is failing. */
export interface ReportRow {
  key: string;
  attempts: number;
  succeeded: number;
  /** succeeded / attempts, 0..1; null without attempts. */
  successRate: number | null;
  /** The same in the last quarter of the window: a provider that just started failing shows here first. */
  recentRate: number | null;
}

export interface SiteReport {
  siteId: string;
  /** The handler or country the time series are limited to; null: the whole site. */
  focus: ReportFocus | null;
  since: Date;
  bucketMinutes: number;
  buckets: ReportBucket[];
  byHandler: ReportRow[];
  byCountry: ReportRow[];
  /** Verified / started over the window; null when nothing was started. */
  conversion: number | null;
}

/** Limits the time series to one handler's or one country's attempts (the tables still list them all). */
export interface ReportFocus {
  by: 'handler' | 'country';
  key: string;
}

/** The window and resolution a report may ask for: at most a week, at most 200 buckets. */
export function reportWindow(hours: number, bucketMinutes: number): { hours: number; bucketMinutes: number } {
  const h = Math.min(168, Math.max(1, Math.floor(hours)));
  const minBucket = Math.ceil((h * 60) / 200);
  return { hours: h, bucketMinutes: Math.max(minBucket, Math.min(1440, Math.max(1, Math.floor(bucketMinutes)))) };
}

/**
 * What the admin console charts for a site: send volume and delivery success per time bucket, send-to-verify
 * conversion, and success per handler and per country; with `focus`, the attempts over time of one handler or
 * country (conversion stays the site's: a code is not sent "by" a country). Read from the attempt log and the verifications, by the
 * store's GROUP BY, so a busy site costs a few rows per bucket, not a row per message.
 */
export async function siteReport(
  deps: Pick<FlowDeps, 'store' | 'clock'>,
  site: Pick<Site, 'id'>,
  window: { hours: number; bucketMinutes: number },
  focus: ReportFocus | null = null,
): Promise<SiteReport> {
  const { hours, bucketMinutes } = reportWindow(window.hours, window.bucketMinutes);
  const bucketMs = bucketMinutes * 60_000;
  const now = deps.clock.now().getTime();
  const since = new Date(Math.floor((now - hours * 3_600_000) / bucketMs) * bucketMs);
  const store = deps.store.forSite(site.id);
  const [byHandler, byCountry, verifications] = await Promise.all([
    store.deliveryAttempts.series({ since, bucketMs, by: 'handler' }),
    store.deliveryAttempts.series({ since, bucketMs, by: 'country' }),
    store.verifications.series({ since, bucketMs }),
  ]);
  const buckets = new Map<number, ReportBucket>();
  for (let at = since.getTime(); at <= now; at += bucketMs)
    buckets.set(at, { at: new Date(at), delivered: 0, failed: 0, started: 0, verified: 0 });
  const bucketOf = (at: Date) => buckets.get(at.getTime());
  const attempts = focus ? (focus.by === 'handler' ? byHandler : byCountry).filter((r) => r.key === focus.key) : byHandler;
  for (const row of attempts) {
    const bucket = bucketOf(row.bucket);
    if (bucket && row.result === 'SUCCESS') bucket.delivered += row.count;
    else if (bucket) bucket.failed += row.count;
  }
  let started = 0;
  let verified = 0;
  for (const row of verifications) {
    const bucket = bucketOf(row.bucket);
    if (bucket) {
      bucket.started += row.started;
      bucket.verified += row.verified;
    }
    started += row.started;
    verified += row.verified;
  }
  const recentFrom = now - (hours * 3_600_000) / 4;
  return {
    siteId: site.id,
    focus,
    since,
    bucketMinutes,
    buckets: [...buckets.values()],
    byHandler: rowsOf(byHandler, recentFrom),
    byCountry: rowsOf(byCountry, recentFrom),
    conversion: started > 0 ? verified / started : null,
  };
}

function rowsOf(series: { bucket: Date; key: string; result: string; count: number }[], recentFrom: number): ReportRow[] {
  const rows = new Map<string, { attempts: number; succeeded: number; recent: number; recentSucceeded: number }>();
  for (const { bucket, key, result, count } of series) {
    const row = rows.get(key) ?? { attempts: 0, succeeded: 0, recent: 0, recentSucceeded: 0 };
    const ok = result === 'SUCCESS' ? count : 0;
    row.attempts += count;
    row.succeeded += ok;
    if (bucket.getTime() >= recentFrom) {
      row.recent += count;
      row.recentSucceeded += ok;
    }
    rows.set(key, row);
  }
  return [...rows.entries()]
    .map(([key, r]) => ({
      key,
      attempts: r.attempts,
      succeeded: r.succeeded,
      successRate: r.attempts > 0 ? r.succeeded / r.attempts : null,
      recentRate: r.recent > 0 ? r.recentSucceeded / r.recent : null,
    }))
    .sort((a, b) => b.attempts - a.attempts || a.key.localeCompare(b.key));
}
