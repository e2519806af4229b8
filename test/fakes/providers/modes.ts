/**
 * What every provider fake shares: the five answers a client must handle, and the shape tests drive a fake through.
 * A fake checks the request as the real API would (path, auth, content type, required fields) in every mode;
 * the mode only picks the documented answer to a valid request.
 */
import type { NamedCredential } from '../../../src/delivery/named-credentials.js';
import type { RecordedRequest } from '../../examples/loopback-server.js';

export const FAKE_MODES = ['success', 'invalid_number', 'rate_limit', 'auth_failure', 'outage'] as const;
export type FakeMode = (typeof FAKE_MODES)[number];

/** Seconds the fakes put in Retry-After when rate limiting. */
export const FAKE_RETRY_AFTER_SECONDS = 7;

export interface ProviderFake {
  /** Base URL of the fake API (what the named credential points at). */
  url: string;
  /** The named credential a client needs to pass the fake's auth check. */
  credential: NamedCredential;
  mode: FakeMode;
  requests: RecordedRequest[];
  /** Messages accepted, in order, with the id the fake answered. */
  sent: { id: string; to: string; text: string; callbackUrl: string | null }[];
  close(): Promise<void>;
}
