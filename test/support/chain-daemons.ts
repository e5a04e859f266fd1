/**
 * Helpers for tests of channels between real `glasswing daemon` processes on a real btcd
 * (test/support/wallet-node.ts): btcd's view of transactions (mempool, fees), mining with every
 * node followed to the new tip, waiting on a channel's listed state, and — TEST-ONLY — a cheater's
 * old commitment: a snapshot of the channel state a daemon stored in its SQLite file, and from it
 * that commitment and its HTLC transactions signed with the daemon's own keys (its seed file), as
 * a node that restored an old backup would broadcast them. Nothing in core/ or main/ can reach this.
 */
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import type { ChannelSummary, ClosedChannelInfo, FundChannelResult, NodeApi } from '../../core/api';
import { encodeTx, encodeWitnessSignature, p2pkh, p2wpkh, segwitV0Sighash, SIGHASH_ALL, txid, txidToHex, type Transaction } from '../../core/bitcoin';
import { ecdsaSign, fromHex, publicKeyFromPrivate, toHex } from '../../core/crypto';
import {
  buildCommitment, channelSignerFromNodeKey, commitmentSighash, counterpartyHtlcSighashType, finalizeCommitmentTx, finalizeHtlcTx, htlcTxSighash, type StoredChannel,
} from '../../core/channel';
import { DATABASE_FILE, loadOrCreateIdentity } from '../../core/store';
import { ChannelsRepository } from '../../core/store/channels-repository';
import { type Btcd, waitFor } from './btcd';
import { synced, type WalletNode } from './wallet-node';

export interface RawTx {
  readonly txid: string;
  readonly vin: readonly { readonly txid: string; readonly vout: number; readonly sequence: number }[];
  readonly vout: readonly { readonly value: number; readonly n: number }[];
}

export function sat(btc: number): bigint {
  return BigInt(Math.round(btc * 1e8));
}

export async function rawTx(btcd: Btcd, txid: string): Promise<RawTx> {
  return await btcd.rpc<RawTx>('getrawtransaction', [txid, 1]);
}

/** The fee of a transaction whose inputs btcd can look up. */
export async function feeOf(btcd: Btcd, txid: string): Promise<bigint> {
  const tx = await rawTx(btcd, txid);
  let inSat = 0n;
  for (const i of tx.vin) inSat += sat((await rawTx(btcd, i.txid)).vout[i.vout]!.value);
  return inSat - tx.vout.reduce((a, o) => a + sat(o.value), 0n);
}

export async function inMempool(btcd: Btcd, txid: string): Promise<boolean> {
  return (await btcd.rpc<string[]>('getrawmempool')).includes(txid);
}

/** Mines `n` blocks and waits for every running node to be in sync at the new tip. */
export async function mine(btcd: Btcd, n: number, nodes: readonly WalletNode[]): Promise<void> {
  await btcd.mine(n);
  for (const node of nodes) {
    if (node.daemon.child?.exitCode !== null || node.daemon.child.signalCode !== null) continue;
    await synced(node.api, btcd, 30_000 + n * 500);
  }
}

/**
 * Checks `check`; while it returns undefined, mines one block (every running node in `nodes` followed)
 * and checks again, up to `maxBlocks` blocks: for outcomes that need blocks (claims confirming, depths).
 */
export async function mineUntil<T>(btcd: Btcd, nodes: readonly WalletNode[], check: () => Promise<T | undefined>, what: string, maxBlocks = 30): Promise<T> {
  for (let i = 0; ; i++) {
    // A step the node takes on a block (a broadcast) may land just after its sync: look twice.
    const found = (await check()) ?? (await new Promise((r) => setTimeout(r, 300)).then(check));
    if (found !== undefined) return found;
    if (i === maxBlocks) throw new Error(`${what}: not after ${maxBlocks} blocks`);
    await mine(btcd, 1, nodes);
  }
}

/** Mines until btcd's mempool is empty (a block a test invalidates then holds only its own transactions). */
export async function drainMempool(btcd: Btcd): Promise<void> {
  for (let i = 0; i < 20 && (await btcd.rpc<string[]>('getrawmempool')).length > 0; i++) await btcd.mine(1);
}

export async function channelOf(api: NodeApi, channelId: string, check: (c: ChannelSummary) => boolean, what: string, timeoutMs = 30_000): Promise<ChannelSummary> {
  return await waitFor(async () => {
    const c = (await api.listChannels({})).channels.find((x) => x.channelId === channelId);
    return c && check(c) ? c : undefined;
  }, what, timeoutMs);
}

