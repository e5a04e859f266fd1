/**
 * The Offers page end to end: Chromium against two real daemons (ours with --ui, and a peer that
 * pays and sells). Create an offer in the UI and watch the peer's invoice requests and our
 * answers arrive in its history; decode malformed strings; fetch invoices for the peer's offers
 * (an invoice, and the peer's invoice_error); refunds both ways; disable an offer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { NodeApi } from '../../core/api';
import { startDaemon, type DaemonProcess } from '../support/daemon';
import { loadVectors } from '../support/vectors';
import { launchBrowser, screenshot, until, watchProblems } from './support/browser';
import { ensureRendererBuilt } from './support/build';
import { WAIT, goTo, logIn, setTheme, text } from './support/app';
import { WIDTHS, fitsWidth, setWidth, textCutShort } from './support/layout';

describe('Offers in the browser', () => {
  let ui: DaemonProcess;
  let shop: DaemonProcess; // another node: pays our offers, sells its own
  let shopApi: NodeApi;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let ourOffer = '';

  beforeAll(async () => {
    ensureRendererBuilt();
    [ui, shop] = await Promise.all([startDaemon(['--ui', '--alias', 'glasswing-offers', '--network', 'regtest']), startDaemon(['--network', 'regtest'])]);
    expect((await shop.cli('connect', ui.address)).code).toBe(0);
    shopApi = await shop.api();
    context = await launchBrowser();
    page = await context.newPage();
    problems = watchProblems(page);
    await logIn(page, ui.ready!.ui!);
  }, 240_000);

  afterAll(async () => {
    await context?.close();
  });

  const offerTab = (name: string) => page.getByRole('navigation', { name: 'Offers sections' }).getByRole('link', { name });

  it('creates an offer from a form checked as it is typed, with its QR code and string', async () => {
    await goTo(page, 'Offers');
    await page.getByText('No offers yet').waitFor({ timeout: WAIT });
    const amount = page.getByLabel('Price', { exact: true });
    await amount.fill('5x');
    expect(await text(page, '#offer-amount-help')).toContain('Only digits');
    await amount.fill('5');
    expect(await text(page, '#offer-amount-help')).toBe('5 sat per item.');
    // A price needs a description (BOLT 12): the form says so on submit.
    await page.getByRole('button', { name: 'Create offer' }).click();
    expect(await text(page, '#offer-description-help')).toContain('required when the offer has a price');
    await page.getByLabel('Description').fill('Espresso');
    await page.getByLabel('Issuer').fill('cafe@example.com');
    await page.getByRole('radiogroup', { name: 'How many items' }).getByText('Up to').click();
    await page.locator('#offer-quantity').fill('0');
    expect(await text(page, '#offer-quantity-help')).toContain('at least 1');
    await page.locator('#offer-quantity').fill('3');
    // The connected shop can carry a blinded path; this offer names our node id instead.
    expect(await page.getByRole('checkbox', { name: `Path through ${shop.nodeId}` }).count()).toBe(1);
    await page.getByRole('button', { name: 'Create offer' }).click();

    const detail = page.locator('[data-testid="offer-detail"]');
    await detail.getByRole('heading', { name: 'Espresso' }).waitFor({ timeout: WAIT });
    await page.getByText('Offer created.').waitFor();
    ourOffer = await text(page, '[data-testid="offer-string"]');
    expect(ourOffer).toMatch(/^lno1[02-9ac-hj-np-z]+$/);
    const qr = detail.getByRole('img', { name: /^QR code: offer Espresso/ });
    expect(Number(await qr.getAttribute('data-modules'))).toBeLessThanOrEqual(97);
    await detail.getByRole('button', { name: 'Copy offer' }).click();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(ourOffer);
    // What the node made of it.
    const listed = (await (await ui.api()).listOffers({})).offers;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ bolt12: ourOffer, amountMsat: '5000', quantityMax: '3', issuer: 'cafe@example.com', description: 'Espresso' });
    expect(await page.getByText('No invoice requests yet').count()).toBe(1);
    expect(problems).toEqual([]);
  }, 90_000);

  it('shows another node’s invoice request and our invoice live in the offer’s history', async () => {
    const fetched = await shopApi.fetchInvoice({ offer: ourOffer, quantity: '2', payerNote: 'two please' });
    expect(fetched.invoice.amountMsat).toBe('10000');
    const history = page.locator('[data-testid="offer-history"]');
    const row = history.locator('tr[data-outcome="invoice"]');
    await row.waitFor({ timeout: WAIT });
    expect(await row.textContent()).toContain('invoice sent');
    expect(await row.textContent()).toContain('“two please”');
    expect(await row.textContent()).toContain('× 2');
    expect(await row.textContent()).toContain(fetched.invoice.paymentHash.slice(0, 8));
    expect(await page.locator(`[data-testid="offer-list"] [data-offer-id]`).first().textContent()).toContain("1 invoice");

    // A request the offer cannot accept (quantity above its maximum) gets an invoice_error, shown too.
    const refused = await shopApi.fetchInvoice({ offer: ourOffer, quantity: '5', unchecked: true }).catch((e: { code: string }) => e);
    expect((refused as { code: string }).code).toBe('offers.invoice_error');
    const errRow = history.locator('tr[data-outcome="invoice_error"]');
    await errRow.waitFor({ timeout: WAIT });
    expect(await errRow.textContent()).toContain('invoice_error sent');
    expect(await errRow.textContent()).toContain('86 (invreq_quantity)');
    await screenshot(page, 'offers-history-light');
    expect(problems).toEqual([]);
  }, 90_000);

  it('decodes a pasted string: every field named and explained, every error located', async () => {
    await offerTab('Decode').click();
    const input = page.getByLabel('BOLT 11 or BOLT 12 string', { exact: true });
    await input.fill(ourOffer);
    await page.locator('[data-testid="bolt12-view"][data-valid="true"]').waitFor({ timeout: WAIT });
    const fields = page.locator('[data-testid="bolt12-fields"]');
    expect(await fields.locator('tr[data-field="offer_amount"]').textContent()).toContain('5 sat (5000 msat)');
    expect(await fields.locator('tr[data-field="offer_quantity_max"]').textContent()).toContain('up to 3 items');
    expect(await fields.locator('tr[data-field="offer_issuer_id"]').textContent()).toContain(ui.nodeId);
    expect(await fields.locator('tr[data-field="offer_description"]').textContent()).toContain('What the payment is for');
    for (const width of WIDTHS) {
      await setWidth(page, width);
      expect(await fitsWidth(page), `decoder at ${width} px`).toBe(true);
      expect(await textCutShort(page)).toEqual([]);
    }
    await setWidth(page, 1360);

    // An unknown even record: the error, its code and explanation, and the characters marked.
    interface OfferVector { description: string; bolt12: string }
    const vectors = loadVectors<OfferVector[]>('bolt12/offers-test.json');
    const unknownEven = vectors.find((v) => v.description.startsWith('Malformed: unknown even TLV type'))!.bolt12;
    await input.fill(unknownEven);
    const errors = page.locator('[data-testid="bolt12-errors"]');
    await errors.waitFor({ timeout: WAIT });
    expect(await errors.locator('li').first().getAttribute('data-code')).toBe('bolt12.parse.unknown_even_type');
    expect(await errors.textContent()).toContain("it's OK to be odd");
    const mark = page.locator('[data-testid="marked-string"] mark').first();
    expect(await mark.getAttribute('data-errors')).toBe('1');
    expect(((await mark.textContent()) ?? '').length).toBeGreaterThan(40);
    await screenshot(page, 'offers-decode-error-light');

    // Mixed case: the first letter of the other case is marked, and nothing else decodes.
    await input.fill('lnO1' + ourOffer.slice(4));
    await page.locator('[data-testid="bolt12-errors"] li[data-code="bolt12.parse.mixed_case"]').waitFor({ timeout: WAIT });
    expect(await page.locator('[data-testid="marked-string"] mark').first().textContent()).toBe('O1');
    expect(problems).toEqual([]);
  }, 90_000);

  it('fetches an invoice for another node’s offer and shows it', async () => {
    const { offer } = await shopApi.createOffer({ description: 'Croissant', amountMsat: '3000', issuer: 'bakery' });
    await offerTab('Pay an offer').click();
    await page.getByLabel('Offer', { exact: true }).fill(offer.bolt12);
    await page.locator('[data-testid="offer-summary"]').getByText('Croissant').waitFor({ timeout: WAIT });
    expect(await text(page, '[data-testid="offer-summary"] .muted')).toContain('3 sat per item');
    // Less than the price is refused before anything is sent.
    await page.getByLabel('Amount').fill('2');
    await page.getByRole('button', { name: 'Request invoice' }).click();
    expect(await text(page, '#fetch-amount-help')).toBe('At least 3 sat (the offer’s price).');
    await page.getByLabel('Amount').fill('');
    await page.getByLabel('Note to the issuer').fill('warm, please');
    await page.getByRole('button', { name: 'Request invoice' }).click();
    const result = page.locator('[data-testid="fetch-result"][data-kind="invoice"]');
    await result.waitFor({ timeout: 40_000 });
    expect(await result.textContent()).toContain('Invoice received');
    expect(await result.textContent()).toContain('3 sat');
    // The invoice shown is the one the shop issued for our note.
    const issued = (await shopApi.listInvoices({ role: 'issued' })).invoices.find((i) => i.payerNote === 'warm, please');
    expect(issued).toBeDefined();
    expect(await result.textContent()).toContain(issued!.paymentHash);
    await page.locator('[data-testid="sent-requests"] li').first().getByText('invoice', { exact: true }).waitFor({ timeout: WAIT });
    await screenshot(page, 'offers-pay-invoice-light');

    // The issuer disables it: the next request gets its invoice_error, shown in its own words.
    await shopApi.disableOffer({ offerId: offer.offerId });
    await page.getByRole('button', { name: 'Request invoice' }).click();
    const refused = page.locator('[data-testid="fetch-result"][data-kind="invoice_error"]');
    await refused.waitFor({ timeout: 40_000 });
    expect(await text(page, '[data-testid="invoice-error-text"]')).toMatch(/^“.*disabled.*”$/i);
    await screenshot(page, 'offers-pay-invoice-error-light');
    // Editing the offer string: the old answer was about another offer, and goes.
    await page.getByLabel('Offer', { exact: true }).fill(offer.bolt12.slice(0, -1));
    await page.getByText('The invoice — or the issuer’s invoice_error — appears here.').waitFor({ timeout: WAIT });
    expect(await page.locator('[data-testid="fetch-result"]').count()).toBe(0);
    expect(problems).toEqual([]);
  }, 120_000);

  it('asks for an offer that sells several items without a quantity being typed: it starts at 1', async () => {
    const { offer } = await shopApi.createOffer({ description: 'Macaron', amountMsat: '2000', quantityMax: '6' });
    await page.getByLabel('Offer', { exact: true }).fill(offer.bolt12);
    await page.locator('[data-testid="offer-summary"]').getByText('Macaron').waitFor({ timeout: WAIT });
    expect(await page.getByLabel('Quantity').inputValue()).toBe('1');
    await page.getByRole('button', { name: 'Request invoice' }).click();
    const result = page.locator('[data-testid="fetch-result"][data-kind="invoice"]');
    await result.waitFor({ timeout: 40_000 });
    expect(await result.textContent()).toContain('for 1 item');
    const issued = (await shopApi.listInvoices({ role: 'issued' })).invoices.find((i) => i.offerId === offer.offerId);
    expect(issued?.quantity).toBe('1');
    expect(problems).toEqual([]);
  }, 90_000);

  it('creates a refund the other node answers, and answers the other node’s refund', async () => {
    await offerTab('Refunds').click();
    await page.getByLabel('Amount').fill('7');
    await page.getByLabel('Description').fill('Cold coffee');
    await page.getByRole('button', { name: 'Create refund' }).click();
    const list = page.locator('[data-testid="refund-list"]');
    await list.getByText('Cold coffee').waitFor({ timeout: WAIT });
    const refunds = (await (await ui.api()).listInvoiceRequests({ role: 'refund' })).invoiceRequests;
    expect(refunds).toHaveLength(1);
    const sent = await shopApi.sendInvoice({ refund: refunds[0]!.bolt12 });
    expect(sent.invoice.amountMsat).toBe('7000');
    await list.getByText('invoice received').waitFor({ timeout: WAIT });

    const theirs = await shopApi.createRefund({ description: 'Overcharge', amountMsat: '4000' });
    await page.getByLabel('Refund', { exact: true }).fill(theirs.bolt12);
    await page.getByText('for “Overcharge”').waitFor({ timeout: WAIT });
    await page.getByRole('button', { name: 'Send invoice' }).click();
    await page.locator('[data-testid="send-invoice-result"]').getByText('Invoice sent for').waitFor({ timeout: 40_000 });
    expect((await shopApi.listInvoiceRequests({ role: 'refund' })).invoiceRequests.find((r) => r.requestId === theirs.requestId)?.status).toBe('invoiced');
    await screenshot(page, 'offers-refunds-light');
    expect(problems).toEqual([]);
  }, 120_000);

  it('disables our offer after confirmation; the next request gets an invoice_error', async () => {
    await offerTab('Your offers').click();
    const detail = page.locator('[data-testid="offer-detail"]');
    await detail.getByRole('button', { name: 'Disable…' }).click();
    await detail.getByText('Disable it for good?').waitFor();
    await screenshot(page, 'offers-disable-confirm-light');
    await detail.getByRole('button', { name: 'Cancel' }).click();
    await detail.getByRole('button', { name: 'Disable…' }).click();
    await detail.getByRole('button', { name: 'Disable offer' }).click();
    await detail.getByText('disabled', { exact: true }).waitFor({ timeout: WAIT });
    expect((await (await ui.api()).listOffers({})).offers[0]!.status).toBe('disabled');
    const refused = await shopApi.fetchInvoice({ offer: ourOffer, quantity: '1' }).catch((e: { code: string }) => e);
    expect((refused as { code: string }).code).toBe('offers.invoice_error');
    await until(page, `document.querySelectorAll('[data-testid="offer-history"] tr[data-outcome="invoice_error"]').length >= 2`);
    await setTheme(page, 'Dark');
    await goTo(page, 'Offers');
    await detail.waitFor({ timeout: WAIT });
    await screenshot(page, 'offers-dark');
    await offerTab('Decode').click();
    await page.getByLabel('BOLT 11 or BOLT 12 string', { exact: true }).fill(ourOffer.slice(0, 30) + 'b' + ourOffer.slice(31));
    await page.locator('[data-testid="bolt12-errors"]').waitFor({ timeout: WAIT });
    await screenshot(page, 'offers-decode-dark');
    await setTheme(page, 'System');
    expect(problems).toEqual([]);
  }, 90_000);

  it('an offer reached through a blinded path fits its card at 1280 and 800 px, and the tab and the card count the same offers', async () => {
    const longName = 'the corner bakery down the road (sandbox)';
    await (await ui.api()).labelPeer({ nodeId: shop.nodeId, label: longName });
    await goTo(page, 'Offers');
    await offerTab('Your offers').click();
    await page.getByLabel('Description').fill('Tea');
    await page.getByLabel('Price', { exact: true }).fill('2');
    const through = page.getByRole('checkbox', { name: `Path through ${shop.nodeId}` });
    await through.check();
    // The path picker shows the whole name.
    expect(await page.locator('.picker').getByText(longName, { exact: true }).count()).toBe(1);
    await page.getByRole('button', { name: 'Create offer' }).click();
    const detail = page.locator('[data-testid="offer-detail"]');
    await detail.getByRole('heading', { name: 'Tea' }).waitFor({ timeout: WAIT });
    const tea = (await (await ui.api()).listOffers({})).offers.find((o) => o.description === 'Tea')!;
    expect(tea.paths.map((p) => p.introductionNodeId)).toEqual([shop.nodeId]);
    for (const theme of ['Light', 'Dark'] as const) {
      await setTheme(page, theme);
      await goTo(page, 'Offers');
      await page.locator(`[data-testid="offer-list"] [data-offer-id="${tea.offerId}"]`).click();
      for (const width of WIDTHS) {
        await setWidth(page, width);
        await detail.locator('[data-testid="offer-path"]').getByText(longName, { exact: true }).waitFor({ timeout: WAIT });
        expect(await fitsWidth(page), `offer detail at ${width} px`).toBe(true);
        expect(await textCutShort(page)).toEqual([]);
        // The name is whole, not ellipsized.
        expect(await page.evaluate(`(() => { const el = [...document.querySelectorAll('[data-testid="offer-path"] .name')][0]; return el.scrollWidth <= el.clientWidth; })()`)).toBe(true);
        await screenshot(page, `offers-blinded-path-${theme.toLowerCase()}-${width}`);
      }
    }
    await setWidth(page, 1360);
    await setTheme(page, 'System');
    await goTo(page, 'Offers');
    // Espresso was disabled above, Tea is active: one active of two, on the tab and on the card.
    expect(await offerTab('Your offers').locator('.count').textContent()).toBe('1');
    expect(await offerTab('Your offers').textContent()).toContain('1 active offer');
    expect(await page.getByRole('region', { name: 'Your offers' }).locator('.subtitle').textContent()).toBe('2 offers · 1 active');
    expect(problems).toEqual([]);
  }, 120_000);
});
