/**
 * The Wallet page end to end, in Chromium, against a real daemon on a real btcd (regtest): receive
 * (address, QR, copy), a deposit appearing live and its confirmations counting up as blocks come;
 * send with every bad input named as it is typed, a confirmation step with amount, fee, total and
 * address, and the send in btcd's mempool; a fee bump that btcd takes as the replacement; the
 * backup words behind a confirmation with the channels caveat; the chain out of sync and back; the
 * Overview's on-chain balance; screenshots at 1280 and 800 px in both themes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { NodeApi } from '../../core/api';
import { type Btcd, faucetKey, startBtcd, waitFor } from '../support/btcd';
import { startTcpProxy, type TcpProxy } from '../support/esplora';
import { DaemonProcess } from '../support/daemon';
import { tempDir } from '../support/tmp';
import { synced } from '../support/wallet-node';
import { launchBrowser, screenshot, until, watchProblems } from './support/browser';
import { ensureRendererBuilt } from './support/build';
import { WAIT, goTo, logIn, setTheme, text } from './support/app';
import { WIDTHS, fitsWidth, setWidth, textCutShort } from './support/layout';

describe('the Wallet page in the browser', () => {
  let btcd: Btcd;
  let proxy: TcpProxy;
  let ui: DaemonProcess;
  let api: NodeApi;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    ensureRendererBuilt();
    btcd = await startBtcd();
    await btcd.mine(101);
    proxy = await startTcpProxy(btcd.rpcPort);
    const url = btcd.rpcUrl.replace(`:${btcd.rpcPort}`, `:${proxy.port}`);
    ui = new DaemonProcess(tempDir('glasswing-wallet-ui-'), ['--ui', '--chain', 'bitcoind-rpc', '--rpc-url', url]);
    await ui.start();
    api = await ui.api();
    await synced(api, btcd);
    context = await launchBrowser();
    page = await context.newPage();
    problems = watchProblems(page);
    await logIn(page, ui.ready!.ui!);
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await proxy?.close();
  });

  /** The history row of `txid`, once it is listed. */
  const row = (txid: string) => page.locator(`[data-testid="wallet-tx"][data-txid="${txid}"]`);

  it('receive: an address with its QR code; a deposit appears at once and its confirmations count up with each block', async () => {
    await goTo(page, 'Wallet');
    await page.locator('[data-testid="chain-sync"][data-state="in_sync"]').waitFor({ timeout: WAIT });
    expect(await text(page, '[data-testid="chain-sync"]')).toContain(`In sync at block ${await btcd.height()}`);
    expect(await page.getByText('No transactions yet').count()).toBe(1);
    await page.getByRole('button', { name: 'Show an address' }).click();
    await page.locator('[data-testid="receive-address"]').waitFor({ timeout: WAIT });
    const address = await text(page, '[data-testid="receive-address"]');
    expect(address).toMatch(/^bcrt1q/);
    expect(await page.getByRole('img', { name: `QR code: bitcoin address ${address}` }).count()).toBe(1);
    await page.getByRole('button', { name: 'Copy address' }).click();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(address);

    const txid = await btcd.fund(address, 1_500_000n);
    await row(txid).waitFor({ timeout: WAIT });
    expect(await row(txid).getAttribute('data-state')).toBe('unconfirmed');
    expect(await row(txid).locator('[data-testid="tx-state"]').textContent()).toBe('Unconfirmed');
    await btcd.mine(1);
    await page.locator(`[data-testid="wallet-tx"][data-txid="${txid}"][data-confirmations="1"]`).waitFor({ timeout: WAIT });
    await btcd.mine(2);
    await page.locator(`[data-testid="wallet-tx"][data-txid="${txid}"][data-confirmations="3"]`).waitFor({ timeout: WAIT });
    expect(await row(txid).locator('[data-testid="tx-state"]').textContent()).toBe('3 confirmations');
    await until(page, `document.querySelector('[data-testid="wallet-balance"]')?.textContent.includes('1,500,000 sat')`);
    expect(problems).toEqual([]);
  }, 90_000);

  it('send: each bad input named as typed; the confirmation shows amount, fee, total and address; the send reaches btcd', async () => {
    const address = page.getByLabel('To address');
    await address.fill('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4');
    await page.getByLabel('Amount (sat)').fill('12.5');
    expect(await text(page, '#send-address-help')).toBe('That is a mainnet address; this node is on regtest.');
    expect(await text(page, '#send-amount-help')).toBe('Whole sat only: the chain has no fractions of a sat.');
    await address.fill(faucetKey().address.slice(0, -1) + (faucetKey().address.endsWith('q') ? 'p' : 'q'));
    expect(await text(page, '#send-address-help')).toContain('typo');
    await address.fill(faucetKey().address);
    expect(await text(page, '#send-address-help')).toContain('A regtest address');
    await page.getByLabel('Amount (sat)').fill('100');
    expect(await text(page, '#send-amount-help')).toContain('dust limit');
    await page.getByLabel('Amount (sat)').fill('9,000,000');
    expect(await text(page, '#send-amount-help')).toContain('More than the 1,500,000 sat available');
    await page.getByLabel('Amount (sat)').fill('250,000');
    await page.getByRole('radio', { name: 'Custom' }).check({ force: true });
    await page.getByLabel('Fee rate in sat per vbyte').fill('0.5');
    expect(await text(page, '#send-fee-help')).toContain('relay minimum');
    await page.getByLabel('Fee rate in sat per vbyte').fill('2.5');
    await screenshot(page, 'wallet-send-form');
    await page.getByRole('button', { name: 'Review' }).click();

    await page.locator('[data-testid="send-review"]').waitFor({ timeout: WAIT });
    expect(await text(page, '[data-testid="review-amount"]')).toBe('250,000 sat');
    const fee = await text(page, '[data-testid="review-fee"]');
    expect(fee).toMatch(/^[\d,]+ sat \(2\.5 sat\/vB × \d+ vB\)$/);
    const feeSat = BigInt(fee.split(' ')[0]!.replace(/,/g, ''));
    expect(await text(page, '[data-testid="review-total"]')).toBe(`${(250_000n + feeSat).toLocaleString('en-US')} sat`);
    expect(await page.getByText(faucetKey().address).count()).toBe(1);
    // Nothing was sent by reviewing.
    expect(await btcd.rpc<string[]>('getrawmempool')).toEqual([]);
    await screenshot(page, 'wallet-send-review');
    await page.getByRole('button', { name: /^Send / }).click();
    await page.locator('[data-testid="send-result"]').waitFor({ timeout: WAIT });
    const txid = (await text(page, '[data-testid="send-result"] .txid'));
    expect(await text(page, '[data-testid="send-result"]')).toContain('The chain source took it into its mempool.');
    expect(await btcd.rpc<string[]>('getrawmempool')).toEqual([txid]);
    await row(txid).waitFor({ timeout: WAIT });
    expect(await row(txid).textContent()).toContain('Sent');
    expect(await row(txid).textContent()).toContain(`fee ${feeSat.toLocaleString('en-US')} sat`);
    await page.getByRole('button', { name: 'New payment' }).click();
    expect(problems).toEqual([]);
  }, 90_000);

  it('bump fee: the least rate a replacement may pay, the new fee, and btcd\'s mempool holds the replacement', async () => {
    const [sent] = (await api.listTransactions({})).transactions.filter((t) => t.label === 'withdraw' && t.state === 'unconfirmed');
    await row(sent!.txid).getByRole('button', { name: 'Bump fee' }).click();
    const panel = page.locator('[data-testid="bump-panel"]');
    await until(page, `document.querySelector('[data-testid="bump-panel"]')?.textContent.includes('At least 3.5')`);
    const rate = panel.getByLabel('New fee rate (sat/vB)');
    await rate.fill('3');
    expect(await panel.locator('.help').first().textContent()).toContain('what a replacement must pay');
    await rate.fill('6');
    await panel.getByRole('button', { name: 'Review' }).click();
    await panel.getByRole('button', { name: 'Replace with the higher fee' }).waitFor({ timeout: WAIT });
    expect(await panel.textContent()).toContain('The payee still gets 250,000 sat');
    await panel.getByRole('button', { name: 'Replace with the higher fee' }).click();
    await panel.locator('[data-testid="bump-result"]').waitFor({ timeout: WAIT });
    const mempool = await btcd.rpc<string[]>('getrawmempool');
    expect(mempool).toHaveLength(1);
    expect(mempool).not.toContain(sent!.txid);
    await page.locator(`[data-testid="wallet-tx"][data-txid="${sent!.txid}"][data-state="replaced"]`).waitFor({ timeout: WAIT });
    await row(mempool[0]!).waitFor({ timeout: WAIT });
    await screenshot(page, 'wallet-bumped');
    await btcd.mine(1);
    await page.locator(`[data-testid="wallet-tx"][data-txid="${mempool[0]}"][data-confirmations="1"]`).waitFor({ timeout: WAIT });
    expect(problems).toEqual([]);
  }, 90_000);

  it('backup words only after a confirmation, with the channels caveat; hidden again on request', async () => {
    expect(await text(page, '[data-testid="backup"]')).toContain('Channels are not restored from these words.');
    await page.getByRole('button', { name: 'Show backup words…' }).click();
    expect(await page.locator('[data-testid="backup-words"]').count()).toBe(0);
    await page.getByRole('button', { name: 'Show the words' }).click();
    await page.locator('[data-testid="backup-words"]').waitFor({ timeout: WAIT });
    const shown = await page.locator('[data-testid="backup-words"] li .mono').allTextContents();
    expect(shown).toEqual((await api.backupWords({})).words);
    await page.getByRole('button', { name: 'Hide the words' }).click();
    expect(await page.locator('[data-testid="backup-words"]').count()).toBe(0);
  }, 60_000);

  it('the chain out of sync shows, with its reason, on the Wallet page and the Overview; back in sync when the source returns', async () => {
    await proxy.pause();
    await page.locator('[data-testid="chain-sync"][data-state="out_of_sync"]').waitFor({ timeout: 30_000 });
    expect(await text(page, '[data-testid="chain-sync"]')).toContain('the chain source cannot be reached');
    await screenshot(page, 'wallet-out-of-sync');
    await goTo(page, 'Overview');
    await until(page, `document.querySelector('[data-testid="onchain-balance"]')?.textContent.includes('Chain out of sync')`);
    await proxy.resume();
    await btcd.mine(1);
    await until(page, `!document.querySelector('[data-testid="onchain-balance"]')?.textContent.includes('out of sync')`, 90_000);
    expect(await text(page, '[data-testid="onchain-balance"]')).toMatch(/^On-chain\s*[\d,]+ sat/);
    await goTo(page, 'Wallet');
    await page.locator('[data-testid="chain-sync"][data-state="in_sync"]').waitFor({ timeout: WAIT });
    expect(problems).toEqual([]);
  }, 150_000);

  it('Settings: the chain source in use without its credentials; a new one checked as typed and saved for the next start', async () => {
    await goTo(page, 'Settings');
    await page.locator('[data-testid="chain-source"]').waitFor({ timeout: WAIT });
    const shown = await text(page, '[data-testid="chain-source"]');
    expect(shown).toContain(`bitcoind-rpc at http://127.0.0.1:${proxy.port}`);
    expect(shown).not.toContain(btcd.rpcPass);
    // The chain source card's own button (the fee source card has one too).
    await page.locator('section.card', { has: page.locator('[data-testid="chain-source"]') }).getByRole('button', { name: 'Change…' }).click();
    await page.getByRole('radio', { name: 'Esplora' }).check({ force: true });
    await page.getByLabel('Esplora URL').fill('');
    await page.getByRole('button', { name: 'Save for the next start' }).click();
    expect(await text(page, '#chain-esplora-url-help')).toContain('no public Esplora server for regtest');
    await page.getByLabel('Esplora URL').fill('ftp://example');
    expect(await text(page, '#chain-esplora-url-help')).toContain('http://');
    await page.getByLabel('Esplora URL').fill('http://127.0.0.1:3002');
    await screenshot(page, 'settings-chain-source');
    await page.getByRole('button', { name: 'Save for the next start' }).click();
    await page.locator('[data-testid="chain-saved"]').waitFor({ timeout: WAIT });
    // The daemon's --chain wins at its next start, and the page says so.
    expect(await text(page, '[data-testid="chain-saved"]')).toContain('The command line sets the source of this node');
    expect((await api.getSettings({})).chain).toMatchObject({ kind: 'bitcoind-rpc', next: null });
    const { readFileSync } = await import('node:fs');
    expect(JSON.parse(readFileSync(`${ui.datadir}/config.json`, 'utf8')).chain).toEqual({ kind: 'esplora', esploraUrl: 'http://127.0.0.1:3002' });
    expect(problems).toEqual([]);
  }, 60_000);

  it('fits 1280 and 800 px in both themes (screenshots)', async () => {
    for (const theme of ['Light', 'Dark'] as const) {
      await setTheme(page, theme);
      for (const width of WIDTHS) {
        await setWidth(page, width);
        for (const title of ['Wallet', 'Overview']) {
          await goTo(page, title);
          if (title === 'Wallet') await page.locator('[data-testid="wallet-history"]').waitFor({ timeout: WAIT });
          expect(await fitsWidth(page), `${title} at ${width} px spills sideways`).toBe(true);
          expect(await textCutShort(page), `${title} at ${width} px`).toEqual([]);
          await screenshot(page, `wallet-${title.toLowerCase()}-${theme.toLowerCase()}-${width}`);
        }
      }
    }
    await setWidth(page, 1360);
    await setTheme(page, 'System');
    expect(problems).toEqual([]);
    await waitFor(async () => ((await api.getInfo({})).chain.state === 'in_sync' ? true : undefined), 'in sync');
  }, 180_000);
});