/** Waits until the channel's on-chain view satisfies `check`; a timeout names the last view seen. */
export async function closedOf(api: NodeApi, channelId: string, check: (c: ClosedChannelInfo) => boolean, what: string, timeoutMs = 30_000): Promise<ClosedChannelInfo> {
  let last: ClosedChannelInfo | undefined;
  try {
    return await waitFor(async () => {
      last = (await api.listClosedChannels({})).channels.find((x) => x.channel.channelId === channelId);
      return last && check(last) ? last : undefined;
    }, what, timeoutMs);
  } catch (e) {
    throw new Error(`${(e as Error).message}; last view: ${JSON.stringify(last?.onChain ?? null)}`);
  }
}

export async function totalSat(api: NodeApi): Promise<bigint> {
  return BigInt((await api.getBalance({})).totalSat);
}

/** Opens a channel from `a` to `b` through the CLI, mines its minimum depth and waits until both list it active. */
export async function openActive(btcd: Btcd, a: WalletNode, b: WalletNode, amountSat: bigint, pushMsat: bigint, extra: string[], nodes: readonly WalletNode[]): Promise<FundChannelResult> {
  const r = await a.cli('openchannel', b.daemon.nodeId, String(amountSat), '--push-msat', String(pushMsat), ...extra);
  if (r.code !== 0) throw new Error(`openchannel failed: ${r.stderr}`);
  const opened = r.json as FundChannelResult;
  await waitFor(async () => ((await inMempool(btcd, opened.fundingTxid)) ? true : undefined), 'the funding transaction in the mempool');
  await mine(btcd, opened.minimumDepth, nodes);
  for (const n of [a, b]) await channelOf(n.api, opened.channelId, (c) => c.lifecycle === 'active' && c.state === 'active', 'the channel active');
  return opened;
}

/** `x` connects to `y`; returns once `y` lists `x` among its peers. */
export async function connected(x: WalletNode, y: WalletNode): Promise<void> {
  await cliOk(x, 'connect', y.daemon.address);
  await waitFor(async () => ((await y.api.listPeers({})).peers.some((peer) => peer.nodeId === x.daemon.nodeId) ? true : undefined), 'connected');
}

/** `x` opens a 600,000 sat channel to `y` (at 2 sat/vB); returns once its funding is in btcd's mempool. */
export async function openToMempool(btcd: Btcd, x: WalletNode, y: WalletNode, ...flags: string[]): Promise<FundChannelResult> {
  const opened = await cliOk<FundChannelResult>(x, 'openchannel', y.daemon.nodeId, '600000', '--feerate', '2', ...flags);
  await waitFor(async () => ((await inMempool(btcd, opened.fundingTxid)) ? true : undefined), 'the funding in the mempool');
  return opened;
}

