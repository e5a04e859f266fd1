/**
 * Issue 6: BOLT 12 offers between real `glasswing daemon` processes over loopback, driven through
 * the CLI. M issues offers; B is a peer M publishes blinded paths through; P is connected to M and
 * B; Q only to B (it reaches M's blinded-path offers without knowing where M is).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FetchInvoiceResult, InvoiceInfo, InvoiceRequestInfo, NodeEvent, OfferInfo, SendInvoiceResult } from '../../core/api';
import type { CliResult, DaemonProcess } from '../support/daemon';
import { eventually, startDaemon } from '../support/daemon';

interface CliError {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

function ok<T>(r: CliResult): T {
  expect(r.code, r.stderr).toBe(0);
  return r.json as T;
}

/** A failed command: exit code 1 and the JSON error on stderr. */
function failed(r: CliResult): CliError['error'] {
  expect(r.code, r.stdout).toBe(1);
  return (JSON.parse(r.stderr) as CliError).error;
}

describe('BOLT 12 offers between daemons', () => {
  let m: DaemonProcess;
  let b: DaemonProcess;
  let p: DaemonProcess;
  let q: DaemonProcess;
  let mEvents: NodeEvent[];

  beforeAll(async () => {
    [m, b, p, q] = await Promise.all(['merchant', 'bob', 'payer', 'quiet'].map((alias) => startDaemon(['--alias', alias])));
    for (const [from, to] of [[m, b], [p, m], [p, b], [q, b]] as const) expect((await from.cli('connect', to.address)).code).toBe(0);
    mEvents = [];
    (await m.api()).subscribe((e) => mEvents.push(e));
  }, 180_000);

  async function createOffer(...args: string[]): Promise<OfferInfo> {
    return ok<{ offer: OfferInfo; created: boolean }>(await m.cli('offer', ...args)).offer;
  }

  it('fetches an invoice directly from the issuer named by offer_issuer_id', async () => {
    const offer = await createOffer('--description', 'coffee', '--amount-msat', '1000', '--quantity-max', '3', '--issuer', 'the shop');
    expect(offer).toMatchObject({ status: 'active', issuerId: m.nodeId, paths: [], amountMsat: '1000', quantityMax: '3', invoicesIssued: 0 });
    const fetched = ok<FetchInvoiceResult>(await p.cli('fetchinvoice', offer.bolt12, '--quantity', '2', '--payer-note', 'two please'));
    expect(fetched.sentVia).toEqual({ pathIndex: null, firstHop: m.nodeId });
    expect(fetched.invoice).toMatchObject({ role: 'received', amountMsat: '2000', nodeId: m.nodeId, offerId: offer.offerId, quantity: '2', payerNote: 'two please' });
    expect(fetched.request).toMatchObject({ role: 'sent', status: 'invoice', invoiceId: fetched.invoice.invoiceId });

    // The invoice decodes cleanly anywhere (offline decode, on the node's regtest chain).
    const decoded = ok<{ valid: boolean; fields: Record<string, unknown> }>(await p.cli('decode', '--network', 'regtest', fetched.invoice.bolt12));
    expect(decoded.valid).toBe(true);
    expect(decoded.fields).toMatchObject({ invoice_amount: '2000', invreq_quantity: '2', offer_issuer: 'the shop' });

    const issued = ok<{ invoices: InvoiceInfo[] }>(await m.cli('listinvoices', '--role', 'issued', '--offer', offer.offerId)).invoices;
    expect(issued).toEqual([expect.objectContaining({ invoiceId: fetched.invoice.invoiceId, paymentHash: fetched.invoice.paymentHash })]);
    expect(JSON.stringify(issued)).not.toMatch(/preimage/i);
    const received = ok<{ invoiceRequests: InvoiceRequestInfo[] }>(await m.cli('listinvoicerequests', '--role', 'received', '--offer', offer.offerId));
    expect(received.invoiceRequests).toEqual([expect.objectContaining({ status: 'invoice', payerNote: 'two please', quantity: '2' })]);
    expect(ok<{ offers: OfferInfo[] }>(await m.cli('listoffers')).offers).toContainEqual(expect.objectContaining({ offerId: offer.offerId, invoicesIssued: 1 }));
    expect(mEvents.filter((e) => e.type.startsWith('offer.') && 'offerId' in e && e.offerId === offer.offerId).map((e) => e.type)).toEqual([
      'offer.created', 'offer.invoice_request_received', 'offer.invoice_issued',
    ]);
  }, 120_000);

  it('fetches an invoice through a blinded path with two hops (via B), from a payer that only knows B', async () => {
    const offer = await createOffer('--description', 'tea', '--amount-msat', '5000', '--path-via', b.nodeId);
    expect(offer).toMatchObject({ issuerId: null, paths: [{ introductionNodeId: b.nodeId, hops: 2 }] });
    expect(offer.bolt12).not.toContain(m.nodeId);
    const fetched = ok<FetchInvoiceResult>(await q.cli('fetchinvoice', offer.bolt12));
    expect(fetched.sentVia).toEqual({ pathIndex: 0, firstHop: b.nodeId });
    expect(fetched.invoice.amountMsat).toBe('5000');
    expect(fetched.invoice.nodeId).not.toBe(m.nodeId); // signed by the final blinded node id of the path
    const forwarded = ok<{ messages: { event: { to: string } }[] }>(await b.cli('listmessages', '--outcome', 'forwarded', '--limit', '100')).messages;
    expect(forwarded.map((x) => x.event.to)).toEqual(expect.arrayContaining([m.nodeId, q.nodeId])); // the request in, the invoice out
  }, 120_000);

  describe('an invoice_error the payer shows (exit code 1, JSON with the issuer’s words and field)', () => {
    it('for an expired offer: the payer refuses it itself, and with --unchecked the issuer says why', async () => {
      const expiry = Math.floor(Date.now() / 1000) + 8; // in the future even when the CLI starts slowly on a loaded machine
      const offer = await createOffer('--description', 'flash sale', '--amount-msat', '100', '--expiry', String(expiry));
      await eventually(() => Date.now() / 1000 > expiry + 1, 20_000, 'the offer to expire');
      expect(failed(await p.cli('fetchinvoice', offer.bolt12))).toMatchObject({ code: 'offer.expired' });
      const e = failed(await p.cli('fetchinvoice', offer.bolt12, '--unchecked'));
      expect(e.code).toBe('offers.invoice_error');
      expect(e.message).toMatch(/answered with an invoice_error: .*offer_absolute_expiry.*expired at .*erroneous field 14 offer_absolute_expiry/);
      expect(e.details).toMatchObject({ erroneousField: '14', erroneousFieldName: 'offer_absolute_expiry' });
    }, 120_000);

    it('for a disabled offer', async () => {
      const offer = await createOffer('--description', 'sold out', '--amount-msat', '100');
      expect(ok<OfferInfo>(await m.cli('disableoffer', offer.offerId))).toMatchObject({ status: 'disabled', disabledAt: expect.any(Number) });
      const e = failed(await p.cli('fetchinvoice', offer.bolt12));
      expect(e).toMatchObject({ code: 'offers.invoice_error', details: { error: 'this offer has been disabled by its issuer', erroneousField: null } });
      expect(ok<{ offers: OfferInfo[] }>(await m.cli('listoffers', '--status', 'disabled')).offers.map((o) => o.offerId)).toContain(offer.offerId);
    }, 120_000);

    it('for a wrong amount (below offer_amount), with the expected amount suggested', async () => {
      const offer = await createOffer('--description', 'widget', '--amount-msat', '1000');
      expect(failed(await p.cli('fetchinvoice', offer.bolt12, '--amount-msat', '500'))).toMatchObject({ code: 'invoice_request.amount_below_expected' });
      const e = failed(await p.cli('fetchinvoice', offer.bolt12, '--amount-msat', '500', '--unchecked'));
      expect(e).toMatchObject({ code: 'offers.invoice_error', details: { erroneousField: '82', erroneousFieldName: 'invreq_amount', suggestedValue: '03e8' } });
      const sent = ok<{ invoiceRequests: InvoiceRequestInfo[] }>(await p.cli('listinvoicerequests', '--role', 'sent', '--offer', offer.offerId)).invoiceRequests;
      expect(sent.map((r) => r.status)).toEqual(['invoice_error']);
    }, 120_000);

    it('for a quantity above offer_quantity_max, with the maximum suggested', async () => {
      const offer = await createOffer('--description', 'stickers', '--amount-msat', '10', '--quantity-max', '3');
      expect(failed(await p.cli('fetchinvoice', offer.bolt12, '--quantity', '5'))).toMatchObject({ code: 'invoice_request.quantity_exceeds_max' });
      const e = failed(await p.cli('fetchinvoice', offer.bolt12, '--quantity', '5', '--unchecked'));
      expect(e).toMatchObject({ code: 'offers.invoice_error', details: { erroneousField: '86', suggestedValue: '03' } });
      expect(e.message).toMatch(/quantity 5, max 3/);
    }, 120_000);
  });

  it('names the problem of a malformed string, and of a string of the wrong kind', async () => {
    const offer = await createOffer('--description', 'real one');
    const broken = offer.bolt12.slice(0, 20) + 'b' + offer.bolt12.slice(21); // 'b' is not in the bech32 alphabet
    expect(failed(await p.cli('fetchinvoice', broken))).toMatchObject({ code: 'bolt12.parse.invalid_character', message: expect.stringMatching(/character/) });
    expect(failed(await p.cli('fetchinvoice', offer.bolt12.slice(0, -3)))).toMatchObject({ code: expect.stringMatching(/^bolt12\.parse\./) });
    expect(failed(await p.cli('fetchinvoice', 'lno1qcp4256ypq+'))).toMatchObject({ code: 'bolt12.parse.bad_continuation' });
    const refund = ok<InvoiceRequestInfo>(await p.cli('createrefund', '--description', 'r', '--amount-msat', '1'));
    expect(failed(await p.cli('fetchinvoice', refund.bolt12))).toMatchObject({ code: 'bolt12.parse.unknown_prefix', message: 'expected prefix "lno", got "lnr"' });
    expect(failed(await m.cli('sendinvoice', offer.bolt12))).toMatchObject({ code: 'bolt12.parse.unknown_prefix' });
    const usage = await m.cli('offer', '--amount-msat', '5');
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stderr)).toMatchObject({ error: { code: 'cli.usage', message: expect.stringMatching(/--description is required/) } });
    expect((await m.cli('disableoffer', 'nothex')).code).toBe(2);
    expect(failed(await m.cli('disableoffer', '00'.repeat(32)))).toMatchObject({ code: 'offers.unknown_offer' });
  }, 120_000);

  it('refunds: the payee sends an invoice for our refund over its blinded path, and directly to our node id', async () => {
    for (const pathArgs of [['--path-via', b.nodeId], []]) {
      const refund = ok<InvoiceRequestInfo>(await p.cli('createrefund', '--description', 'returned shoes', '--amount-msat', '700', ...pathArgs));
      expect(refund).toMatchObject({ role: 'refund', status: 'active', amountMsat: '700', payerId: pathArgs.length ? expect.not.stringMatching(p.nodeId) : p.nodeId });
      const sent = ok<SendInvoiceResult>(await m.cli('sendinvoice', refund.bolt12, '--timeout', '1'));
      expect(sent).toMatchObject({ status: 'sent', refundId: refund.requestId, sentVia: { pathIndex: pathArgs.length ? 0 : null }, invoice: { role: 'issued', amountMsat: '700' } });
      const got = await eventually(async () => {
        const list = ok<{ invoices: InvoiceInfo[] }>(await p.cli('listinvoices', '--role', 'received', '--offer', refund.requestId)).invoices;
        return list.length > 0 && list;
      }, 20_000, 'the refund invoice');
      expect(got).toEqual([expect.objectContaining({ invoiceId: sent.invoice.invoiceId, amountMsat: '700', nodeId: m.nodeId })]);
      const mine = ok<{ invoiceRequests: InvoiceRequestInfo[] }>(await p.cli('listinvoicerequests', '--role', 'refund', '--offer', refund.requestId)).invoiceRequests;
      expect(mine).toEqual([expect.objectContaining({ status: 'invoiced', invoiceId: sent.invoice.invoiceId })]);
    }
  }, 120_000);
});
