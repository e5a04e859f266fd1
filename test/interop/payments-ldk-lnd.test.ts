/**
 * A payment forwarded through us between LDK 0.2 and LND 0.21, in both directions (issue 15,
 * remaining item 3), on one btcd: LDK and LND each have one channel with us — to LND private, to
 * LDK public (`--public`, announced at 6 confirmations), which makes us a public node in LND's graph
 * (LND's `chanCanBeHopHint` hints a private channel only when the peer is a public node). LDK pays
 * LND's private invoice over its route hint through us; LND pays LDK's invoice over the graph (our
 * announced channel to LDK with our channel_update). Each forward is in our history with its fee.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChannelSummary, FundChannelResult } from '../../core/api';
import { toHex } from '../../core/crypto';
import { decodeBolt11 } from '../../core/invoices';
import { waitFor } from '../support/btcd';
import { fundLdkPeer, startLdkPeer, type LdkPeer } from '../support/ldk-peer';
import { payWhenRoutable, type Lnd } from '../support/lnd';
import { peerConnected, startForwardingLnd, startInteropRig, type InteropRig } from '../support/interop-rig';

describe('forwards through us between LDK and LND', () => {
  let rig: InteropRig;
  let lnd: Lnd;
  let ldk: LdkPeer;
  let toLnd: ChannelSummary;
  let toLdk: ChannelSummary;

  async function open(peer: string, sat: string, pushMsat: string, flags: string[], activeThere: () => Promise<boolean>): Promise<ChannelSummary> {
    const r = await rig.g.cli('openchannel', peer, sat, '--push-msat', pushMsat, '--feerate', '2', ...flags);
    expect(r.code, r.stderr).toBe(0);
    const opened = r.json as FundChannelResult;
    return await rig.mineUntil(async () => {
      const ours = await rig.ours(opened.channelId);
      if (ours?.lifecycle !== 'active' || ours.state !== 'active') return undefined;
      return (await activeThere()) ? ours : undefined;
    }, 'the channel active on both sides');
  }
  /** Our fulfilled forwards of a payment once they carry `totalMsat` out (the payer may split it: LND sometimes does). */
  const forwardsOf = (paymentHash: string, totalMsat: bigint) =>
    waitFor(async () => {
      const list = (await rig.api.listForwards({})).forwards.filter((f) => f.paymentHash === paymentHash && f.status === 'fulfilled');
      return list.reduce((a, f) => a + BigInt(f.outAmountMsat), 0n) === totalMsat ? list : undefined;
    }, 'our fulfilled forwards');

  beforeAll(async () => {
    rig = await startInteropRig({ tls: true, name: 'ldk-lnd', depositSat: 3_000_000n });
    lnd = await startForwardingLnd(rig, 'lnd-fwd', 300_000n);
    ldk = await startLdkPeer(rig.btcd);
    await fundLdkPeer(rig.btcd, ldk, 300_000n);
    await rig.api.connect({ address: ldk.address });
    await peerConnected(rig.api, ldk.nodeId);
    // Half of each channel pushed to the peer: either side can pay the other through us.
    toLnd = await open(lnd.nodeId, '600000', '300000000', ['--private'], async () => {
      const ours = (await rig.api.listChannels({})).channels.find((c) => c.peer === lnd.nodeId);
      return (await lnd.listChannels()).some((x) => x.channel_point === ours?.fundingOutpoint && x.active);
    });
    toLdk = await open(ldk.nodeId, '600000', '300000000', ['--public'], async () =>
      (await ldk.listChannels()).some((c) => c.counterparty_node_id === rig.g.daemon.nodeId && c.is_usable));
    await rig.mine(6);
    // LND holds our node_announcement (we are a public node) and our channel to LDK.
    await waitFor(async () => {
      try {
        const info = await lnd.rest<{ node?: { last_update?: number }; num_channels?: number }>('GET', `/v1/graph/node/${rig.g.daemon.nodeId}`);
        return (info.node?.last_update ?? 0) > 0 && (info.num_channels ?? 0) > 0 ? true : undefined;
      } catch {
        return undefined;
      }
    }, 'LND to hold our node_announcement and our public channel', 120_000);
  }, 600_000);

  it('LDK pays LND\'s private invoice through us (LND\'s hint names our channel to it): forwarded, our fee earned', async () => {
    const inv = await waitFor(async () => {
      const i = await lnd.addInvoice(25_000_000n, 'ldk to lnd', { private: true });
      return decodeBolt11(i.paymentRequest).routeHints.some((h) => h.some((hop) => toHex(hop.pubkey) === rig.g.daemon.nodeId)) ? i : undefined;
    }, 'an LND invoice with a route hint through us', 60_000);
    await ldk.call('pay_invoice', { invoice: inv.paymentRequest });
    const sent = await ldk.waitForEvent((e) => (e.event === 'PaymentSent' || e.event === 'PaymentFailed') && e.payment_hash === inv.paymentHash, 60_000, 'LDK\'s payment outcome');
    expect(sent.event, JSON.stringify(sent)).toBe('PaymentSent');
    await waitFor(async () => ((await lnd.lookupInvoice(inv.paymentHash)).state === 'SETTLED' ? true : undefined), 'LND settles its invoice');
    const fwds = await forwardsOf(inv.paymentHash, 25_000_000n);
    for (const fwd of fwds) {
      expect(fwd).toMatchObject({ inChannelId: toLdk.channelId, outChannelId: toLnd.channelId });
      expect(BigInt(fwd.feeMsat)).toBeGreaterThan(0n);
    }
  }, 120_000);

  it('LND pays LDK\'s invoice through us (our announced channel to LDK in LND\'s graph): forwarded, our fee earned', async () => {
    const inv = await ldk.call<{ invoice: string; payment_hash: string }>('create_invoice', { amount_msat: 27_000_000, description: 'lnd to ldk' });
    const paid = await payWhenRoutable(lnd, inv.invoice, 60_000);
    expect(paid.status, JSON.stringify(paid)).toBe('SUCCEEDED');
    const claimed = await ldk.waitForEvent((e) => e.event === 'PaymentClaimed' && e.payment_hash === inv.payment_hash, 60_000);
    expect(claimed).toMatchObject({ amount_msat: 27_000_000 });
    const fwds = await forwardsOf(inv.payment_hash, 27_000_000n);
    for (const fwd of fwds) {
      expect(fwd).toMatchObject({ inChannelId: toLnd.channelId, outChannelId: toLdk.channelId });
      expect(BigInt(fwd.feeMsat)).toBeGreaterThan(0n);
    }
  }, 120_000);
});
