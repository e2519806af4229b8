import type { User } from '../../domain/user.js';
import { alert, csrfField, displayPhone, phoneFields, type Message } from './components.js';
import { html, type Html } from './html.js';
import { layout, type PageContext } from './layout.js';

export interface PhoneChangeForm {
  country: string;
  phone: string;
}

/** /{site}/account: the profile, a phone change (code to the new number), sign out here or everywhere. */
/** A third-party app the user allowed (consent), by its id and the name people know it by. */
export interface AllowedApp {
  clientId: string;
  name: string;
}

export function accountPage(ctx: PageContext, user: User, form: PhoneChangeForm, message: Message = null, apps: AllowedApp[] = []): Html {
  const { t } = ctx;
  const name = [user.firstName, user.lastName].filter(Boolean).join(' ');
  const since = new Intl.DateTimeFormat(t.locale, { dateStyle: 'long' }).format(user.createdAt);
  const verified = user.phoneVerified ? t('account.verified') : t('account.notVerified');
  const phone = user.phone ? html`${displayPhone(user.phone)} (${verified})` : null;
  const failed = message?.kind === 'error';
  const row = (label: string, value: Html | string | null) => (value ? html`<dt>${label}</dt><dd>${value}</dd>` : null);
  return layout(ctx, {
    title: t('account.title'),
    body: html`${alert(ctx, message)}
<h2>${t('account.profile')}</h2>
<dl>
${row(t('account.name'), name || null)}
${row(t('account.username'), user.username)}
${row(t('account.phone'), phone)}
${row(t('account.email'), user.email)}
${row(t('account.memberSince'), since)}
</dl>
<h2 id="change-phone">${t('account.changePhone')}</h2>
<p>${t('account.changePhoneIntro')}</p>
<form method="post" action="${ctx.base}/account/phone" aria-labelledby="change-phone">
${csrfField(ctx)}
${phoneFields(ctx, { ...phoneOf(form), label: t('account.newPhone'), error: failed, autofocus: failed, useCase: 'phone_registration' })}
<button type="submit">${t('account.changePhoneSubmit')}</button>
</form>
${apps.length ? appsSection(ctx, apps) : null}
<h2>${t('account.security')}</h2>
<form method="post" action="${ctx.base}/logout">
${csrfField(ctx)}
<button type="submit" class="secondary">${t('account.signOut')}</button>
</form>
<form method="post" action="${ctx.base}/logout/everywhere">
${csrfField(ctx)}
<button type="submit" class="secondary" aria-describedby="everywhere-hint">${t('account.signOutEverywhere')}</button>
<p class="hint" id="everywhere-hint">${t('account.signOutEverywhereHint')}</p>
</form>`,
  });
}

const phoneOf = (form: { country: string; phone: string }) => ({ country: form.country, phone: form.phone });

/** The apps the user allowed, each with a Revoke button (which also signs the app out). */
function appsSection(ctx: PageContext, apps: AllowedApp[]): Html {
  const { t } = ctx;
  return html`<h2 id="apps">${t('account.apps')}</h2>
<p>${t('account.appsIntro')}</p>
<ul class="apps">${apps.map(
    (app) => html`<li><form method="post" action="${ctx.base}/account/apps/revoke">
${csrfField(ctx)}<input type="hidden" name="client_id" value="${app.clientId}">
<span>${app.name}</span>
<button type="submit" class="secondary" aria-label="${t('account.revoke')}: ${app.name}">${t('account.revoke')}</button>
</form></li>`,
  )}</ul>`;
}
