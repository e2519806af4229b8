/**
 * One row per provider that sends delivery receipts: a receipt signed as the provider signs it, the same unsigned,
 * a tamper its signature must catch, and the status words. Used by the parser tests (receipts.test.ts) and by the
 * endpoint test (test/delivery-receipts.test.ts). Add yours here.
 */
import { createHash, createHmac } from 'node:crypto';
import type { ProviderHandlerSpec } from '../../src/config/provider-schema.js';
import type { NamedCredential } from '../../src/delivery/named-credentials.js';
import { receiptToken, type ReceiptRequest } from '../../src/delivery/providers/receipts.js';
import { plivoSignature } from '../../src/delivery/providers/plivo.js';
import { sinchSignature } from '../../src/delivery/providers/sinch.js';
import { telesignCallbackSignature } from '../../src/delivery/providers/telesign.js';
import { twilioSignature } from '../../src/delivery/providers/twilio.js';
import { vonageSignature } from '../../src/delivery/providers/vonage.js';
import { SINCH_SERVICE_PLAN } from '../fakes/providers/sinch.js';
import { TELESIGN_API_KEY, TELESIGN_CUSTOMER_ID } from '../fakes/providers/telesign.js';
import { VONAGE_API_KEY, VONAGE_API_SECRET } from '../fakes/providers/vonage.js';
import { PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN } from '../fakes/providers/plivo.js';
import { TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN } from '../fakes/providers/twilio.js';

