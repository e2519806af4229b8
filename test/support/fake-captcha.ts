/**
 * Loopback fakes of the four captcha providers' verify APIs, as each documents it:
 * - reCAPTCHA: POST /recaptcha/api/siteverify, form secret, response, remoteip -> { success, score?, action?,
 *   challenge_ts, hostname, 'error-codes'? }
 * - reCAPTCHA Enterprise: POST /v1/projects/{project}/assessments?key=API_KEY, JSON { event: { token, siteKey,
 *   expectedAction?, userIpAddress? } } -> { name, event, riskAnalysis: { score }, tokenProperties: { valid,
 *   invalidReason, action, hostname } }; a bad key is a 400 with Google's error JSON
 * - hCaptcha: POST /siteverify, form secret, response, remoteip, sitekey -> { success, challenge_ts, hostname,
 *   'error-codes'? } ('sitekey-secret-mismatch' when the sitekey is not the secret's)
 * - Turnstile: POST /turnstile/v0/siteverify, form or JSON secret, response, remoteip -> { success, action,
 *   cdata, challenge_ts, hostname, 'error-codes' }
 * A token is good once (then 'timeout-or-duplicate', as every provider answers a replay); the test issues
 * tokens with the score and action it wants.
 */
import { startLoopbackServer, type RecordedRequest, type Reply } from '../examples/loopback-server.js';
import type { CaptchaProvider } from '../../src/domain/captcha.js';

export interface IssuedToken {
  score?: number;
  action?: string;
}

/** What the fake saw of one verify call, read the way its provider reads it. */
export interface CaptchaCall {
  provider: CaptchaProvider;
  secret: string | null;
  token: string | null;
  remoteIp: string | null;
  siteKey: string | null;
  expectedAction: string | null;
}

export interface FakeCaptcha {
  secret: string;
  siteKey: string;
  projectId: string;
  /** The verify URL of one provider on this fake. */
  verifyUrl(provider: CaptchaProvider): string;
  /** A token the fake will accept once, with this score and action. */
  issue(token: string, properties?: IssuedToken): string;
  calls: CaptchaCall[];
  /** The next verify calls answer this status (a provider outage), one each. */
  failNext(...statuses: number[]): void;
  close(): Promise<void>;
}

const PATHS: Record<CaptchaProvider, string> = {
  recaptcha: '/recaptcha/api/siteverify',
  recaptcha_enterprise: '/v1/projects/{projectId}/assessments',
  hcaptcha: '/siteverify',
  turnstile: '/turnstile/v0/siteverify',
};

export async function startFakeCaptcha(
  keys: { secret: string; siteKey: string; projectId: string } = {
    secret: 'fake-captcha-secret',
    siteKey: 'fake-site-key',
    projectId: 'otpgate-test',
  },
): Promise<FakeCaptcha> {
  const tokens = new Map<string, IssuedToken>();
  const calls: CaptchaCall[] = [];
  const failures: number[] = [];
  const now = () => new Date().toISOString();

  const used = new Set<string>();
  /** Takes a token once: the second presentation of a token is a replay. */
  const take = (token: string | null): IssuedToken | 'unknown' | 'used' => {
    if (!token) return 'unknown';
    const found = tokens.get(token);
    if (found === undefined) return used.has(token) ? 'used' : 'unknown';
    tokens.delete(token);
    used.add(token);
    return found;
  };

  function siteverify(provider: CaptchaProvider, request: RecordedRequest): Reply {
    // Turnstile also takes JSON; the others take the form only.
    const json = provider === 'turnstile' && request.contentType.startsWith('application/json');
    const fields = json ? new URLSearchParams(JSON.parse(request.rawBody) as Record<string, string>) : request.form;
    const call: CaptchaCall = {
      provider,
      secret: fields.get('secret'),
      token: fields.get('response'),
      remoteIp: fields.get('remoteip'),
      siteKey: fields.get('sitekey'),
      expectedAction: null,
    };
    calls.push(call);
    const no = (...codes: string[]) => ({ status: 200, json: { success: false, 'error-codes': codes } });
    if (!call.secret) return no('missing-input-secret');
    if (call.secret !== keys.secret) return no('invalid-input-secret');
    if (!call.token) return no('missing-input-response');
    if (provider === 'hcaptcha' && call.siteKey !== null && call.siteKey !== keys.siteKey) return no('sitekey-secret-mismatch');
    const token = take(call.token);
    if (token === 'used') return no('timeout-or-duplicate');
    if (token === 'unknown') return no('invalid-input-response');
    const common = { success: true, challenge_ts: now(), hostname: 'otpgate.test' };
    if (provider === 'recaptcha') return { status: 200, json: { ...common, ...token } };
    if (provider === 'turnstile') return { status: 200, json: { ...common, 'error-codes': [], action: token.action ?? '', cdata: '' } };
    return { status: 200, json: common };
  }

  function assessment(request: RecordedRequest): Reply {
    const project = /^\/v1\/projects\/([^/]+)\/assessments$/.exec(request.path)?.[1];
    const body = JSON.parse(request.rawBody || '{}') as { event?: Record<string, string> };
    const event = body.event ?? {};
    calls.push({
      provider: 'recaptcha_enterprise',
      secret: request.query.get('key'),
      token: event.token ?? null,
      remoteIp: event.userIpAddress ?? null,
      siteKey: event.siteKey ?? null,
      expectedAction: event.expectedAction ?? null,
    });
    if (request.query.get('key') !== keys.secret)
      return {
        status: 400,
        json: { error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT' } },
      };
    if (project !== keys.projectId)
      return { status: 403, json: { error: { code: 403, message: 'Permission denied', status: 'PERMISSION_DENIED' } } };
    const token = take(event.token ?? null);
    const invalidReason =
      token === 'used' ? 'DUPE' : token === 'unknown' ? 'MALFORMED' : event.siteKey !== keys.siteKey ? 'BROWSER_ERROR' : null;
    const good = typeof token === 'object' && invalidReason === null ? token : null;
    return {
      status: 200,
      json: {
        name: `projects/${project}/assessments/${Math.random().toString(16).slice(2)}`,
        event,
        riskAnalysis: { score: good?.score ?? 0, reasons: [] },
        tokenProperties: {
          valid: good !== null,
          invalidReason: invalidReason ?? 'INVALID_REASON_UNSPECIFIED',
          hostname: 'otpgate.test',
          action: good?.action ?? '',
          createTime: now(),
        },
      },
    };
  }

  const server = await startLoopbackServer((request) => {
    const failure = failures.shift();
    if (failure !== undefined) return { status: failure, rawBody: 'unavailable', headers: { 'content-type': 'text/plain' } };
    if (request.method !== 'POST') return { status: 405, json: {} };
    if (request.path.startsWith('/v1/projects/')) return assessment(request);
    const provider = (Object.keys(PATHS) as CaptchaProvider[]).find((p) => PATHS[p] === request.path);
    return provider ? siteverify(provider, request) : { status: 404, json: {} };
  });

  return {
    ...keys,
    // Enterprise's keeps its {projectId}: otpgate fills it in, as with the real URL.
    verifyUrl: (provider) => server.url + PATHS[provider],
    issue(token, properties = {}) {
      tokens.set(token, properties);
      return token;
    },
    calls,
    failNext: (...statuses) => failures.push(...statuses),
    close: () => server.close(),
  };
}
