/**
 * Payments between a Glasswing daemon and LND (v0.21, built by scripts/peers/lnd.mjs) on one btcd
 * (issue 15 item 7): we pay LND's BOLT 11 invoice and LND pays ours; both split a payment too large
 * for one channel over our two channels (basic_mpp, BOLT 4 total_msat); a payment to an invoice LND
 * cancelled fails with the failure LND returns, decoded (incorrect_or_unknown_payment_details from
 * LND's node); and a second Glasswing daemon (G2, with a private channel to us) is paid by LND through
 * us (G2's invoice's route hint names the private channel), and we list the forward with the fee our
 * policy charges; we pay a third daemon (G3, with a private channel from LND only) through LND, which
 * forwards our onion by the alias its channel_ready gave G3. Keysend: we do not send or accept it
 * (not tested).
 * A payer paying LND through us over LND's route hint is in payments-lnd-hints.test.ts (G2) and
 * payments-ldk-lnd.test.ts (LDK): LND gives a route hint through a private channel only when the
 * peer is a public node (LND's `chanCanBeHopHint`), and here we are not.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bolt11InvoiceInfo, ChannelSummary, FundChannelResult, PaymentInfo } from '../../core/api';
import { fromHex, sha256, toHex } from '../../core/crypto';
import { waitFor } from '../support/btcd';
import { lndBinary, payWhenRoutable, type Lnd } from '../support/lnd';
import { peerConnected, startForwardingLnd, startInteropRig, type InteropRig } from '../support/interop-rig';
import type { WalletNode } from '../support/wallet-node';

const haveLnd = lndBinary() !== null;

describe.skipIf(!haveLnd)('payments with LND on btcd', () => {
  let rig: InteropRig;
  let lnd: Lnd;
  let g2: WalletNode;
  const channels: ChannelSummary[] = [];
  let toG2: ChannelSummary;

  async function pay(node: WalletNode, invoice: string, ...flags: string[]): Promise<PaymentInfo> {
    const r = await node.cli('pay', invoice, ...flags);
    expect(r.code, r.stderr).toBe(0);
    return r.json as PaymentInfo;
  }
  /** Our channel (and LND's view of it, when LND is the peer) usable on both sides, mining as needed. */
  async function open(peer: string, capacitySat: string, pushMsat: string, other?: WalletNode): Promise<ChannelSummary> {
    const r = await rig.g.cli('openchannel', peer, capacitySat, '--push-msat', pushMsat, '--feerate', '2');
    expect(r.code, r.stderr).toBe(0);
    const opened = r.json as FundChannelResult;
    return await rig.mineUntil(async () => {
      const ours = await rig.ours(opened.channelId);
      if (ours?.lifecycle !== 'active' || ours.state !== 'active') return undefined;
      if (other) {
        const theirs = (await other.api.listChannels({})).channels.find((c) => c.channelId === opened.channelId);
        return theirs?.state === 'active' ? ours : undefined;
      }
      return (await lnd.listChannels()).find((x) => x.channel_point === ours.fundingOutpoint)?.active ? ours : undefined;
    }, 'the channel active on both sides');
  }
  /** No HTLC left on any of our channels, on both sides' commitments. */
  const settled = () => waitFor(async () => {
    const list = (await rig.api.listChannels({})).channels.filter((c) => c.lifecycle === 'active');
    return list.every((c) => c.numHtlcs === 0) ? list : undefined;
  }, 'our channels settled');
  const local = async (c: ChannelSummary) => BigInt((await rig.ours(c.channelId))!.localBalanceMsat);

  beforeAll(async () => {
    rig = await startInteropRig({ tls: true, name: 'lnd-payments', depositSat: 4_000_000n });
    lnd = await startForwardingLnd(rig, 'lnd', 1_000_000n);
    // Two channels to LND, each with 250,000 sat pushed to LND: either side can pay, and a payment
    // above one channel's balance must be split.
    channels.push(await open(lnd.nodeId, '600000', '250000000'));
    channels.push(await open(lnd.nodeId, '600000', '250000000'));
    g2 = await rig.addDaemon('lnd-payments-g2');
    await rig.api.connect({ address: g2.daemon.address });
    await peerConnected(rig.api, g2.daemon.nodeId);
    toG2 = await open(g2.daemon.nodeId, '500000', '100000000', g2);
  }, 400_000);

  it('we pay LND\'s BOLT 11 invoice: the preimage is LND\'s, LND settles the invoice, no fee on a direct channel', async () => {
    const inv = await lnd.addInvoice(20_000_000n, 'paid by glasswing');
    const paid = await pay(rig.g, inv.paymentRequest);
    expect(paid).toMatchObject({ status: 'succeeded', amountMsat: '20000000', feeMsat: '0', destination: lnd.nodeId, paymentHash: inv.paymentHash });
    expect(toHex(sha256(fromHex(paid.preimage!)))).toBe(inv.paymentHash);
    expect(await lnd.lookupInvoice(inv.paymentHash)).toMatchObject({ state: 'SETTLED', amt_paid_msat: '20000000' });
    await settled();
  });

  it('LND pays our BOLT 11 invoice: LND gets our preimage, we list the invoice paid and the received payment', async () => {
    const inv = (await rig.api.createInvoice({ amountMsat: '15000000', description: 'paid by lnd' })) as Bolt11InvoiceInfo;
    const paid = await payWhenRoutable(lnd, inv.bolt11);
    expect(paid.status, paid.failure_reason).toBe('SUCCEEDED');
    expect(paid.payment_hash).toBe(inv.paymentHash);
    const listed = await waitFor(async () => {
      const i = (await rig.api.listBolt11Invoices({})).invoices.find((x) => x.paymentHash === inv.paymentHash);
      return i?.status === 'paid' ? i : undefined;
    }, 'our invoice paid');
    expect(listed).toMatchObject({ paidMsat: '15000000', preimage: paid.payment_preimage });
    expect((await rig.api.listReceived({})).received.find((r) => r.paymentHash === inv.paymentHash)).toMatchObject({ kind: 'bolt11', amountMsat: '15000000' });
    await settled();
  });

  it('LND splits a payment above one channel\'s balance over both channels to us (MPP), and we claim it whole', async () => {
    await settled();
    const before = [await local(channels[0]!), await local(channels[1]!)];
    // LND has about 255,000 sat on each channel: 400,000 sat needs both.
    const inv = (await rig.api.createInvoice({ amountMsat: '400000000', description: 'mpp from lnd' })) as Bolt11InvoiceInfo;
    const paid = await payWhenRoutable(lnd, inv.bolt11, 60_000, { maxParts: 16, feeLimitSat: 0n });
    expect(paid.status, paid.failure_reason).toBe('SUCCEEDED');
    const parts = (paid.htlcs ?? []).filter((h) => h.status === 'SUCCEEDED');
    expect(parts.length).toBeGreaterThan(1);
    expect(new Set(parts.map((h) => h.route.hops[0]!.chan_id)).size).toBe(2);
    await waitFor(async () => ((await rig.api.listBolt11Invoices({})).invoices.find((x) => x.paymentHash === inv.paymentHash)?.status === 'paid' ? true : undefined), 'our invoice paid');
    expect((await rig.api.listReceived({})).received.find((r) => r.paymentHash === inv.paymentHash)).toMatchObject({ amountMsat: '400000000' });
    expect((await rig.api.listReceived({})).received.find((r) => r.paymentHash === inv.paymentHash)!.parts).toBeGreaterThan(1);
    await settled();
    const after = [await local(channels[0]!), await local(channels[1]!)];
    expect(after[0]! - before[0]! + after[1]! - before[1]!).toBe(400_000_000n);
    expect(after[0]! > before[0]! && after[1]! > before[1]!).toBe(true);
  });

  it('we split a payment above one channel\'s balance over both channels to LND (MPP); LND settles it whole', async () => {
    await settled();
    // More than either 600,000 sat channel can hold; less than the about 1,080,000 sat we have on both.
    const amount = 700_000_000n;
    const inv = await lnd.addInvoice(amount, 'mpp from glasswing');
    const done = await pay(rig.g, inv.paymentRequest);
    expect(done, JSON.stringify(done.failure)).toMatchObject({ status: 'succeeded', amountMsat: amount.toString(), feeMsat: '0' });
    // A payment succeeds at its first fulfill, while its other parts may still be in flight: read it again once every channel settled.
    await settled();
    const paid = await rig.api.getPayment({ paymentId: done.paymentId });
    const parts = paid.parts.filter((p) => p.status === 'succeeded');
    expect(new Set(parts.map((p) => p.channelId))).toEqual(new Set(channels.map((c) => c.channelId)));
    expect(parts.reduce((a, p) => a + BigInt(p.amountMsat), 0n)).toBe(amount);
    expect(await lnd.lookupInvoice(inv.paymentHash)).toMatchObject({ state: 'SETTLED', amt_paid_msat: amount.toString() });
    await settled();
  });

  it('a payment to an invoice LND cancelled fails with LND\'s incorrect_or_unknown_payment_details, decoded, from LND\'s node', async () => {
    const inv = await lnd.addInvoice(5_000_000n, 'cancelled');
    await lnd.cancelInvoice(inv.paymentHash);
    const before = await Promise.all(channels.map(local));
    const failed = await pay(rig.g, inv.paymentRequest);
    expect(failed).toMatchObject({ status: 'failed', failure: { code: 'payments.rejected' }, preimage: null });
    expect(failed.parts.at(-1)!.failure).toMatchObject({ code: 'incorrect_or_unknown_payment_details', erringNode: lnd.nodeId });
    await settled();
    expect(await Promise.all(channels.map(local))).toEqual(before);
  });

  it('LND pays G2 through us: the route hint of G2\'s private channel, our fee, the forward listed', async () => {
    const inv = (await g2.api.createInvoice({ amountMsat: '30000000', description: 'lnd to g2' })) as Bolt11InvoiceInfo;
    const paid = await payWhenRoutable(lnd, inv.bolt11);
    expect(paid.status, paid.failure_reason).toBe('SUCCEEDED');
    // Our default policy: 1,000 msat + 100 ppm of the forwarded amount.
    const fee = 1_000n + (30_000_000n * 100n) / 1_000_000n;
    expect(paid.fee_msat).toBe(fee.toString());
    expect(toHex(sha256(fromHex(paid.payment_preimage)))).toBe(inv.paymentHash);
    const fwd = await waitFor(async () => (await rig.api.listForwards({})).forwards.find((f) => f.paymentHash === inv.paymentHash && f.status === 'fulfilled'), 'the forward fulfilled');
    expect(fwd).toMatchObject({ outChannelId: toG2.channelId, outAmountMsat: '30000000', feeMsat: fee.toString() });
    expect(channels.map((c) => c.channelId)).toContain(fwd.inChannelId);
    await settled();
  });

  it('we pay G3 through LND: LND forwards our onion over its private channel to G3 named by G3\'s route hint', async () => {
    const g3 = await rig.addDaemon('lnd-payments-g3');
    await lnd.connect(g3.daemon.address);
    await peerConnected(g3.api, lnd.nodeId);
    const point = await lnd.openChannel(g3.daemon.nodeId, 300_000n, { private: true });
    await rig.mineUntil(async () => {
      const theirs = (await g3.api.listChannels({})).channels.find((c) => c.fundingOutpoint === point);
      return theirs?.state === 'active' && (await lnd.listChannels()).find((x) => x.channel_point === point)?.active ? true : undefined;
    }, 'LND–G3 active on both sides');
    const inv = (await g3.api.createInvoice({ amountMsat: '40000000', description: 'via lnd' })) as Bolt11InvoiceInfo;
    const paid = await pay(rig.g, inv.bolt11, '--max-fee-msat', '20000');
    const fee = 1_000n + (40_000_000n * 100n) / 1_000_000n;
    expect(paid, JSON.stringify(paid.parts.map((p) => p.failure))).toMatchObject({ status: 'succeeded', feeMsat: fee.toString(), destination: g3.daemon.nodeId });
    expect(paid.parts.find((p) => p.status === 'succeeded')!.route.map((h) => h.nodeId)).toEqual([lnd.nodeId, g3.daemon.nodeId]);
    expect((await g3.api.listBolt11Invoices({})).invoices.find((i) => i.paymentHash === inv.paymentHash)).toMatchObject({ status: 'paid', paidMsat: '40000000' });
    const forwards = await waitFor(async () => {
      const f = await lnd.forwardingHistory();
      return f.length > 0 ? f : undefined;
    }, 'LND lists the forward');
    expect(forwards.at(-1)).toMatchObject({ amt_out_msat: '40000000', fee_msat: fee.toString() });
    await settled();
  });
});
