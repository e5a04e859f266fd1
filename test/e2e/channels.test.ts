/**
 * The Channels page end to end: two real node processes (test/support/channel-node.ts, the
 * daemon's Node plus test-only controls) with a channel opened on an agreed outpoint; the
 * browser shows one of them. HTLCs added, committed and fulfilled through the harness's stdin
 * controls appear live in the inspector: change lists, HTLC table, commitment numbers and the
 * sequence diagram. Then the Channel lab on the same node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { launchBrowser, screenshot, until, watchProblems } from './support/browser';
import { WIDTHS, fitsWidth, setWidth, textCutShort } from './support/layout';
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
  async function stepsAfter(n: number): Promise<void> {
    await until(page, `Number(document.querySelector('[data-testid="channel-inspector"]')?.dataset.steps) > ${n}`);
  }

  it('says how channels come to exist, then lists a new channel live', async () => {
    await goTo(page, 'Channels');
    await page.getByText('No channels yet').waitFor({ timeout: WAIT });
    expect(await page.getByText('start it with a chain source').count()).toBe(1);
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
    const steps = Number(await inspector().getAttribute('data-steps'));

    // A offers an HTLC: it waits in remote · unacked (sent, not yet signed into B's commitment).
    await a.control('add', { channelId, amountMsat: '30000000' });
    await stepsAfter(steps);
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
    // 30,000 sat is far above the dust limit: no exposure on either commitment, against the default limit.
    expect(await inspector().locator('[data-testid="dust-exposure"] .text').allTextContents()).toEqual(['dust exposure 0 of 5,000 sat', 'dust exposure 0 of 5,000 sat']);

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
    for (const width of WIDTHS) {
      await setWidth(page, width);
      expect(await fitsWidth(page), `inspector at ${width} px`).toBe(true);
      expect(await textCutShort(page)).toEqual([]);
      await screenshot(page, `channels-inspector-${width}`);
    }
    await setWidth(page, 1360);
    // Back to the inspector from elsewhere: the stored history and the live one merge, each message once.
    await setTheme(page, 'Dark');
    await page.goto(`${new URL(a.ui).origin}/#/channels/${channelId}`);
    await inspector().waitFor({ timeout: WAIT });
    await until(page, `document.querySelector('[data-testid="channel-inspector"] [data-testid="sequence-diagram"]')?.dataset.arrows === '10'`);
    await screenshot(page, 'channels-inspector-dark');
    await setTheme(page, 'System');
    expect(problems).toEqual([]);
  }, 120_000);

  it('Channel lab: picks a scenario, steps through it and back, and sees both parties’ lists change', async () => {
    await goTo(page, 'Channel lab');
    await page.getByText('Pick a scenario to start').waitFor({ timeout: WAIT });
    await page.getByRole('button', { name: /Crossing commitments/ }).click();
    const counter = page.locator('[data-testid="step-counter"]');
    await until(page, `document.querySelector('[data-testid="step-counter"]')?.textContent === 'Step 1 of 14'`);
    const partyA = page.locator('[data-testid="lab-parties"] [data-testid="party-state"]').first();
    const partyB = page.locator('[data-testid="lab-parties"] [data-testid="party-state"]').nth(1);
    // Step 1: A offered A0 and kept it in flight.
    expect(await partyA.locator('[data-list="remoteUnacked"]').textContent()).toContain('add A0 · 20,000 sat');
    expect(await partyB.locator('[data-list="localUnacked"] li').count()).toBe(0);
    expect(await text(page, '[data-testid="in-flight"]')).toBe('A→B update_add_htlc');
    // Balances are shown before fees, and say so; A, the funder, keeps "to A" minus what it pays.
    const aCommit = partyA.locator('section[aria-label="A\'s commitment"]');
    expect(await aCommit.textContent()).toContain('Balances before fees, which A pays as the funder.');
    const sat = async (label: string) => Number(((await aCommit.locator('dl > div').filter({ has: page.getByText(label, { exact: true }) }).locator('dd').textContent()) ?? '').replace(/[^0-9]/g, ''));
    expect(await sat('to A after fees')).toBe((await sat('to A')) - (await sat('fee paid by A')));
    expect(await sat('fee paid by A')).toBeGreaterThan(0);

    // Four steps on: all four messages are in flight, crossing; step 5 delivers them.
    for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Step forward' }).click();
    expect(await counter.textContent()).toBe('Step 4 of 14');
    expect(await page.locator('[data-testid="in-flight"] .msg').count()).toBe(4);
    const diagram = page.locator('[data-testid="sequence-diagram"]');
    expect(await diagram.locator('g[data-in-flight="true"]').count()).toBe(4);
    await page.getByRole('button', { name: 'Step forward' }).click();
    expect(await page.locator('[data-testid="in-flight"] .msg').count()).toBe(0);
    expect(await diagram.locator('g[data-in-flight="false"]').count()).toBe(4);
    expect(await partyA.locator('[data-list="localUnacked"]').textContent()).toContain('add B0 · 30,000 sat');
    expect(await partyA.locator('section[aria-label="B\'s commitment"]').getAttribute('data-ctn')).toBe('1');
    expect(await partyB.locator('[data-list="localUnacked"]').textContent()).toContain('add A0 · 20,000 sat');
    await screenshot(page, 'lab-crossing-step5-light');

    // Rewind: back to the first step, lists as they were.
    await page.getByRole('button', { name: 'Rewind to the first step' }).click();
    expect(await counter.textContent()).toBe('Step 1 of 14');
    expect(await partyA.locator('[data-list="localUnacked"] li').count()).toBe(0);
    // A row of the diagram is a way to jump there, too.
    await page.getByRole('button', { name: 'Go to step 14' }).click({ force: true });
    expect(await counter.textContent()).toBe('Step 14 of 14');
    expect(await partyA.locator('[data-testid="htlc-table"] tr').count()).toBe(3);
    // The lab and the inspector fit a narrow window as well as a wide one.
    for (const width of WIDTHS) {
      await setWidth(page, width);
      expect(await fitsWidth(page), `lab at ${width} px`).toBe(true);
      expect(await textCutShort(page)).toEqual([]);
      await screenshot(page, `lab-crossing-${width}`);
    }
    await setWidth(page, 1360);
    expect(problems).toEqual([]);
  }, 90_000);

  it('Channel lab: exports the node’s SVG of the trace', async () => {
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export SVG' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('glasswing-crossing-commits.svg');
    const path = await file.path();
    const { readFileSync } = await import('node:fs');
    const svg = readFileSync(path!, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('crossing-commits');
    expect(svg.match(/commitment_signed/g)!.length).toBeGreaterThanOrEqual(4);
  }, 60_000);

  it('Channel lab: composes steps, checks them as typed, and shows a forbidden step as its typed error at its step', async () => {
    await page.getByRole('button', { name: 'Edit as steps' }).click();
    expect(await page.locator('[data-testid="composer"] li').count()).toBe(14);
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('button', { name: '+ Message' }).click();
    await page.getByLabel('Step 1: amount in sat').fill('25000');
    await page.getByRole('button', { name: '+ Message' }).click();
    await page.getByLabel('Step 2: message').selectOption('update_fulfill_htlc');
    await page.getByLabel('Step 2: HTLC').fill('A0');
    // A cannot settle its own HTLC: said at the step, before anything runs.
    const problem = page.locator('[data-testid="composer"] li[data-step="2"] .problem');
    expect(await problem.textContent()).toContain('A cannot fulfill A0: A offered it, so only B can fulfill or fail it.');
    // Nor one that was never added: the step says which exist.
    await page.getByLabel('Step 2: HTLC').fill('A7');
    expect(await problem.textContent()).toContain('There is no A7 at this step: A has added one HTLC before it (A0).');
    await page.getByLabel('Step 2: HTLC').fill('A0');
    expect(await page.getByRole('button', { name: 'Run script' }).isDisabled()).toBe(true);
    await page.getByLabel('Step 2: from').selectOption('B');
    expect(await page.getByRole('button', { name: 'Run script' }).isEnabled()).toBe(true);
    // The channel's terms are checked as typed, and the run uses them.
    const terms = page.locator('[data-testid="channel-terms"]');
    await terms.getByLabel('A gives B').fill('999999999999');
    expect(await terms.locator('.problem').textContent()).toContain('cannot push more than the capacity');
    expect(await page.getByRole('button', { name: 'Run script' }).isDisabled()).toBe(true);
    await terms.getByLabel('Capacity').fill('2000000');
    await terms.getByLabel('A gives B').fill('0');
    // B fulfills A0 before A ever signed it: the protocol forbids it.
    await page.getByRole('button', { name: 'Run script' }).click();
    await until(page, `document.querySelector('[data-testid="step-counter"]')?.textContent === 'Step 1 of 2'`);
    expect(await page.getByText('Funding 2,000,000 sat from A, nothing pushed', { exact: false }).count()).toBe(1);
    await page.getByRole('button', { name: 'Go to the last step' }).click();
    const error = page.locator('[data-testid="step-error"]');
    await error.waitFor({ timeout: WAIT });
    expect(await error.getAttribute('data-code')).toMatch(/^channel_command\./);
    expect(await error.textContent()).toContain('The protocol forbids this step');
    expect(await page.locator('[data-testid="sequence-diagram"] .row.error').count()).toBe(1);
    await screenshot(page, 'lab-forbidden-light');

    // Play runs on by itself, step by step.
    await page.getByRole('radiogroup', { name: 'Script source' }).getByText('Scenarios').click();
    await page.getByRole('button', { name: /One HTLC, full cycle/ }).click();
    await until(page, `/^Step 1 of \\d+$/.test(document.querySelector('[data-testid="step-counter"]')?.textContent ?? '')`);
    await page.getByRole('button', { name: 'Play' }).click();
    await until(page, `document.querySelector('[data-testid="step-counter"]')?.textContent.startsWith('Step 3 ')`);
    await page.getByRole('button', { name: 'Pause' }).click();
    await setTheme(page, 'Dark');
    await goTo(page, 'Channel lab');
    await page.getByRole('button', { name: /Crossing commitments/ }).click();
    await until(page, `document.querySelector('[data-testid="step-counter"]')?.textContent === 'Step 1 of 14'`);
    for (let i = 0; i < 8; i++) await page.getByRole('button', { name: 'Step forward' }).click();
    await screenshot(page, 'lab-crossing-dark');
    await setTheme(page, 'System');
    expect(problems).toEqual([]);
  }, 120_000);
});
