/**
 * Twilio Programmable Messaging: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, form fields, Basic auth
 * from the named credential. Message create has no idempotency key, so a retry after an unclear answer may send
 * twice; only 429 is documented as "not processed".
 */
import type { z } from 'zod';
import type { twilioHandlerSchema } from '../../config/provider-schema.js';
import type { DeliveryOutcome, DeliveryRequest, DeliveryResult } from '../contract.js';
import type { ProviderModule } from './index.js';
import { isRecord, outcomeForStatus, readJson, transportFailure } from './response.js';

export type TwilioSpec = z.output<typeof twilioHandlerSchema>;

/** Twilio's ValidityPeriod range is 1–36000 s in one SDK and 1–14400 s in another; stay inside both. */
const MAX_VALIDITY_SECONDS = 14_400;

/** Synchronous error codes (body `code`) that say more than the HTTP status. */
const TWILIO_ERRORS: ReadonlyMap<number, { result: DeliveryResult; reason: string }> = new Map([
  [21211, { result: 'INVALID_PHONE_NUMBER', reason: "invalid 'To' number" }],
  [21614, { result: 'INVALID_PHONE_NUMBER', reason: "'To' is not SMS-capable" }],
  [21635, { result: 'INVALID_PHONE_NUMBER', reason: "'To' is a landline" }],
  [21408, { result: 'COUNTRY_BLOCK', reason: 'destination not enabled in Geo Permissions' }],
]);

export const twilio: ProviderModule<TwilioSpec> = {
  create(spec, services) {
    const endpoint = `callout:${spec.credential}/2010-04-01/Accounts/${spec.accountSid}/Messages.json`;
    const name = spec.name ?? spec.type;
    return {
      async sendOneTimePassword(request, context) {
        const callback = spec.statusCallback ? services.receiptUrl(request.siteId, name) : null;
        let response: Response;
        let body: unknown;
        try {
          response = await context.callout(endpoint, {
            method: 'POST',
            // Twilio takes form fields only; a JSON body is read as "no To" (error 21604).
            headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
            body: twilioForm(request, spec, callback),
          });
          body = await readJson(response);
        } catch (error) {
          return transportFailure('twilio', error);
        }
        return twilioOutcome(response, body);
      },
    };
  },
};

function twilioForm(request: DeliveryRequest, spec: TwilioSpec, callback: string | null): URLSearchParams {
  const form = new URLSearchParams({ To: request.phoneNumber, Body: request.defaultText });
  if (spec.messagingServiceSid) form.set('MessagingServiceSid', spec.messagingServiceSid);
  else if (spec.from) form.set('From', spec.from);
  // A code that sits in Twilio's queue past its expiry is useless to the user: let Twilio drop it instead.
  const secondsLeft = Math.ceil((request.expiresAt.getTime() - Date.now()) / 1000);
  form.set('ValidityPeriod', String(Math.min(MAX_VALIDITY_SECONDS, Math.max(1, secondsLeft))));
  if (callback) form.set('StatusCallback', callback);
  return form;
}

function twilioOutcome(response: Response, body: unknown): DeliveryOutcome {
  if (response.ok) {
    // 201 Created with the Message resource; its `sid` (SM…/MM…) is the id receipts carry.
    if (isRecord(body) && typeof body.sid === 'string') return { result: 'SUCCESS', providerMessageId: body.sid };
    return { result: 'PROVIDER_ERROR', detail: `twilio HTTP ${response.status} without a message sid` };
  }
  const code = isRecord(body) && typeof body.code === 'number' ? body.code : undefined;
  const rule = code === undefined ? undefined : TWILIO_ERRORS.get(code);
  // Codes and our own words only: Twilio's `message` quotes the 'To' number.
  if (rule) return { result: rule.result, detail: `twilio HTTP ${response.status} error ${code}: ${rule.reason}` };
  return outcomeForStatus('twilio', response, code === undefined ? '' : `error ${code}`);
}
