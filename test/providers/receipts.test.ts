/**
 * Each provider's receipt parser: a receipt signed as the provider signs it is read and normalised; an unsigned
 * one and a tampered one are refused. One row per provider (add yours to RECEIPT_ROWS).
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { receiptReaderFor } from '../../src/delivery/providers/index.js';
import type { ReceiptRequest } from '../../src/delivery/providers/receipts.js';
import { RECEIPT_ROWS } from './receipt-rows.js';

/** The same bytes with one status word changed: what an attacker replaying a receipt would try. */
const tamper = (request: ReceiptRequest, from: string, to: string): ReceiptRequest => ({
  ...request,
  rawBody: request.rawBody.split(from).join(to),
});

for (const row of RECEIPT_ROWS) {
  describe(`${row.kind} receipts`, () => {
    const parse = async (request: ReceiptRequest) => {
      const read = receiptReaderFor(row.spec);
      assert.ok(read, `${row.kind} reads receipts`);
      return read(request, row.credential);
    };

    for (const [word, status] of row.statuses)
      test(`a signed "${word}" receipt reads as ${status} for its message`, async () => {
        assert.deepEqual(await parse(row.signed('MSG-1', word)), {
          ok: true,
          receipts: [
            {
              providerMessageId: 'MSG-1',
              status,
              providerStatus: row.providerStatus?.(word) ?? word,
              errorCode: row.errorCode?.(word) ?? null,
            },
          ],
        });
      });

    test('an unsigned receipt is refused', async () => {
      assert.deepEqual(await parse(row.unsigned('MSG-1', 'delivered')), { ok: false, reason: 'unsigned' });
    });

    test('a tampered receipt is refused', async () => {
      const signed = row.signed('MSG-1', row.signedStatusForTamper ?? 'undelivered');
      assert.deepEqual(await parse(row.tamper ? row.tamper(signed) : tamper(signed, 'undelivered', 'delivered')), {
        ok: false,
        reason: 'bad_signature',
      });
    });
  });
}
