/**
 * What the admin API and console show of each thing: never a secret, a code, a code hash or a whole phone number
 * of a verification (the last digits are enough to find one).
 */
import { linkNameOf } from '../../delivery/chain.js';
import { credentialReferences } from '../../delivery/credential-references.js';
import type { DeliveryAttemptRecord, AuditEvent, SendBlock } from '../../domain/repositories.js';
import type { HandlerSpec, Site } from '../../domain/site.js';
import { classify, type Verification } from '../../domain/verification.js';
import type { OAuthClient } from '../../domain/oauth.js';

export const handlerView = (spec: HandlerSpec) => ({
  name: linkNameOf(spec),
  type: spec.type,
  channel: spec.channel ?? 'sms',
  destinations: spec.destinations ?? null,
  // Names only: a credential's URL and secret stay in the config.
  credentials: credentialReferences(spec).map(([, name]) => name),
});

export const siteView = (site: Site, handlers: readonly HandlerSpec[]) => ({
  id: site.id,
  name: site.name,
  enabled: site.enabled,
  receiptFailoverSeconds: site.receiptFailoverSeconds,
  handlers: handlers.map(handlerView),
  // The code policy and send limits per use case, and the guess budget: what decides who gets a code and how many.
  policies: site.policies,
  guessBudget: site.guessBudget,
});

export const attemptView = (a: DeliveryAttemptRecord) => ({
  at: a.createdAt.toISOString(),
  verification: a.verificationId,
  handler: a.handler,
  attempt: a.attempt,
  result: a.result,
  country: a.country,
  latencyMs: Math.round(a.latencyMs),
  providerMessageId: a.providerMessageId,
  detail: a.detail,
  callouts: a.callouts.map((c) => ({ method: c.method, url: c.url, status: c.status, latencyMs: Math.round(c.latencyMs) })),
  receipt: a.receipt
    ? { status: a.receipt.status, providerStatus: a.receipt.providerStatus, errorCode: a.receipt.errorCode, at: a.receipt.at.toISOString() }
    : null,
});

export const verificationView = (v: Verification, now: Date) => ({
  id: v.id,
  useCase: v.useCase,
  status: classify(v, now),
  phone: `…${v.phone.slice(-4)}`,
  attempts: v.attempts,
  maxAttempts: v.maxAttempts,
  sends: v.sends,
  createdAt: v.createdAt.toISOString(),
  lastSentAt: v.lastSentAt.toISOString(),
  expiresAt: v.expiresAt.toISOString(),
  delivered: v.deliverable,
});

export const blockView = (b: SendBlock) => ({
  destination: b.subject,
  blockedAt: b.blockedAt.toISOString(),
  until: b.until.toISOString(),
  sends: b.sends,
  verified: b.verified,
  liftedAt: b.liftedAt?.toISOString() ?? null,
});

export const auditView = (e: AuditEvent) => ({
  at: e.createdAt.toISOString(),
  type: e.type,
  useCase: e.useCase,
  userId: e.userId,
  ip: e.ip,
  requestId: e.requestId,
  detail: e.detail,
});

export const clientView = (c: OAuthClient) => ({
  clientId: c.clientId,
  name: c.name,
  confidential: c.secretHash !== null,
  firstParty: c.firstParty,
  redirectUris: c.redirectUris,
});
