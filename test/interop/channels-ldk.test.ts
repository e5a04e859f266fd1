/**
 * Channels between a Glasswing daemon and our LDK 0.2.7 test peer (test/interop/ldk-peer, built by
 * scripts/peers/ldk-peer.mjs) on btcd (issue 14 item 5). The LDK peer offers static_remotekey only
 * (no anchors): we accept and open that type. We open and LDK closes cooperatively; LDK opens and
 * we close cooperatively; LDK opens and force closes, and our to_remote is swept to our wallet;
 * we open and force close, and our to_local comes back after LDK's to_self_delay. Our wallet is
 * checked to the satoshi against btcd's view of the fees.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FundChannelResult, NodeApi } from '../../core/api';
import { waitFor, type Btcd } from '../support/btcd';
import type { LdkPeer } from '../support/ldk-peer';
import { minedUsableWithLdk, startConnectedLdk, startInteropRig, type InteropRig } from '../support/interop-rig';
import { expectCoinsOnChain, type WalletNode } from '../support/wallet-node';

describe('channels with the LDK 0.2 peer on btcd', () => {
  let btcd: Btcd;
  let ldk: LdkPeer;
  let g: WalletNode;
  let api: NodeApi;
  let rig: InteropRig;
  /** Both sides list the channel usable. */
  const activeBoth = (channelId: () => Promise<string | undefined>) => minedUsableWithLdk(rig, ldk, channelId);

  beforeAll(async () => {
    rig = await startInteropRig({ name: 'ldk-interop' });
    ({ btcd, g, api } = rig);
    ldk = await startConnectedLdk(rig, 3_000_000n);
  }, 240_000);

  it('we open (static_remotekey: the peer has no anchors); LDK closes cooperatively; our funds are back in the wallet', async () => {
    const r = await g.cli('openchannel', ldk.nodeId, '600000', '--push-msat', '50000000', '--feerate', '2');
    expect(r.code, r.stderr).toBe(0);
    const opened = r.json as FundChannelResult;
    expect(opened.channelType).not.toContain('anchors');
    await activeBoth(async () => opened.channelId);
    const before = await rig.total();
    await ldk.call('close_channel', { channel_id: opened.channelId });
    const view = await rig.mineUntil(async () => {
      const v = await rig.closedView(opened.channelId);
      return v?.onChain.closing?.kind === 'mutual' ? v : undefined;
    }, 'the cooperative close confirmed');
    const fee = await rig.feeOf(view.onChain.closing!.txid);
    await waitFor(async () => ((await rig.total()) === before + 550_000n - fee ? true : undefined), 'our 550,000 sat less the closing fee in the wallet');
    await rig.mineUntil(async () => ((await rig.ours(opened.channelId))?.lifecycle === 'closed' ? true : undefined), 'closed');
  }, 300_000);

  it('LDK opens to us (we are the fundee); we close cooperatively: our balance in the wallet, the fee paid by LDK', async () => {
    const before = await rig.total();
    const { temporary_channel_id: temp } = await ldk.call<{ temporary_channel_id: string }>('open_channel', { node_id: g.daemon.nodeId, amount_sat: 700_000, push_msat: 120_000_000 });
    expect(temp).toMatch(/^[0-9a-f]{64}$/);
    const c = await activeBoth(async () => (await ldk.listChannels()).find((x) => x.funding_txid !== null && !(x.is_outbound === false))?.channel_id);
    expect(c).toMatchObject({ funder: 'remote', capacitySat: '700000', localBalanceMsat: '120000000' });
    const closed = await g.cli('closechannel', c.channelId);
    expect(closed.code, closed.stderr).toBe(0);
    await rig.mineUntil(async () => ((await rig.closedView(c.channelId))?.onChain.closing?.kind === 'mutual' ? true : undefined), 'the cooperative close confirmed');
    await waitFor(async () => ((await rig.total()) === before + 120_000n ? true : undefined), 'our 120,000 sat in the wallet (LDK paid the fee)');
  }, 300_000);

  it('LDK opens and force closes: our to_remote is swept to the wallet', async () => {
    const before = await rig.total();
    await ldk.call('open_channel', { node_id: g.daemon.nodeId, amount_sat: 500_000, push_msat: 90_000_000 });
    const known = new Set((await api.listChannels({})).channels.map((x) => x.channelId));
    const c = await activeBoth(async () => (await ldk.listChannels()).find((x) => x.is_outbound && x.funding_txid !== null && !known.has(x.channel_id))?.channel_id);
    await ldk.call('close_channel', { channel_id: c.channelId, force: true });
    const view = await rig.mineUntil(async () => {
      const v = await rig.closedView(c.channelId);
      const toRemote = v?.onChain.outputs.find((o) => o.role === 'to_remote');
      return v?.onChain.closing?.kind === 'remote' && toRemote?.spentBy?.by === 'us' ? v : undefined;
    }, 'our to_remote swept');
    const toRemote = view.onChain.outputs.find((o) => o.role === 'to_remote')!;
    expect(toRemote.valueSat).toBe('90000');
    const sweepFee = await rig.feeOf(toRemote.spentBy!.txid);
    await waitFor(async () => ((await rig.total()) === before + 90_000n - sweepFee ? true : undefined), 'our 90,000 sat less the sweep fee in the wallet');
  }, 300_000);

  it('we force close: our commitment, to_local back in the wallet after LDK\'s to_self_delay', async () => {
    const r = await g.cli('openchannel', ldk.nodeId, '400000', '--feerate', '2');
    expect(r.code, r.stderr).toBe(0);
    const opened = r.json as FundChannelResult;
    await activeBoth(async () => opened.channelId);
    const before = await rig.total();
    // The peer away first, so the close is ours alone.
    await api.disconnect({ nodeId: ldk.nodeId });
    expect((await g.cli('closechannel', opened.channelId, '--force')).code).toBe(0);
    const local = await rig.mineUntil(async () => {
      const v = await rig.closedView(opened.channelId);
      return v?.onChain.closing?.kind === 'local' ? v : undefined;
    }, 'our commitment confirmed');
    const toLocal = local.onChain.outputs.find((o) => o.role === 'local_to_local')!;
    await rig.mine(Math.max(0, toLocal.maturesAt! - local.onChain.bestHeight));
    const swept = await rig.mineUntil(async () => {
      const o = (await rig.closedView(opened.channelId))?.onChain.outputs.find((x) => x.role === 'local_to_local');
      return o?.spentBy?.by === 'us' ? o : undefined;
    }, 'to_local swept', 10);
    const sweepFee = await rig.feeOf(swept.spentBy!.txid);
    await waitFor(async () => ((await rig.total()) === before + BigInt(toLocal.valueSat) - sweepFee ? true : undefined), 'to_local less the sweep fee in the wallet');
    await expectCoinsOnChain(api, btcd);
  }, 400_000);
});
