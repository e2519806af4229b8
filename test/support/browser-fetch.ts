/**
 * A tiny browser for hosted-page tests without a browser: fetch plus a cookie jar that honours Path,
 * manual redirects (303 becomes GET), and form helpers. Requests to the server's public base URL
 * (http://otpgate.test in tests) go to its loopback address, as DNS would send a real browser.
 */
import assert from 'node:assert/strict';

interface Cookie {
  value: string;
  path: string;
}

export interface Page {
  status: number;
  url: string;
  html: string;
  headers: Headers;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const unescape = (value: string) => value.replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]!);

export function createBrowser(serverUrl: string, publicOrigin = 'http://otpgate.test') {
  const jar = new Map<string, Cookie>();
  const local = (url: string) => (url.startsWith(publicOrigin) ? serverUrl + url.slice(publicOrigin.length) : url);

  function cookieHeader(url: URL): string {
    return [...jar.entries()]
      .filter(([, c]) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
  }

  function store(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((p) => p.trim());
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      const path = attributes.find((a) => /^path=/i.test(a))?.slice(5) ?? '/';
      const expired = attributes.some(
        (a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && new Date(a.slice(8)).getTime() < Date.now()),
      );
      if (expired || value === '') jar.delete(name);
      else jar.set(name, { value, path });
    }
  }

  /** One request, no redirects followed. */
  async function send(
    url: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const target = new URL(local(url));
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    const cookies = cookieHeader(target);
    if (cookies) headers.cookie = cookies;
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(target, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers,
      redirect: 'manual',
      ...(init.form ? { body: new URLSearchParams(init.form) } : {}),
    });
    store(response.headers);
    return response;
  }

  /**
   * Follows redirects until a page is answered, or until a redirect leaves the server (an app's callback):
   * then `url` is that address and `status` the redirect's.
   */
  async function go(url: string, init: { form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Page> {
    let current = new URL(local(url));
    let response = await send(current.href, init);
    for (let hops = 0; response.status >= 300 && response.status < 400; hops++) {
      assert.ok(hops < 10, 'too many redirects');
      const next = new URL(local(response.headers.get('location')!), current);
      if (next.origin !== new URL(serverUrl).origin)
        return { status: response.status, url: next.href, html: '', headers: response.headers };
      current = next;
      response = await send(current.href, init.headers ? { headers: init.headers } : {});
    }
    return { status: response.status, url: current.href, html: await response.text(), headers: response.headers };
  }

  return {
    jar,
    send,
    go,
    /** Submits the page's form that posts to `action`, with its hidden fields (including the CSRF token) plus `fields`. */
    submit(page: Page, action: string, fields: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<Page> {
      return go(new URL(action, page.url).href, { form: { ...hiddenFields(page.html, action), ...fields }, headers });
    },
  };
}

export type Browser = ReturnType<typeof createBrowser>;

/** The hidden inputs of the form whose action is `action`. */
export function hiddenFields(html: string, action: string): Record<string, string> {
  const form = [...html.matchAll(/<form\b[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)].find((m) => unescape(m[1]!) === action);
  assert.ok(form, `no form posting to ${action}`);
  const fields: Record<string, string> = {};
  for (const input of form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    fields[unescape(input[1]!)] = unescape(input[2]!);
  return fields;
}

/** The text of the page's alert (error or notice), tags removed. */
export function alertText(html: string): string | null {
  const match = /<div class="alert [a-z]+" role="(?:alert|status)"[^>]*>([\s\S]*?)<\/div>/.exec(html);
  return match
    ? unescape(
        match[1]!
          .replace(/<[^>]+>/g, ' ')
          .replace(/\s+/g, ' ')
          .trim(),
      )
    : null;
}
