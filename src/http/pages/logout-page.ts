import { csrfField, hiddenFields } from './components.js';
import { html, type Html } from './html.js';
import { layout, type PageContext } from './layout.js';

/**
 * "Sign out?" with a button: signing out takes a POST with the form token, so a link or an image on
 * another site cannot sign anyone out. End-session requests from an app carry their return address here.
 */
export function logoutPage(ctx: PageContext, carry: { clientId?: string; postLogoutRedirectUri?: string; state?: string } = {}): Html {
  const { t } = ctx;
  return layout(ctx, {
    title: t('logout.title'),
    body: html`<p>${t('logout.question', { site: ctx.brand.name })}</p>
<form method="post" action="${ctx.base}/logout">
${csrfField(ctx)}${hiddenFields({ client_id: carry.clientId, post_logout_redirect_uri: carry.postLogoutRedirectUri, state: carry.state })}
<button type="submit" autofocus>${t('logout.submit')}</button>
</form>
<p class="alt"><a href="${ctx.base}/account">${t('logout.cancel')}</a></p>`,
  });
}
