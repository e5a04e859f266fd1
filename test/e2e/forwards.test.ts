/**
 * Forward history in the app, end to end: three real node processes with payments on
 * (test/support/channel-node.ts with `--payments --ui`), A — B — C over channels opened on an agreed
 * outpoint, no chain. The browser shows B, the node in the middle. A pays C's invoice (C's route hint
 * names its private channel to B); B's Payments page lists the forward as it settles — the channels
 * in and out, the amount forwarded, the fee B's policy earned — and the fees earned above the list,
 * the newest forward first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { NodeApi } from '../../core/api';
import { connectToDaemon } from '../../main/cli/daemon-client';
import { launchBrowser, screenshot, watchProblems } from './support/browser';
import { ensureRendererBuilt } from './support/build';
import { WAIT, goTo, logIn } from './support/app';
import { UiChannelNode, eventually, openChannel } from './support/channel-nodes';

describe('Forwards in the browser (three nodes)', () => {
  const a = new UiChannelNode('A', { payments: true });
  const b = new UiChannelNode('B', { payments: true }); // the node the browser shows: it forwards
  const c = new UiChannelNode('C', { payments: true });
  const apis: NodeApi[] = [];
  const closers: (() => void)[] = [];
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    ensureRendererBuilt();
    await Promise.all([a.start(), b.start(), c.start()]);
    await a.control('connect', { address: b.address });
    await b.control('connect', { address: c.address });
    await openChannel(a, b);
    await openChannel(b, c);
    for (const n of [a, b, c]) {
      const client = await connectToDaemon(n.datadir);
      apis.push(client.api);
      closers.push(() => client.close());
    }
    const [apiA, , apiC] = apis as [NodeApi, NodeApi, NodeApi];
    await eventually(async () => (await apiA.listChannels({})).channels.some((x) => x.lifecycle === 'active'), 'A–B active at A');
    await eventually(async () => (await apiC.listChannels({})).channels.some((x) => x.lifecycle === 'active'), 'B–C active at C');
    context = await launchBrowser();
    page = await context.newPage();
    problems = watchProblems(page);
    await logIn(page, b.ui);
  }, 240_000);

  afterAll(async () => {
    for (const close of closers) close();
    await context?.close();
    await Promise.all([a.stop(), b.stop(), c.stop()]);
  });

  it('A pays C through B: B\'s page shows the forward live with its channels, amount and fee, and the fees earned', async () => {
    const [apiA, apiB, apiC] = apis as [NodeApi, NodeApi, NodeApi];
    await goTo(page, 'Payments');
    await page.locator('[data-testid="payments-page"]').waitFor({ timeout: WAIT });
    expect(await page.getByText('No forwards yet').count()).toBe(1);

    const pay = async (amountMsat: string) => {
      const inv = await apiC.createInvoice({ amountMsat, description: 'through B' });
      const paid = await apiA.pay({ invoice: inv.bolt11, maxFeeMsat: '100000' });
      expect(paid.status).toBe('succeeded');
      return paid;
    };
    const first = await pay('2000000');
    // B's default policy: 1,000 msat + 100 ppm of the amount forwarded (BOLT 7 fee on the outgoing amount).
    expect(first.feeMsat).toBe((1_000n + 2_000_000n * 100n / 1_000_000n).toString());
    const row = page.locator('[data-testid="forward-row"][data-status="fulfilled"]');
    await row.first().waitFor({ timeout: WAIT });
    const [fwd] = (await apiB.listForwards({})).forwards;
    expect(await row.first().textContent()).toContain('2,000 sat');
    expect(await row.first().textContent()).toContain('fee 1.2 sat');
    expect(await row.first().locator('.mono').getAttribute('title')).toBe(`${fwd!.inChannelId} → ${fwd!.outChannelId}`);

    // A second, larger one: listed first (newest first), and the fees earned add up.
    const second = await pay('30000000');
    await eventually(async () => (await row.count()) === 2, 'two forwards listed');
    expect(await row.first().textContent()).toContain('30,000 sat');
    expect(await row.first().textContent()).toContain(`fee ${(Number(second.feeMsat) / 1000).toLocaleString('en-US')} sat`);
    const earned = BigInt(first.feeMsat!) + BigInt(second.feeMsat!);
    expect((await apiB.listForwards({})).feesEarnedMsat).toBe(earned.toString());
    await page.getByText(`Fees earned: ${(Number(earned) / 1000).toLocaleString('en-US')} sat.`).waitFor({ timeout: WAIT });
    await screenshot(page, 'payments-forwards');
    expect(problems).toEqual([]);
  }, 120_000);
});
