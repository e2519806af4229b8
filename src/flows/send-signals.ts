/**
 * What a counted send tells, beyond yes or no: a spend cap nearing (a warning), a limit filling (an audit event,
 * once per window), and a destination whose codes are not used (the pumping monitor's throttle). Run by
 * send-code.ts after a send was counted and before its code is issued.
 */
import { poorConversion, verifiedCounters, type Destination } from '../domain/pumping.js';
import { hasRoom, slidingCount, type CounterReading } from '../domain/rate-window.js';
import type { NamedCounter } from '../domain/send-limits.js';
import { recordAudit } from './audit-trail.js';
import type { FlowDeps, Site } from './deps.js';
import type { SendCodeInput } from './send-code.js';

/**
 * The pumping monitor, after a send was counted: a destination with enough sends in its window and too few of
 * them verified is throttled (or, in monitor mode, only recorded), with an audit event.
 */
export async function judgeConversion(
  deps: FlowDeps,
  site: Site,
  input: SendCodeInput,
  destinations: Destination[],
  sentBefore: CounterReading[],
  now: Date,
): Promise<void> {
  const store = deps.store.forSite(site.id);
  const at = now.getTime();
  const judged = destinations
    .map((d, i) => ({ d, sends: slidingCount(sentBefore[i]!, at, d.rule.windowSeconds * 1000) + 1 }))
    .filter(({ d, sends }) => sends >= d.rule.minSends);
  if (judged.length === 0) return;
  const verified = await store.sendCounters.read(verifiedCounters(judged.map((j) => j.d)), now);
  for (const [i, { d, sends }] of judged.entries()) {
    const used = slidingCount(verified[i]!, at, d.rule.windowSeconds * 1000);
    if (!poorConversion(d.rule, sends, used)) continue;
    const counts = { sends: Math.round(sends), verified: Math.round(used) };
    const throttling = site.pumpingDefence.mode === 'throttle';
    // Monitor mode records a destination once, as it reaches the sends it is judged at, not at every send after.
    if (!throttling && sends - 1 >= d.rule.minSends) continue;
    if (throttling) {
      const until = new Date(at + d.rule.throttleSeconds * 1000);
      const blocked = await store.sendBlocks.block({ subject: d.subject, blockedAt: now, until, ...counts }, d.rule.windowSeconds * 1000);
      if (!blocked) continue;
      deps.guards.forget(site.id);
    }
    deps.metrics.destinationsJudged.inc({ site: site.id, kind: d.subject.split(':')[0] ?? '', mode: site.pumpingDefence.mode });
    deps.logger.warn(
      { event: 'destination_throttled', siteId: site.id, destination: d.subject, mode: site.pumpingDefence.mode, ...counts },
      'poor conversion: possible SMS pumping',
    );
    await recordAudit(
      deps,
      site,
      {
        type: throttling ? 'destination_throttled' : 'destination_poor_conversion',
        useCase: input.useCase,
        phone: input.phone.e164,
        meta: input.meta,
        detail: { destination: d.subject, ...counts, ...(throttling ? { seconds: d.rule.throttleSeconds } : {}) },
      },
      now,
    );
  }
}

/** The send that fills a limit's window is audited (not every refusal after it: an attack must not flood the log). */
export async function auditFilledLimits(
  deps: FlowDeps,
  site: Site,
  input: SendCodeInput,
  counters: NamedCounter[],
  readings: CounterReading[],
  now: Date,
): Promise<void> {
  const at = now.getTime();
  for (const [i, counter] of counters.entries()) {
    const after = { current: readings[i]!.current + 1, previous: readings[i]!.previous };
    if (hasRoom(counter, after, at)) continue;
    const { subject, window } = counter;
    // The phone is filed by its hash (phoneHash), never in clear; addresses and prefixes are not numbers.
    const named = counter.name === 'ip' || counter.name === 'ip_range' || counter.name === 'prefix';
    await recordAudit(
      deps,
      site,
      {
        type: 'send_limit_reached',
        useCase: input.useCase,
        phone: input.phone.e164,
        meta: input.meta,
        detail: { limit: counter.name, window, max: counter.limit, ...(named ? { subject } : {}) },
      },
      now,
    );
  }
}

/** A spend cap should never surprise the site's owner: a warning as a site window crosses 80 % of its limit. */
export function warnNearSiteCap(deps: FlowDeps, site: Site, counters: NamedCounter[], readings: CounterReading[], now: number): void {
  counters.forEach((counter, i) => {
    if (counter.name !== 'site') return;
    const before = slidingCount(readings[i]!, now, counter.windowMs);
    const mark = 0.8 * counter.limit;
    if (before < mark && before + 1 >= mark) {
      deps.metrics.siteCapNear.inc({ site: site.id, window: counter.window });
      deps.logger.warn(
        { event: 'site_send_limit_near', siteId: site.id, window: counter.window, limit: counter.limit },
        'site send limit 80 % reached',
      );
    }
  });
}
