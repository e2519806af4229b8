/**
 * The one configuration schema: types, defaults, bounds and the descriptions that
 * docs/configuration.md is generated from (`npm run docs:config`; a test keeps them in step).
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { DEFAULT_LOCALE, LOCALES } from '../domain/locale.js';
import { parsePhone } from '../domain/phone.js';
import { SIGNING_ALGS } from '../domain/oauth.js';
import { RESERVED_SITE_IDS, SITE_ID_PATTERN } from '../domain/site.js';
import { CREDENTIAL_NAME, linkOptions } from './link-options.js';
import { httpProviderSchema } from './http-provider-schema.js';
import { webhookHandlerSchema } from './webhook-schema.js';
import { USE_CASES } from '../domain/use-case.js';
import { captchaSchema } from './captcha-schema.js';
import { providerHandlerSchemas } from './provider-schema.js';

const country = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 alpha-2 country code such as US');

const sends = (max: number) => z.number().int().min(0).max(max);

/** Sends allowed per window (0: that window is off); a window left out keeps its default. */
const limitWindows = (defaults: { perTenMinutes?: number; perHour?: number; perDay?: number }, max: number, what: string) =>
  z
    .object({
      perTenMinutes: sends(max).default(defaults.perTenMinutes ?? 0),
      perHour: sends(max).default(defaults.perHour ?? 0),
      perDay: sends(max).default(defaults.perDay ?? 0),
    })
    .strict()
    .default({})
    .describe(`${what} (0 turns a window off).`);

/** When sends to one destination are throttled: enough sends in the window, too few of them verified. */
const conversionRule = (minSends: number, what: string) =>
  z
    .object({
      minSends: z.number().int().min(0).max(1_000_000).default(minSends).describe('Sends in the window before judging (0: off).'),
      minVerifiedPercent: z.number().min(0).max(100).default(10).describe('Below this share of verified sends, throttle.'),
      windowSeconds: z.number().int().min(60).max(86_400).default(3600).describe('The sliding window sends are counted over.'),
      throttleSeconds: z.number().int().min(60).max(604_800).default(3600).describe('How long a throttle lasts.'),
    })
    .strict()
    .default({})
    .describe(`The rule for ${what}.`);

export const policySchema = z
  .object({
    codeLength: z.number().int().min(4).max(10).default(6).describe('Digits in a code.'),
    ttlSeconds: z.number().int().min(30).max(86_400).default(600).describe('Seconds a code stays valid after it is sent.'),
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .max(20)
      .default(5)
      .describe('Wrong codes allowed per verification before it locks. A resend never resets it.'),
    resendIntervalSeconds: z
      .number()
      .int()
      .min(0)
      .max(3600)
      .default(30)
      .describe('Seconds before the first resend of a verification; each further resend waits twice as long (0: no wait).'),
    maxResendIntervalSeconds: z.number().int().min(0).max(86_400).default(600).describe('The doubling resend wait never exceeds this.'),
    maxSendsPerPhonePerHour: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(5)
      .describe('Sends allowed to one phone number per rolling hour, per site.'),
    sendsPerIp: limitWindows({ perTenMinutes: 10, perDay: 30 }, 100_000, 'Sends one client may cause: an IPv4 address or IPv6 /64'),
    sendsPerIpRange: limitWindows({ perHour: 100 }, 1_000_000, 'Sends one network may cause: an IPv4 /24 or IPv6 /48'),
    sendsPerPhone: z
      .object({ perTenMinutes: sends(100_000).default(0), perDay: sends(100_000).default(10) })
      .strict()
      .default({})
      .describe('Sends to one phone beyond maxSendsPerPhonePerHour (0 turns a window off).'),
    sendsPerPrefix: limitWindows(
      { perHour: 100 },
      1_000_000,
      'Sends to one destination prefix (calling code and 3 national digits, e.g. +1415): SMS pumping',
    ),
    sendsPerSite: limitWindows(
      { perHour: 1000, perDay: 10_000 },
      100_000_000,
      "Sends of the whole site, a spend cap; a warning is logged at 80 % of a window's limit",
    ),
    allowedCountries: z.array(country).default([]).describe('Countries codes may be sent to (empty: all).'),
    deniedCountries: z.array(country).default([]).describe('Countries codes are never sent to.'),
  })
  .strict();

