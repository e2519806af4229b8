import { isProviderSpec, providerLinkName, receiptCredentialName, receiptReaderFor } from '../delivery/providers/index.js';
import type { ReceiptRequest } from '../delivery/providers/receipts.js';
import { credentialFor } from '../delivery/named-credentials.js';
import { OtpgateError } from '../domain/errors.js';
import type { FlowDeps, Site } from './deps.js';
import { failOverAfterReceipt, type FailoverDeps } from './receipt-failover.js';

export type ReceiptDeps = FailoverDeps & Pick<FlowDeps, 'credentials'>;

/** How long a receipt for a message id we do not know yet waits for its attempt: 4 looks, 150 ms apart. */
const UNKNOWN_RETRIES = 4;
const UNKNOWN_RETRY_MS = 150;

/** What one callback did: receipts that changed an attempt, repeats, and receipts for messages we never sent. */
export interface ReceiptTally {
  recorded: number;
  unchanged: number;
  unknown: number;
}

/**
 * A provider's status callback for one of a site's handlers: checked with the handler's credential as the provider
 * documents (an unsigned or wrongly signed one is refused before anything is read), normalised, noted on the
 * attempt that got the message id, and, for a message that did not arrive, handed to the fail-over.
 */
export async function acceptReceipt(deps: ReceiptDeps, site: Site, handler: string, request: ReceiptRequest): Promise<ReceiptTally> {
  const spec = deps.chains
    .specsFor(site)
    .filter(isProviderSpec)
    .find((s) => providerLinkName(s) === handler);
  const read = spec && receiptReaderFor(spec);
  if (!spec || !read) throw new OtpgateError('handler_not_found');
  const credentialName = receiptCredentialName(spec);
  let credential;
  try {
    credential = credentialFor(deps.credentials, credentialName, site.id);
  } catch {
    // Startup checks every handler's credential, so this is a config edited under a running server.
    deps.logger.error(
      { siteId: site.id, handler, credential: credentialName },
      'configuration problem: a receipt arrived for a handler whose credential is missing',
    );
    throw new OtpgateError('server_error');
  }
  const count = (outcome: string) => deps.metrics.deliveryReceipts.inc({ site: site.id, handler, outcome });
  const verdict = await read(request, credential);
  if (!verdict.ok) {
    count(verdict.reason);
    if (verdict.reason === 'malformed')
      throw new OtpgateError('invalid_request', 'The receipt does not carry a message id and a known status.');
    throw new OtpgateError('receipt_unauthenticated');
  }
  const attempts = deps.store.forSite(site.id).deliveryAttempts;
  const tally: ReceiptTally = { recorded: 0, unchanged: 0, unknown: 0 };
  const at = deps.clock.now();
  for (const receipt of verdict.receipts) {
    const { providerMessageId, ...reading } = receipt;
    let recording = await attempts.recordReceipt(handler, providerMessageId, { ...reading, at });
    // A fast provider can report before the send that got this id has stored its attempt (attempts are written
    // when the dispatch ends): look again for a moment before calling the message unknown.
    for (let retry = 0; recording.kind === 'unknown_message' && retry < UNKNOWN_RETRIES; retry++) {
      await deps.timers.sleep(UNKNOWN_RETRY_MS);
      recording = await attempts.recordReceipt(handler, providerMessageId, { ...reading, at });
    }
    if (recording.kind === 'unknown_message') {
      tally.unknown++;
      count('unknown_message');
      continue;
    }
    if (recording.kind === 'unchanged') {
      tally.unchanged++;
      count('repeat');
      continue;
    }
    tally.recorded++;
    count(receipt.status);
    if (receipt.status === 'undelivered' || receipt.status === 'failed') await failOverAfterReceipt(deps, site, recording.attempt);
  }
  return tally;
}