/** `glasswing … ARGS` that must succeed; its JSON output. */
export async function cliOk<T>(node: WalletNode, ...args: string[]): Promise<T> {
  const r = await node.cli(...args);
  if (r.code !== 0) throw new Error(`glasswing ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.json as T;
}

// ----- TEST-ONLY: the cheater's side ------------------------------------------------------------

/** The channel as the daemon in `datadir` stored it now (read-only; the daemon may be running). */
export function storedChannel(datadir: string, channelId: string): StoredChannel | undefined {
  const db = new BetterSqlite3(join(datadir, DATABASE_FILE), { readonly: true, fileMustExist: true });
  try {
    return new ChannelsRepository(db).loadChannel(channelId);
  } finally {
    db.close();
  }
}

export interface SignedCommitment {
  /** Our commitment of the snapshot, fully signed (hex, ready for sendrawtransaction). */
  readonly commitmentHex: string;
  readonly commitmentTxid: string;
  /** Each HTLC output's second-stage transaction (HTLC-timeout for HTLCs we offered, HTLC-success given the preimage), signed. */
  readonly htlcTxs: readonly { readonly kind: 'htlc_timeout' | 'htlc_success'; readonly locktime: number; readonly hex: string; readonly txid: string }[];
}

/** A P2WPKH coin the test holds the key of (e.g. `btcd.fund` to the faucet's own address): pays an anchors HTLC transaction's fee. */
export interface FeeCoin {
  readonly txid: string;
  readonly vout: number;
  readonly valueSat: bigint;
  readonly secret: Uint8Array;
  /** What the transaction pays (the rest comes back to the coin's script). */
  readonly feeSat: bigint;
}

/**
 * The daemon's local commitment in `snapshot`, signed with its funding key (the peer's signature
 * is the one stored with it), and its HTLC transactions: what a node running on that snapshot
 * would broadcast to close. `preimages` (hex payment hash → preimage) completes HTLC-success ones.
 * With option_anchors an HTLC transaction carries no fee (BOLT 3): give `feeCoin` and the first one
 * gets it as input 1 with its change as output 1 (the peer's signature is SIGHASH_SINGLE|ANYONECANPAY,
 * ours SIGHASH_ALL over the whole transaction), as the node's wallet would add it.
 */
export async function signSnapshotCommitment(
  datadir: string,
  snapshot: StoredChannel,
  preimages: ReadonlyMap<string, Uint8Array> = new Map(),
  feeCoin?: FeeCoin,
): Promise<SignedCommitment> {
  const { nodeKey } = await loadOrCreateIdentity(datadir);
  const s = snapshot.state;
  const signer = channelSignerFromNodeKey(nodeKey, snapshot.keyIndex);
  const point = signer.perCommitmentPoint(s.localCommit.ctn);
  const built = buildCommitment(s.params, 'local', s.localCommit.ctn, s.localCommit.spec, point);
  const ours = signer.signWithFundingKey(commitmentSighash(built.commitment, s.params.fundingSatoshis));
  const tx = finalizeCommitmentTx(built.commitment, s.params.local.basepoints.fundingPubkey, ours, s.params.remote.basepoints.fundingPubkey, s.localCommit.signature);
  let unspent = feeCoin;
  const htlcTxs = built.htlcTxs.flatMap((h, i) => {
    const ref = built.commitment.htlcOutputs[i]!.htlc;
    const preimage = h.kind === 'htlc_success' ? preimages.get(toHex(ref.paymentHash)) : undefined;
    if (h.kind === 'htlc_success' && !preimage) return [];
    const coin = unspent;
    if (coin && s.params.channelType === 'anchors') {
      unspent = undefined;
      const pub = publicKeyFromPrivate(coin.secret);
      // BIP 143: a P2WPKH input's scriptCode is the P2PKH script of its key.
      const script = p2pkh(pub);
      const change = { value: coin.valueSat - coin.feeSat, scriptPubKey: p2wpkh(pub) };
      const draft: Transaction = {
        ...h.tx,
        inputs: [h.tx.inputs[0]!, { prevout: { txid: fromHex(coin.txid).reverse(), vout: coin.vout }, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [] }],
        outputs: [h.tx.outputs[0]!, change],
      };
      const holder = signer.signWithHtlcKey(segwitV0Sighash(draft, 0, h.spentWitnessScript, h.spentValueSat, SIGHASH_ALL), point);
      const coinSig = ecdsaSign(segwitV0Sighash(draft, 1, script, coin.valueSat, SIGHASH_ALL), coin.secret);
      const remote = encodeWitnessSignature(s.localCommit.htlcSignatures[i]!, counterpartyHtlcSighashType(s.params.channelType));
      const last = h.kind === 'htlc_success' ? preimage! : new Uint8Array(0);
      const signedTx: Transaction = {
        ...draft,
        inputs: [
          { ...draft.inputs[0]!, witness: [new Uint8Array(0), remote, encodeWitnessSignature(holder, SIGHASH_ALL), last, h.spentWitnessScript] },
          { ...draft.inputs[1]!, witness: [encodeWitnessSignature(coinSig, SIGHASH_ALL), pub] },
        ],
      };
      return [{ kind: h.kind, locktime: h.tx.locktime, hex: toHex(encodeTx(signedTx)), txid: txidToHex(txid(signedTx)) }];
    }
    const holderSig = signer.signWithHtlcKey(htlcTxSighash(h, SIGHASH_ALL), point);
    const signed: Transaction = finalizeHtlcTx(h, s.params.channelType, s.localCommit.htlcSignatures[i]!, holderSig, preimage);
    return [{ kind: h.kind, locktime: h.tx.locktime, hex: toHex(encodeTx(signed)), txid: txidToHex(txid(signed)) }];
  });
  return { commitmentHex: toHex(encodeTx(tx)), commitmentTxid: txidToHex(txid(tx)), htlcTxs };
}
