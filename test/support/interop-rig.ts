/**
 * The shared setup of the interop files (channels and payments with LND and the LDK peer): a btcd
 * with a mature faucet, a `glasswing daemon` on it with coins in its wallet, and the chain helpers
 * those files use (mine and wait until the node is in sync, mine a block at a time until a condition
 * holds, a transaction's fee as btcd sees it, our channels by id or outpoint). `startInteropRig()`
 * in `beforeAll`; btcd and the daemon are stopped after the file.
 */
import type { ChannelSummary, ClosedChannelInfo, NodeApi } from '../../core/api';
import { startBtcd, waitFor, type Btcd } from './btcd';
import { DaemonProcess } from './daemon';
import { fundLnd, startLnd, type Lnd } from './lnd';
import { fundLdkPeer, startLdkPeer, type LdkPeer, type LdkPeerOptions } from './ldk-peer';
import { tempDir } from './tmp';
import { deposit, rpcFlags, synced, type WalletNode } from './wallet-node';

export interface InteropRig {
  readonly btcd: Btcd;
  readonly g: WalletNode;
  readonly api: NodeApi;
  /** Our wallet's total, in sat. */
  total(): Promise<bigint>;
  /** A transaction's fee from btcd's view of its inputs, in sat. */
  feeOf(txid: string): Promise<bigint>;
  /** Mines `n` blocks and waits until our node is in sync at the new tip. */
  mine(n: number): Promise<void>;
  /** Mines a block at a time until `check` holds (peers need their own confirmations and blocks). */
  mineUntil<T>(check: () => Promise<T | undefined>, what: string, maxBlocks?: number): Promise<T>;
  /** Our channel with this id, if we list it. */
  ours(channelId: string): Promise<ChannelSummary | undefined>;
  /** Our channel on this funding outpoint (`txid:vout`), if we list it. */
  byOutpoint(outpoint: string): Promise<ChannelSummary | undefined>;
  /** Our closed-channel view of this channel, if closed. */
  closedView(channelId: string): Promise<ClosedChannelInfo | undefined>;
  /** Another daemon on the same btcd, with `depositSat` in its wallet (0: none) and more `glasswing daemon` options. */
  addDaemon(name: string, depositSat?: bigint, args?: readonly string[]): Promise<WalletNode>;
}

export interface InteropRigOptions {
  /** btcd with TLS (LND needs it; daemons reach it through its plain-HTTP proxy). */
  readonly tls?: boolean;
  /** Our wallet's coins, in sat (default 3,000,000). */
  readonly depositSat?: bigint;
  /** The daemon's data directory prefix (in the temp dir). */
  readonly name?: string;
  /** More `glasswing daemon` options (e.g. `--fee-url`). */
  readonly daemonArgs?: readonly string[];
}

const sat = (btc: number) => BigInt(Math.round(btc * 1e8));

/** The daemon's chain flags for this btcd: plain HTTP RPC (through the proxy when btcd runs TLS). */
export async function chainFlags(btcd: Btcd): Promise<string[]> {
  if (!btcd.rpcCertPath) return rpcFlags(btcd);
  const port = await btcd.plainRpcPort();
  const url = btcd.rpcUrl.replace('https://', 'http://').replace(`:${btcd.rpcPort}`, `:${port}`);
  return ['--chain', 'bitcoind-rpc', '--rpc-url', url];
}

async function startOn(btcd: Btcd, name: string, depositSat: bigint, extraArgs: string[] = []): Promise<WalletNode> {
  const daemon = new DaemonProcess(tempDir(`glasswing-${name}-`), [...(await chainFlags(btcd)), ...extraArgs]);
  await daemon.start();
  const api = await daemon.api();
  const node: WalletNode = { daemon, api, cli: (...args) => daemon.cli(...args) };
  await synced(api, btcd);
  if (depositSat > 0n) await deposit(node, btcd, depositSat);
  return node;
}

