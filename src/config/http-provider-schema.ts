import { z } from 'zod';
import { DELIVERY_RESULTS } from '../delivery/contract.js';
import { unknownFields } from '../delivery/builtin/template.js';
import { linkOptions } from './link-options.js';

/** A JSON Pointer (RFC 6901) into the provider's JSON answer, e.g. /messages/0/status. */
const jsonPointer = z.string().regex(/^(\/[^/]*)*$/, 'a JSON Pointer such as /messages/0/id');
const statuses = z.array(z.number().int().min(100).max(599)).min(1);

/** A rule over the provider's answer: every given condition must hold. */
const ruleFields = {
  status: statuses.optional().describe('The answer has one of these HTTP statuses.'),
  jsonPointer: jsonPointer.optional().describe('With `equals`: this member of the JSON answer...'),
  equals: z.union([z.string(), z.number(), z.boolean()]).optional().describe('...equals this value.'),
  bodyContains: z.string().min(1).optional().describe('The answer body contains this text.'),
};
const pointerWithValue = (r: { jsonPointer?: string | undefined; equals?: unknown }) =>
  (r.jsonPointer === undefined) === (r.equals === undefined);
const answerRule = z.object(ruleFields).strict().refine(pointerWithValue, 'jsonPointer and equals go together');
const errorRule = z
  .object({ ...ruleFields, result: z.enum(DELIVERY_RESULTS).describe('The delivery result this answer means.') })
  .strict()
  .refine(pointerWithValue, 'jsonPointer and equals go together');

/** Strings that may hold {{field}} templates (header values, body leaves). */
const templated = z.string().max(2000);

/**
 * The generic HTTP provider: a custom SMS provider described in configuration instead of code. Secrets belong
 * in a named credential (`url: callout:NAME/path`): headers here are stored with the site, so `authorization`
 * is refused.
 */
export const httpProviderSchema = z
  .object({
    type: z.literal('http'),
    ...linkOptions,
    method: z.enum(['POST', 'PUT', 'GET']).default('POST'),
    url: z
      .string()
      .regex(/^(callout:[A-Za-z0-9_]+|https?:\/\/)/, 'callout:NAME/path (a named credential adds the auth) or an http(s) URL')
      .describe('Where to send; {{field}} templates are URL-encoded.'),
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9-]+$/), templated)
      .default({})
      .refine((h) => !Object.keys(h).some((name) => /^(authorization|proxy-authorization|cookie)$/i.test(name)), {
        message: 'credentials go in a named credential (url: callout:NAME/...), not in headers stored with the site',
      }),
    body: z
      .union([z.object({ json: z.record(z.unknown()) }).strict(), z.object({ form: z.record(templated) }).strict()])
      .optional()
      .describe('{json: {...}} or {form: {...}}; string values may hold {{phoneNumber}}, {{oneTimePassword}}, {{defaultText}}, ...'),
    success: answerRule.default({}).describe('What a sent message looks like (default: any 2xx).'),
    errors: z.array(errorRule).default([]).describe('Checked first, in order: the first matching rule decides the result.'),
    providerMessageId: jsonPointer.optional().describe("The provider's message id in its JSON answer."),
  })
  .strict()
  .superRefine((spec, ctx) => {
    // A misspelt field would reach the provider as "{{phonNumber}}": refuse it at startup instead.
    const strings = [spec.url, ...Object.values(spec.headers), ...stringsIn(spec.body)];
    const unknown = [...new Set(strings.flatMap(unknownFields))];
    if (unknown.length) ctx.addIssue({ code: 'custom', message: `unknown template field(s) ${unknown.map((f) => `{{${f}}}`).join(', ')}` });
  });

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

export type HttpProviderConfig = z.infer<typeof httpProviderSchema>;
