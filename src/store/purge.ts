import type { Clock } from '../domain/clock.js';
import type { Store } from '../domain/repositories.js';

export interface PurgeSettings {
  verificationRetentionHours: number;
  deliveryAttemptRetentionDays: number;
  auditRetentionDays: number;
}

export interface PurgeReport {
  verifications: number;
  grants: number;
  sessions: number;
  rateCounters: number;
  deliveryAttempts: number;
  auditEvents: number;
}

const HOUR = 3_600_000;

/**
 * Deletes what has expired, site by site, in short batches. Safe to run on every instance at once:
 * deletes are idempotent, so two purges only share the work.
 */
export async function purgeExpired(store: Store, clock: Clock, settings: PurgeSettings): Promise<PurgeReport> {
  const now = clock.now().getTime();
  const report: PurgeReport = { verifications: 0, grants: 0, sessions: 0, rateCounters: 0, deliveryAttempts: 0, auditEvents: 0 };
  for (const site of await store.sites.list()) {
    const s = store.forSite(site.id);
    report.verifications += await s.verifications.purgeExpired(new Date(now - settings.verificationRetentionHours * HOUR));
    report.grants += await s.grants.purgeExpired(new Date(now));
    report.sessions += await s.sessions.purgeExpired(new Date(now));
    // A send-limit window counts until twice its length has passed (as the previous window of the next one).
    report.rateCounters += await s.sendCounters.purgeBefore(new Date(now));
    // An ended throttle is kept a week, for `otpgate blocks list --all`.
    await s.sendBlocks.purgeBefore(new Date(now - 7 * 24 * HOUR));
    // The guess budget's longest window is one day.
    await s.guessLog.purgeBefore(new Date(now - 24 * HOUR));
    report.deliveryAttempts += await s.deliveryAttempts.purgeBefore(new Date(now - settings.deliveryAttemptRetentionDays * 24 * HOUR));
    report.auditEvents += await s.audit.purgeBefore(new Date(now - settings.auditRetentionDays * 24 * HOUR));
  }
  return report;
}

/** Runs the purge every `intervalSeconds` in the background; returns a stop function. */
export function schedulePurge(run: () => Promise<unknown>, intervalSeconds: number, onError: (error: unknown) => void): () => void {
  if (intervalSeconds <= 0) return () => {};
  let running = false;
  const timer = setInterval(() => {
    if (running) return; // a slow purge is never overlapped by the next one
    running = true;
    run()
      .catch(onError)
      .finally(() => (running = false));
  }, intervalSeconds * 1000);
  timer.unref(); // never keeps the process alive on its own
  return () => clearInterval(timer);
}
