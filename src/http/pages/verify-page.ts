import type { Channel } from '../../domain/channel.js';
import { captchaWidget, type CaptchaWidget } from './captcha-widget.js';
import { alert, csrfField, displayPhone, hiddenFields, type Message } from './components.js';
import { html, type Html } from './html.js';
import { layout, type PageContext } from './layout.js';

/** One code step: where the form posts, what it carries along, and the ways out. */
export interface VerifyStep {
  action: string;
  /** Carried through the form, so a resend or a wrong code never loses what the user entered before. */
  hidden: Record<string, string | null | undefined>;
  /** The E.164 number the code went to. */
  phone: string;
  codeLength: number;
  /** "Use a different number": back to where the number was typed (none when the number is not the user's choice). */
  restartHref?: string;
  /** Login only: a number without an account gets the same page, so offer registration here. */
  registerHref?: string;
  /** A resend starts the guarded endpoint again, so it needs the captcha too (else it would be a way around it). */
  captcha?: CaptchaWidget | null;
  /** How the code went out (absent: sms): the page says where to find it. */
  channel?: Channel;
}

const SENT = { sms: 'verify.sent', voice: 'verify.sentVoice', whatsapp: 'verify.sentWhatsapp' } as const;
const HINT = { sms: 'verify.codeHint', voice: 'verify.codeHintVoice', whatsapp: 'verify.codeHintWhatsapp' } as const;

/** The verification form: one-time-code autofill, numeric keyboard, resend in the same form. */
export function verifyPage(ctx: PageContext, step: VerifyStep, message: Message): Html {
  const { t } = ctx;
  const phone = displayPhone(step.phone);
  const error = message?.kind === 'error';
  const invalid = error ? html` aria-invalid="true"` : null;
  const flags = html` required autofocus aria-describedby="code-hint${error ? ' problem' : ''}"${invalid}`;
  return layout(ctx, {
    title: t('verify.title'),
    body: html`${alert(ctx, message ?? { kind: 'notice', text: t(SENT[step.channel ?? 'sms'], { phone }) })}
<form method="post" action="${step.action}">
${csrfField(ctx)}${hiddenFields(step.hidden)}
<label for="code">${t('verify.code')}</label>
<p class="hint" id="code-hint">${t(HINT[step.channel ?? 'sms'], { length: step.codeLength })}</p>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" maxlength="10"${flags}>
<button type="submit" name="action" value="verify">${t('verify.submit')}</button>
${step.captcha ? html`<p class="hint">${t('verify.captchaForResend')}</p>${captchaWidget(step.captcha)}` : null}
<button type="submit" name="action" value="resend" class="secondary" formnovalidate>${t('verify.resend')}</button>
</form>
${step.restartHref ? html`<p class="alt"><a href="${step.restartHref}">${t('verify.otherNumber')}</a></p>` : null}
${step.registerHref ? html`<p>${t('verify.noAccount')} <a href="${step.registerHref}">${t('login.registerLink')}</a></p>` : null}`,
  });
}
