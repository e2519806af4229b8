import { z } from 'zod';
import { CAPTCHA_ENDPOINTS, CAPTCHA_PROVIDERS, type CaptchaProvider } from '../domain/captcha.js';

/** Each provider's documented verify API; `{projectId}` is filled in from the setting of that name. */
export const CAPTCHA_VERIFY_URLS: Record<CaptchaProvider, string> = {
  recaptcha: 'https://www.google.com/recaptcha/api/siteverify',
  recaptcha_enterprise: 'https://recaptchaenterprise.googleapis.com/v1/projects/{projectId}/assessments',
  hcaptcha: 'https://api.hcaptcha.com/siteverify',
  turnstile: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
};

const captchaObject = z
  .object({
    provider: z.enum(CAPTCHA_PROVIDERS).describe('recaptcha (v2 or v3), recaptcha_enterprise, hcaptcha or turnstile.'),
    secret: z
      .string()
      .min(1)
      .describe('The secret key (recaptcha_enterprise: a Google Cloud API key). Write it as ${ENV_VAR}; it is never sent to browsers.'),
    siteKey: z.string().min(1).describe('The public site key the widget of the hosted pages is rendered with.'),
    projectId: z
      .string()
      .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a Google Cloud project id')
      .optional()
      .describe('recaptcha_enterprise only (and required there): the Google Cloud project of the key.'),
    minScore: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe('Lowest score accepted (recaptcha v3 and recaptcha_enterprise; a v2 answer has no score).'),
    action: z
      .string()
      .regex(/^[A-Za-z0-9/_]{1,100}$/)
      .optional()
      .describe('When set, the token must have been made for this action (recaptcha v3, recaptcha_enterprise, turnstile).'),
    verifyUrl: z
      .string()
      .url()
      .optional()
      .describe("The provider's verify API (default: the provider's documented URL); for tests and proxies. Production requires https."),
    whenNearLimitPercent: z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .describe(
        'Ask for a captcha only once the client (its address or network) has used this share of a send limit; absent: always. ' +
          'People who ask for a code now and then never see one; a script is stopped before the limit.',
      ),
    endpoints: z
      .array(z.enum(CAPTCHA_ENDPOINTS))
      .default([...CAPTCHA_ENDPOINTS])
      .describe('Which init endpoints need a captcha (headless API and hosted pages alike).'),
  })
  .strict();

function providerRules(
  captcha: { provider: CaptchaProvider; projectId?: string | undefined; action?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if (captcha.provider === 'recaptcha_enterprise' && !captcha.projectId)
    ctx.addIssue({ code: 'custom', path: ['projectId'], message: 'recaptcha_enterprise needs the Google Cloud projectId' });
  if (captcha.provider === 'hcaptcha' && captcha.action !== undefined)
    ctx.addIssue({ code: 'custom', path: ['action'], message: "hCaptcha's verify API reports no action" });
}

/** A site's captcha (src/captcha/); absent: no captcha. */
export const captchaSchema = captchaObject.superRefine(providerRules);

/**
 * A site's captcha as the database keeps it: without the secret, which stays in the config file (or its
 * environment), so a copy of the database cannot be used to verify tokens against the site's account.
 */
export const storedCaptchaSchema = captchaObject.omit({ secret: true }).superRefine(providerRules);

/**
 * A verify URL that is not https would send the captcha secret in clear: production refuses it (naming the
 * site), development warns (a loopback fake in tests is http).
 */
export function cleartextCaptchaUrls(config: {
  sites: readonly { id: string; captcha?: { verifyUrl?: string | undefined } | undefined }[];
}) {
  return config.sites.flatMap((site, i) =>
    site.captcha?.verifyUrl && !site.captcha.verifyUrl.startsWith('https://')
      ? [`sites.${i}.captcha.verifyUrl (${site.id}): not https, so the captcha secret would cross the network in clear`]
      : [],
  );
}
