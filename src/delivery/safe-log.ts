import type { DeliveryLog } from './contract.js';

export interface BaseLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Replaces every occurrence of a secret in a string. */
export function redact(text: string, secret: string): string {
  return secret ? text.split(secret).join('[redacted]') : text;
}

/**
 * The log a handler receives: whatever it logs, the one-time password is replaced before the line is
 * written, including inside nested fields (handlers log provider payloads that echo the message).
 */
export function createSafeLog(base: BaseLogger, code: string, bindings: Record<string, unknown>): DeliveryLog {
  const clean = (fields: Record<string, unknown> | undefined) => {
    if (!fields) return bindings;
    try {
      return { ...bindings, ...(JSON.parse(redact(JSON.stringify(fields), code)) as Record<string, unknown>) };
    } catch {
      return { ...bindings, fields: '[unserialisable]' };
    }
  };
  return {
    info: (message, fields) => base.info(clean(fields), redact(String(message), code)),
    warn: (message, fields) => base.warn(clean(fields), redact(String(message), code)),
    error: (message, fields) => base.error(clean(fields), redact(String(message), code)),
  };
}
