/**
 * A payment the node refuses, in the app's words, end to end: a node with no chain source (a fresh
 * daemon: it knows no block height) is asked in the browser to pay a real BOLT 11 invoice of another
 * node. The node refuses with `payments.no_chain_tip` before anything is sent; the Send card says
 * "Waiting for the chain" and where to look, not the node's code or message. Two real daemons.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { NodeApi } from '../../core/api';
import { startDaemon, type DaemonProcess } from '../support/daemon';
import { SCREENSHOTS_DIR, launchBrowser, screenshot, watchProblems } from './support/browser';
import { ensureRendererBuilt } from './support/build';
import { WAIT, goTo, logIn, text } from './support/app';

describe('payment errors in the app’s words', () => {
  let ui: DaemonProcess;
  let api: NodeApi;
  let payee: DaemonProcess;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    ensureRendererBuilt();
    [ui, payee] = await Promise.all([startDaemon(['--ui']), startDaemon()]);
    api = await ui.api();
    context = await launchBrowser();
    page = await context.newPage();
    problems = watchProblems(page);
    await logIn(page, ui.ready!.ui!);
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await payee?.stop();
  });

  it('a node without a chain tip: "Waiting for the chain", what to do, and nothing sent', async () => {
    const invoice = await (await payee.api()).createInvoice({ amountMsat: '50000', description: 'coffee' });
    await goTo(page, 'Payments');
    await page.getByLabel('Invoice or offer').fill(invoice.bolt11);
    await page.locator('[data-testid="pay-target"]').waitFor({ timeout: WAIT });
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByRole('button', { name: 'Pay 50 sat' }).click();
    const review = page.locator('[data-testid="pay-review"]');
    const alert = review.getByRole('alert');
    await alert.waitFor({ timeout: WAIT });
    expect(await alert.locator('p').textContent()).toBe('Waiting for the chain: this node does not know the current block height yet, and a payment’s timelocks count from it. '
      + 'Check the chain on the Wallet page (no chain source? set one in Settings) and pay again once it is in sync.');
    expect(await text(page, '[data-testid="pay-review"]')).not.toContain('payments.no_chain_tip');
    await screenshot(page, 'pay-no-chain-tip-light');
    await review.screenshot({ path: join(SCREENSHOTS_DIR, 'pay-no-chain-tip-card.png') });
    // Refused before anything was kept or sent.
    expect((await api.listPayments({})).payments).toEqual([]);
    expect(problems).toEqual([]);
  }, 60_000);
});
