/**
 * A second Glasswing daemon (G2) pays LND through us (issue 15, remaining item 2), LND 0.21 on btcd.
 * Why LND's private invoices carried no route hint through us: LND's hop-hint selection
 * (lnrpc/invoicesrpc/addinvoice.go `chanCanBeHopHint`) takes a private channel only when it is
 * active, its remote policy is known, and "our counterparty is publicly advertised within the
 * network" (`IsPublicNode`: LND's graph holds a node_announcement for the peer) — "to ensure we don't
 * leak unadvertised nodes". A node with only private channels never gets a hint from LND; that is
 * LND's policy, not a fault of ours. So here we are a public node: our channel to G2 is announced
 * (`--public`, 6 confirmations, both announcement_signatures), our node_announcement reaches LND
 * through gossip, and then LND's private invoice names our private channel to LND in its hint and
 * G2 pays it through us.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChannelSummary, FundChannelResult, PaymentInfo } from '../../core/api';
import { decodeBolt11 } from '../../core/invoices';
import { toHex } from '../../core/crypto';
import { waitFor } from '../support/btcd';
import type { Lnd } from '../support/lnd';
import { peerConnected, startForwardingLnd, startInteropRig, type InteropRig } from '../support/interop-rig';
import type { WalletNode } from '../support/wallet-node';

describe('G2 pays LND through us (LND\'s route hint through a public node)', () => {
  let rig: InteropRig;
  let lnd: Lnd;
  let g2: WalletNode;
  let toLnd: ChannelSummary;

  async function open(node: WalletNode, peer: string, sat: string, pushMsat: string, flags: string[], other?: WalletNode): Promise<ChannelSummary> {
    const r = await node.cli('openchannel', peer, sat, '--push-msat', pushMsat, '--feerate', '2', ...flags);
    expect(r.code, r.stderr).toBe(0);
    const opened = r.json as FundChannelResult;
    return await rig.mineUntil(async () => {
      const ours = (await node.api.listChannels({})).channels.find((c) => c.channelId === opened.channelId);
      if (ours?.lifecycle !== 'active' || ours.state !== 'active') return undefined;
      if (other) {
        const theirs = (await other.api.listChannels({})).channels.find((c) => c.channelId === opened.channelId);
        return theirs?.state === 'active' ? ours : undefined;
      }
      return (await lnd.listChannels()).find((x) => x.channel_point === ours.fundingOutpoint)?.active ? ours : undefined;
    }, 'the channel active on both sides');
  }

  beforeAll(async () => {
    rig = await startInteropRig({ tls: true, name: 'lnd-hints', depositSat: 3_000_000n });
    lnd = await startForwardingLnd(rig, 'lnd-hints', 500_000n);
    // Our private channel to LND (all ours: we forward G2's payment over it).
    toLnd = await open(rig.g, lnd.nodeId, '600000', '0', ['--private']);
    g2 = await rig.addDaemon('lnd-hints-g2');
    await rig.api.connect({ address: g2.daemon.address });
    await peerConnected(rig.api, g2.daemon.nodeId);
    // Our public channel to G2, half of it pushed to G2 (G2 pays through it).
    await open(rig.g, g2.daemon.nodeId, '500000', '250000000', ['--public'], g2);
    // Announced at 6 confirmations; LND must then hold our node_announcement (it verifies the funding output on btcd).
    await rig.mine(6);
    await waitFor(async () => {
      try {
        const info = await lnd.rest<{ node?: { alias?: string; last_update?: number } }>('GET', `/v1/graph/node/${rig.g.daemon.nodeId}`);
        return info.node && (info.node.last_update ?? 0) > 0 ? true : undefined;
      } catch {
        return undefined;
      }
    }, 'LND to hold our node_announcement', 120_000);
  }, 500_000);

  it('LND\'s private invoice has a route hint through us, and G2 pays it through us: we list the forward and our fee', async () => {
    const inv = await waitFor(async () => {
      const i = await lnd.addInvoice(40_000_000n, 'g2 to lnd', { private: true });
      const decoded = decodeBolt11(i.paymentRequest);
      return decoded.routeHints.some((h) => h.some((hop) => toHex(hop.pubkey) === rig.g.daemon.nodeId)) ? i : undefined;
    }, 'an LND invoice with a route hint through us', 60_000);
    const r = await g2.cli('pay', inv.paymentRequest);
    expect(r.code, r.stderr).toBe(0);
    const paid = r.json as PaymentInfo;
    expect(paid, JSON.stringify(paid.failure)).toMatchObject({ status: 'succeeded', amountMsat: '40000000', destination: lnd.nodeId });
    expect(BigInt(paid.feeMsat!)).toBeGreaterThan(0n);
    await waitFor(async () => ((await lnd.lookupInvoice(inv.paymentHash)).state === 'SETTLED' ? true : undefined), 'LND settles its invoice');
    const fwd = await waitFor(async () => (await rig.api.listForwards({})).forwards.find((f) => f.paymentHash === inv.paymentHash && f.status === 'fulfilled'), 'our forward');
    expect(fwd).toMatchObject({ outChannelId: toLnd.channelId, outAmountMsat: '40000000', feeMsat: paid.feeMsat });
  }, 120_000);
});