const URL_ = 'https://otp.example.com/demo/receipts/twilio';
const VONAGE_SECRET = 'vonage-signature-secret';
const SINCH_SECRET = 'sinch-webhook-secret';
const INFOBIP_RECEIPT_SECRET = 'infobip-receipt-secret';
const BIRD_SIGNING_KEY = 'bird-signing-key-0123456789';

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
  /** The status word of the signed receipt that `tamper` alters; default undelivered. */
  signedStatusForTamper?: string;
  /** The provider status kept for a status word; default the word itself. */
  providerStatus?: (word: string) => string;
  /** The error code read from the signed receipt of a status word; default none. */
  errorCode?: (word: string) => string | null;
  /** Helper for rows whose signature covers a parameter set (Vonage). */
  unsignedParams?: (id: string, status: string) => Record<string, string>;
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
  {
    kind: 'vonage',
    spec: { type: 'vonage', credential: 'V', from: 'Acme', statusReport: true, receiptSignature: 'sha256' },
    credential: {
      url: 'http://unused',
      auth: { type: 'basic', username: VONAGE_API_KEY, password: VONAGE_API_SECRET },
      receiptSecret: VONAGE_SECRET,
    },
    // Vonage's JSON DLR (the dashboard's "POST-JSON" method), signed as its SDK checks it.
    signed(id, status) {
      const params = this.unsignedParams!(id, status);
      const sig = vonageSignature(params, VONAGE_SECRET, 'sha256');
      return vonageRequest({ ...params, sig });
    },
    unsigned(id, status) {
      return vonageRequest(this.unsignedParams!(id, status));
    },
    unsignedParams: (id, status) => ({
      msisdn: '14155550101',
      to: 'Acme',
      'network-code': '310090',
      messageId: id,
      price: '0.00570000',
      status,
      scts: '2612050101',
      'err-code': '0',
      'api-key': VONAGE_API_KEY,
      'message-timestamp': '2026-12-05 01:01:00',
      timestamp: '1796432460',
      nonce: 'a3b1c2d4-0000-4000-8000-000000000001',
    }),
    // The signature covers every parameter: failed turned delivered must not pass.
    tamper: (request) => ({ ...request, rawBody: request.rawBody.replace('"failed"', '"delivered"') }),
    signedStatusForTamper: 'failed',
    statuses: [
      ['accepted', 'accepted'],
      ['buffered', 'accepted'],
      ['delivered', 'delivered'],
      ['expired', 'undelivered'],
      ['failed', 'failed'],
      ['rejected', 'failed'],
    ],
  },
  {
    kind: 'sinch',
    spec: { type: 'sinch', credential: 'S', servicePlanId: SINCH_SERVICE_PLAN, from: '+14155550000', callbackUrl: true },
    credential: { url: 'http://unused', auth: { type: 'bearer', token: 'sinch-api-token' }, receiptSecret: SINCH_SECRET },
    signed(id, status) {
      const request = this.unsigned(id, status);
      const nonce = '01FJA8B4A7BM43YGWSG9GBV067';
      const timestamp = '2026-12-05T01:01:00.123Z';
      return {
        ...request,
        headers: {
          ...request.headers,
          'x-sinch-webhook-signature': sinchSignature(SINCH_SECRET, request.rawBody, nonce, timestamp),
          'x-sinch-webhook-signature-nonce': nonce,
          'x-sinch-webhook-signature-timestamp': timestamp,
          'x-sinch-webhook-signature-algorithm': 'HmacSHA256',
        },
      };
    },
    unsigned: (id, status) => ({
      url: 'https://otp.example.com/demo/receipts/sinch',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      rawBody: JSON.stringify({
        type: 'recipient_delivery_report_sms',
        batch_id: id,
        recipient: '+14155550101',
        code: SINCH_CODES[status] ?? 0,
        status,
        at: '2026-12-05T01:01:00.000Z',
        client_reference: 'verification-id',
      }),
    }),
    // The tamper turns Failed into Delivered; the signature covers the body.
    tamper: (request) => ({ ...request, rawBody: request.rawBody.replace('"Failed"', '"Delivered"') }),
    signedStatusForTamper: 'Failed',
    // Only a message that did not arrive keeps its code (why); the others' codes just repeat the status.
    errorCode: (word) => (word === 'Expired' || word === 'Rejected' ? String(SINCH_CODES[word]) : null),
    statuses: [
      ['Queued', 'accepted'],
      ['Dispatched', 'accepted'],
      ['Delivered', 'delivered'],
      ['Expired', 'undelivered'],
      ['Rejected', 'failed'],
    ],
  },
  {
    kind: 'telesign',
    spec: { type: 'telesign', credential: 'TS', callbackUrl: true },
    credential: { url: 'http://unused', auth: { type: 'basic', username: TELESIGN_CUSTOMER_ID, password: TELESIGN_API_KEY } },
    signed: (id, code) => telesignReport(id, code, true),
    unsigned: (id, code) => telesignReport(id, code, false),
    // 207 (handset error) turned 200 (delivered): the signature covers the body.
    tamper: (request) => ({ ...request, rawBody: request.rawBody.replace('"code":207', '"code":200') }),
    signedStatusForTamper: '207',
    errorCode: (code) => (['207', '229', '507'].includes(code) ? code : null),
    statuses: [
      ['290', 'accepted'],
      ['203', 'accepted'],
      ['200', 'delivered'],
      ['207', 'undelivered'],
      ['229', 'failed'],
      ['507', 'failed'],
    ],
  },
  {
    kind: 'infobip',
    spec: { type: 'infobip', credential: 'IB', from: 'Acme', notifyUrl: true },
    credential: {
      url: 'http://unused',
      auth: { type: 'header', name: 'authorization', value: 'App key' },
      receiptSecret: INFOBIP_RECEIPT_SECRET,
    },
    // Infobip signs nothing: the token otpgate put in the notifyUrl is what proves the sender saw that URL.
    signed: (id, group) => infobipReport(id, group, `?token=${receiptToken(INFOBIP_RECEIPT_SECRET, 'demo', 'infobip')}`),
    unsigned: (id, group) => infobipReport(id, group, ''),
    // A token made for one site's URL must not pass on another's.
    tamper: (request) => ({ ...request, url: request.url.replace('/demo/', '/other/') }),
    signedStatusForTamper: 'UNDELIVERABLE',
    // The status name (DELIVERED_TO_HANDSET, ...) says more than its group.
    providerStatus: (group) => `${group}_STATUS`,
    errorCode: (group) => (group === 'UNDELIVERABLE' || group === 'REJECTED' ? 'EC_ABSENT_SUBSCRIBER' : null),
    statuses: [
      ['PENDING', 'accepted'],
      ['DELIVERED', 'delivered'],
      ['UNDELIVERABLE', 'undelivered'],
      ['EXPIRED', 'undelivered'],
      ['REJECTED', 'failed'],
    ],
  },
  {
    kind: 'bird',
    spec: { type: 'bird', credential: 'MB', from: 'Acme', reportUrl: true },
    credential: {
      url: 'http://unused',
      auth: { type: 'header', name: 'authorization', value: 'AccessKey key' },
      receiptSecret: BIRD_SIGNING_KEY,
    },
    // MessageBird's report is a GET; the JWT's url_hash covers the query, so a changed status must fail.
    signed: (id, status) => birdReport(id, status, true),
    unsigned: (id, status) => birdReport(id, status, false),
    tamper: (request) => ({ ...request, url: request.url.replace('status=delivery_failed', 'status=delivered') }),
    signedStatusForTamper: 'delivery_failed',
    statuses: [
      ['sent', 'accepted'],
      ['buffered', 'accepted'],
      ['delivered', 'delivered'],
      ['expired', 'undelivered'],
      ['delivery_failed', 'failed'],
    ],
  },
];

