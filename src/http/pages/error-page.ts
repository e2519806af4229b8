import { html, type Html } from './html.js';
import { layout, type PageContext } from './layout.js';

/** Something the user cannot fix in a form: say what, in their language, and offer the way back. */
export function errorPage(ctx: PageContext, text: string, requestId: string): Html {
  const { t } = ctx;
  return layout(ctx, {
    title: t('error.title'),
    body: html`<div class="alert error" role="alert"><p>${text}</p></div>
${ctx.base ? html`<p><a href="${ctx.base}/login">${t('error.backToSignIn')}</a></p>` : null}
<p class="hint">${t('error.reference', { id: requestId })}</p>`,
  });
}
