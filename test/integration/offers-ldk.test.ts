/**
 * Issue 6 "Done when", against an independent implementation: a live LDK node (rust-lightning 0.1
 * in WebAssembly, test/interop/support/ldk-node.ts) over TCP on 127.0.0.1 and real glasswing
 * daemons. LDK pays our offers (invoice_request → our invoice, which LDK accepts: with
 * `manually_handle_bolt12_invoices` an accepted invoice is reported as Event::InvoiceReceived),
 * and we fetch a valid invoice for LDK's offer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ldk from 'lightningdevkit';
import { LdkNode, loadLdk } from '../interop/support/ldk-node';
import type { CliResult, DaemonProcess } from '../support/daemon';
import { eventually, startDaemon } from '../support/daemon';
import type { FetchInvoiceResult, InvoiceRequestInfo, OfferInfo } from '../../core/api';
import { toHex } from '../../core/crypto';

function ok<T>(r: CliResult): T {
  expect(r.code, r.stderr).toBe(0);
  return r.json as T;
}

describe('BOLT 12 offers with a live LDK node', () => {
  let ldkNode: LdkNode;
  let m: DaemonProcess;
  let b: DaemonProcess;

  beforeAll(async () => {
    await loadLdk();
    ldkNode = new LdkNode();
    [m, b] = await Promise.all([startDaemon(['--alias', 'merchant']), startDaemon(['--alias', 'bob'])]);
    expect((await m.cli('connect', b.address)).code).toBe(0);
    await ldkNode.connect(m.nodeId, m.listenPort);
    await ldkNode.connect(b.nodeId, b.listenPort);
    await eventually(() => ldkNode.peerIds().includes(m.nodeId) && ldkNode.peerIds().includes(b.nodeId), 15_000, 'LDK to list both peers');
  }, 120_000);
  afterAll(() => ldkNode?.close());

  /** Pays an offer from LDK and waits for LDK to accept the invoice (or to give up). */
  async function ldkPays(offer: string, opts: Parameters<LdkNode['payForOffer']>[1] = {}): Promise<ldk.Bolt12Invoice> {
    const paymentId = toHex(ldkNode.payForOffer(offer, opts));
    const event = await eventually(
      () => ldkNode.events.find((e) => (e instanceof ldk.Event_InvoiceReceived || e instanceof ldk.Event_PaymentFailed) && toHex(e.payment_id) === paymentId),
      20_000, 'LDK to receive the invoice',
    );
    if (!(event instanceof ldk.Event_InvoiceReceived)) throw new Error(`LDK failed the payment: ${ldkNode.logs.slice(-5).join('\n')}`);
    return event.invoice;
  }

  it('LDK requests an invoice for our offer (offer_issuer_id) and accepts the one we send', async () => {
    const offer = ok<{ offer: OfferInfo }>(await m.cli('offer', '--description', 'coffee for LDK', '--amount-msat', '3000', '--quantity-max', '5')).offer;
    const invoice = await ldkPays(offer.bolt12, { quantity: 2n, payerNote: 'from ldk' });
    expect(invoice.amount_msats()).toBe(6000n);
    expect(toHex(invoice.signing_pubkey())).toBe(m.nodeId);
    expect(invoice.payer_note().to_str()).toBe('from ldk');
    const received = ok<{ invoiceRequests: InvoiceRequestInfo[] }>(await m.cli('listinvoicerequests', '--role', 'received', '--offer', offer.offerId)).invoiceRequests;
    expect(received).toEqual([expect.objectContaining({ status: 'invoice', quantity: '2', payerNote: 'from ldk' })]);
    const issued = ok<{ invoices: { paymentHash: string }[] }>(await m.cli('listinvoices', '--role', 'issued', '--offer', offer.offerId)).invoices;
    expect(issued.map((i) => i.paymentHash)).toEqual([toHex(invoice.payment_hash())]);
  }, 60_000);

  it('LDK requests an invoice over our blinded path through B and accepts the blinded signer', async () => {
    const offer = ok<{ offer: OfferInfo }>(await m.cli('offer', '--description', 'tea for LDK', '--amount-msat', '1234', '--path-via', b.nodeId)).offer;
    expect(offer.issuerId).toBeNull();
    const invoice = await ldkPays(offer.bolt12);
    expect(invoice.amount_msats()).toBe(1234n);
    expect(toHex(invoice.signing_pubkey())).not.toBe(m.nodeId);
  }, 60_000);

  it('we fetch an invoice for LDK’s offer and it passes every check', async () => {
    const port = await ldkNode.listen();
    const p = await startDaemon(['--alias', 'payer']);
    expect((await p.cli('connect', `${ldkNode.nodeId}@127.0.0.1:${port}`, '--no-reconnect')).code).toBe(0);
    const offer = ldkNode.createOffer();
    const decoded = ok<{ valid: boolean; fields: { offer_paths?: { first_node_id: string }[] } }>(await p.cli('decode', '--network', 'regtest', offer));
    expect(decoded.valid).toBe(true);
    const fetched = ok<FetchInvoiceResult>(await p.cli('fetchinvoice', offer, '--amount-msat', '4321', '--payer-note', 'hello LDK'));
    expect(fetched.invoice).toMatchObject({ role: 'received', amountMsat: '4321', payerNote: 'hello LDK' });
    expect(fetched.sentVia.firstHop).toBe(ldkNode.nodeId);
    expect(ok<{ valid: boolean }>(await p.cli('decode', '--network', 'regtest', fetched.invoice.bolt12)).valid).toBe(true);
  }, 60_000);
});
