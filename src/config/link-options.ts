/** What every handler kind spreads into its object schema (own file so provider-schema.ts can use it without a cycle). */
import { z } from 'zod';
import { CHANNELS } from '../domain/channel.js';

/** Routing: the destinations a handler serves, by country or calling-code prefix; absent: every destination. */
const destinations = z
  .array(z.string().regex(/^(?:[A-Z]{2}|\+\d{1,7})$/, 'a country (IN) or a calling-code prefix (+91, +1415)'))
  .min(1)
  .optional()
  .describe('Only these destinations: countries (IN) or number prefixes (+91, +1415); absent: all. Others skip this handler.');

/** What every handler of a chain may set, whatever its kind: routing, its own timeout, its circuit breaker. */
export const linkOptions = {
  name: z.string().min(1).optional().describe('Name shown in attempt logs and metrics (default: the kind or the file name).'),
  channel: z
    .enum(CHANNELS)
    .optional()
    .describe('What it sends: sms (the default), or a second channel (voice, whatsapp) the user is offered when SMS fails.'),
  destinations,
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .max(60_000)
    .optional()
    .describe('Longest wait for one attempt of this handler (within delivery.deadlineMs; default: its fair share of what is left).'),
  breaker: z
    .union([
      z.literal(false),
      z
        .object({
          failures: z.number().int().min(1).max(1000).default(5).describe('Failed attempts in a row that open the circuit.'),
          openSeconds: z
            .number()
            .int()
            .min(1)
            .max(3600)
            .default(30)
            .describe('How long an open circuit skips the handler before one probe.'),
        })
        .strict(),
    ])
    .optional()
    .describe('Circuit breaker per site and instance (default: 5 failures, 30 s open); false turns it off.'),
};
