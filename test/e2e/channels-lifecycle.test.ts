/**
 * Opening and closing channels in the app, end to end, in Chromium against two real daemons on a
 * real btcd (regtest): "Open channel" from a peer's card (size, gift, fee, type), the summary and
 * the funding; the opening counting its confirmations live, then the channel active; the close
 * dialog (cooperative or force, what each costs and when the funds return); a force close and the
 * on-chain resolution view, one row per output, moving with the blocks; screenshots at 1280 and
 * 800 px in both themes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { NodeApi } from '../../core/api';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { DaemonProcess } from '../support/daemon';
import { tempDir } from '../support/tmp';
import { deposit, synced, type WalletNode } from '../support/wallet-node';
import { launchBrowser, screenshot, watchProblems } from './support/browser';
import { ensureRendererBuilt } from './support/build';
import { WAIT, goTo, logIn, setTheme } from './support/app';
import { WIDTHS, fitsWidth, setWidth, textCutShort } from './support/layout';

describe('opening and closing channels in the browser', () => {
  let btcd: Btcd;
  let ui: DaemonProcess;
  let peer: DaemonProcess;
  let api: NodeApi;
  let peerApi: NodeApi;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let channelId = '';

  const mine = async (n: number) => {
    await btcd.mine(n);
    await synced(api, btcd);
    await synced(peerApi, btcd);
  };

  beforeAll(async () => {
    ensureRendererBuilt();
    btcd = await startBtcd();
    await btcd.mine(101);
    const chain = ['--chain', 'bitcoind-rpc', '--rpc-url', btcd.rpcUrl];
    ui = new DaemonProcess(tempDir('glasswing-channels-ui-'), ['--ui', ...chain]);
    peer = new DaemonProcess(tempDir('glasswing-channels-peer-'), chain);
    await Promise.all([ui.start(), peer.start()]);
    api = await ui.api();
    peerApi = await peer.api();
    await synced(api, btcd);
    await synced(peerApi, btcd);
    const node: WalletNode = { daemon: ui, api, cli: (...args) => ui.cli(...args) };
    await deposit(node, btcd, 2_000_000n);
    await api.connect({ address: peer.address });
    context = await launchBrowser();
    page = await context.newPage();
    problems = watchProblems(page);
    await logIn(page, ui.ready!.ui!);
  }, 240_000);

  afterAll(async () => {
    await context?.close();
  });

  it('opens a channel from a peer\'s card: the form, its summary, the funding; the opening counts its confirmations, then the channel is active', async () => {
    await goTo(page, 'Peers');
    await page.locator('[data-testid="peer-open-channel"]').first().click();
    await page.locator('[data-testid="open-form"]').waitFor({ timeout: WAIT });
    expect(await page.locator('#open-peer').inputValue()).toBe(peer.nodeId);
    await page.locator('#open-amount').fill('50');
    await page.locator('[data-testid="open-review-button"]').click();
    expect(await page.getByText('At least 20,000 sat.').count()).toBe(1);
    await page.locator('#open-amount').fill('500000');
    await page.locator('#open-push').fill('100000');
    await page.locator('#open-fee').fill('2');
    await screenshot(page, 'channels-open-form');
    await page.locator('[data-testid="open-review-button"]').click();
    await page.locator('[data-testid="open-review"]').waitFor({ timeout: WAIT });
    const review = (await page.locator('[data-testid="open-review"]').textContent()) ?? '';
    expect(review).toContain('500,000 sat');
    expect(review).toContain('400,000 sat');
    expect(review).toContain('2 sat/vB');
    await screenshot(page, 'channels-open-review');
    await page.locator('[data-testid="open-confirm"]').click();
    await page.locator('[data-testid="open-result"]').waitFor({ timeout: WAIT });
    const opened = (await api.listOpenings({})).openings[0]!;
    channelId = opened.channelId!;
    await page.getByRole('button', { name: 'Done' }).click();
    const openingRow = page.locator('[data-testid="opening-list"]');
    await openingRow.getByText('awaiting 0 of 3 confirmations').waitFor({ timeout: WAIT });
    await screenshot(page, 'channels-opening');
    await mine(1);
    await openingRow.getByText('awaiting 1 of 3 confirmations').waitFor({ timeout: WAIT });
    await mine(2);
    await page.locator(`[data-testid="channel-list"] [data-channel-id="${channelId}"]`).getByText('active').waitFor({ timeout: WAIT });
    expect(await page.locator('[data-testid="opening-list"]').count()).toBe(0);
    // The network graph card: the node's gossip counts and the forwarding policy it announces.
    const policy = await api.getForwardingPolicy({});
    await page.locator('[data-testid="graph-policy"]').getByText(`+ ${policy.feeBaseMsat} msat a forward · CLTV delta ${policy.cltvExpiryDelta} blocks`).waitFor({ timeout: WAIT });
    const graph = await api.gossipInfo({});
    expect(await page.locator('[data-testid="graph-nodes"] .num').textContent()).toBe(String(graph.nodes));
    expect(problems).toEqual([]);
  }, 120_000);

  it('the close dialog says what each close costs and when the funds return; a force close shows the resolution, one row per output, live', async () => {
    await page.locator(`[data-channel-id="${channelId}"] a`).click();
    await page.locator('[data-testid="channel-inspector"]').waitFor({ timeout: WAIT });
    await page.locator('[data-testid="close-channel"]').click();
    const panel = page.locator('[data-testid="close-panel"]');
    expect(await panel.textContent()).toContain('you pay the closing fee');
    await screenshot(page, 'channels-close-cooperative');
    await panel.getByText('Force close', { exact: true }).click();
    // The peer's to_self_delay (its default, 144 blocks) from the channel's view: how long our funds wait.
    const listed = (await api.listChannels({})).channels.find((c) => c.channelId === channelId)!;
    expect(listed.toSelfDelay).toBe(144);
    expect(await panel.textContent()).toContain('400,000 sat are locked for 144 blocks (about 24 hours) after it confirms');
    await page.locator('[data-testid="close-continue"]').click();
    await screenshot(page, 'channels-close-force-confirm');
    await page.locator('[data-testid="close-confirm"]').click();
    await page.locator('[data-testid="close-result"]').waitFor({ timeout: WAIT });
    await page.getByRole('button', { name: 'Done' }).click();
    await waitFor(async () => ((await btcd.rpc<string[]>('getrawmempool')).length > 0 ? true : undefined), 'a commitment in the mempool');
    await mine(1);
    const table = page.locator('[data-testid="resolution"]');
    await table.waitFor({ timeout: WAIT });
    // Whichever commitment confirmed (ours, or the peer's after our error), our output is listed with its fate.
    await page.locator('[data-testid="resolution"] tbody tr').first().waitFor({ timeout: WAIT });
    expect(await page.locator('[data-testid="resolution"] tbody tr').count()).toBeGreaterThanOrEqual(2);
    expect((await table.textContent()) ?? '').toMatch(/Ours \((to_local, delayed|to_remote)\)/);
    await screenshot(page, 'channels-resolution');
    expect(problems).toEqual([]);
  }, 120_000);

  it('Settings: the channel acceptance policy and the peers trusted for zero-conf, saved at once', async () => {
    await goTo(page, 'Settings');
    const form = page.locator('[data-testid="channel-settings"]');
    await form.waitFor({ timeout: WAIT });
    await page.locator('#ch-depth').fill('0');
    expect(await form.textContent()).toContain('A number of blocks from 1 to 144.');
    await page.locator('#ch-depth').fill('4');
    await page.locator('#ch-trusted').fill(peer.nodeId);
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByText('Saved.').waitFor({ timeout: WAIT });
    expect((await api.getSettings({})).channels).toMatchObject({ minimumDepth: 4, trustedZeroconfPeers: [peer.nodeId] });
    await screenshot(page, 'settings-channels');
    expect(problems).toEqual([]);
  }, 60_000);

  it('fits 1280 and 800 px in both themes (screenshots)', async () => {
    for (const theme of ['Light', 'Dark'] as const) {
      await setTheme(page, theme);
      for (const width of WIDTHS) {
        await setWidth(page, width);
        await goTo(page, 'Channels');
        await page.locator('[data-testid="channel-list"]').waitFor({ timeout: WAIT });
        expect(await fitsWidth(page), `Channels at ${width} px spills sideways`).toBe(true);
        expect(await textCutShort(page), `Channels at ${width} px`).toEqual([]);
        await screenshot(page, `channels-list-${theme.toLowerCase()}-${width}`);
        await page.locator(`[data-channel-id="${channelId}"] a`).click();
        await page.locator('[data-testid="resolution"]').waitFor({ timeout: WAIT });
        expect(await fitsWidth(page), `the resolution at ${width} px spills sideways`).toBe(true);
        await screenshot(page, `channels-resolution-${theme.toLowerCase()}-${width}`);
        await goTo(page, 'Channels');
        await page.locator('[data-testid="open-channel"]').click();
        await page.locator('[data-testid="open-form"]').waitFor({ timeout: WAIT });
        expect(await fitsWidth(page), `the open form at ${width} px spills sideways`).toBe(true);
        await screenshot(page, `channels-open-${theme.toLowerCase()}-${width}`);
      }
    }
    await setWidth(page, 1360);
    await setTheme(page, 'System');
    expect(problems).toEqual([]);
  }, 180_000);
});
