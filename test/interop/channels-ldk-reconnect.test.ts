/**
 * Reconnections with our LDK 0.2 test peer (test/interop/ldk-peer) on btcd (issue 14 item 5): a
 * channel we opened survives a disconnection and a kill -9 of our daemon — each time
 * channel_reestablish with LDK brings it back usable on both sides, with the same commitment numbers
 * and balances — and then closes cooperatively with our funds in the wallet to the satoshi.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChannelSummary, FundChannelResult, NodeApi } from '../../core/api';
import { startBtcd, waitFor, type Btcd } from '../support/btcd';
import { fundLdkPeer, startLdkPeer, type LdkPeer } from '../support/ldk-peer';
import { DaemonProcess } from '../support/daemon';
import { usableWithLdk } from '../support/interop-rig';
import { tempDir } from '../support/tmp';
import { deposit, expectCoinsOnChain, rpcFlags, synced, type WalletNode } from '../support/wallet-node';
import { feeOf, mineUntil, totalSat } from '../support/chain-daemons';

describe('reconnections with the LDK 0.2 peer', () => {
  let btcd: Btcd;
  let ldk: LdkPeer;
  let g: WalletNode;
  let api: NodeApi;

  const ours = async (channelId: string): Promise<ChannelSummary | undefined> => (await api.listChannels({})).channels.find((c) => c.channelId === channelId);
  const usableBoth = (channelId: string, what: string) => waitFor(() => usableWithLdk(api, ldk, channelId), what, 60_000);

  beforeAll(async () => {
    btcd = await startBtcd();
    await btcd.mine(101);
    ldk = await startLdkPeer(btcd);
    const daemon = new DaemonProcess(tempDir('glasswing-ldk-reconnect-'), rpcFlags(btcd));
    await daemon.start();
    api = await daemon.api();
    g = { daemon, api, cli: (...args) => daemon.cli(...args) };
    await synced(api, btcd);
    await deposit(g, btcd, 2_000_000n);
    await fundLdkPeer(btcd, ldk, 1_000_000n);
    await api.connect({ address: ldk.address });
    await waitFor(async () => ((await api.listPeers({})).peers.some((p) => p.nodeId === ldk.nodeId) ? true : undefined), 'connected');
  }, 240_000);

  it('a disconnection and a kill -9 of ours: channel_reestablish with LDK each time, the same state; then a cooperative close', async () => {
    const r = await g.cli('openchannel', ldk.nodeId, '600000', '--push-msat', '50000000', '--feerate', '2');
    expect(r.code, r.stderr).toBe(0);
    const opened = r.json as FundChannelResult;
    const active = await mineUntil(btcd, [g], () => usableWithLdk(api, ldk, opened.channelId), 'the channel usable on both sides');

    // 1. Disconnected: LDK marks the channel unusable; reconnected, reestablished with the same numbers.
    await api.disconnect({ nodeId: ldk.nodeId });
    await waitFor(async () => ((await ldk.listChannels()).find((c) => c.channel_id === opened.channelId)?.is_usable === false && (await ours(opened.channelId))?.state !== 'active' ? true : undefined), 'both sides see the channel offline');
    await api.connect({ address: ldk.address });
    const again = await usableBoth(opened.channelId, 'usable after the reconnection');
    expect(again).toMatchObject({ localCtn: active.localCtn, remoteCtn: active.remoteCtn, localBalanceMsat: active.localBalanceMsat, remoteBalanceMsat: active.remoteBalanceMsat });

    // 2. Our daemon killed (SIGKILL) and restarted from its SQLite file: it dials LDK again and reestablishes.
    await g.daemon.stop('SIGKILL');
    await waitFor(async () => ((await ldk.listChannels()).find((c) => c.channel_id === opened.channelId)?.is_usable === false ? true : undefined), 'LDK sees us gone');
    await g.daemon.start();
    api = await g.daemon.api();
    g = { daemon: g.daemon, api, cli: g.cli };
    await synced(api, btcd);
    if (!(await api.listPeers({})).peers.some((p) => p.nodeId === ldk.nodeId)) await api.connect({ address: ldk.address });
    const restarted = await usableBoth(opened.channelId, 'usable after the restart');
    expect(restarted).toMatchObject({ localCtn: active.localCtn, remoteCtn: active.remoteCtn, localBalanceMsat: active.localBalanceMsat });

    // The channel still works: a cooperative close, our 550,000 sat back less the fee (we opened, we pay it).
    const before = await totalSat(api);
    const closed = await g.cli('closechannel', opened.channelId);
    expect(closed.code, closed.stderr).toBe(0);
    const view = await mineUntil(btcd, [g], async () => {
      const v = (await api.listClosedChannels({})).channels.find((c) => c.channel.channelId === opened.channelId);
      return v?.onChain.closing?.kind === 'mutual' ? v : undefined;
    }, 'the cooperative close confirmed');
    const fee = await feeOf(btcd, view.onChain.closing!.txid);
    await waitFor(async () => ((await totalSat(api)) === before + 550_000n - fee ? true : undefined), 'our 550,000 sat less the closing fee in the wallet');
    await expectCoinsOnChain(api, btcd);
  }, 300_000);
});