const policyOverrideSchema = policySchema.partial().strict();

const moduleHandlerSchema = z
  .object({
    type: z.literal('module'),
    ...linkOptions,
    path: z
      .string()
      .min(1)
      .describe('Path of a .js, .mjs or .ts module whose default export has sendOneTimePassword; relative to the config file.'),
    options: z
      .record(z.unknown())
      .optional()
      .describe(
        'Passed to a default export that is a factory function. A string value `callout:NAME/...` must name a configured named credential.',
      ),
    credentials: z
      .array(z.string().regex(CREDENTIAL_NAME))
      .optional()
      .describe('Named credentials the handler calls (`callout:NAME/...`); startup fails when one is missing from namedCredentials.'),
  })
  .strict();

const handlerSchema = z.union([
  z.literal('console').transform(() => ({ type: 'console' as const })),
  z
    .string()
    .min(1)
    .refine((s) => s !== 'console')
    .transform((path) => ({ type: 'module' as const, path })),
  z.object({ type: z.literal('console'), ...linkOptions }).strict(),
  moduleHandlerSchema,
  webhookHandlerSchema,
  httpProviderSchema,
  ...providerHandlerSchemas,
]);

/** A web origin as a browser sends it in `Origin`: scheme, host and port only, http(s), no path or trailing slash. */
const webOrigin = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
    } catch {
      return false;
    }
  },
  { message: 'an origin is scheme://host[:port], exactly as a browser sends it (no path, no trailing slash)' },
);

const clientSchema = z
  .object({
    clientId: z
      .string()
      .regex(/^[A-Za-z0-9._~-]{1,128}$/, 'letters, digits and . _ ~ - only')
      .describe('OAuth client_id.'),
    name: z.string().max(200).default('').describe('Shown to people and in logs (default: the client id).'),
    clientSecret: z
      .string()
      .min(16)
      .optional()
      .describe('Secret of a confidential client (16+ characters, 32+ in production); omit for a public client.'),
    redirectUris: z.array(z.string().url()).min(1).describe('Exact redirect URIs the client may use.'),
    idTokenSignedResponseAlg: z
      .enum(SIGNING_ALGS)
      .default('RS256')
      .describe('How its ID tokens are signed: RS256 (every OIDC library accepts it) or ES256 (smaller, faster).'),
    firstParty: z
      .boolean()
      .default(false)
      .describe("The site's own app: only a first-party client is granted `api` (or `full`), which phone changes need."),
    postLogoutRedirectUris: z
      .array(z.string().url())
      .default([])
      .describe('Exact URIs end-session may return the browser to (OIDC post_logout_redirect_uri).'),
    requirePkce: z
      .boolean()
      .default(true)
      .describe('PKCE (S256) on every authorization request (RFC 9700). Only a confidential client may set false, for a legacy app.'),
    allowedOrigins: z
      .array(webOrigin)
      .default([])
      .describe(
        'Web origins (`https://app.example.com`, exact) whose pages may call the token, userinfo, revoke, end-session, ' +
          'headless and identity endpoints for this client (CORS). None by default. Read from the config only.',
      ),
  })
  .strict()
  .refine((c) => c.requirePkce || c.clientSecret !== undefined, {
    message: 'only a confidential client (with clientSecret) may turn PKCE off',
    path: ['requirePkce'],
  });

