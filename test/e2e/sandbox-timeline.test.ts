/**
 * The async timeline across the roles in the real sandbox (issue 16 item 6): `npm start` as a user
 * runs it (`tsx scripts/start.ts --browser`, a first start, the sandbox chain on btcd, the lsp, the
 * shop and the friend as daemons), the app in headless Chromium. The friend is switched offline from
 * its card, its offer paid from the Send card; the payer's timeline shows the lsp's steps (L1 holds
 * the HTLC, L2 keeps held_htlc_available in its mailbox) and R's (offline) as they happen, each row
 * naming the node that saw it, and a line saying who holds what; the friend comes back and the
 * friend's steps (release, payment checked and claimed) and the lsp's (release, forward, settle)
 * appear until the payment is complete. The Overview's activity log has rows for the onion messages
 * (issue 17 follow-up). Screenshots of the timeline waiting and complete, and of the activity log.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { launchBrowser, screenshot, SCREENSHOTS_DIR, until, watchProblems } from './support/browser';
import { ensureRendererBuilt } from './support/build';
import { WAIT, goTo, text, payAmount } from './support/app';
import { startNpmStart, stopNpmStart, type NpmStart } from '../support/npm-start';
import { tempDir } from '../support/tmp';
import { REPO_ROOT } from '../support/vectors';

let started: NpmStart | undefined;

/** Waits for a line of npm start's output that `match` finds something in. */
async function line<T>(match: (l: string) => T | undefined | null, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = started?.lines ?? [];
    for (const l of lines) {
      const m = match(l);
      if (m) return m;
    }
    if (started?.child.exitCode !== null) throw new Error(`npm start exited with ${started?.child.exitCode} before ${what}:\n${lines.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs / 1000} s:\n${lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const step = (tl: Locator, key: string): Locator => tl.locator(`[data-testid="async-step"][data-step="${key}"]`);

describe('the async timeline across the roles, in npm start\'s sandbox', () => {
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    ensureRendererBuilt();
    const datadir = tempDir('glasswing-sandbox-timeline-');
    started = startNpmStart(REPO_ROOT, datadir);
    const login = await line((l) => /^\s+(http:\/\/127\.0\.0\.1:\d+\/login\?code=[0-9a-f]+)\s*$/.exec(l)?.[1], 'login address', 300_000);
    await line((l) => l.startsWith('glasswing: sandbox: '), 'sandbox summary', 300_000);
    context = await launchBrowser();
    page = await context.newPage();
    problems = watchProblems(page);
    await page.goto(login);
    await page.locator('[data-state="connected"]').waitFor({ timeout: WAIT });
  }, 330_000);

  afterAll(async () => {
    await context?.close();
    await stopNpmStart(started?.child);
  }, 30_000);

  it('pays the offline friend: the lsp\'s and the friend\'s steps appear in the payer\'s timeline as they happen, each naming its node', async () => {
    await goTo(page, 'Payments');
    // The friend's offer, once the lsp keeps its static invoice.
    await page.locator('[data-testid="sandbox-friend"][data-state="online"] [data-testid="sandbox-friend-offer"]').waitFor({ timeout: 120_000 });
    const offer = await text(page, '[data-testid="sandbox-friend-offer"]');
    await page.getByRole('button', { name: 'Take the friend offline' }).click();
    await page.locator('[data-testid="sandbox-friend"][data-state="offline"]').waitFor({ timeout: 60_000 });

    await payAmount(page, offer, 42);

    // The payer's timeline (the sandbox's earlier payments are ordinary ones: this is the only async one).
    const tl = page.locator('[data-testid="async-timeline"][data-id^="P:"]');
    await tl.waitFor({ timeout: 60_000 });
    // While the friend is away: the lsp holds the HTLC and keeps held_htlc_available in its mailbox; R is offline.
    await step(tl, 'htlc_held').and(page.locator('[data-status="done"][data-by="lsp"]')).waitFor({ timeout: 60_000 });
    await step(tl, 'mailbox').and(page.locator('[data-status="done"][data-by="lsp"]')).waitFor({ timeout: 60_000 });
    expect(await step(tl, 'r_offline').getAttribute('data-status')).toBe('done');
    expect(await step(tl, 'htlc_held').textContent()).toContain('L1 (lsp)');
    expect(await step(tl, 'mailbox').textContent()).toContain('L2 (lsp) → R (friend)');
    expect(await step(tl, 'mailbox').textContent()).toContain('seen at lsp');
    const now = (await tl.locator('[data-testid="async-now"]').textContent()) ?? '';
    expect(now).toContain('lsp (L1) holds the HTLC until friend releases it.');
    expect(now).toContain('held_htlc_available waits in lsp’s mailbox (L2) for friend.');
    for (const k of ['release_sent', 'received', 'paid']) expect(await step(tl, k).getAttribute('data-status')).toBe('expected');
    await tl.scrollIntoViewIfNeeded();
    await tl.screenshot({ path: join(SCREENSHOTS_DIR, 'sandbox-timeline-waiting.png') });

    // The friend comes back: it releases, is paid; the rows of every role appear, in time order.
    await page.getByRole('button', { name: 'Bring the friend online' }).click();
    await page.locator('[data-testid="async-timeline"][data-id^="P:"][data-state="completed"]').waitFor({ timeout: 120_000 });
    await step(tl, 'settled').and(page.locator('[data-status="done"]')).waitFor({ timeout: 30_000 });
    const rows = await tl.locator('[data-testid="async-step"]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-step'), e.getAttribute('data-status'), e.getAttribute('data-by'), Number(e.getAttribute('data-at'))] as const));
    const by = Object.fromEntries(rows.map(([k, st, b]) => [k, `${st}:${b}`]));
    expect(by).toMatchObject({
      static_invoice: 'done:lsp', htlc_sent: 'done:here', htlc_held: 'done:lsp', announced: 'done:here', mailbox: 'done:lsp', r_offline: 'done:lsp', r_online: 'done:lsp',
      release_sent: 'done:friend', released: 'done:lsp', forwarded: 'done:lsp', received: 'done:friend', settled: 'done:lsp', paid: 'done:here',
    });
    const times = rows.map(([, , , at]) => at);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(await step(tl, 'received').textContent()).toContain('42 sat claimed');
    expect(await tl.locator('[data-testid="async-now"]').count()).toBe(0);
    await tl.scrollIntoViewIfNeeded();
    await tl.screenshot({ path: join(SCREENSHOTS_DIR, 'sandbox-timeline-paid.png') });
    await screenshot(page, 'sandbox-payments-paid');
    expect(problems).toEqual([]);
  }, 360_000);

  it('the activity log has rows for the onion messages again (sent, delivered, gathered when many)', async () => {
    await goTo(page, 'Overview');
    const filter = page.getByLabel('Filter the activity');
    await filter.fill('onion');
    await until(page, `[...document.querySelectorAll('[data-testid="activity-log"] tbody tr')].length > 0`);
    const events = await page.locator('[data-testid="activity-log"] td.event').allTextContents();
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.startsWith('onion '))).toBe(true);
    // The payment's held_htlc_available went out as onion messages of ours, and the static invoice came back as one.
    expect(events.some((e) => e.startsWith('onion sent'))).toBe(true);
    expect(events.some((e) => e.startsWith('onion delivered'))).toBe(true);
    const details = await page.locator('[data-testid="activity-log"] td.detail').allTextContents();
    expect(details.some((d) => d.includes('held_htlc_available'))).toBe(true);
    await page.locator('[data-testid="activity-log"]').scrollIntoViewIfNeeded();
    await page.locator('[data-testid="activity-log"]').screenshot({ path: join(SCREENSHOTS_DIR, 'sandbox-activity-onion.png') });
    await filter.fill('');
    expect(problems).toEqual([]);
  }, 60_000);
});
