/**
 * Builds what the dispatcher would hand a handler: a full DeliveryRequest and a real DeliveryContext
 * (createCallout over a named-credential Map), plus what the context recorded. Fresh per call.
 */
import { createCallout, type CalloutRecord } from '../../src/delivery/callout.js';
import type { DeliveryContext, DeliveryLog, DeliveryOutcome, DeliveryRequest, DeliveryResult } from '../../src/delivery/contract.js';
import { createHttpClient } from '../../src/delivery/http-client.js';
import type { NamedCredential } from '../../src/delivery/named-credentials.js';

export const CODE = '482913';

// One client for the test process, as the module-level agent of http-client.ts used to be.
const http = createHttpClient();

/**
 * The text has the shape otpgate renders (ending in the WebOTP line `@host #code`) and carries '&', '+', '%',
 * '#', newlines and non-ASCII, so a handler that skips URL-encoding visibly corrupts it.
 */
export function deliveryRequest(overrides: Partial<DeliveryRequest> = {}): DeliveryRequest {
  return {
    userId: 'usr_7f3a',
    phoneNumber: '+14155550101',
    oneTimePassword: CODE,
    defaultText:
      `Your Example & Co code is ${CODE}. It expires in 10 min + don't share it (100% private) — merci.\n\n` +
      `@login.example.com #${CODE}`,
    siteId: 'site_acme',
    experienceId: 'checkout',
    useCase: 'passwordless_login',
    locale: 'en-US',
    identifier: 'vrf_01HZY3K8Q2M4N6P8R0T2V4X6Z8',
    attempt: 1,
    expiresAt: new Date(Date.now() + 10 * 60_000),
    channel: 'sms',
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (test)',
    ...overrides,
  };
}

export interface ContextFixture {
  context: DeliveryContext;
  callouts: CalloutRecord[];
  logLines: string[];
}

export function deliveryContext(
  credentials: Record<string, NamedCredential>,
  signal: AbortSignal = AbortSignal.timeout(5_000),
  siteId = 'demo',
): ContextFixture {
  const callouts: CalloutRecord[] = [];
  const logLines: string[] = [];
  const line =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void =>
      void logLines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  const log: DeliveryLog = { info: line('info'), warn: line('warn'), error: line('error') };
  const context: DeliveryContext = {
    callout: createCallout(siteId, new Map(Object.entries(credentials)), signal, (entry) => callouts.push(entry), http.fetch),
    signal,
    log,
  };
  return { context, callouts, logLines };
}

export function basicCredential(url: string, username: string, password: string): NamedCredential {
  return { url, auth: { type: 'basic', username, password } };
}

/** The contract lets a handler return a bare result; tests compare outcomes. */
export function asOutcome(returned: DeliveryResult | DeliveryOutcome): DeliveryOutcome {
  return typeof returned === 'string' ? { result: returned } : returned;
}