export const siteSchema = z
  .object({
    id: z
      .string()
      .regex(SITE_ID_PATTERN, 'lowercase letters, digits and dashes')
      .refine(
        (id) => !RESERVED_SITE_IDS.includes(id),
        (id) => ({ message: `"${id}" is a path of the server itself; choose another site id` }),
      )
      .describe('Site id, also its URL path prefix (/{id}/services/...).'),
    name: z.string().min(1).max(200).describe('Shown in messages and pages.'),
    enabled: z.boolean().default(true),
    experienceId: z.string().max(200).nullable().default(null).describe('Passed through to the delivery handler as experienceId.'),
    locale: z
      .string()
      .regex(/^[a-z]{2}(-[A-Z]{2})?$/)
      .default(DEFAULT_LOCALE)
      .describe(`Locale of messages for users without one (${LOCALES.join(', ')}; others get ${DEFAULT_LOCALE}).`),
    defaultCountry: country.nullable().default(null).describe('Country assumed for numbers typed without a leading +.'),
    passwordlessLoginEnabled: z.boolean().default(true),
    registrationEnabled: z.boolean().default(true),
    registrationExistingAccount: z
      .enum(['notice', 'login_code'])
      .default('notice')
      .describe(
        'A registration for a number that already has an account answers like any other (no enumeration); the phone gets ' +
          'a notice that an account exists and how to sign in, or (login_code) a sign-in code that the registration accepts.',
      ),
    policy: policyOverrideSchema.default({}).describe('Overrides of defaults.policy for every use case of this site.'),
    useCasePolicies: z
      .object(
        Object.fromEntries(USE_CASES.map((u) => [u, policyOverrideSchema.optional()])) as Record<
          (typeof USE_CASES)[number],
          z.ZodOptional<typeof policyOverrideSchema>
        >,
      )
      .strict()
      .default({})
      .describe('Overrides per use case (passwordless_login, self_registration, identity_verification, phone_registration).'),
    handlers: z
      .array(handlerSchema)
      .default([])
      .describe('Delivery chain, primary first: "console", a module path, or {type, ...}. Empty: delivery.defaultHandler.'),
    receiptFailoverSeconds: z
      .number()
      .int()
      .min(0)
      .max(3600)
      .default(0)
      .describe(
        'When a receipt says undelivered or failed this many seconds after a send, a new code goes out through the next handler. 0: off.',
      ),
    userDiscoveryHandler: z
      .string()
      .nullable()
      .default(null)
      .describe('Module mapping a login hint to a user (default: by E.164 phone, then username).'),
    registrationHandler: z
      .string()
      .nullable()
      .default(null)
      .describe('Module creating the user after the registration code is verified (default: store the userdata).'),
    clients: z.array(clientSchema).default([]),
    tokens: z
      .object({
        accessTokenTtlSeconds: z.number().int().min(60).max(86_400).default(3600),
        refreshTokenTtlSeconds: z.number().int().min(300).max(31_536_000).default(2_592_000),
        authorizationCodeTtlSeconds: z.number().int().min(10).max(600).default(60),
        refreshGraceSeconds: z
          .number()
          .int()
          .min(0)
          .max(60)
          .default(10)
          .describe(
            'A second refresh with the same refresh token this soon after its rotation gets a pair of the same login (a race, ' +
              'not theft); after it, a replay revokes the login (0 = no grace).',
          ),
      })
      .strict()
      .default({}),
    branding: z
      .object({
        logoUrl: z.string().url().optional().describe('Logo shown on the hosted pages (https or a data: image).'),
        primaryColor: z
          .string()
          .regex(/^#[0-9a-fA-F]{6}$/)
          .optional()
          .describe('Colour of buttons and links on the hosted pages.'),
      })
      .strict()
      .default({}),
    session: z
      .object({
        idleTimeoutSeconds: z
          .number()
          .int()
          .min(60)
          .max(86_400)
          .default(1800)
          .describe('A hosted-pages sign-in ends after this many seconds without a request (default 30 minutes).'),
        absoluteLifetimeSeconds: z
          .number()
          .int()
          .min(300)
          .max(2_592_000)
          .default(43_200)
          .describe('A hosted-pages sign-in ends this many seconds after it began, however active (default 12 hours).'),
        ttlSeconds: z
          .number()
          .int()
          .min(300)
          .max(31_536_000)
          .optional()
          .describe('Deprecated (the old single lifetime): when set, the absolute lifetime is the shorter of the two.'),
      })
      .strict()
      .default({}),
    testNumbers: z
      .object({
        numbers: z
          .array(
            z
              .object({
                phone: z
                  .string()
                  .transform((value, ctx) => {
                    const parsed = parsePhone(value);
                    if (parsed) return parsed.e164;
                    ctx.addIssue({ code: 'custom', message: 'a valid mobile number in E.164 form, such as +15555550100' });
                    return z.NEVER;
                  })
                  .describe('The reserved number (E.164).'),
                code: z
                  .string()
                  .regex(/^\d{4,10}$/, '4 to 10 digits')
                  .describe('The code it always gets.'),
              })
              .strict(),
          )
          .default([])
          .describe('Numbers for app-store reviewers and automated tests: nothing is sent, the fixed code verifies.'),
        exemptFromLimits: z
          .boolean()
          .default(false)
          .describe('Test numbers skip the send limits and resend waits (otherwise they count like real numbers).'),
        allowInProduction: z
          .boolean()
          .default(false)
          .describe('Production refuses test numbers unless this is true (a fixed code is a known password).'),
      })
      .strict()
      .default({}),
    pumpingDefence: z
      .object({
        mode: z
          .enum(['throttle', 'monitor'])
          .default('throttle')
          .describe(
            'throttle refuses sends to a destination whose codes are not being used (fail closed); monitor only records ' +
              'and logs it (fail open).',
          ),
        prefix: conversionRule(30, 'a destination prefix (calling code and 3 national digits)'),
        country: conversionRule(300, 'a country'),
      })
      .strict()
      .default({})
      .describe(
        'SMS-pumping defence: sends against verified codes per destination over a sliding window. Too few verified, and ' +
          'the destination is throttled (429 too_many_requests, limit prefix), an audit event is written, `otpgate blocks` lists it.',
      ),
    guessBudget: z
      .object({
        perHour: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .default(10)
          .describe('Wrong codes per phone per rolling hour, all verifications and use cases together.'),
        perDay: z
          .number()
          .int()
          .min(1)
          .max(10_000)
          .default(30)
          .describe('Wrong codes per phone per rolling day, all verifications and use cases together.'),
        lockAfterConsecutive: z
          .number()
          .int()
          .min(0)
          .max(100_000)
          .default(100)
          .describe(
            'Wrong codes in a row, with no right one between, that lock the phone until `otpgate phone unlock` (NIST SP 800-63B ' +
              '5.2.2; 0: never).',
          ),
      })
      .strict()
      .default({})
      .describe('Once spent, no code for that phone is accepted (not even a right one) and no new code is sent until it has room.'),
    secondFactor: z
      .object({
        account: z
          .boolean()
          .default(false)
          .describe('Ask for a fresh SMS code (identity verification) before the account page and a phone change.'),
        phoneChange: z
          .boolean()
          .default(true)
          .describe('Ask for a fresh SMS code on the current phone before a phone change (hosted page and API).'),
        maxAgeSeconds: z.number().int().min(30).max(86_400).default(300).describe('How long a passed second factor counts as fresh.'),
      })
      .strict()
      .default({}),
    captcha: captchaSchema
      .optional()
      .describe('A captcha verified server-side before a code is sent (absent: none); see the README, Captcha.'),
  })
  .strict();

const credentialAuthSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z.object({ type: z.literal('basic'), username: z.string().min(1), password: z.string().min(1) }).strict(),
  z.object({ type: z.literal('bearer'), token: z.string().min(1) }).strict(),
  z.object({ type: z.literal('header'), name: z.string().regex(/^[A-Za-z0-9-]+$/), value: z.string().min(1) }).strict(),
  z
    .object({
      type: z.literal('standard-webhooks'),
      secrets: z
        .array(z.string().regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'whsec_ and a base64 secret'))
        .min(1)
        .max(5)
        .describe('Each request is signed with every secret (several during a rotation); write them as ${ENV_VAR}.'),
    })
    .strict(),
]);

