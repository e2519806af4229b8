/**
 * Route schemas of the hosted pages (HTML, no script needed). Briefly described: their contract is with people, not
 * programs. Forms are validated by `pageForm` (strings only) and carry a CSRF token (`_csrf`).
 */
import { htmlPage, redirect, TAGS } from './common.js';

/** A captcha widget's token field may outgrow the other fields (hCaptcha's tokens run to several KB). */
const captchaField = { type: 'string', maxLength: 8192 } as const;

/** Form fields of the hosted pages: strings only; return addresses may be long authorize requests. */
const pageForm = {
  type: 'object',
  properties: {
    _csrf: { type: 'string', maxLength: 4096, description: 'The CSRF token of the form.' },
    'g-recaptcha-response': captchaField,
    'h-captcha-response': captchaField,
    'cf-turnstile-response': captchaField,
  },
  additionalProperties: { type: 'string', maxLength: 4096 },
} as const;

const pageErrors = { '4xx': htmlPage('An error page, in the user’s language.'), '5xx': htmlPage('An error page.') } as const;

/** GET of a page. */
export function pageRoute(summary: string) {
  return { tags: [TAGS.pages], summary, response: { 200: htmlPage(summary), 303: redirect('Elsewhere first.'), ...pageErrors } } as const;
}

/** POST of a page's form (CSRF-checked). */
export function formRoute(summary: string) {
  return {
    tags: [TAGS.pages],
    summary,
    consumes: ['application/x-www-form-urlencoded'],
    body: pageForm,
    response: {
      200: htmlPage('The next step, or the form again with a message.'),
      303: redirect('Done: on to the next page.'),
      ...pageErrors,
      403: htmlPage('The CSRF token is missing or wrong.'),
    },
  } as const;
}
