/**
 * Debian's Chromium driven by playwright-core, with a fresh profile per launch. If Chromium is
 * not installed the tests fail with a message saying how to install it: they never skip.
 */
import { existsSync } from 'node:fs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from '../../support/vectors';
import { tempDir } from '../../support/tmp';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
export const SCREENSHOTS_DIR = join(REPO_ROOT, 'test/e2e/screenshots');

export async function launchBrowser(opts: { colorScheme?: 'light' | 'dark' } = {}): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}; the end-to-end tests need it. Install it with ` +
        '`apt-get update && apt-get install -y chromium` (as root), or run .ci/run, which does.',
    );
  }
  return chromium.launchPersistentContext(tempDir('glasswing-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1360, height: 900 },
    deviceScaleFactor: 1,
    colorScheme: opts.colorScheme ?? 'light',
    reducedMotion: 'reduce',
    permissions: ['clipboard-read', 'clipboard-write'],
  });
}

/**
 * Collects what a broken page shows in the console: uncaught errors, failed requests to our
 * origin, and Content-Security-Policy violations (inline styles or scripts the CSP refused).
 */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/WebSocket connection to .* failed/.test(m.text())) problems.push(`console error: ${m.text()}`);
  });
  return problems;
}

/**
 * Writes `test/e2e/screenshots/<name>.png` (git-ignored) of the whole page. A full-page capture
 * draws the viewport-fixed sidebar where the viewport is, so the page is scrolled to the top
 * first (the capture still covers all of it); the scroll position is restored after.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const path = join(SCREENSHOTS_DIR, `${name}.png`);
  const y = (await page.evaluate('window.scrollY')) as number;
  await page.evaluate('window.scrollTo(0, 0)');
  writeFileSync(path, await page.screenshot({ fullPage: true, animations: 'disabled' }));
  await page.evaluate(`window.scrollTo(0, ${y})`);
  return path;
}

/**
 * Waits until the JavaScript expression `expression` is truthy in the page. Polls with
 * `page.evaluate` (DevTools protocol) because `page.waitForFunction` compiles its predicate
 * with eval, which the app's Content-Security-Policy rightly forbids.
 */
export async function until(page: Page, expression: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await page.evaluate(expression)) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${expression}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
