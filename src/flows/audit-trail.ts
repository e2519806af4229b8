import type { UseCase } from '../domain/use-case.js';
import type { FlowDeps, RequestMeta, Site } from './deps.js';

/**
 * The audit log's one writer for the flows: who (user, keyed phone hash, address, user agent, request id) did
 * what, when. A phone is never stored, only its keyed hash, so the log can be searched by number
 * (`otpgate audit --phone`) without holding the numbers.
 */
export async function recordAudit(
  deps: Pick<FlowDeps, 'store' | 'hasher'>,
  site: Site,
  event: {
    type: string;
    useCase?: UseCase | null;
    userId?: string | null;
    phone?: string | null;
    meta?: Partial<RequestMeta>;
    detail?: Record<string, unknown>;
  },
  now: Date,
): Promise<void> {
  await deps.store.forSite(site.id).audit.record({
    type: event.type,
    useCase: event.useCase ?? null,
    userId: event.userId ?? null,
    phoneHash: event.phone ? auditPhoneHash(deps, event.phone) : null,
    ip: event.meta?.ip ?? null,
    userAgent: event.meta?.userAgent ?? null,
    requestId: event.meta?.requestId ?? null,
    detail: event.detail ?? {},
    createdAt: now,
  });
}

/** The keyed hash the audit log files a phone under. */
export const auditPhoneHash = (deps: Pick<FlowDeps, 'hasher'>, phone: string): string => deps.hasher.hash('audit-phone', phone).hash;
