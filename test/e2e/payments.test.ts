/**
 * The Payments page end to end: two real node processes with payments on (test/support/channel-node.ts
 * with `--payments --ui`: the daemon's Node, its payments adapter and API server) and a channel
 * between them opened on an agreed outpoint, no chain. The browser shows A. B issues an invoice;
 * A's app says what it is, asks for a confirmation, pays it and follows it live to success with
 * the preimage; the history lists it with its route. A's app issues an invoice of any amount, B
 * pays it, and A's invoice list turns it paid live. Bad input is named next to the field.
 * Screenshots at 1280 and 800 px.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { Bolt11InvoiceInfo, NodeApi } from '../../core/api';
import { fromHex, sha256, toHex } from '../../core/crypto';
import { connectToDaemon } from '../../main/cli/daemon-client';
import { loadVectors } from '../support/vectors';
import { launchBrowser, screenshot, until, watchProblems } from './support/browser';
import { WIDTHS, fitsWidth, setWidth, textCutShort } from './support/layout';
import { ensureRendererBuilt } from './support/build';
import { WAIT, goTo, logIn, text } from './support/app';
import { UiChannelNode, eventually, openChannel } from './support/channel-nodes';

describe('Payments in the browser', () => {
  const a = new UiChannelNode('A', { payments: true }); // the node the browser shows; it funds the channel
  const b = new UiChannelNode('B', { payments: true });
  let bApi: NodeApi;
  let closeB: () => void = () => undefined;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    ensureRendererBuilt();
    await Promise.all([a.start(), b.start()]);
    await a.control('connect', { address: b.address });
    await openChannel(a, b);
    const client = await connectToDaemon(b.datadir);
    bApi = client.api;
    closeB = () => client.close();
    // The channel is usable once both ends list it active.
    await eventually(async () => (await bApi.listChannels({})).channels.some((c) => c.lifecycle === 'active'), 'the channel active at B');
    context = await launchBrowser();
    page = await context.newPage();
    problems = watchProblems(page);
    await logIn(page, a.ui);
  }, 240_000);

  afterAll(async () => {
    closeB();
    await context?.close();
    await Promise.all([a.stop(), b.stop()]);
  });

  const help = (id: string) => text(page, `#${id}-help`);

  it('names bad input next to the field, before anything reaches a payee', async () => {
    await goTo(page, 'Payments');
    await page.locator('[data-testid="payments-page"]').waitFor({ timeout: WAIT });
    expect(await page.getByText('No payments yet').count()).toBe(1);
    expect(await page.getByText('No invoices yet').count()).toBe(1);
    const field = page.getByLabel('Invoice or offer');
    await field.fill('bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080');
    expect(await help('pay-text')).toContain('on-chain address');
    // A mainnet invoice from the spec: the node (regtest) says it is for another network.
    const mainnet = loadVectors<{ valid: { invoice: string }[] }>('bolt11/invoices.json').valid[1]!.invoice;
    await field.fill(mainnet);
    await until(page, `document.querySelector('#pay-text-help')?.textContent.includes('mainnet')`);
    expect(await help('pay-text')).toMatch(/^This BOLT 11 invoice cannot be paid: .*mainnet/);
    expect(await page.getByRole('button', { name: 'Review' }).isDisabled()).toBe(true);
    await page.getByLabel('Amount (sat, optional)').fill('12.3456');
    await page.getByRole('button', { name: 'Create invoice' }).click();
    expect(await help('inv-amount')).toBe('At most three decimals: 1 sat is 1,000 msat.');
    await page.getByLabel('Amount (sat, optional)').fill('');
    expect(problems).toEqual([]);
  }, 60_000);

  it('pays B\'s invoice: what it is, a confirmation, then success live with the preimage and the route', async () => {
    const invoice: Bolt11InvoiceInfo = await bApi.createInvoice({ amountMsat: '25000000', description: 'coffee for A' });
    await page.getByLabel('Invoice or offer').fill(invoice.bolt11);
    const target = page.locator('[data-testid="pay-target"]');
    await target.waitFor({ timeout: WAIT });
    expect(await target.getAttribute('data-kind')).toBe('bolt11');
    const facts = (await target.textContent()) ?? '';
    expect(facts).toContain('BOLT 11 invoice');
    expect(facts).toContain('25,000 sat');
    expect(facts).toContain('coffee for A');
    expect(facts).toContain(b.nodeId);
    await page.getByLabel('Max fee (sat, optional)').fill('10');
    await screenshot(page, 'payments-send-form');
    await page.getByRole('button', { name: 'Review' }).click();
    await page.locator('[data-testid="pay-review"]').waitFor({ timeout: WAIT });
    expect(await text(page, '[data-testid="pay-review-amount"]')).toBe('25,000 sat');
    // Nothing was paid by reviewing.
    expect((await bApi.listBolt11Invoices({})).invoices[0]!.status).toBe('unpaid');
    await page.getByRole('button', { name: 'Pay 25,000 sat' }).click();

    await page.locator('[data-testid="pay-success"]').waitFor({ timeout: WAIT });
    const preimage = await text(page, '[data-testid="pay-preimage"]');
    expect(toHex(sha256(fromHex(preimage)))).toBe(invoice.paymentHash);
    expect(await text(page, '[data-testid="pay-success"]')).toContain('25,000 sat reached the payee, for a fee of 0 sat');
    const part = page.locator('[data-testid="pay-part"][data-state="succeeded"]');
    expect(await part.count()).toBe(1);
    expect(await part.locator('[data-testid="route-node"]').getAttribute('title')).toBe(b.nodeId);
    await screenshot(page, 'payments-paid');

    // The payee agrees, and the history lists it with its route.
    await eventually(async () => (await bApi.listBolt11Invoices({ status: 'paid' })).invoices.some((i) => i.paymentHash === invoice.paymentHash), 'B\'s invoice paid');
    const row = page.locator(`[data-testid="payment-row"][data-hash="${invoice.paymentHash}"]`);
    await row.waitFor({ timeout: WAIT });
    expect(await row.getAttribute('data-status')).toBe('succeeded');
    expect(await row.textContent()).toContain('coffee for A');
    expect(await text(page, `[data-testid="payment-row"][data-hash="${invoice.paymentHash}"] [data-testid="payment-fee"]`)).toBe('fee 0 sat');
    expect(await row.locator('[data-testid="route-node"]').getAttribute('title')).toBe(b.nodeId);
    expect(problems).toEqual([]);
  }, 90_000);

  it('receives: an invoice of any amount with QR and copy; B pays it and it turns paid live', async () => {
    await page.getByRole('button', { name: 'New payment' }).click();
    await page.getByLabel('Description').fill('lunch from B');
    await page.getByLabel('Expires after (seconds, optional)').fill('600');
    await page.getByRole('button', { name: 'Create invoice' }).click();
    await page.locator('[data-testid="invoice-made"]').waitFor({ timeout: WAIT });
    const bolt11 = await text(page, '[data-testid="invoice-text"]');
    expect(bolt11).toMatch(/^lnbcrt1/);
    const qr = page.getByRole('img', { name: `QR code: invoice ${bolt11}` });
    expect(await qr.count()).toBe(1);
    await page.getByRole('button', { name: 'Copy invoice' }).first().click();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(bolt11);
    const decoded = await bApi.decode({ string: bolt11 });
    expect(decoded.kind === 'bolt11' && decoded.bolt11.fields.amount_msat).toBe(null);
    const listed = page.locator('[data-testid="invoice-row"][data-status="unpaid"]', { hasText: 'lunch from B' });
    await listed.waitFor({ timeout: WAIT });
    // The node gives an invoice's times in unix seconds: shown as now and in ten minutes, not 1970.
    expect(await text(page, '[data-testid="invoice-made"] .state')).toContain(`expires ${new Date(Date.now() + 600_000).getFullYear()}`);
    expect(await listed.textContent()).not.toMatch(/\d+ d ago/);
    await screenshot(page, 'payments-invoice');

    const paid = await bApi.pay({ invoice: bolt11, amountMsat: '7000000' });
    expect(paid.status).toBe('succeeded');
    await page.locator('[data-testid="invoice-row"][data-status="paid"]', { hasText: 'lunch from B' }).waitFor({ timeout: WAIT });
    expect(await page.locator('[data-testid="invoice-row"][data-status="paid"]', { hasText: 'lunch from B' }).textContent()).toContain('7,000 sat');
    await page.locator('[data-testid="invoice-made"][data-status="paid"]').waitFor({ timeout: WAIT });
    // A paid invoice is no longer offered as a code to scan.
    expect(await qr.count()).toBe(0);
    expect(problems).toEqual([]);
  }, 90_000);

  it('asks for the amount of an invoice that has none; paying a paid invoice again is refused in words', async () => {
    await page.getByRole('button', { name: 'New invoice' }).click();
    const any = await bApi.createInvoice({ description: 'tip jar' });
    await page.getByLabel('Invoice or offer').fill(any.bolt11);
    await page.locator('[data-testid="pay-target"]').waitFor({ timeout: WAIT });
    expect(await page.locator('[data-testid="pay-target"]').textContent()).toContain('not set: you choose');
    await page.getByRole('button', { name: 'Review' }).click();
    expect(await help('pay-amount')).toBe('This one has no amount: say how much to pay (sat).');
    await page.getByLabel('Amount (sat)', { exact: true }).fill('1,234.5');
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByRole('button', { name: 'Pay 1,234.5 sat' }).click();
    await page.locator('[data-testid="pay-success"]').waitFor({ timeout: WAIT });
    await eventually(async () => (await bApi.listBolt11Invoices({ status: 'paid' })).invoices.find((i) => i.paymentHash === any.paymentHash && i.paidMsat === '1234500'), 'B\'s tip jar paid 1234500 msat');

    // The same invoice again: the node's typed error (payments.already_paid), shown at the confirmation.
    await page.getByRole('button', { name: 'New payment' }).click();
    await page.getByLabel('Invoice or offer').fill(any.bolt11);
    await page.locator('[data-testid="pay-target"]').waitFor({ timeout: WAIT });
    await page.getByLabel('Amount (sat)', { exact: true }).fill('10');
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByRole('button', { name: 'Pay 10 sat' }).click();
    await page.getByRole('alert').filter({ hasText: /already paid/i }).waitFor({ timeout: WAIT });
    await screenshot(page, 'payments-already-paid');
    // Newest first: the tip jar above the coffee.
    expect(await page.locator('[data-testid="payment-row"]').first().getAttribute('data-hash')).toBe(any.paymentHash);
    await page.getByRole('button', { name: 'Back' }).click();
    expect(problems).toEqual([]);
  }, 90_000);

  it('pays B\'s BOLT 12 offer: the offer described, its invoice fetched and paid over its blinded path', async () => {
    const { offer } = await bApi.createOffer({ description: 'a sticker', amountMsat: '60000' });
    await page.getByLabel('Invoice or offer').fill(offer.bolt12);
    const target = page.locator('[data-testid="pay-target"][data-kind="offer"]');
    await target.waitFor({ timeout: WAIT });
    expect(await text(page, '[data-testid="pay-target-what"]')).toBe('BOLT 12 offer');
    expect(await target.textContent()).toContain('60 sat');
    expect(await target.textContent()).toContain('a sticker');
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByRole('button', { name: 'Pay 60 sat' }).click();
    await page.locator('[data-testid="pay-success"]').waitFor({ timeout: WAIT });
    const received = await bApi.listReceived({});
    expect(received.received.some((r) => r.kind === 'bolt12' && r.offerId === offer.offerId && r.amountMsat === '60000')).toBe(true);
    await page.getByRole('button', { name: 'New payment' }).click();
    expect(problems).toEqual([]);
  }, 90_000);

  it('a payment that cannot get through: refused before any part leaves, the end in words', async () => {
    // A holds 5,000,000 sat in the channel (less its reserve and fees): 6,000,000 sat cannot pass. No
    // split of it has routes, so no part is sent (a set short of the total would be held by B until its
    // BOLT 4 MPP timeout, locking both ends' liquidity) and the payment fails at once.
    const big = await bApi.createInvoice({ amountMsat: '6000000000', description: 'too much' });
    await page.getByLabel('Invoice or offer').fill(big.bolt11);
    await page.locator('[data-testid="pay-target"]').waitFor({ timeout: WAIT });
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByRole('button', { name: 'Pay 6,000,000 sat' }).click();
    const failure = page.locator('[data-testid="pay-failure"]');
    await failure.waitFor({ timeout: WAIT });
    expect(await failure.textContent()).toMatch(/Not paid\. \S/);
    expect(await failure.textContent()).toContain('No route to the recipient with enough capacity');
    expect(await page.locator('[data-testid="pay-part"]').count()).toBe(0);
    expect(await failure.textContent()).toContain('Nothing was sent.');
    await screenshot(page, 'payments-failed');
    const row = page.locator(`[data-testid="payment-row"][data-hash="${big.paymentHash}"]`);
    await row.waitFor({ timeout: WAIT });
    expect(await row.getAttribute('data-status')).toBe('failed');
    expect((await bApi.listBolt11Invoices({ status: 'unpaid' })).invoices.some((i) => i.paymentHash === big.paymentHash)).toBe(true);
    expect((await bApi.listReceived({})).received.some((r) => r.paymentHash === big.paymentHash)).toBe(false);
    await page.getByRole('button', { name: 'New payment' }).click();
    expect(problems).toEqual([]);
  }, 120_000);

  it('fits at 1280 and 800 px', async () => {
    for (const width of WIDTHS) {
      await setWidth(page, width);
      expect(await fitsWidth(page), `fits at ${width}`).toBe(true);
      expect(await textCutShort(page), `at ${width}`).toEqual([]);
      await screenshot(page, `payments-${width}`);
    }
    expect(problems).toEqual([]);
  }, 60_000);
});
