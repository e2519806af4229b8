import { captchaWidget, type CaptchaWidget } from './captcha-widget.js';
import { alert, csrfField, hiddenFields, phoneFields, textField, type Message } from './components.js';
import { html, type Html } from './html.js';
import { layout, type PageContext } from './layout.js';

export interface RegisterForm {
  firstName: string;
  lastName: string;
  email: string;
  country: string;
  phone: string;
  returnTo: string | null;
  /** The site's captcha when it guards registration. */
  captcha?: CaptchaWidget | null;
}

/** Which field a problem belongs to, so it is the one marked invalid and focused. */
export type RegisterProblem = { field: 'phone' | 'email' | null; message: Message; signInHref?: string };

/** /{site}/register: name, optional email, and the phone the code goes to. */
export function registerPage(ctx: PageContext, form: RegisterForm, problem: RegisterProblem | null = null): Html {
  const { t } = ctx;
  const loginHref = `${ctx.base}/login${form.returnTo ? `?return_to=${encodeURIComponent(form.returnTo)}` : ''}`;
  const field = problem?.field ?? null;
  const phone = { country: form.country, phone: form.phone };
  const email = { id: 'email', label: t('register.email'), value: form.email, type: 'email' as const, autocomplete: 'email' };
  return layout(ctx, {
    title: t('register.title', { site: ctx.brand.name }),
    body: html`${alert(ctx, problem?.message ?? null)}
${problem?.signInHref ? html`<p><a href="${problem.signInHref}">${t('register.signIn')}</a></p>` : null}
<p>${t('register.intro')}</p>
<form method="post" action="${ctx.base}/register">
${csrfField(ctx)}${hiddenFields({ return_to: form.returnTo })}
${textField({ id: 'first_name', label: t('register.firstName'), value: form.firstName, autocomplete: 'given-name', autofocus: !field })}
${textField({ id: 'last_name', label: t('register.lastName'), value: form.lastName, autocomplete: 'family-name' })}
${textField({ ...email, ...focusIf(field === 'email') })}
${phoneFields(ctx, { ...phone, label: t('phone.number'), ...focusIf(field === 'phone'), useCase: 'self_registration' })}
${captchaWidget(form.captcha)}
<button type="submit">${t('register.submit')}</button>
</form>
<p class="alt">${t('register.haveAccount')} <a href="${loginHref}">${t('register.signIn')}</a></p>`,
  });
}

/** The field with the problem is marked invalid and takes the focus. */
const focusIf = (problem: boolean) => ({ error: problem, autofocus: problem });
