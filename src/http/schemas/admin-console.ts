/** Route schemas of the admin console's pages (http/admin/console.ts); http/api-docs.ts tags them. */
import { htmlPage, redirect } from './common.js';

const consoleErrors = { '4xx': htmlPage('The sign-in page, or an error page.'), '5xx': htmlPage('An error page.') } as const;
const form = {
  type: 'object',
  properties: { _csrf: { type: 'string', maxLength: 4096, description: 'The CSRF token of the form.' } },
  additionalProperties: { type: 'string', maxLength: 4096 },
} as const;

/** A console page (GET): the page, or a redirect to the sign-in. */
export const consolePage = (summary: string) =>
  ({ summary, response: { 200: htmlPage(summary), 303: redirect('Sign in first.'), ...consoleErrors } }) as const;

/** A console form (POST, CSRF-checked, signed in unless it is the sign-in itself). */
export const consoleForm = (summary: string) =>
  ({
    summary,
    consumes: ['application/x-www-form-urlencoded'],
    body: form,
    response: {
      200: htmlPage('The page again, with what happened.'),
      303: redirect('Done.'),
      ...consoleErrors,
      403: htmlPage('The CSRF token is missing or wrong.'),
    },
  }) as const;
