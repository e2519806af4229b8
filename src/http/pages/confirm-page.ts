import { alert, csrfField, hiddenFields, maskedPhone, type Message } from './components.js';
import { html, type Html } from './html.js';
import { layout, type PageContext } from './layout.js';

/** The second factor's first step: a button, because sending a text is an action a GET must not take. */
export function confirmPage(ctx: PageContext, input: { phone: string; returnTo: string }, message: Message = null): Html {
  const { t } = ctx;
  return layout(ctx, {
    title: t('confirm.title'),
    body: html`${alert(ctx, message)}
<p>${t('confirm.intro', { phone: maskedPhone(input.phone) })}</p>
<form method="post" action="${ctx.base}/account/confirm">
${csrfField(ctx)}${hiddenFields({ return_to: input.returnTo })}
<button type="submit" autofocus>${t('confirm.submit')}</button>
</form>`,
  });
}
