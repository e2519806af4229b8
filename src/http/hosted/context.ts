import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CaptchaProvider } from '../../domain/captcha.js';
import type { Site } from '../../domain/site.js';
import type { User } from '../../domain/user.js';
import { acceptedLanguages, matchLocale, pickLocale, translator } from '../../i18n/index.js';
import { brandOf } from '../pages/brand.js';
import { captchaCspDirectives } from '../pages/captcha-widget.js';
import { isCountry } from '../pages/countries.js';
import type { Html } from '../pages/html.js';
import type { PageContext } from '../pages/layout.js';
import type { SiteUrls } from '../services.js';

const LANG_COOKIE = 'otpgate_lang';
const YEAR_SECONDS = 31_536_000;

export type FormBody = Record<string, string | undefined>;

/** A page form's fields; the route schema has already made every value a string. */
export const bodyOf = (request: FastifyRequest): FormBody | undefined => request.body as FormBody | undefined;

/** A form field as a trimmed string ('' when absent). */
export const field = (body: FormBody | undefined, name: string): string => (typeof body?.[name] === 'string' ? body[name].trim() : '');

/** A query parameter when it was given exactly once. */
export function queryParam(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** The request's site; null when site resolution itself failed (an unknown site's error page). */
export const siteOf = (request: FastifyRequest): Site | null => request.site ?? null;

/**
 * Builds what a page needs. The language is the first supported of: `?lang=` just clicked (remembered in
 * a cookie), that cookie, the user's locale, the site's locale, then Accept-Language.
 */
export function pageContext(
  urls: Pick<SiteUrls, 'secureCookies'>,
  request: FastifyRequest,
  reply: FastifyReply,
  options: { user?: User | null; languageLinks?: boolean } = {},
): PageContext {
  const site = siteOf(request);
  const asked = request.method === 'GET' ? matchLocale(queryParam(request, 'lang')) : null;
  if (asked && site)
    reply.setCookie(LANG_COOKIE, asked, {
      path: `/${site.id}`,
      sameSite: 'lax',
      httpOnly: true,
      secure: urls.secureCookies,
      maxAge: YEAR_SECONDS,
    });
  const locale = pickLocale([
    asked,
    request.cookies[LANG_COOKIE],
    options.user?.locale,
    site?.locale,
    ...acceptedLanguages(request.headers['accept-language']),
  ]);
  return {
    brand: brandOf(site),
    t: translator(locale),
    base: site ? `/${site.id}` : '',
    csrf: reply.generateCsrf(),
    languageHref: options.languageLinks && site ? hrefWithoutLang(request, site) : null,
    policies: site?.policies ?? null,
  };
}

/** The current path and query without `lang`, for links that switch the language of this very page. */
function hrefWithoutLang(request: FastifyRequest, site: Site): string | null {
  const url = new URL(request.url, 'http://otpgate.invalid');
  if (!url.pathname.startsWith(`/${site.id}/`)) return null;
  url.searchParams.delete('lang');
  return url.pathname + url.search;
}

/** The country a phone field starts on: the one just chosen, the site's default, the browser's region, else US. */
export function defaultCountry(request: FastifyRequest, chosen?: string): string {
  if (isCountry(chosen)) return chosen;
  const site = siteOf(request);
  if (site?.defaultCountry) return site.defaultCountry;
  for (const tag of acceptedLanguages(request.headers['accept-language'])) {
    const region = tag.split('-')[1]?.toUpperCase();
    if (isCountry(region)) return region;
  }
  return 'US';
}

/**
 * Pages are never cached (they carry form tokens and personal data), never framed (clickjacking), and
 * run no script at all, except on a page that shows a captcha: that page allows its provider's origins
 * (script, frames, calls, styles) and no other. No form-action: a login form's redirect chain ends at the
 * app's redirect URI.
 */
export function sendPage(reply: FastifyReply, status: number, page: Html, captcha: CaptchaProvider | null = null): FastifyReply {
  const styles = captcha ? captchaCspDirectives(captcha) : "style-src 'unsafe-inline'";
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('content-security-policy', `default-src 'none'; ${styles}; img-src https: data:; frame-ancestors 'none'; base-uri 'none'`)
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .send(page.value);
}

/** 303: after a POST the browser follows with a GET. */
export const seeOther = (reply: FastifyReply, location: string): FastifyReply =>
  reply.header('cache-control', 'no-store').redirect(location, 303);
