/**
 * The Channels page end to end: two real node processes (test/support/channel-node.ts, the
 * daemon's Node plus test-only controls) with a channel opened on an agreed outpoint; the
 * browser shows one of them. HTLCs added, committed and fulfilled through the harness's stdin
 * controls appear live in the inspector: change lists, HTLC table, commitment numbers and the
 * sequence diagram.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { launchBrowser, screenshot, until, watchProblems } from './support/browser';
import { ensureRendererBuilt } from './support/build';
import { WAIT, goTo, logIn, setTheme, text } from './support/app';
import { UiChannelNode, eventually, openChannel } from './support/channel-nodes';

describe('Channels in the browser', () => {
  const a = new UiChannelNode('A'); // the node the browser shows; it funds the channel
  const b = new UiChannelNode('B');
  let channelId = '';
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    ensureRendererBuilt();
    await Promise.all([a.start(), b.start()]);
    context = await launchBrowser();
    page = await context.newPage();
    problems = watchProblems(page);
    await logIn(page, a.ui);
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await Promise.all([a.stop(), b.stop()]);
  });

  const inspector = () => page.locator('[data-testid="channel-inspector"]');
  const list = (name: string) => inspector().locator(`[data-list="${name}"]`);
  /** Waits for the inspector to have seen more steps than `n`. */
  async function stepsAfter(n: number): Promise<number> {
    await until(page, `Number(document.querySelector('[data-testid="channel-inspector"]')?.dataset.steps) > ${n}`);
    return Number(await inspector().getAttribute('data-steps'));
  }

  it('says how channels come to exist, then lists a new channel live', async () => {
    await goTo(page, 'Channels');
    await page.getByText('No channels yet').waitFor({ timeout: WAIT });
    expect(await page.getByText('once on-chain funding exists').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Open the Channel lab' }).count()).toBe(1);
    await screenshot(page, 'channels-empty-light');

    await a.control('connect', { address: b.address });
    channelId = await openChannel(a, b);
    const row = page.locator(`[data-testid="channel-list"] tr[data-channel-id="${channelId}"]`);
    await row.waitFor({ timeout: WAIT });
    await until(page, `document.querySelector('[data-channel-id="${channelId}"]')?.textContent.includes('active')`);
    expect(await row.textContent()).toContain('10,000,000 sat');
    expect(await row.textContent()).toContain('#0 · #0');
    expect(await row.getByRole('img', { name: /^Balance: ours 5,000,000 sat, theirs 5,000,000 sat$/ }).count()).toBe(1);
    await screenshot(page, 'channels-list-light');
    expect(problems).toEqual([]);
  }, 120_000);

  it('inspects the channel and follows an HTLC through every list, commitment and message live', async () => {
    await page.getByRole('link', { name: `Inspect channel ${channelId}` }).click();
    await inspector().waitFor({ timeout: WAIT });
    expect(await inspector().locator('[data-testid="htlc-table"]').count()).toBe(0);
    let steps = Number(await inspector().getAttribute('data-steps'));

    // A offers an HTLC: it waits in remote · unacked (sent, not yet signed into B's commitment).
    await a.control('add', { channelId, amountMsat: '30000000' });
    steps = await stepsAfter(steps);
    await list('remoteUnacked').getByText('add ours 0 · 30,000 sat').waitFor({ timeout: WAIT });
    const diagram = inspector().locator('[data-testid="sequence-diagram"]');
    await diagram.locator('g[data-type="update_add_htlc"]').waitFor({ timeout: WAIT });

    // A signs: B's commitment #1 gets the HTLC; B revokes (it answers at once, as a node does).
    await a.control('commit', { channelId });
    await eventually(async () => (await a.state(channelId)).remoteCtn === 1 && (await a.state(channelId)).remoteNextCtn === null, 'B revoked');
    await until(page, `document.querySelector('[data-testid="channel-inspector"] section[aria-label="Their commitment"]')?.dataset.ctn === '1'`);
    await list('localAcked').getByText('add ours 0').waitFor({ timeout: WAIT });
    await screenshot(page, 'channels-inspector-midway-light');

    // B signs back: now the HTLC is in both commitments.
    await b.control('commit', { channelId });
    await until(page, `document.querySelector('[data-testid="channel-inspector"] section[aria-label="Our commitment"]')?.dataset.ctn === '1'`);
    const htlc = inspector().locator('[data-testid="htlc-table"] tr[data-htlc="local:0"]');
    await htlc.waitFor({ timeout: WAIT });
    await until(page, `[...document.querySelectorAll('[data-testid="htlc-table"] tr[data-htlc="local:0"] .place.output')].length === 2`);
    expect(await htlc.textContent()).toContain('offered by us');
    expect(await htlc.textContent()).toContain('30,000 sat');
    for (const name of ['localUnacked', 'localAcked', 'remoteUnacked', 'remoteAcked']) expect(await list(name).locator('li').count(), name).toBe(0);
    expect(await diagram.locator('g[data-type="commitment_signed"]').count()).toBe(2);
    expect(await diagram.locator('g[data-type="revoke_and_ack"]').count()).toBe(2);
    expect(await inspector().getByRole('img', { name: /, 30,000 sat in HTLCs$/ }).count()).toBe(1);

    // B fulfills it: the change reaches our lists before any commitment.
    await b.control('fulfill', { channelId, htlcId: '0' });
    await list('localUnacked').getByText('fulfill ours 0 · 30,000 sat').waitFor({ timeout: WAIT });
    await diagram.locator('g[data-type="update_fulfill_htlc"]').waitFor({ timeout: WAIT });
    await screenshot(page, 'channels-inspector-fulfill-light');
    await b.control('commit', { channelId });
    await eventually(async () => (await a.state(channelId)).localCtn === 2, 'A holds commitment 2');
    await a.control('commit', { channelId });
    await eventually(async () => {
      const s = await a.state(channelId);
      return s.remoteCtn === 2 && s.remoteNextCtn === null && s.changes === 0;
    }, 'settled');
    await until(page, `!document.querySelector('[data-testid="htlc-table"]')`);
    await until(page, `document.querySelector('[data-testid="channel-inspector"] section[aria-label="Their commitment"]')?.dataset.ctn === '2'`);
    expect(await inspector().getByRole('img', { name: 'Balance: ours 4,970,000 sat, theirs 5,030,000 sat' }).count()).toBe(1);
    // add, then commitment_signed and revoke_and_ack each way; fulfill, then the same again.
    await until(page, `document.querySelector('[data-testid="channel-inspector"] [data-testid="sequence-diagram"]').dataset.arrows === '10'`);
    expect(await text(page, '[data-testid="last-step"]')).toContain('Last step');
    await screenshot(page, 'channels-inspector-light');
    await setTheme(page, 'Dark');
    await page.goto(`${new URL(a.ui).origin}/#/channels/${channelId}`);
    await inspector().waitFor({ timeout: WAIT });
    await screenshot(page, 'channels-inspector-dark');
    await setTheme(page, 'System');
    expect(problems).toEqual([]);
  }, 120_000);
});
