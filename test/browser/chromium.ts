/**
 * Chromium for the page tests: Debian's /usr/bin/chromium driven by playwright-core, one browser per test
 * file and a fresh context (cookies, storage) per test. Without Chromium the suite is skipped with a loud
 * warning, or fails when OTPGATE_TEST_REQUIRE_ALL=1 (CI), so a missing browser can never pass silently.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { after, before, describe, test, type TestContext } from 'node:test';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = process.env.OTPGATE_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Where the tests write their screenshots: the documentation's own (docs/screenshots) only when asked for with
 * OTPGATE_UPDATE_SCREENSHOTS=1, so that a test run leaves the checkout as it found it; otherwise a folder in the
 * system's temp dir. The pages are rendered and captured either way.
 */
export const SCREENSHOTS =
  process.env.OTPGATE_UPDATE_SCREENSHOTS === '1'
    ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
    : join(tmpdir(), 'otpgate-screenshots', sep);

/** `options.args`: extra Chromium switches for one file (e.g. treating a test origin as a secure context). */
export function describeInChromium(name: string, body: (browser: () => Browser) => void, options: { args?: string[] } = {}): void {
  if (!existsSync(CHROMIUM)) {
    if (process.env.OTPGATE_TEST_REQUIRE_ALL === '1') {
      describe(name, () =>
        test('Chromium is installed', () =>
          assert.fail(`${CHROMIUM} is missing; install Debian's chromium package (or set OTPGATE_CHROMIUM)`)),
      );
      return;
    }
    process.stderr.write(
      `\n!!! WARNING: ${CHROMIUM} not found: SKIPPING the browser tests "${name}". ` +
        'Install chromium to run them (CI sets OTPGATE_TEST_REQUIRE_ALL=1). !!!\n\n',
    );
    describe(name, () => test('in Chromium', { skip: `${CHROMIUM} not found` }, () => {}));
    return;
  }
  describe(name, () => {
    let browser: Browser | undefined;
    before(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...ARGS, ...(options.args ?? [])] });
    });
    after(() => browser?.close());
    body(() => browser!);
  });
}

/** A fresh phone-sized context and page for one test, closed with it. */
export async function freshPage(t: TestContext, browser: Browser, options: { locale?: string } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: options.locale ?? 'en-US' });
  context.setDefaultTimeout(10_000);
  t.after(() => context.close());
  return context.newPage();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

/** The text of the page's alert (error or notice). */
export async function alertText(page: Page): Promise<string> {
  return (await page.locator('[role=alert], [role=status]').first().innerText()).replace(/\s+/g, ' ').trim();
}