/** MessageBird's delivery report: a GET with the status in the query, signed by MessageBird-Signature-JWT. */
function birdReport(id: string, status: string, sign: boolean): ReceiptRequest {
  const query = new URLSearchParams({
    id,
    reference: 'verification-id',
    recipient: '14155550101',
    status,
    statusDatetime: '2026-12-05T01:01:04+00:00',
  });
  const url = `https://otp.example.com/demo/receipts/bird?${query.toString()}`;
  return { url, method: 'GET', headers: sign ? { 'messagebird-signature-jwt': birdJwt(url) } : {}, rawBody: '' };
}

/** HS256 JWT as MessageBird makes it (iss, nbf, exp, jti, url_hash), made by hand so the test does not reuse the reader's library. */
function birdJwt(url: string): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = part({ alg: 'HS256', typ: 'JWT' });
  const claims = part({
    iss: 'MessageBird',
    nbf: now,
    exp: now + 60,
    jti: `jti-${now}`,
    url_hash: createHash('sha256').update(url).digest('hex'),
  });
  const signature = createHmac('sha256', BIRD_SIGNING_KEY).update(`${head}.${claims}`).digest('base64url');
  return `${head}.${claims}.${signature}`;
}

/** An Infobip delivery report (v2 `results[]`), to the receipt URL with `query`. */
function infobipReport(id: string, group: string, query: string): ReceiptRequest {
  const failed = group === 'UNDELIVERABLE' || group === 'REJECTED';
  return {
    url: `https://otp.example.com/demo/receipts/infobip${query}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    rawBody: JSON.stringify({
      results: [
        {
          bulkId: 'bulk-1',
          messageId: id,
          to: '14155550101',
          sentAt: '2026-12-05T01:01:00.000+0000',
          doneAt: '2026-12-05T01:01:04.000+0000',
          smsCount: 1,
          status: { groupId: 3, groupName: group, id: 5, name: `${group}_STATUS`, description: group },
          error: failed
            ? { groupId: 1, groupName: 'HANDSET_ERRORS', id: 27, name: 'EC_ABSENT_SUBSCRIBER', description: 'absent', permanent: false }
            : { groupId: 0, groupName: 'OK', id: 0, name: 'NO_ERROR', description: 'No Error', permanent: false },
        },
      ],
    }),
  };
}

/** Sinch's delivery report codes for the statuses above (400 queued, 401 dispatched, 406 expiry, 408 reject, 0 delivered). */
const SINCH_CODES: Record<string, number> = { Queued: 400, Dispatched: 401, Delivered: 0, Expired: 406, Rejected: 408, Failed: 402 };

/** A Telesign delivery report as its callback sends it: JSON, signed in Authorization and X-TS-Authorization. */
function telesignReport(id: string, code: string, sign: boolean): ReceiptRequest {
  const rawBody = JSON.stringify({
    reference_id: id,
    external_id: 'verification-id',
    submit_timestamp: '2026-12-05T01:01:00.000000Z',
    status: { code: Number(code), description: 'status', updated_on: '2026-12-05T01:01:05.000000Z' },
  });
  const auth = `TSA ${TELESIGN_CUSTOMER_ID}:${telesignCallbackSignature(TELESIGN_API_KEY, rawBody)}`;
  return {
    url: 'https://otp.example.com/demo/receipts/telesign',
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(sign ? { authorization: auth, 'x-ts-authorization': auth } : {}) },
    rawBody,
  };
}

function vonageRequest(params: Record<string, string>): ReceiptRequest {
  return {
    url: 'https://otp.example.com/demo/receipts/vonage',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    rawBody: JSON.stringify(params),
  };
}