const keyedSecretSchema = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/)
    .describe('Key id stored beside each hash or ciphertext.'),
  secret: z.string().min(16, 'at least 16 characters (32+ in production)'),
});

/** A trusted proxy: an IP address, a CIDR, or one of proxy-addr's names for the private ranges. */
const proxyAddressSchema = z.string().refine(
  (value) => {
    if (['loopback', 'linklocal', 'uniquelocal'].includes(value)) return true;
    const [address = '', prefix, extra] = value.split('/');
    const version = isIP(address);
    if (!version || extra !== undefined) return false;
    return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
  },
  { message: 'an IP address, a CIDR (10.0.0.0/8) or loopback, linklocal, uniquelocal' },
);

/** A secret that turns an endpoint on: at least 32 characters, or null for no endpoint. */
const bearerToken = (description: string) => z.string().min(32, 'at least 32 characters').nullable().default(null).describe(description);

export const configSchema = z
  .object({
    $comment: z.string().optional().describe('Ignored: a note for people, since JSON has no comments.'),
    mode: z
      .enum(['development', 'production'])
      .default('development')
      .describe(
        'production refuses the console handler, weak secrets and a non-https baseUrl, and sends cookies Secure. Env OTPGATE_MODE.',
      ),
    server: z
      .object({
        host: z.string().default('127.0.0.1').describe('Listen address. Env OTPGATE_HOST.'),
        port: z.number().int().min(0).max(65_535).default(8080).describe('Listen port (0: any free port). Env OTPGATE_PORT.'),
        baseUrl: z
          .string()
          .url()
          .nullable()
          .default(null)
          .describe('Public URL of the server, used for issuers and links (default: http://host:port). Env OTPGATE_BASE_URL.'),
        bodyLimitBytes: z.number().int().min(1024).max(1_048_576).default(16_384).describe('Largest request body accepted.'),
        trustProxy: z
          .union([z.boolean(), z.number().int().min(0).max(10), z.array(proxyAddressSchema).min(1)])
          .default(false)
          .describe(
            "Which proxies to believe for X-Forwarded-* and X-Request-Id: false, a number of trusted hops, or the proxies' " +
              'addresses/CIDRs (e.g. ["10.0.0.0/8"]). true means 1 hop.',
          ),
        requestTimeoutMs: z
          .number()
          .int()
          .min(1000)
          .max(300_000)
          .default(30_000)
          .describe('A request (headers and body) must arrive within this time, or the connection is closed (slow bodies).'),
        headersTimeoutMs: z
          .number()
          .int()
          .min(1000)
          .max(300_000)
          .default(10_000)
          .describe('The request headers must arrive within this time (slow headers); at most requestTimeoutMs.'),
        connectionTimeoutMs: z
          .number()
          .int()
          .min(1000)
          .max(600_000)
          .default(60_000)
          .describe('An idle connection (nothing sent either way) is closed after this time.'),
        shutdownDelayMs: z
          .number()
          .int()
          .min(0)
          .max(60_000)
          .default(0)
          .describe(
            'On SIGTERM, how long readyz answers 503 before the server stops accepting requests ' +
              "(set it to your load balancer's health-check interval).",
          ),
        logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Env OTPGATE_LOG_LEVEL.'),
        logFormat: z
          .enum(['pretty', 'json'])
          .optional()
          .describe(
            'pretty: readable lines (the default in development); json: one JSON object per line (production). Env OTPGATE_LOG_FORMAT.',
          ),
      })
      .strict()
      .default({}),
    database: z
      .object({
        url: z
          .string()
          .min(1)
          .default('sqlite:./otpgate.db')
          .describe('sqlite:PATH (sqlite::memory: for tests) or postgres://... Env OTPGATE_DATABASE_URL.'),
        poolSize: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(10)
          .describe("PostgreSQL connections per instance; keep instances × poolSize under the server's max_connections."),
      })
      .strict()
      .default({}),
    secrets: z
      .object({
        hmac: z
          .array(keyedSecretSchema)
          .min(1)
          .describe(
            'Secrets for code and token hashes, current first; keep old ones to verify during rotation. ' +
              'Env OTPGATE_HMAC_SECRETS=id:secret,id:secret.',
          ),
        keyEncryption: z
          .array(keyedSecretSchema)
          .default([])
          .describe(
            'Keys that encrypt the id_token signing keys at rest (AES-256-GCM), current first; keep an old one until ' +
              '`otpgate keys encrypt` has re-sealed under the new one. Required in production. ' +
              'Env OTPGATE_KEY_ENCRYPTION_KEYS=id:secret,….',
          ),
      })
      .strict(),
    delivery: z
      .object({
        deadlineMs: z.number().int().min(100).max(60_000).default(10_000).describe('Time budget of one send across retries and fail-over.'),
        retries: z.number().int().min(0).max(5).default(2).describe('Retries of one handler after PROVIDER_ERROR, EXCEPTION or a throw.'),
        backoffMs: z.number().int().min(0).max(10_000).default(250).describe('First retry delay; doubles each retry, with jitter.'),
        defaultHandler: handlerSchema.default('console').describe('Chain used by sites without handlers.'),
        allowConsoleInProduction: z
          .boolean()
          .default(false)
          .describe('The console handler prints codes; production refuses it unless this is true.'),
      })
      .strict()
      .default({}),
    metrics: z
      .object({
        token: bearerToken(
          'Bearer token that GET /metrics (Prometheus text format) requires; null: no /metrics. Use ${ENV_VAR} to keep it out of the file.',
        ),
      })
      .strict()
      .default({}),
    tracing: z
      .object({
        endpoint: z
          .string()
          .url()
          .nullable()
          .default(null)
          .describe(
            'OTLP/HTTP collector base URL; spans go to {endpoint}/v1/traces. null: off, at no cost. Env OTEL_EXPORTER_OTLP_ENDPOINT.',
          ),
        serviceName: z.string().min(1).max(100).default('otpgate').describe('service.name of the spans.'),
      })
      .strict()
      .default({}),
    admin: z
      .object({
        token: bearerToken(
          'The admin credential: Bearer token of the admin API (/admin/api) and the sign-in of the admin console (/admin); ' +
            'null: neither exists. Use ${ENV_VAR}.',
        ),
        sessionMinutes: z.number().int().min(5).max(720).default(30).describe('How long an admin console sign-in lasts.'),
      })
      .strict()
      .default({}),
    maintenance: z
      .object({
        purgeIntervalSeconds: z
          .number()
          .int()
          .min(0)
          .max(86_400)
          .default(300)
          .describe(
            'How often expired verifications, codes, tokens and rate counters are deleted (0: never; run `otpgate purge` yourself).',
          ),
        verificationRetentionHours: z
          .number()
          .int()
          .min(0)
          .max(8760)
          .default(24)
          .describe('Hours an expired verification is kept (for support questions) before it is deleted.'),
        deliveryAttemptRetentionDays: z.number().int().min(1).max(3650).default(30).describe('Days the delivery attempt log is kept.'),
        auditRetentionDays: z.number().int().min(1).max(3650).default(365).describe('Days the audit log (account changes) is kept.'),
      })
      .strict()
      .default({}),
    namedCredentials: z
      .record(
        z.string().regex(CREDENTIAL_NAME),
        z
          .object({
            url: z.string().url(),
            auth: credentialAuthSchema,
            sites: z
              .array(z.string().regex(SITE_ID_PATTERN))
              .min(1)
              .optional()
              .describe("The sites whose handlers may call it (absent: every site); another site's callout is refused."),
            receiptSecret: z
              .string()
              .min(8)
              .optional()
              .describe(
                "The provider account's secret for signed delivery receipts (Vonage signature secret, Sinch webhook secret); never sent.",
              ),
          })
          .strict(),
      )
      .default({})
      .describe('Callout targets by name; write secrets as ${ENV_VAR}.'),
    defaults: z
      .object({ policy: policySchema.default({}) })
      .strict()
      .default({}),
    sites: z.array(siteSchema).default([]),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.sites.forEach((site, i) => {
      if (seen.has(site.id)) ctx.addIssue({ code: 'custom', path: ['sites', i, 'id'], message: `duplicate site id "${site.id}"` });
      seen.add(site.id);
    });
    // A hash or ciphertext names the secret it was made with: two secrets under one id would check codes (or open
    // keys) with one while making them with the other, and every sign-in would fail.
    for (const list of ['hmac', 'keyEncryption'] as const) {
      const ids = config.secrets[list].map((s) => s.id);
      ids.forEach((id, i) => {
        if (ids.indexOf(id) !== i)
          ctx.addIssue({
            code: 'custom',
            path: ['secrets', list, i, 'id'],
            message: `duplicate secret id "${id}": give the new secret a new id`,
          });
      });
    }
    if (config.mode === 'production') {
      // Production sends session and CSRF cookies Secure always: a browser on http would drop them, and on
      // http the OTP, the session and the tokens would cross the network in clear. Loopback is refused too:
      // development mode is the way to run on http://127.0.0.1.
      if (!config.server.baseUrl?.startsWith('https://'))
        ctx.addIssue({
          code: 'custom',
          path: ['server', 'baseUrl'],
          message: 'production needs an https:// server.baseUrl (behind a TLS-terminating proxy: its public https URL)',
        });
      config.secrets.hmac.forEach((s, i) => {
        if (s.secret.length < 32 || s.secret.startsWith('dev-only'))
          ctx.addIssue({
            code: 'custom',
            path: ['secrets', 'hmac', i, 'secret'],
            message: 'production needs a secret of 32+ characters that is not the demo one',
          });
      });
      // A database copy alone must not be able to sign tokens: the key that opens the signing keys lives elsewhere.
      if (config.secrets.keyEncryption.length === 0)
        ctx.addIssue({
          code: 'custom',
          path: ['secrets', 'keyEncryption'],
          message: 'production needs a key-encryption key for the signing keys (OTPGATE_KEY_ENCRYPTION_KEYS=id:secret, 32+ characters)',
        });
      config.secrets.keyEncryption.forEach((s, i) => {
        if (s.secret.length < 32)
          ctx.addIssue({ code: 'custom', path: ['secrets', 'keyEncryption', i, 'secret'], message: 'production needs 32+ characters' });
      });
      config.sites.forEach((site, i) => {
        if (site.testNumbers.numbers.length > 0 && !site.testNumbers.allowInProduction)
          ctx.addIssue({
            code: 'custom',
            path: ['sites', i, 'testNumbers', 'numbers'],
            message: 'production refuses test numbers (their fixed codes are known passwords) unless testNumbers.allowInProduction is true',
          });
      });
      config.sites.forEach((site, i) =>
        site.clients.forEach((client, j) => {
          if (client.clientSecret !== undefined && client.clientSecret.length < 32)
            ctx.addIssue({
              code: 'custom',
              path: ['sites', i, 'clients', j, 'clientSecret'],
              message: 'production needs a client secret of 32+ characters (`openssl rand -base64 32` makes one)',
            });
        }),
      );
    }
  });

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type SiteConfig = z.infer<typeof siteSchema>;
