/**
 * HTML built from template literals where every interpolated value is escaped unless it is already Html.
 * Pages never concatenate strings into markup, so a value a user typed cannot become markup.
 *
 * @example
 * html`<p class="greeting">Hello ${user.firstName}</p>` // "<p ...>Hello &lt;b&gt;</p>" for "<b>"
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Interpolation = Html | string | number | null | undefined | false | readonly Interpolation[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** Markup the caller vouches for (constant CSS); never pass anything that came from a request. */
export const trusted = (markup: string): Html => new Html(markup);