/** btcd with 101 blocks mined, and our daemon on it, in sync, with coins. */
export async function startInteropRig(opts: InteropRigOptions = {}): Promise<InteropRig> {
  const btcd = await startBtcd(opts.tls ? { tls: true } : {});
  await btcd.mine(101);
  const g = await startOn(btcd, opts.name ?? 'interop', opts.depositSat ?? 3_000_000n, [...(opts.daemonArgs ?? [])]);
  const api = g.api;
  const others: WalletNode[] = [];
  const raw = (txid: string) => btcd.rpc<{ vin: { txid: string; vout: number }[]; vout: { value: number }[] }>('getrawtransaction', [txid, 1]);
  const mine = async (n: number) => {
    await btcd.mine(n);
    await Promise.all([g, ...others].map((x) => synced(x.api, btcd, 30_000 + n * 500)));
  };
  return {
    btcd,
    g,
    api,
    total: async () => BigInt((await api.getBalance({})).totalSat),
    async feeOf(txid) {
      const tx = await raw(txid);
      let inSat = 0n;
      for (const i of tx.vin) inSat += sat((await raw(i.txid)).vout[i.vout]!.value);
      return inSat - tx.vout.reduce((a, o) => a + sat(o.value), 0n);
    },
    mine,
    async mineUntil<T>(check: () => Promise<T | undefined>, what: string, maxBlocks = 20): Promise<T> {
      for (let i = 0; ; i++) {
        const v = await check();
        if (v !== undefined) return v;
        if (i >= maxBlocks) throw new Error(`${what}: not after ${maxBlocks} blocks`);
        await mine(1);
      }
    },
    ours: async (channelId) => (await api.listChannels({})).channels.find((c) => c.channelId === channelId),
    byOutpoint: async (outpoint) => (await api.listChannels({})).channels.find((c) => c.fundingOutpoint === outpoint),
    closedView: async (channelId) => (await api.listClosedChannels({})).channels.find((c) => c.channel.channelId === channelId),
    async addDaemon(name, depositSat = 0n, args = []) {
      const node = await startOn(btcd, name, depositSat, [...args]);
      others.push(node);
      return node;
    },
  };
}

/** Waits until our node lists `nodeId` among its connected peers. */
export async function peerConnected(api: NodeApi, nodeId: string, what = 'connected'): Promise<true> {
  return await waitFor(async () => ((await api.listPeers({})).peers.some((p) => p.nodeId === nodeId) ? true : undefined), what);
}

/**
 * An LND peer that forwards at the policy our invoices' route hints assume a peer charges (1,000
 * msat + 100 ppm, CLTV delta 40) and sends an scid alias in channel_ready (the id a hint names its
 * channel by): started, its wallet funded with `fundSat`, connected to our node.
 */
export async function startForwardingLnd(rig: InteropRig, alias: string, fundSat: bigint): Promise<Lnd> {
  const lnd = await startLnd(rig.btcd, {
    alias, args: ['--protocol.option-scid-alias', '--bitcoin.basefee=1000', '--bitcoin.feerate=100', '--bitcoin.timelockdelta=40'],
  });
  await fundLnd(rig.btcd, lnd, fundSat);
  await rig.api.connect({ address: lnd.address });
  await waitFor(async () => ((await lnd.listPeers()).includes(rig.g.daemon.nodeId) ? true : undefined), 'LND sees us');
  return lnd;
}

/** Our LDK 0.2 test peer (`opts.role`: plain by default): started on the rig's btcd, its wallet funded with `fundSat` (0: not), connected to our node. */
export async function startConnectedLdk(rig: InteropRig, fundSat: bigint, opts: LdkPeerOptions = {}): Promise<LdkPeer> {
  const ldk = await startLdkPeer(rig.btcd, opts);
  if (fundSat > 0n) await fundLdkPeer(rig.btcd, ldk, fundSat);
  await rig.api.connect({ address: ldk.address });
  await peerConnected(rig.api, ldk.nodeId);
  return ldk;
}

/** Our side of a channel with the LDK peer when both sides list it usable, else undefined. */
export async function usableWithLdk(api: NodeApi, ldk: LdkPeer, channelId: string | undefined): Promise<ChannelSummary | undefined> {
  if (!channelId) return undefined;
  const mine = (await api.listChannels({})).channels.find((c) => c.channelId === channelId);
  const theirs = (await ldk.listChannels()).find((c) => c.channel_id === channelId);
  return mine?.lifecycle === 'active' && mine.state === 'active' && theirs?.is_usable ? mine : undefined;
}

/** Mines until the channel `channelId()` names is usable on both sides (the id may be known only later). */
export function minedUsableWithLdk(rig: InteropRig, ldk: LdkPeer, channelId: () => Promise<string | undefined>): Promise<ChannelSummary> {
  return rig.mineUntil(async () => usableWithLdk(rig.api, ldk, await channelId()), 'the channel usable on both sides');
}
