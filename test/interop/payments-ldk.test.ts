/**
 * Payments between a Glasswing daemon and our LDK 0.2.7 test peer (test/interop/ldk-peer, built by
 * scripts/peers/ldk-peer.mjs) on btcd (issue 15 item 7), over one channel we open with 400,000 sat
 * pushed to LDK: we pay LDK's BOLT 11 invoice; LDK answers our invoice_request for its offer with
 * an invoice whose blinded payment path is introduced by us; LDK pays our BOLT 11 invoice and our
 * offer (LDK's invoice_request over a reply path that names us by our channel's alias → our invoice
 * → an HTLC over the blinded payment path we put in it); we pay LDK's offer, whose only payment path
 * is introduced by us (we read our own hop and send to LDK with the next path_key in update_add_htlc);
 * LDK pays a disabled offer of ours and reads our invoice_error (sent in both forms).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bolt11InvoiceInfo, FetchInvoiceResult, FundChannelResult, OfferInfo, PaymentInfo } from '../../core/api';
import { fromHex, sha256, toHex } from '../../core/crypto';
import { waitFor } from '../support/btcd';
import type { LdkPeer } from '../support/ldk-peer';
import { minedUsableWithLdk, startConnectedLdk, startInteropRig, type InteropRig } from '../support/interop-rig';

describe('payments with the LDK 0.2 peer on btcd', () => {
  let rig: InteropRig;
  let ldk: LdkPeer;
  let channelId: string;

  async function pay(invoice: string, ...flags: string[]): Promise<PaymentInfo> {
    const r = await rig.g.cli('pay', invoice, ...flags);
    expect(r.code, r.stderr).toBe(0);
    return r.json as PaymentInfo;
  }
  /** LDK at btcd's tip (a payer a block behind its payee computes CLTV expiries the payee refuses). */
  async function atTip(): Promise<void> {
    const height = await rig.btcd.height();
    await waitFor(async () => ((await ldk.call<{ height: number }>('info')).height === height ? true : undefined), 'the LDK peer at the tip');
  }
  /** No HTLC left on the channel on either side. */
  const settled = () => waitFor(async () => {
    const ours = await rig.ours(channelId);
    const theirs = (await ldk.listChannels()).find((c) => c.channel_id === channelId);
    return ours?.numHtlcs === 0 && theirs?.pending_inbound_htlcs === 0 && theirs.pending_outbound_htlcs === 0 ? true : undefined;
  }, 'the channel settled on both sides');
  const local = async () => BigInt((await rig.ours(channelId))!.localBalanceMsat);

  beforeAll(async () => {
    rig = await startInteropRig({ name: 'ldk-payments' });
    ldk = await startConnectedLdk(rig, 1_000_000n);
    const r = await rig.g.cli('openchannel', ldk.nodeId, '1000000', '--push-msat', '400000000', '--feerate', '2');
    expect(r.code, r.stderr).toBe(0);
    channelId = (r.json as FundChannelResult).channelId;
    await minedUsableWithLdk(rig, ldk, async () => channelId);
    await atTip();
  }, 300_000);

  it('we pay LDK\'s BOLT 11 invoice: LDK claims it, the preimage is LDK\'s, no fee', async () => {
    const inv = await ldk.call<{ invoice: string; payment_hash: string }>('create_invoice', { amount_msat: 21_000_000, description: 'paid by glasswing' });
    const before = await local();
    const paid = await pay(inv.invoice);
    expect(paid, JSON.stringify(paid.failure)).toMatchObject({ status: 'succeeded', kind: 'bolt11', amountMsat: '21000000', feeMsat: '0', destination: ldk.nodeId, paymentHash: inv.payment_hash });
    expect(toHex(sha256(fromHex(paid.preimage!)))).toBe(inv.payment_hash);
    const claimed = await ldk.waitForEvent((e) => e.event === 'PaymentClaimed' && e.payment_hash === inv.payment_hash);
    expect(claimed).toMatchObject({ amount_msat: 21_000_000 });
    await settled();
    expect(await local()).toBe(before - 21_000_000n);
  });

  it('LDK answers our invoice_request for its offer with an invoice whose blinded payment path is introduced by us', async () => {
    // LDK builds a blinded payment path through a peer only with that peer's policy, from the
    // channel_update we send for our private channel. Regression: we named the channel by the alias
    // we sent; BOLT 7 wants the alias received from the peer (or the real id), and LDK ignored ours
    // and answered with invoice_error "MissingPaths".
    const { offer } = await ldk.call<{ offer: string }>('create_offer', { amount_msat: 12_000_000, description: 'ldk offer' });
    const fetched = await waitFor(async () => {
      const r = await rig.g.cli('fetchinvoice', offer);
      // Until our channel_update has reached LDK, its answer is MissingPaths.
      if (r.code !== 0 && /MissingPaths/.test(r.stderr)) return undefined;
      expect(r.code, r.stderr).toBe(0);
      return r.json as FetchInvoiceResult;
    }, 'LDK to answer with an invoice', 30_000);
    expect(fetched.invoice).toMatchObject({ amountMsat: '12000000', nodeId: expect.any(String) });
    expect(fetched.invoice.paths.map((p) => p.introductionNodeId)).toContain(rig.g.daemon.nodeId);
  }, 60_000);

  it('we pay LDK\'s offer over its blinded path introduced by us: we read our hop, LDK takes the HTLC as a blinded hop and claims it', async () => {
    const { offer } = await ldk.call<{ offer: string }>('create_offer', { amount_msat: 13_000_000, description: 'paid by glasswing' });
    await atTip();
    const before = await local();
    const paid = await waitFor(async () => {
      const r = await rig.g.cli('pay', offer);
      // Until our channel_update has reached LDK, its answer is MissingPaths (the test above waits for it too).
      if (r.code !== 0 && /MissingPaths/.test(r.stderr)) return undefined;
      expect(r.code, r.stderr).toBe(0);
      return r.json as PaymentInfo;
    }, 'our payment of LDK\'s offer', 30_000);
    expect(paid, JSON.stringify(paid.failure)).toMatchObject({ status: 'succeeded', kind: 'bolt12', amountMsat: '13000000' });
    // The path's payinfo counts our own hop; what we pay LDK beyond the amount is the aggregation's rounding at most.
    expect(BigInt(paid.feeMsat!)).toBeLessThan(10n);
    expect(toHex(sha256(fromHex(paid.preimage!)))).toBe(paid.paymentHash);
    const claimed = await ldk.waitForEvent((e) => e.event === 'PaymentClaimed' && e.payment_hash === paid.paymentHash);
    expect(Number(claimed.amount_msat)).toBeGreaterThanOrEqual(13_000_000);
    await settled();
    expect(await local()).toBe(before - 13_000_000n - BigInt(paid.feeMsat!));
  }, 90_000);

  it('LDK pays our BOLT 11 invoice: LDK gets our preimage, we list the invoice paid', async () => {
    const inv = (await rig.api.createInvoice({ amountMsat: '17000000', description: 'paid by ldk' })) as Bolt11InvoiceInfo;
    const before = await local();
    await ldk.call('pay_invoice', { invoice: inv.bolt11 });
    const sent = await ldk.waitForEvent((e) => (e.event === 'PaymentSent' || e.event === 'PaymentFailed') && e.payment_hash === inv.paymentHash, 60_000, 'LDK\'s payment outcome');
    expect(sent.event, JSON.stringify(sent)).toBe('PaymentSent');
    const listed = await waitFor(async () => {
      const i = (await rig.api.listBolt11Invoices({})).invoices.find((x) => x.paymentHash === inv.paymentHash);
      return i?.status === 'paid' ? i : undefined;
    }, 'our invoice paid');
    expect(listed).toMatchObject({ paidMsat: '17000000', preimage: sent.payment_preimage });
    await settled();
    expect(await local()).toBe(before + 17_000_000n);
  });

  it('LDK pays our disabled offer: our invoice_error reaches LDK in the form it reads, and LDK reports the request rejected instead of timing out', async () => {
    const { offer } = (await rig.api.createOffer({ description: 'closed', amountMsat: '5000000' })) as { offer: OfferInfo };
    await rig.api.disableOffer({ offerId: offer.offerId });
    const started = Date.now();
    const { payment_id: paymentId } = await ldk.call<{ payment_id: string }>('pay_offer', { offer: offer.bolt12 });
    const failed = await ldk.waitForEvent((e) => (e.event === 'PaymentFailed' || e.event === 'PaymentSent') && e.payment_id === paymentId, 60_000, 'LDK\'s payment outcome');
    // LDK 0.2 abandons the payment with InvoiceRequestRejected only when it reads our invoice_error
    // (otherwise it retries its request until InvoiceRequestExpired, after about a minute).
    expect(failed, JSON.stringify(failed)).toMatchObject({ event: 'PaymentFailed', reason: 'InvoiceRequestRejected' });
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 90_000);

  it('LDK pays our offer: its invoice_request, our invoice with a blinded payment path, the HTLC over it, claimed', async () => {
    const { offer } = (await rig.api.createOffer({ description: 'glasswing offer', amountMsat: '9000000' })) as { offer: OfferInfo };
    const before = await local();
    const { payment_id: paymentId } = await ldk.call<{ payment_id: string }>('pay_offer', { offer: offer.bolt12 });
    const sent = await ldk.waitForEvent((e) => (e.event === 'PaymentSent' || e.event === 'PaymentFailed') && e.payment_id === paymentId, 60_000, 'LDK\'s payment outcome');
    expect(sent.event, JSON.stringify(sent)).toBe('PaymentSent');
    const received = await waitFor(async () => (await rig.api.listReceived({})).received.find((r) => r.paymentHash === sent.payment_hash), 'our received payment');
    expect(received).toMatchObject({ kind: 'bolt12', amountMsat: '9000000', offerId: offer.offerId });
    // The invoice we issued carries a blinded payment path through our one channel peer, LDK itself
    // (which advances past its own hop when it pays over it).
    const issued = (await rig.api.listInvoices({ role: 'issued', offerId: offer.offerId })).invoices.find((i) => i.paymentHash === sent.payment_hash);
    expect(issued?.paths, JSON.stringify(issued?.paths)).toContainEqual(expect.objectContaining({ introductionNodeId: ldk.nodeId }));
    await settled();
    expect(await local()).toBe(before + 9_000_000n);
  });
});
