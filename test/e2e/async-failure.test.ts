/**
 * An async payment that fails, on the Payments page, in the app's words (issue 16;
 * renderer/src/lib/payment-errors.ts): three real node processes P — LSP — R
 * (test/support/channel-node.ts `--payments --ui`, channels on agreed outpoints, no chain). The LSP
 * holds P's HTLC for R with a 15 s release window; R stays offline, the window ends, the LSP fails
 * the HTLC back, and P's payment ends `payments.async_hold_failed`. P's Send card, its Payments sent
 * list and its async timeline say so in the words payment-errors.ts gives that code — not the code.
 * Screenshots at 1280 px.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { PaymentInfo } from '../../core/api';
import { paymentCodeText } from '../../renderer/src/lib/payment-errors';
import { SCREENSHOTS_DIR, launchBrowser, screenshot, watchProblems } from './support/browser';
import { ensureRendererBuilt } from './support/build';
import { WAIT, goTo, logIn, text, payAmount } from './support/app';
import { UiChannelNode, configureAsync, eventually, openChannel, withNodeApi } from './support/channel-nodes';

describe('an async payment\'s failure on the Payments page', () => {
  const p = new UiChannelNode('P', { payments: true });
  const lsp = new UiChannelNode('LSP', { payments: true });
  const r = new UiChannelNode('R', { payments: true });
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let offer = '';

  beforeAll(async () => {
    ensureRendererBuilt();
    // The LSP fails a held HTLC back 15 s after it gave its release paths (the smallest window the tests use).
    configureAsync(lsp, { role: 'lsp', releaseWindowSeconds: 15 });
    await lsp.start();
    configureAsync(p, { role: 'payer', lsp: lsp.address });
    configureAsync(r, { role: 'recipient', lsp: lsp.address, description: 'tea while I sleep' });
    await Promise.all([p.start(), r.start()]);
    await p.control('connect', { address: lsp.address });
    await eventually(() => withNodeApi(lsp, async (a) => (await a.listPeers({})).peers.some((x) => x.nodeId === r.nodeId)), 'R connected to its LSP', 30_000);
    await openChannel(p, lsp);
    await openChannel(lsp, r);
    offer = await eventually(() => withNodeApi(r, async (a) => (await a.asyncOffer({})).offer), 'R\'s offer ready at the LSP', 60_000);
    await r.stop();
    context = await launchBrowser();
    page = await context.newPage();
    problems = watchProblems(page);
    await logIn(page, p.ui);
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await Promise.all([p.stop(), lsp.stop(), r.stop()]);
  });

  it('R never returns: the LSP gives the HTLC back when its window ends, and P\'s page says what happened and what to do', async () => {
    await goTo(page, 'Payments');
    await payAmount(page, offer, 42);
    // Held at the LSP first: the Send card says the payment waits for the recipient.
    await page.locator('[data-testid="pay-progress"][data-status="pending"] [data-testid="pay-awaiting-recipient"]').waitFor({ timeout: 30_000 });
    expect((await withNodeApi(lsp, (a) => a.listHeldHtlcs({}))).held).toHaveLength(1);

    // The window ends (15 s), the LSP fails the HTLC back, P's payment fails.
    const failed = await eventually(async () => {
      const [x] = (await withNodeApi(p, (a) => a.listPayments({}))).payments;
      return x?.status === 'failed' ? x : undefined;
    }, 'P\'s payment failed', 60_000) as PaymentInfo;
    expect(failed).toMatchObject({ kind: 'async', failure: { code: 'payments.async_hold_failed' } });
    const words = paymentCodeText(failed.failure!.code, failed.failure!.message, failed.kind)!;
    expect(words).toContain('The LSP holding this payment for the offline recipient gave it back');

    // The Send card.
    await page.locator('[data-testid="pay-progress"][data-status="failed"]').waitFor({ timeout: 30_000 });
    expect(await text(page, '[data-testid="pay-failure"] p')).toBe(`Not paid. ${words}`);
    expect(await page.locator('[data-testid="pay-awaiting-recipient"]').count()).toBe(0);
    // Payments sent.
    const row = page.locator(`[data-testid="payment-row"][data-hash="${failed.paymentHash}"][data-status="failed"]`);
    await row.waitFor({ timeout: WAIT });
    expect(await row.locator('.failure').textContent()).toBe(words);
    // The async timeline: failed, at a step, with the same words.
    const tl = page.locator('[data-testid="async-timeline"][data-id^="P:"][data-state="failed"]');
    await tl.waitFor({ timeout: WAIT });
    expect(await tl.textContent()).toContain(words);
    // Never the node's code.
    for (const where of ['[data-testid="pay-progress"]', '[data-testid="payment-history"]', '[data-testid="async-timelines"]']) {
      expect(await text(page, where)).not.toContain('payments.async_hold_failed');
    }
    await screenshot(page, 'async-failure-payments-page');
    await page.locator('[data-testid="pay-progress"]').screenshot({ path: join(SCREENSHOTS_DIR, 'async-failure-send-card.png') });
    await row.screenshot({ path: join(SCREENSHOTS_DIR, 'async-failure-history-row.png') });
    await tl.scrollIntoViewIfNeeded();
    await tl.screenshot({ path: join(SCREENSHOTS_DIR, 'async-failure-timeline.png') });
    // Nothing left held at the LSP.
    expect((await withNodeApi(lsp, (a) => a.listHeldHtlcs({}))).held).toEqual([]);
    expect(problems).toEqual([]);
  }, 150_000);
});
