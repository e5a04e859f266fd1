/**
 * Async payments in the browser (issue 16 item 6): three real node processes P — LSP — R
 * (test/support/channel-node.ts `--payments --ui`, channels on agreed outpoints, no chain). P's
 * role is set in its Settings page (saved for the next start, "restart needed" until P restarts);
 * R's offer, served by the LSP, shows ready with its QR on R's Payments page; R goes offline, P
 * pays the offer from its app and watches the timeline: the static invoice, the HTLC sent with
 * hold_htlc, held_htlc_available sent to R's mailbox, R's steps expected; the LSP's page shows the
 * held HTLC and its own timeline; R comes back and both timelines complete live. R is also P's
 * sandbox friend (the control endpoint `npm start` serves, over the R process, with the LSP as the
 * sandbox's lsp): P's timeline shows the LSP's and R's steps as they report them (issue 16 item 6:
 * the HTLC held at the LSP, held_htlc_available in its mailbox, R offline, back, releasing, paid), each
 * row naming its node, and a line saying who holds what while R is away. The friend card
 * shows its offer as soon as the LSP keeps it, switches R offline and online, and follows R
 * without a click when R's process stops on its own or is started from elsewhere. Screenshots of
 * every new view at 1280 and 800 px.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { connectToDaemon, readApiInfo } from '../../main/cli/daemon-client';
import { launchBrowser, screenshot, watchProblems } from './support/browser';
import { fitsWidth, setWidth } from './support/layout';
import { ensureRendererBuilt } from './support/build';
import { WAIT, goTo, logIn, text, payAmount } from './support/app';
import { UiChannelNode, configureAsync, eventually, openChannel, withNodeApi } from './support/channel-nodes';
import { FRIEND_STOP_GRACE_MS, FriendControl, startFriendControlServer, type FriendControlServer, type FriendProcess } from '../../scripts/sandbox-friend';

const step = (page: Page, timeline: string, key: string, status = '') =>
  page.locator(`[data-testid="async-timeline"][data-id^="${timeline}"] [data-step="${key}"]${status ? `[data-status="${status}"]` : ''}`);

describe('Async payments in the browser', () => {
  const p = new UiChannelNode('P', { payments: true });
  const lsp = new UiChannelNode('LSP', { payments: true });
  const r = new UiChannelNode('R', { payments: true });
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let offer = '';
  let control: FriendControlServer | undefined;
  let friend: FriendControl;
  let lspClient: { close(): void } | undefined;
  // Held by the test to see the card while the friend is stopping or starting (released at once otherwise).
  let holdStop: Promise<void> = Promise.resolve();
  let holdStart: Promise<void> = Promise.resolve();
  const hold = (): { held: Promise<void>; release: () => void } => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    return { held, release };
  };

  beforeAll(async () => {
    ensureRendererBuilt();
    configureAsync(lsp, { role: 'lsp' });
    await Promise.all([lsp.start(), p.start()]);
    configureAsync(r, { role: 'recipient', lsp: lsp.address, description: 'coffee while I sleep' });
    await r.start();
    context = await launchBrowser();
    page = await context.newPage();
    problems = watchProblems(page);
    await logIn(page, p.ui);
  }, 240_000);

  afterAll(async () => {
    await control?.close();
    lspClient?.close();
    await context?.close();
    await Promise.all([p.stop(), lsp.stop(), r.stop()]);
  });

  it('sets P\'s role in Settings: checked as typed, saved for the next start, taken after a restart', async () => {
    await goTo(page, 'Settings');
    const card = page.locator('[data-testid="async-settings"]');
    await card.waitFor({ timeout: WAIT });
    expect(await text(page, '[data-testid="async-in-force"]')).toContain('In force: None');
    await card.getByRole('radio', { name: 'Recipient (R)' }).check({ force: true });
    expect(await text(page, '#async-lsp-help')).toContain('A recipient needs its LSP');
    await page.locator('#async-lsp').fill('02abc@127.0.0.1:1');
    expect(await text(page, '#async-lsp-help')).toContain('66 hex characters');
    await card.getByRole('radio', { name: 'Payer (P)' }).check({ force: true });
    await page.locator('#async-lsp').fill(lsp.address);
    await card.getByRole('button', { name: 'Save for next start' }).click();
    await page.locator('[data-testid="async-restart"]').waitFor({ timeout: WAIT });
    expect(await text(page, '[data-testid="async-restart"]')).toContain('Payer (P)');
    await screenshot(page, 'async-settings-restart-needed');

    expect(problems).toEqual([]);
    // The browser closed while P restarts, for the same reason as R's below (its sockets to P's app).
    await context.close();
    await p.stop();
    await p.start();
    context = await launchBrowser();
    page = await context.newPage();
    problems = watchProblems(page);
    await logIn(page, p.ui);
    await goTo(page, 'Payments');
    await page.locator('[data-testid="async-role"][data-role="payer"]').waitFor({ timeout: WAIT });
    expect(await page.getByText('No async payments yet').count()).toBe(1);
    expect(problems).toEqual([]);
  }, 120_000);

  it('R\'s offer is shown ready with its QR once the LSP keeps its static invoice, and appears on the friend card live', async () => {
    await p.control('connect', { address: lsp.address });
    await eventually(() => withNodeApi(lsp, async (a) => (await a.listPeers({})).peers.some((x) => x.nodeId === r.nodeId)), 'R connected to its LSP', 30_000);

    // R as the sandbox friend of P's app: npm start's control endpoint, here over the R process (scripts/sandbox-friend.ts).
    // Its process ends when its API connection closes: stopped by the card, or on its own.
    const asFriend = async (): Promise<FriendProcess> => {
      const client = await connectToDaemon(r.datadir);
      const { pid } = readApiInfo(r.datadir).info;
      const exited = client.closed.then(() => undefined);
      // As the sandbox's friendProcess: a clean stop, killed if it takes longer than the grace.
      const stop = async (): Promise<'stopped' | 'killed'> => {
        await holdStop;
        client.close();
        const stopping = r.stop();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), FRIEND_STOP_GRACE_MS)));
        const how = await Promise.race([stopping.then(() => 'stopped' as const), late]);
        clearTimeout(timer);
        if (how === 'late') process.kill(pid, 'SIGKILL');
        await stopping;
        await exited;
        return how === 'late' ? 'killed' : 'stopped';
      };
      return { nodeId: r.nodeId, api: client.api, exited, stop };
    };
    friend = new FriendControl(r.nodeId, async () => {
      await holdStart;
      await r.start();
      return asFriend();
    });
    friend.adopt(await asFriend());
    mkdirSync(join(p.datadir, 'sandbox'), { recursive: true });
    // The LSP plays the sandbox's lsp: the control endpoint reads its steps (scripts/sandbox-steps.ts).
    const lspApi = await connectToDaemon(lsp.datadir);
    lspClient = lspApi;
    control = await startFriendControlServer(friend, p.datadir, { lsp: { nodeId: lsp.nodeId, api: lspApi.api } });
    // The card (mounted again: it stops asking when there was no sandbox) shows the friend, its offer not ready yet.
    await goTo(page, 'Overview');
    await goTo(page, 'Payments');
    await page.locator('[data-testid="sandbox-friend"][data-state="online"] [data-testid="sandbox-friend-no-offer"]').waitFor({ timeout: WAIT });
    await page.locator('[data-testid="sandbox-friend"]').scrollIntoViewIfNeeded();
    await screenshot(page, 'async-sandbox-friend-no-offer');

    await openChannel(p, lsp);
    await openChannel(lsp, r);
    offer = await eventually(() => withNodeApi(r, async (a) => (await a.asyncOffer({})).offer), 'R\'s offer ready at the LSP', 60_000);
    // Without a reload or a click: the card asks for the friend's status while it is shown.
    await page.locator('[data-testid="sandbox-friend-offer"]').waitFor({ timeout: WAIT });
    expect(await text(page, '[data-testid="sandbox-friend-offer"]')).toBe(offer);

    // R's page in a browser of its own, closed after: a socket Chromium opened to R's app and never
    // used would hold R's clean stop for as long as Chromium keeps it (~100 s; Node's server.close()
    // waits for connections that never sent a request), and R is stopped below.
    const rContext = await launchBrowser();
    const rPage = await rContext.newPage();
    const rProblems = watchProblems(rPage);
    await logIn(rPage, r.ui);
    await goTo(rPage, 'Payments');
    await rPage.locator('[data-testid="async-offer"][data-ready="yes"]').waitFor({ timeout: WAIT });
    expect(await text(rPage, '[data-testid="async-offer-text"]')).toBe(offer);
    expect(await rPage.getByRole('img', { name: 'QR code: async offer' }).count()).toBe(1);
    await rPage.locator('[data-testid="async-offer"]').scrollIntoViewIfNeeded();
    await screenshot(rPage, 'async-recipient-offer');
    expect(rProblems).toEqual([]);
    await rContext.close();


    // The LSP lists the static invoice it serves for R.
    const lPage = await context.newPage();
    await logIn(lPage, lsp.ui);
    await goTo(lPage, 'Payments');
    await lPage.locator('[data-testid="async-static-row"]').waitFor({ timeout: WAIT });
    expect(await lPage.locator('[data-testid="async-static-row"]').first().textContent()).toContain('slot 0');
    await lPage.close();
  }, 180_000);

  it('P pays the offline R: the timeline shows each step as it happens, and completes when R returns', async () => {
    // The Sandbox friend card on P's page switches R offline.
    const card = page.locator('[data-testid="sandbox-friend"]');
    await page.locator('[data-testid="sandbox-friend"][data-state="online"]').waitFor({ timeout: WAIT });
    expect(await text(page, '[data-testid="sandbox-friend-offer"]')).toBe(offer);
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, 'async-sandbox-friend-online');
    // While the friend stops (held here), the card says so and its switch waits.
    const stopping = hold();
    holdStop = stopping.held;
    await page.getByRole('button', { name: 'Take the friend offline' }).click();
    await page.locator('[data-testid="sandbox-friend"][data-state="stopping"]').waitFor({ timeout: WAIT });
    expect(await page.getByRole('button', { name: 'Going offline…' }).isDisabled()).toBe(true);
    expect(await text(page, '[data-testid="sandbox-friend"] [role="status"]')).toContain('stopping…');
    await screenshot(page, 'async-sandbox-friend-stopping');
    stopping.release();
    // The friend's node stops cleanly or is killed after 20 s (FRIEND_STOP_GRACE_MS): the card ends offline either way.
    await page.locator('[data-testid="sandbox-friend"][data-state="offline"]').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Bring the friend online' }).waitFor({ timeout: WAIT });
    expect(await page.locator('[data-testid="sandbox-friend-error"]').count()).toBe(0);
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, 'async-sandbox-friend-offline');
    await payAmount(page, offer, 42);

    const tl = page.locator('[data-testid="async-timeline"][data-id^="P:"]');
    await tl.waitFor({ timeout: 30_000 });
    await step(page, 'P:', 'announced', 'done').waitFor({ timeout: 30_000 });
    expect(await step(page, 'P:', 'static_invoice').getAttribute('data-status')).toBe('done');
    expect(await step(page, 'P:', 'htlc_sent').getAttribute('data-status')).toBe('done');
    // The other roles' steps, as the sandbox's nodes report them: held at the LSP, waiting in its mailbox, R offline.
    await step(page, 'P:', 'htlc_held', 'done').and(page.locator('[data-by="lsp"]')).waitFor({ timeout: 30_000 });
    await step(page, 'P:', 'mailbox', 'done').and(page.locator('[data-by="lsp"]')).waitFor({ timeout: 30_000 });
    // R's connection to its LSP, as the LSP saw it.
    expect(await step(page, 'P:', 'r_offline', 'done').getAttribute('data-by')).toBe('lsp');
    expect(await step(page, 'P:', 'htlc_held').textContent()).toContain('L1 (lsp)');
    expect(await step(page, 'P:', 'htlc_held').textContent()).toContain('seen at lsp');
    expect(await step(page, 'P:', 'mailbox').textContent()).toContain('2 messages for friend');
    expect(await tl.locator('[data-testid="async-scope"]').getAttribute('data-scope')).toBe('roles');
    // Who holds what, now.
    const now = await text(page, '[data-testid="async-timeline"][data-id^="P:"] [data-testid="async-now"]');
    expect(now).toContain('lsp (L1) holds the HTLC until friend releases it.');
    expect(now).toContain('held_htlc_available waits in lsp’s mailbox (L2) for friend.');
    expect(now).toContain('friend (R) is offline since');
    // What nobody reported yet is not invented: R's steps are expected.
    for (const k of ['release_sent', 'released', 'received', 'paid']) expect(await step(page, 'P:', k).getAttribute('data-status')).toBe('expected');
    expect(await tl.getAttribute('data-state')).toBe('in_progress');
    expect(await step(page, 'P:', 'announced').textContent()).toContain('message paths');
    // The Send card says what the payment waits for (not "stuck": the recipient is away).
    await page.locator('[data-testid="pay-progress"][data-status="pending"] [data-testid="pay-awaiting-recipient"]').waitFor({ timeout: WAIT });
    expect(await text(page, '[data-testid="pay-awaiting-recipient"]')).toContain('completes when the recipient comes back online');
    await tl.scrollIntoViewIfNeeded();
    await screenshot(page, 'async-payer-timeline-waiting');

    // The LSP holds the HTLC: its page lists it and draws its own timeline.
    const lPage = await context.newPage();
    const lProblems = watchProblems(lPage);
    // Signed in already (the session cookie carries the port): the app's own address.
    await lPage.goto(new URL(lsp.ui).origin + '/');
    await lPage.locator('[data-state="connected"]').waitFor({ timeout: WAIT });
    await goTo(lPage, 'Payments');
    await lPage.locator('[data-testid="async-held-row"]').waitFor({ timeout: 30_000 });
    await step(lPage, 'L1:', 'htlc_held', 'done').waitFor({ timeout: WAIT });
    expect(await step(lPage, 'L1:', 'released').getAttribute('data-status')).toBe('expected');
    await lPage.locator('[data-testid="async-held"]').scrollIntoViewIfNeeded();
    await screenshot(lPage, 'async-lsp-held');

    // R returns (the friend card's switch): it finds held_htlc_available in its mailbox, releases, is paid; both pages follow live.
    const starting = hold();
    holdStart = starting.held;
    await page.getByRole('button', { name: 'Bring the friend online' }).click();
    await page.locator('[data-testid="sandbox-friend"][data-state="starting"]').waitFor({ timeout: WAIT });
    expect(await page.getByRole('button', { name: 'Coming online…' }).isDisabled()).toBe(true);
    await page.locator('[data-testid="sandbox-friend"]').scrollIntoViewIfNeeded();
    await screenshot(page, 'async-sandbox-friend-starting');
    starting.release();
    await page.locator('[data-testid="sandbox-friend"][data-state="online"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="async-timeline"][data-id^="P:"][data-state="completed"]').waitFor({ timeout: 60_000 });
    expect(await step(page, 'P:', 'paid').getAttribute('data-status')).toBe('done');
    await page.locator('[data-testid="pay-progress"][data-status="succeeded"]').waitFor({ timeout: WAIT });
    expect(await page.locator('[data-testid="pay-awaiting-recipient"]').count()).toBe(0);
    // Every step across the roles, each with the node that saw it, in time order.
    await step(page, 'P:', 'settled', 'done').waitFor({ timeout: 30_000 });
    const rows = await tl.locator('[data-testid="async-step"]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-step'), e.getAttribute('data-status'), e.getAttribute('data-by'), Number(e.getAttribute('data-at'))] as const));
    expect(rows.map(([k, st, by]) => [k, st, by]).sort()).toEqual([
      ['r_offline', 'done', 'lsp'], ['static_invoice', 'done', 'lsp'], ['htlc_sent', 'done', 'here'], ['htlc_held', 'done', 'lsp'], ['announced', 'done', 'here'],
      ['mailbox', 'done', 'lsp'], ['r_online', 'done', 'lsp'], ['mailbox_delivered', 'done', 'lsp'], ['release_sent', 'done', 'friend'], ['released', 'done', 'lsp'],
      ['forwarded', 'done', 'lsp'], ['received', 'done', 'friend'], ['settled', 'done', 'lsp'], ['paid', 'done', 'here'],
    ].sort());
    const times = rows.map(([, , , at]) => at);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    // Causes before their effects, whoever saw them.
    const index = (k: string) => rows.findIndex(([r]) => r === k);
    for (const [cause, effect] of [['static_invoice', 'htlc_sent'], ['r_offline', 'mailbox'], ['r_online', 'release_sent'], ['release_sent', 'released'], ['released', 'forwarded'], ['forwarded', 'received'], ['received', 'settled'], ['settled', 'paid']]) {
      expect(index(cause), `${cause} before ${effect}`).toBeLessThan(index(effect));
    }
    expect(await step(page, 'P:', 'received').textContent()).toContain('42 sat claimed');
    expect(await page.locator('[data-testid="async-timeline"][data-id^="P:"] [data-testid="async-now"]').count()).toBe(0);
    await tl.scrollIntoViewIfNeeded();
    await screenshot(page, 'async-payer-timeline-paid');
    await lPage.locator('[data-testid="async-timeline"][data-id^="L1:"][data-state="completed"]').waitFor({ timeout: 30_000 });
    expect(await step(lPage, 'L1:', 'released').getAttribute('data-status')).toBe('done');
    expect(await lPage.locator('[data-testid="async-held-row"]').count()).toBe(0);
    await screenshot(lPage, 'async-lsp-timeline-paid');

    for (const [pg, name] of [[page, 'payer'], [lPage, 'lsp']] as const) {
      await setWidth(pg, 800);
      expect(await fitsWidth(pg)).toBe(true);
      await screenshot(pg, `async-${name}-800`);
      await setWidth(pg, 1280);
    }
    expect(problems).toEqual([]);
    expect(lProblems).toEqual([]);
    await lPage.close();
  }, 180_000);

  it('the friend card follows the friend without a click: stopped on its own, then back online', async () => {
    const card = page.locator('[data-testid="sandbox-friend"]');
    await page.locator('[data-testid="sandbox-friend"][data-state="online"]').waitFor({ timeout: WAIT });
    // R's process stops behind the app's back (not through the card or the control endpoint).
    await r.stop();
    await page.locator('[data-testid="sandbox-friend"][data-state="offline"]').waitFor({ timeout: WAIT });
    expect(await text(page, '[data-testid="sandbox-friend-error"]')).toContain('stopped on its own');
    await page.getByRole('button', { name: 'Bring the friend online' }).waitFor({ timeout: WAIT });
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, 'async-sandbox-friend-stopped-on-its-own');
    // Started again from elsewhere (as another tab of the app would): the card shows it online, its offer kept.
    await friend.online();
    await page.locator('[data-testid="sandbox-friend"][data-state="online"]').waitFor({ timeout: WAIT });
    expect(await text(page, '[data-testid="sandbox-friend-offer"]')).toBe(offer);
    expect(await page.locator('[data-testid="sandbox-friend-error"]').count()).toBe(0);
    await page.getByRole('button', { name: 'Take the friend offline' }).waitFor({ timeout: WAIT });
    expect(problems).toEqual([]);
  }, 120_000);
});
