import type { AnswerRuleSpec as AnswerRule, HttpProviderSpec } from '../../domain/site.js';
import type { DeliveryOutcome, DeliveryResult, OneTimePasswordDeliveryHandler } from '../contract.js';
import { atPointer, fill, fillJson, fillUrl, templateFields } from './template.js';

/** What the generic HTTP provider is configured with (validated by config/http-provider-schema.ts). */
export type HttpProviderOptions = HttpProviderSpec;

interface Answer {
  status: number;
  text: string;
  json: unknown;
  retryAfterMs: number | null;
}

/**
 * A custom SMS provider with no code: the request is built from templates over the delivery request's fields,
 * the answer judged by the configured rules (errors first, then success, then what HTTP statuses mean).
 */
export function createHttpProvider(options: HttpProviderOptions): OneTimePasswordDeliveryHandler {
  return {
    async sendOneTimePassword(request, context) {
      const fields = templateFields(request);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(options.headers)) headers[name] = fill(value, fields).replace(/[\r\n]+/g, ' ');
      let body: string | undefined;
      if (options.body && 'json' in options.body) {
        headers['content-type'] ??= 'application/json';
        body = JSON.stringify(fillJson(options.body.json, fields));
      } else if (options.body && 'form' in options.body) {
        headers['content-type'] ??= 'application/x-www-form-urlencoded';
        body = new URLSearchParams(Object.entries(options.body.form).map(([k, v]): [string, string] => [k, fill(v, fields)])).toString();
      }
      const response = await context.callout(fillUrl(options.url, fields), {
        method: options.method,
        headers,
        ...(body !== undefined && options.method !== 'GET' ? { body } : {}),
      });
      return judge(await answerOf(response), options);
    },
  };
}

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text().catch(() => '');
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: rules on jsonPointer simply do not match
  }
  const header = response.headers.get('retry-after');
  const seconds = header === null ? NaN : Number(header);
  return { status: response.status, text, json, retryAfterMs: Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null };
}

function matches(rule: AnswerRule, answer: Answer, defaultStatus: (status: number) => boolean): boolean {
  if (rule.status ? !rule.status.includes(answer.status) : !defaultStatus(answer.status)) return false;
  if (rule.jsonPointer !== undefined && atPointer(answer.json, rule.jsonPointer) !== rule.equals) return false;
  if (rule.bodyContains !== undefined && !answer.text.includes(rule.bodyContains)) return false;
  return true;
}

/** The provider's answer as a delivery result; the body never becomes the detail (it may echo the message). */
function judge(answer: Answer, options: HttpProviderOptions): DeliveryOutcome {
  const retry = answer.retryAfterMs !== null ? { retryAfterMs: answer.retryAfterMs } : {};
  for (const rule of options.errors)
    if (matches(rule, answer, () => true))
      return { result: rule.result as DeliveryResult, detail: `matched an error rule (HTTP ${answer.status})`, ...retry };
  if (matches(options.success, answer, (s) => s >= 200 && s < 300)) {
    const id = options.providerMessageId ? atPointer(answer.json, options.providerMessageId) : undefined;
    return { result: 'SUCCESS', ...(typeof id === 'string' || typeof id === 'number' ? { providerMessageId: String(id) } : {}) };
  }
  if (answer.status === 401 || answer.status === 403)
    return { result: 'EXCEPTION', detail: `configuration: auth refused (HTTP ${answer.status})` };
  if (answer.status === 429 || answer.status >= 500)
    return { result: 'PROVIDER_ERROR', detail: `provider answered ${answer.status}`, ...retry };
  return { result: 'PROVIDER_ERROR', detail: `unexpected answer (HTTP ${answer.status})` };
}
