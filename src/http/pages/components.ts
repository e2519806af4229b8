import { countryAllowed } from '../../domain/phone.js';
import type { UseCase } from '../../domain/use-case.js';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { countryOptions } from './countries.js';
import { html, type Html } from './html.js';
import type { PageContext } from './layout.js';

export type Message = { kind: 'error' | 'notice'; text: string } | null;

/**
 * An error is announced by screen readers as soon as the page loads (role=alert) and names the problem;
 * a notice (code sent, signed out) is announced politely (role=status).
 */
export function alert(ctx: PageContext, message: Message): Html | null {
  if (!message) return null;
  if (message.kind === 'notice') return html`<div class="alert notice" role="status"><p>${message.text}</p></div>`;
  return html`<div class="alert error" role="alert" id="problem"><h2>${ctx.t('layout.problem')}</h2><p>${message.text}</p></div>`;
}

export const csrfField = (ctx: PageContext) => html`<input type="hidden" name="_csrf" value="${ctx.csrf}">`;

export const hiddenFields = (fields: Record<string, string | null | undefined>) =>
  Object.entries(fields).map(([name, value]) => (value ? html`<input type="hidden" name="${name}" value="${value}">` : null));

/** A phone number as people read it in its country, e.g. "+1 415 555 0101". */
export function displayPhone(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}

/** "+1 ••• ••• ••01": enough to recognise one's own number, not enough to learn someone else's. */
export function maskedPhone(e164: string): string {
  const shown = displayPhone(e164);
  const digits = shown.replace(/\D/g, '').length;
  let seen = 0;
  const callingCode = shown.split(' ')[0] ?? '';
  return shown.replace(/\d/g, (d) => (++seen <= callingCode.replace(/\D/g, '').length || seen > digits - 2 ? d : '•'));
}

/** A text input with its label, optional hint and error wired up for assistive technology. */
export function textField(input: {
  id: string;
  label: string;
  value?: string;
  type?: 'text' | 'email';
  autocomplete: string;
  hint?: string;
  error?: boolean;
  required?: boolean;
  autofocus?: boolean;
}): Html {
  const describedBy = [input.hint ? `${input.id}-hint` : '', input.error ? 'problem' : ''].filter(Boolean).join(' ');
  const flags = html`${input.required ? html` required` : null}${input.autofocus ? html` autofocus` : null}`;
  const aria = html`${describedBy ? html` aria-describedby="${describedBy}"` : null}${input.error ? html` aria-invalid="true"` : null}`;
  const { id } = input;
  const type = input.type ?? 'text';
  const value = input.value ?? '';
  return html`<label for="${input.id}">${input.label}</label>
${input.hint ? html`<p class="hint" id="${input.id}-hint">${input.hint}</p>` : null}
<input id="${id}" name="${id}" type="${type}" value="${value}" autocomplete="${input.autocomplete}" maxlength="200"${flags}${aria}>`;
}

/**
 * Country selector and number. A number typed with a leading + wins over the selected country, so a
 * pasted or autofilled international number works whatever the selector says.
 */
export function phoneFields(
  ctx: PageContext,
  input: { country: string; phone: string; label: string; error: boolean; autofocus: boolean; name?: string; useCase: UseCase },
): Html {
  const name = input.name ?? 'phone';
  // Only the countries codes may be sent to: a person is not offered a choice the server would refuse.
  const policy = ctx.policies?.[input.useCase];
  const sendable = countryOptions(ctx.t.locale).filter(
    (c) => !policy || countryAllowed(c.code, policy.allowedCountries, policy.deniedCountries),
  );
  const options = sendable.map(
    (c) => html`<option value="${c.code}"${c.code === input.country ? html` selected` : null}>${c.name} (+${c.callingCode})</option>`,
  );
  const autofocus = input.autofocus ? html` autofocus` : null;
  const invalid = input.error ? html` aria-invalid="true"` : null;
  const flags = html`${autofocus} aria-describedby="${name}-hint${input.error ? ' problem' : ''}"${invalid}`;
  return html`<label for="country">${ctx.t('phone.country')}</label>
<select id="country" name="country" autocomplete="country">${options}</select>
<label for="${name}">${input.label}</label>
<p class="hint" id="${name}-hint">${ctx.t('phone.hint')}</p>
<input id="${name}" name="${name}" type="tel" inputmode="tel" autocomplete="tel" value="${input.phone}" maxlength="64" required${flags}>`;
}
