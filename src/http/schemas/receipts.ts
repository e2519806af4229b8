/** Route schema of the delivery-receipt endpoint: the status callbacks SMS providers send (issue 11). */
import { errorResponses, TAGS } from './common.js';

export const receiptRoute = {
  tags: [TAGS.receipts],
  summary: "A provider's delivery receipt for one of the site's handlers (its status callback URL)",
  description:
    "Checked as the provider signs it (Twilio X-Twilio-Signature, Plivo X-Plivo-Signature-V2, ...) with the handler's named credential; " +
    'unsigned or wrongly signed receipts get 401 receipt_unauthenticated. The body is read raw, in whatever type the provider sends.',
  params: {
    type: 'object',
    required: ['site', 'handler'],
    properties: {
      site: { type: 'string', description: 'The site id.' },
      handler: { type: 'string', description: 'The handler name (a provider kind, or the name given in the chain).' },
    },
  },
  response: {
    200: {
      description: 'Read: how many receipts changed an attempt, repeated what was known, or named a message this site never sent.',
      type: 'object',
      required: ['recorded', 'unchanged', 'unknown'],
      properties: {
        recorded: { type: 'integer' },
        unchanged: { type: 'integer' },
        unknown: { type: 'integer' },
      },
      additionalProperties: false,
    },
    ...errorResponses,
  },
} as const;
