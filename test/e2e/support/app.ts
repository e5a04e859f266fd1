/**
 * Small helpers for driving the app in a page: navigation by the sidebar, reading text, and
 * logging in through a daemon's one-time address. Shared by the e2e files.
 */
import type { Page } from 'playwright-core';

export const WAIT = 20_000;

export async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? '').trim();
}

/** Opens a page by its sidebar link and waits for its title. */
export async function goTo(page: Page, title: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: title, exact: false }).first().click();
  await page.locator('h1', { hasText: title }).waitFor({ timeout: WAIT });
}

/** Opens the one-time login address and waits until the app is connected. */
export async function logIn(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('[data-state="connected"]').waitFor({ timeout: WAIT });
}

/** Sets the theme through the Settings page (light, dark or system). */
export async function setTheme(page: Page, theme: 'Light' | 'Dark' | 'System'): Promise<void> {
  await goTo(page, 'Settings');
  await page.getByRole('radio', { name: new RegExp(`^${theme}`) }).check({ force: true });
}

/** Pays an offer (or an invoice with no amount) from the Payments page's Send card: paste, say how much, review, confirm. */
export async function payAmount(page: Page, target: string, sat: number): Promise<void> {
  await page.getByLabel('Invoice or offer').fill(target);
  await page.locator('[data-testid="pay-target"]').waitFor({ timeout: WAIT });
  await page.getByLabel('Amount (sat)').fill(String(sat));
  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('button', { name: `Pay ${sat.toLocaleString('en-US')} sat` }).click();
}
