import type { Channel } from '../domain/channel.js';
import { OtpgateError } from '../domain/errors.js';
import type { PhoneNumber } from '../domain/phone.js';
import type { DispatchReport } from '../delivery/dispatcher.js';
import { recordAudit } from './audit-trail.js';
import type { FlowDeps, RequestMeta, Site } from './deps.js';
import { sendTestMessage } from './test-message.js';

/** Who did an administrator's action: the CLI, or the admin API / console (with the request's address). */
export type AdminActor = { by: 'cli' } | { by: 'admin_api' | 'admin_console'; meta: RequestMeta };

/** Ends a pumping throttle of `subject` (`prefix:+1201`, `country:US`) now; audited. */
export async function liftBlock(
  deps: Pick<FlowDeps, 'store' | 'hasher' | 'clock' | 'guards'>,
  site: Site,
  subject: string,
  actor: AdminActor,
) {
  const now = deps.clock.now();
  if (!(await deps.store.forSite(site.id).sendBlocks.lift(subject, now)))
    throw new OtpgateError('not_found', `${subject} is not throttled on site ${site.id}.`);
  // This instance sees the lift at once; others within their short cache (flows/send-guards.ts).
  deps.guards.forget(site.id);
  await recordAudit(deps, site, { type: 'destination_lifted', detail: { destination: subject, by: actor.by }, ...metaOf(actor) }, now);
}

/** A real test message through the site's chain (flows/test-message.ts), audited with who asked. */
export async function adminTestMessage(
  deps: Parameters<typeof sendTestMessage>[0] & Pick<FlowDeps, 'hasher'>,
  site: Site,
  phone: PhoneNumber,
  channel: Channel,
  actor: AdminActor,
): Promise<DispatchReport> {
  const report = await sendTestMessage(deps, site, phone, channel);
  await recordAudit(
    deps,
    site,
    { type: 'test_message_sent', phone, detail: { channel, result: report.result, by: actor.by }, ...metaOf(actor) },
    deps.clock.now(),
  );
  return report;
}

const metaOf = (actor: AdminActor) => (actor.by === 'cli' ? {} : { meta: actor.meta });
