import { csrfField, hiddenFields } from './components.js';
import { html, type Html } from './html.js';
import { layout, type PageContext } from './layout.js';

/** What a scope lets the app do, in the user's words; scopes with nothing to say (openid's sub aside) are left out. */
const SCOPE_TEXT = {
  openid: 'consent.scope.openid',
  profile: 'consent.scope.profile',
  email: 'consent.scope.email',
  phone: 'consent.scope.phone',
  refresh_token: 'consent.scope.offline',
  offline_access: 'consent.scope.offline',
} as const;

/** /{site}/consent: a third-party app asks to use the account; Allow or Don't allow. */
export function consentPage(ctx: PageContext, input: { clientName: string; scopes: string[]; request: string }): Html {
  const { t } = ctx;
  const lines = [
    ...new Set(
      input.scopes
        .map((s) => SCOPE_TEXT[s as keyof typeof SCOPE_TEXT])
        .filter((k): k is (typeof SCOPE_TEXT)[keyof typeof SCOPE_TEXT] => !!k),
    ),
  ];
  return layout(ctx, {
    title: t('consent.title', { client: input.clientName }),
    body: html`<p id="consent-intro">${t('consent.intro', { client: input.clientName, site: ctx.brand.name })}</p>
<ul aria-labelledby="consent-intro">${lines.map((key) => html`<li>${t(key)}</li>`)}</ul>
<form method="post" action="${ctx.base}/consent">
${csrfField(ctx)}${hiddenFields({ request: input.request })}
<button type="submit" name="decision" value="allow" autofocus>${t('consent.allow')}</button>
<button type="submit" name="decision" value="deny" class="secondary">${t('consent.deny')}</button>
</form>
<p class="hint">${t('consent.note')}</p>`,
  });
}
