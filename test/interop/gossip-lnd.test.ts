/**
 * Gossip with LND (v0.21, built by scripts/peers/lnd.mjs) on one btcd (issue 15 item 5, issue 14
 * item 1): we open a public channel to LND; at six confirmations each side sends its
 * announcement_signatures. LND accepts ours (the channel is in LND's graph with our channel_update
 * and our node_announcement's alias), and we accept LND's gossip (the channel in our graph with
 * LND's channel_update, and LND's node_announcement).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FundChannelResult, NodeApi } from '../../core/api';
import { startBtcd, waitFor, type Btcd } from '../support/btcd';
import { fundLnd, lndBinary, startLnd, type Lnd } from '../support/lnd';
import { DaemonProcess } from '../support/daemon';
import { tempDir } from '../support/tmp';
import { deposit, synced, type WalletNode } from '../support/wallet-node';

const haveLnd = lndBinary() !== null;

interface LndPolicy { fee_base_msat?: string; fee_rate_milli_msat?: string; time_lock_delta?: number; disabled?: boolean }
interface LndGraph {
  nodes: { pub_key: string; alias: string }[];
  edges: { channel_id: string; chan_point: string; node1_pub: string; node2_pub: string; capacity: string; node1_policy: LndPolicy | null; node2_policy: LndPolicy | null }[];
}

describe.skipIf(!haveLnd)('gossip with LND on btcd', () => {
  let btcd: Btcd;
  let lnd: Lnd;
  let g: WalletNode;
  let api: NodeApi;

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

  beforeAll(async () => {
    btcd = await startBtcd({ tls: true });
    await btcd.mine(101);
    lnd = await startLnd(btcd, { alias: 'lnd-gossip' });
    const port = await btcd.plainRpcPort();
    const url = btcd.rpcUrl.replace('https://', 'http://').replace(`:${btcd.rpcPort}`, `:${port}`);
    const daemon = new DaemonProcess(tempDir('glasswing-lnd-gossip-'), ['--chain', 'bitcoind-rpc', '--rpc-url', url, '--gossip-flush-ms', '300', '--alias', 'glasswing-gossip']);
    await daemon.start();
    api = await daemon.api();
    g = { daemon, api, cli: (...args) => daemon.cli(...args) };
    await synced(api, btcd);
    await deposit(g, btcd, 3_000_000n);
    await fundLnd(btcd, lnd, 3_000_000n);
    await api.connect({ address: lnd.address });
    await waitFor(async () => ((await lnd.listPeers()).includes(g.daemon.nodeId) ? true : undefined), 'LND sees us');
  }, 240_000);

  it('a public channel to LND: each side accepts the other\'s announcement, updates and node announcement', async () => {
    const r = await g.cli('openchannel', lnd.nodeId, '600000', '--feerate', '2', '--public');
    expect(r.code, r.stderr).toBe(0);
    const opened = r.json as FundChannelResult;
    const point = `${opened.fundingTxid}:${opened.fundingOutputIndex}`;
    const edge = await mineUntil(async () => {
      const graph = await lnd.rest<LndGraph>('GET', '/v1/graph');
      const e = graph.edges.find((x) => x.chan_point === point);
      const ourPolicy = e && (e.node1_pub === g.daemon.nodeId ? e.node1_policy : e.node2_policy);
      return e && ourPolicy?.fee_base_msat !== undefined && graph.nodes.some((n) => n.pub_key === g.daemon.nodeId && n.alias === 'glasswing-gossip') ? e : undefined;
    }, 'the channel with our update and our node announcement in LND\'s graph');
    expect(edge.capacity).toBe('600000');
    const ours = edge.node1_pub === g.daemon.nodeId ? edge.node1_policy! : edge.node2_policy!;
    expect(ours).toMatchObject({ fee_base_msat: '1000', fee_rate_milli_msat: '100', time_lock_delta: 40 });

    const scid = (await api.listChannels({})).channels.find((c) => c.channelId === opened.channelId)!.shortChannelId!;
    const lndIs1 = lnd.nodeId < g.daemon.nodeId;
    const mineSide = await mineUntil(async () => {
      const c = (await api.listGraphChannels({})).channels.find((x) => x.shortChannelId === scid);
      return c?.policies[lndIs1 ? 0 : 1] ? c : undefined;
    }, 'LND\'s update in our graph', 10);
    expect(mineSide.capacitySat).toBe('600000');
    const lndNode = await waitFor(async () => (await api.listNodes({})).nodes.find((n) => n.nodeId === lnd.nodeId && n.alias !== null), 'LND\'s node announcement in our graph', 60_000);
    expect(lndNode.alias).toBe('lnd-gossip');
    const info = await api.gossipInfo({});
    expect(Object.keys(info.outcomes).filter((k) => k.startsWith('rejected.'))).toEqual([]);
  }, 300_000);
});
