import type { Channel } from '../../domain/channel.js';
import { captchaWidget, type CaptchaWidget } from './captcha-widget.js';
import { alert, csrfField, hiddenFields, phoneFields, type Message } from './components.js';
import { html, type Html } from './html.js';
import { layout, type PageContext } from './layout.js';

export interface LoginForm {
  country: string;
  phone: string;
  returnTo: string | null;
  /** The site's captcha when it guards passwordless login. */
  captcha?: CaptchaWidget | null;
  /** Other ways to get the code, offered after the SMS could not be sent. */
  alternatives?: readonly Channel[];
}

const OFFER = { voice: 'login.byVoice', whatsapp: 'login.byWhatsapp' } as const;

/** /{site}/login: the phone number, then a code by SMS. */
export function loginPage(ctx: PageContext, form: LoginForm, message: Message = null): Html {
  const { t } = ctx;
  const phone = { country: form.country, phone: form.phone };
  const useCase = 'passwordless_login';
  const registerHref = `${ctx.base}/register${form.returnTo ? `?return_to=${encodeURIComponent(form.returnTo)}` : ''}`;
  return layout(ctx, {
    title: t('login.title', { site: ctx.brand.name }),
    body: html`${alert(ctx, message)}
<p>${t('login.intro')}</p>
<form method="post" action="${ctx.base}/login">
${csrfField(ctx)}${hiddenFields({ return_to: form.returnTo })}
${phoneFields(ctx, { ...phone, label: t('phone.number'), error: message?.kind === 'error', autofocus: true, useCase })}
${captchaWidget(form.captcha)}
<button type="submit">${t('login.submit')}</button>
${(form.alternatives ?? []).map((c) => (c === 'sms' ? '' : offerButton(c, t(OFFER[c]))))}
</form>
<p class="alt">${t('login.register')} <a href="${registerHref}">${t('login.registerLink')}</a></p>`,
  });
}

/** Another way to get the code: the same form, sent again with the channel the button names. */
const offerButton = (channel: Channel, label: string): Html =>
  html`<button type="submit" name="channel" value="${channel}" class="secondary">${label}</button>`;
