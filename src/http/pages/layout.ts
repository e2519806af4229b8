import type { SitePolicies } from '../../domain/policy.js';
import { LOCALE_NAMES, LOCALES, type Translator } from '../../i18n/index.js';
import type { Brand } from './brand.js';
import { html, trusted, type Html } from './html.js';

/** What every page needs: who it is for (brand, language), where it lives, and the form token. */
export interface PageContext {
  brand: Brand;
  t: Translator;
  /** The site's path prefix, e.g. "/demo" ("" when no site was found). */
  base: string;
  /** CSRF token for this page's forms. */
  csrf: string;
  /** The page's own path and query without `lang`, for the language links; null where a link would lose a form. */
  languageHref: string | null;
  /** The site's OTP policy per use case, for what a form offers (the countries codes may be sent to); null without a site. */
  policies: SitePolicies | null;
}

/** Mobile first: one column, large touch targets, visible focus; widens to a card on larger screens. */
const css = (brand: Brand) => `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f4f5f7}
.wrap{max-width:28rem;margin:0 auto;padding:1rem}
header{padding:1rem 0;display:flex;align-items:center;gap:.75rem}
header img{max-height:2.5rem;max-width:12rem}
.site-name{font-weight:700;font-size:1.25rem}
main{background:#fff;border-radius:.75rem;padding:1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 1rem}
h2{font-size:1.125rem;margin:1.5rem 0 .5rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
.hint{color:#4a4a4a;font-size:.9375rem;margin:.25rem 0}
input,select{display:block;width:100%;font:inherit;padding:.75rem;border:2px solid #6b6b6b;border-radius:.5rem;
background:#fff;color:inherit;min-height:3rem}
input[aria-invalid=true]{border-color:#b00020}
#code{font-size:1.5rem;letter-spacing:.3em;font-variant-numeric:tabular-nums}
button{display:block;width:100%;font:inherit;font-weight:600;padding:.75rem 1rem;margin-top:1.25rem;min-height:3rem;border-radius:.5rem;
border:2px solid ${brand.primary};background:${brand.primary};color:${brand.onPrimary};cursor:pointer}
button.secondary{background:#fff;color:#1a1a1a;border-color:#6b6b6b;margin-top:.75rem}
a{color:${brand.link}}
:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}
.alert{border-left:.375rem solid;padding:.75rem 1rem;margin:0 0 1rem;border-radius:.25rem}
.alert.error{border-color:#b00020;background:#fdecee}
.alert.notice{border-color:#1b7f3b;background:#e9f6ee}
.alert p{margin:0}
.alert h2{margin:0 0 .25rem;font-size:1rem}
dl{margin:0}
dt{font-weight:600;margin-top:.75rem}
dd{margin:0;overflow-wrap:anywhere}
.alt{margin-top:1.25rem}
.captcha{margin-top:1.25rem}
footer{padding:1rem 0;font-size:.9375rem;color:#4a4a4a}
footer ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
footer a{display:inline-block;padding:.25rem 0}
@media (min-width:40rem){.wrap{padding-top:3rem}main{padding:2rem}}
`;

export function layout(ctx: PageContext, page: { title: string; body: Html }): Html {
  const { brand, t } = ctx;
  const languages = ctx.languageHref
    ? html`<nav aria-label="${t('layout.language')}"><ul>${LOCALES.map((l) =>
        l === t.locale
          ? html`<li><span aria-current="true" lang="${l}">${LOCALE_NAMES[l]}</span></li>`
          : html`<li><a href="${withLang(ctx.languageHref!, l)}" hreflang="${l}" lang="${l}">${LOCALE_NAMES[l]}</a></li>`,
      )}</ul></nav>`
    : null;
  return html`<!doctype html>
<html lang="${t.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${page.title.includes(brand.name) ? page.title : `${page.title} – ${brand.name}`}</title>
<style>${trusted(css(brand))}</style>
</head>
<body>
<div class="wrap">
<header>${brandMark(brand)}</header>
<main>
<h1>${page.title}</h1>
${page.body}
</main>
<footer>${languages}</footer>
</div>
</body>
</html>`;
}

function withLang(href: string, locale: string): string {
  return `${href}${href.includes('?') ? '&' : '?'}lang=${locale}`;
}

/** The site's logo, or its name where it has none. */
const brandMark = (brand: Brand): Html =>
  brand.logoUrl ? html`<img src="${brand.logoUrl}" alt="${brand.name}">` : html`<span class="site-name">${brand.name}</span>`;
