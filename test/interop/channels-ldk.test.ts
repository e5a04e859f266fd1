/**
 * Channels between a Glasswing daemon and our LDK 0.2.7 test peer (test/interop/ldk-peer, built by
 * scripts/peers/ldk-peer.mjs) on btcd (issue 14 item 5). The LDK peer offers static_remotekey only
 * (no anchors): we accept and open that type. We open and LDK closes cooperatively; LDK opens and
 * we close cooperatively; LDK opens and force closes, and our to_remote is swept to our wallet;
 * we open and force close, and our to_local comes back after LDK's to_self_delay. Our wallet is
 * checked to the satoshi against btcd's view of the fees.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChannelSummary, ClosedChannelInfo, FundChannelResult, NodeApi } from '../../core/api';
import { startBtcd, waitFor, type Btcd } from '../support/btcd';
import { fundLdkPeer, startLdkPeer, type LdkPeer } from '../support/ldk-peer';
import { DaemonProcess } from '../support/daemon';
import { tempDir } from '../support/tmp';
import { deposit, expectCoinsOnChain, rpcFlags, synced, type WalletNode } from '../support/wallet-node';

describe('channels with the LDK 0.2 peer on btcd', () => {
  let btcd: Btcd;
  let ldk: LdkPeer;
  let g: WalletNode;
  let api: NodeApi;

  const sat = (btc: number) => BigInt(Math.round(btc * 1e8));
  const raw = (txid: string) => btcd.rpc<{ vin: { txid: string; vout: number }[]; vout: { value: number }[] }>('getrawtransaction', [txid, 1]);
  async function feeOf(txid: string): Promise<bigint> {
    const tx = await raw(txid);
    let inSat = 0n;
    for (const i of tx.vin) inSat += sat((await raw(i.txid)).vout[i.vout]!.value);
    return inSat - tx.vout.reduce((a, o) => a + sat(o.value), 0n);
  }
  const total = async () => BigInt((await api.getBalance({})).totalSat);
  const mine = async (n: number) => {
    await btcd.mine(n);
    await synced(api, btcd, 30_000 + n * 500);
  };
  async function mineUntil<T>(check: () => Promise<T | undefined>, what: string, maxBlocks = 20): Promise<T> {
    for (let i = 0; ; i++) {
      const v = await check();
      if (v !== undefined) return v;
      if (i >= maxBlocks) throw new Error(`${what}: not after ${maxBlocks} blocks`);
      await mine(1);
    }
  }
  const byOutpoint = async (outpoint: string): Promise<ChannelSummary | undefined> => (await api.listChannels({})).channels.find((c) => c.fundingOutpoint === outpoint);
  const ours = async (channelId: string): Promise<ChannelSummary | undefined> => (await api.listChannels({})).channels.find((c) => c.channelId === channelId);
  const closedView = async (channelId: string): Promise<ClosedChannelInfo | undefined> => (await api.listClosedChannels({})).channels.find((c) => c.channel.channelId === channelId);
  /** Both sides list the channel usable. */
  const activeBoth = (channelId: () => Promise<string | undefined>) => mineUntil(async () => {
    const id = await channelId();
    const mine = id ? await ours(id) : undefined;
    const theirs = (await ldk.listChannels()).find((c) => c.channel_id === id);
    return mine?.lifecycle === 'active' && mine.state === 'active' && theirs?.is_usable ? mine : undefined;
  }, 'the channel usable on both sides');

  beforeAll(async () => {
    btcd = await startBtcd();
    await btcd.mine(101);
    ldk = await startLdkPeer(btcd);
    const daemon = new DaemonProcess(tempDir('glasswing-ldk-interop-'), rpcFlags(btcd));
    await daemon.start();
    api = await daemon.api();
    g = { daemon, api, cli: (...args) => daemon.cli(...args) };
    await synced(api, btcd);
    await deposit(g, btcd, 3_000_000n);
    await fundLdkPeer(btcd, ldk, 3_000_000n);
    await api.connect({ address: ldk.address });
    await waitFor(async () => ((await api.listPeers({})).peers.some((p) => p.nodeId === ldk.nodeId) ? true : undefined), 'connected');
  }, 240_000);

  it('we open (static_remotekey: the peer has no anchors); LDK closes cooperatively; our funds are back in the wallet', async () => {
    const r = await g.cli('openchannel', ldk.nodeId, '600000', '--push-msat', '50000000', '--feerate', '2');
    expect(r.code, r.stderr).toBe(0);
    const opened = r.json as FundChannelResult;
    expect(opened.channelType).not.toContain('anchors');
    await activeBoth(async () => opened.channelId);
    const before = await total();
    await ldk.call('close_channel', { channel_id: opened.channelId });
    const view = await mineUntil(async () => {
      const v = await closedView(opened.channelId);
      return v?.onChain.closing?.kind === 'mutual' ? v : undefined;
    }, 'the cooperative close confirmed');
    const fee = await feeOf(view.onChain.closing!.txid);
    await waitFor(async () => ((await total()) === before + 550_000n - fee ? true : undefined), 'our 550,000 sat less the closing fee in the wallet');
    await mineUntil(async () => ((await ours(opened.channelId))?.lifecycle === 'closed' ? true : undefined), 'closed');
  }, 300_000);

  it('LDK opens to us (we are the fundee); we close cooperatively: our balance in the wallet, the fee paid by LDK', async () => {
    const before = await total();
    const { temporary_channel_id: temp } = await ldk.call<{ temporary_channel_id: string }>('open_channel', { node_id: g.daemon.nodeId, amount_sat: 700_000, push_msat: 120_000_000 });
    expect(temp).toMatch(/^[0-9a-f]{64}$/);
    const c = await activeBoth(async () => (await ldk.listChannels()).find((x) => x.funding_txid !== null && !(x.is_outbound === false))?.channel_id);
    expect(c).toMatchObject({ funder: 'remote', capacitySat: '700000', localBalanceMsat: '120000000' });
    const closed = await g.cli('closechannel', c.channelId);
    expect(closed.code, closed.stderr).toBe(0);
    await mineUntil(async () => ((await closedView(c.channelId))?.onChain.closing?.kind === 'mutual' ? true : undefined), 'the cooperative close confirmed');
    await waitFor(async () => ((await total()) === before + 120_000n ? true : undefined), 'our 120,000 sat in the wallet (LDK paid the fee)');
  }, 300_000);

  it('LDK opens and force closes: our to_remote is swept to the wallet', async () => {
    const before = await total();
    await ldk.call('open_channel', { node_id: g.daemon.nodeId, amount_sat: 500_000, push_msat: 90_000_000 });
    const known = new Set((await api.listChannels({})).channels.map((x) => x.channelId));
    const c = await activeBoth(async () => (await ldk.listChannels()).find((x) => x.is_outbound && x.funding_txid !== null && !known.has(x.channel_id))?.channel_id);
    await ldk.call('close_channel', { channel_id: c.channelId, force: true });
    const view = await mineUntil(async () => {
      const v = await closedView(c.channelId);
      const toRemote = v?.onChain.outputs.find((o) => o.role === 'to_remote');
      return v?.onChain.closing?.kind === 'remote' && toRemote?.spentBy?.by === 'us' ? v : undefined;
    }, 'our to_remote swept');
    const toRemote = view.onChain.outputs.find((o) => o.role === 'to_remote')!;
    expect(toRemote.valueSat).toBe('90000');
    const sweepFee = await feeOf(toRemote.spentBy!.txid);
    await waitFor(async () => ((await total()) === before + 90_000n - sweepFee ? true : undefined), 'our 90,000 sat less the sweep fee in the wallet');
    void byOutpoint;
  }, 300_000);

  it('we force close: our commitment, to_local back in the wallet after LDK\'s to_self_delay', async () => {
    const r = await g.cli('openchannel', ldk.nodeId, '400000', '--feerate', '2');
    expect(r.code, r.stderr).toBe(0);
    const opened = r.json as FundChannelResult;
    await activeBoth(async () => opened.channelId);
    const before = await total();
    // The peer away first, so the close is ours alone.
    await api.disconnect({ nodeId: ldk.nodeId });
    expect((await g.cli('closechannel', opened.channelId, '--force')).code).toBe(0);
    const local = await mineUntil(async () => {
      const v = await closedView(opened.channelId);
      return v?.onChain.closing?.kind === 'local' ? v : undefined;
    }, 'our commitment confirmed');
    const toLocal = local.onChain.outputs.find((o) => o.role === 'local_to_local')!;
    await mine(Math.max(0, toLocal.maturesAt! - local.onChain.bestHeight));
    const swept = await mineUntil(async () => {
      const o = (await closedView(opened.channelId))?.onChain.outputs.find((x) => x.role === 'local_to_local');
      return o?.spentBy?.by === 'us' ? o : undefined;
    }, 'to_local swept', 10);
    const sweepFee = await feeOf(swept.spentBy!.txid);
    await waitFor(async () => ((await total()) === before + BigInt(toLocal.valueSat) - sweepFee ? true : undefined), 'to_local less the sweep fee in the wallet');
    await expectCoinsOnChain(api, btcd);
  }, 400_000);
});
