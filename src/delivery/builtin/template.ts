import type { DeliveryRequest } from '../contract.js';

/** The fields a template may name, as strings: `{{phoneNumber}}`, `{{oneTimePassword}}`, `{{defaultText}}`, ... */
export function templateFields(request: DeliveryRequest): Record<string, string> {
  return {
    phoneNumber: request.phoneNumber,
    // Some APIs want the number without the plus.
    phoneNumberDigits: request.phoneNumber.replace(/^\+/, ''),
    oneTimePassword: request.oneTimePassword,
    defaultText: request.defaultText,
    identifier: request.identifier,
    attempt: String(request.attempt),
    locale: request.locale,
    siteId: request.siteId,
    useCase: request.useCase,
    channel: request.channel,
    expiresAt: request.expiresAt.toISOString(),
    userId: request.userId,
  };
}

const FIELD = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

/** Names a template uses that are not fields (a typo would otherwise send "{{phonNumber}}" to a provider). */
export function unknownFields(template: string): string[] {
  const known = new Set(Object.keys(templateFields(PROBE)));
  return [...template.matchAll(FIELD)].map((m) => m[1]!).filter((name) => !known.has(name));
}

/** Fills `{{field}}`s, each value passed through `escape` (encodeURIComponent for a URL, none for JSON leaves). */
export function fill(template: string, fields: Record<string, string>, escape: (value: string) => string = (v) => v): string {
  return template.replace(FIELD, (whole, name: string) => (name in fields ? escape(fields[name]!) : whole));
}

/** Fills every string leaf of a JSON value; JSON.stringify then escapes them, so a quote in a text cannot break out. */
export function fillJson(value: unknown, fields: Record<string, string>): unknown {
  if (typeof value === 'string') return fill(value, fields);
  if (Array.isArray(value)) return value.map((item) => fillJson(item, fields));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillJson(v, fields)]));
  return value;
}

/** A URL's templates, each value URL-encoded (a `+` in a number must not become a space). */
export function fillUrl(template: string, fields: Record<string, string>): string {
  return fill(template, fields, encodeURIComponent);
}

/** A JSON Pointer (RFC 6901) lookup; undefined when any step is missing. */
export function atPointer(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  let current: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (current === null || typeof current !== 'object' || !(key in current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

const PROBE: DeliveryRequest = {
  userId: '',
  phoneNumber: '+1',
  oneTimePassword: '',
  defaultText: '',
  siteId: '',
  experienceId: null,
  useCase: 'passwordless_login',
  locale: '',
  identifier: '',
  attempt: 1,
  expiresAt: new Date(0),
  channel: 'sms',
  ip: null,
  userAgent: null,
};
