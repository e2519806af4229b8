/** Steps the hosted-page tests share: a user in the store, and a sign-in through the pages. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { PhoneNumber } from '../../src/domain/phone.js';
import type { User } from '../../src/domain/user.js';
import type { Browser, Page } from './browser-fetch.js';
import type { TestServer } from './test-server.js';

export function seedUser(
  t: TestServer,
  phone: string,
  extra: Partial<Pick<User, 'username' | 'firstName' | 'lastName' | 'locale' | 'email' | 'createdAt'>> = {},
  site = 'demo',
): Promise<User> {
  const { createdAt, ...fields } = extra;
  return t.store.forSite(site).users.create(
    {
      id: randomUUID(),
      username: phone,
      phone: phone as PhoneNumber,
      phoneVerified: true,
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: null,
      locale: null,
      status: 'active',
      customData: {},
      ...fields,
    },
    createdAt ?? t.clock.now(),
  );
}

/** Login page -> phone -> code; returns the page the browser ends on. */
export async function signIn(browser: Browser, t: TestServer, phone: string, site = 'demo'): Promise<Page> {
  const login = await browser.go(`${t.url}/${site}/login`);
  const verify = await browser.submit(login, `/${site}/login`, { country: 'US', phone });
  assert.equal(verify.status, 200, verify.html);
  return browser.submit(verify, `/${site}/login/verify`, { code: t.lastCode(phone), action: 'verify' });
}

/** A code that is not `code`. */
export const wrongCode = (code: string) => (code === '000000' ? '111111' : '000000');

/** A third-party app's first sign-in stops at the consent page: the user allows it. Other pages pass through. */
export function allowIfAsked(browser: Browser, page: Page, site = 'demo'): Promise<Page> {
  return page.html.includes(`action="/${site}/consent"`)
    ? browser.submit(page, `/${site}/consent`, { decision: 'allow' })
    : Promise.resolve(page);
}
