/**
 * Each provider's receipt parser: a receipt signed as the provider signs it is read and normalised; an unsigned
 * one and a tampered one are refused. One row per provider (add yours to RECEIPT_ROWS).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ProviderHandlerSpec } from '../../src/config/provider-schema.js';
import type { NamedCredential } from '../../src/delivery/named-credentials.js';
import { receiptReaderFor } from '../../src/delivery/providers/index.js';
import type { ReceiptRequest } from '../../src/delivery/providers/receipts.js';
import { plivoSignature } from '../../src/delivery/providers/plivo.js';
import { twilioSignature } from '../../src/delivery/providers/twilio.js';
import { PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN } from '../fakes/providers/plivo.js';
import { TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN } from '../fakes/providers/twilio.js';

const URL_ = 'https://otp.example.com/demo/receipts/twilio';

export interface ReceiptRow {
  kind: ProviderHandlerSpec['type'];
  spec: ProviderHandlerSpec;
  credential: NamedCredential;
  /** A receipt for message `id` with the provider's status word, signed as the provider signs it. */
  signed(id: string, status: string): ReceiptRequest;
  /** The same receipt without its signature. */
  unsigned(id: string, status: string): ReceiptRequest;
  /** A change to a signed receipt its signature covers; default: undelivered turned delivered in the body. */
  tamper?: (request: ReceiptRequest) => ReceiptRequest;
  /** Provider status words and what otpgate makes of them. */
  statuses: [string, string][];
}

export const RECEIPT_ROWS: ReceiptRow[] = [
  {
    kind: 'twilio',
    spec: { type: 'twilio', credential: 'T', accountSid: TWILIO_ACCOUNT_SID, from: '+15005550006', statusCallback: true },
    credential: { url: 'http://unused', auth: { type: 'basic', username: TWILIO_ACCOUNT_SID, password: TWILIO_AUTH_TOKEN } },
    signed(id, status) {
      const request = this.unsigned(id, status);
      const signature = twilioSignature(TWILIO_AUTH_TOKEN, URL_, new URLSearchParams(request.rawBody));
      return { ...request, headers: { ...request.headers, 'x-twilio-signature': signature } };
    },
    unsigned: (id, status) => ({
      url: URL_,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      rawBody: new URLSearchParams({
        SmsSid: id,
        SmsStatus: status,
        MessageStatus: status,
        To: '+14155550101',
        MessageSid: id,
        AccountSid: TWILIO_ACCOUNT_SID,
        From: '+15005550006',
        ApiVersion: '2010-04-01',
      }).toString(),
    }),
    statuses: [
      ['sent', 'accepted'],
      ['delivered', 'delivered'],
      ['undelivered', 'undelivered'],
      ['failed', 'failed'],
    ],
  },
  {
    kind: 'plivo',
    spec: { type: 'plivo', credential: 'P', authId: PLIVO_AUTH_ID, from: '14155550000', statusCallback: true },
    credential: { url: 'http://unused', auth: { type: 'basic', username: PLIVO_AUTH_ID, password: PLIVO_AUTH_TOKEN } },
    signed(id, status) {
      const request = this.unsigned(id, status);
      const nonce = '05429567804466091622';
      const signature = plivoSignature(PLIVO_AUTH_TOKEN, request.url, nonce);
      return { ...request, headers: { ...request.headers, 'x-plivo-signature-v2': signature, 'x-plivo-signature-v2-nonce': nonce } };
    },
    unsigned: (id, status) => ({
      url: 'https://otp.example.com/demo/receipts/plivo',
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      rawBody: new URLSearchParams({
        MessageUUID: id,
        Status: status,
        To: '14155550101',
        From: '14155550000',
        Units: '1',
        ErrorCode: '',
      }).toString(),
    }),
    // V2 signs the URL and the nonce, not the body: a receipt moved to another handler's URL must fail.
    tamper: (request) => ({ ...request, url: request.url.replace('/demo/', '/other/') }),
    statuses: [
      ['sent', 'accepted'],
      ['delivered', 'delivered'],
      ['undelivered', 'undelivered'],
      ['failed', 'failed'],
    ],
  },
];

/** The same bytes with one status word changed: what an attacker replaying a receipt would try. */
const tamper = (request: ReceiptRequest, from: string, to: string): ReceiptRequest => ({
  ...request,
  rawBody: request.rawBody.split(from).join(to),
});

for (const row of RECEIPT_ROWS) {
  describe(`${row.kind} receipts`, () => {
    const parse = (request: ReceiptRequest) => {
      const read = receiptReaderFor(row.spec);
      assert.ok(read, `${row.kind} reads receipts`);
      return read(request, row.credential);
    };

    for (const [word, status] of row.statuses)
      test(`a signed "${word}" receipt reads as ${status} for its message`, () => {
        assert.deepEqual(parse(row.signed('MSG-1', word)), {
          ok: true,
          receipts: [{ providerMessageId: 'MSG-1', status, providerStatus: word, errorCode: null }],
        });
      });

    test('an unsigned receipt is refused', () => {
      assert.deepEqual(parse(row.unsigned('MSG-1', 'delivered')), { ok: false, reason: 'unsigned' });
    });

    test('a tampered receipt is refused', () => {
      const signed = row.signed('MSG-1', 'undelivered');
      assert.deepEqual(parse(row.tamper ? row.tamper(signed) : tamper(signed, 'undelivered', 'delivered')), {
        ok: false,
        reason: 'bad_signature',
      });
    });
  });
}
