import { z } from 'zod';
import { CREDENTIAL_NAME, linkOptions } from './link-options.js';

/** A public key as a JWK (RSA or EC): only public members, so a private key pasted by mistake is refused. */
const publicJwk = z
  .object({
    kty: z.enum(['RSA', 'EC']),
    kid: z.string().max(200).optional(),
    n: z.string().optional(),
    e: z.string().optional(),
    crv: z.enum(['P-256', 'P-384', 'P-521']).optional(),
    x: z.string().optional(),
    y: z.string().optional(),
  })
  .strict()
  .refine((k) => (k.kty === 'RSA' ? k.n && k.e : k.crv && k.x && k.y), 'an RSA key needs n and e; an EC key needs crv, x and y');

/**
 * The webhook handler: otpgate POSTs the delivery request to the site owner's endpoint (any language), signed per
 * Standard Webhooks by a named credential of type `standard-webhooks` (the secrets stay in the config).
 */
export const webhookHandlerSchema = z
  .object({
    type: z.literal('webhook'),
    ...linkOptions,
    credential: z
      .string()
      .regex(CREDENTIAL_NAME)
      .describe('Named credential with the endpoint URL and `auth: {type: standard-webhooks, secrets: [whsec_…]}`.'),
    path: z
      .string()
      .regex(/^\/[^\s]*$/, 'a path starting with /')
      .optional()
      .describe("Appended to the credential's URL (default: none)."),
    encryptCodeTo: publicJwk
      .optional()
      .describe('A public JWK: the code travels only as a JWE to it (RSA-OAEP-256 or ECDH-ES, A256GCM), never in clear.'),
  })
  .strict();

export type WebhookHandlerConfig = z.infer<typeof webhookHandlerSchema>;
