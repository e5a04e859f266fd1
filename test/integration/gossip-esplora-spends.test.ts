/**
 * Graph channels closed on chain, seen by a node on Esplora without fetching a block, and a close
 * reorganised out (issue 15): two real `glasswing daemon`s on one btcd — E on the Esplora-shaped
 * server of test/support/esplora.ts (filtered mode: headers only), R on btcd's JSON-RPC (blocks
 * mode: every block scanned) — take a public channel the test announces over raw BOLT 8 peers
 * (funded on chain as the 2-of-2 P2WSH of its bitcoin keys). Both are restarted with the
 * channel's funding txid erased from their SQLite files (a row from before migration 15): each
 * looks it up again by the short_channel_id and stores it. The test spends the funding output
 * with both funding keys: both nodes mark the channel spent at the spend's height (BOLT 7: "once
 * its funding output has been spent ... SHOULD forget a channel after a 72-block delay"), E through
 * `/tx/:txid/outspend/:vout` and never `/block/:hash/raw`. btcd's `invalidateblock` then takes the
 * spend's block away: both put the channel back as unspent (E across a restart too, from SQLite);
 * mined again in a new block, the spend is seen again; 72 blocks later the channel is forgotten,
 * and a reorganisation of the spend after that brings nothing back (gossip would).
 */
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ecdsaSign, publicKeyFromPrivate, randomPrivateKey, toHex } from '../../core/crypto';
import { SIGHASH_ALL, encodeTx, encodeWitnessSignature, p2wpkh, segwitV0Sighash, txidFromHex, type Transaction } from '../../core/bitcoin';
import { fundingScript } from '../../core/channel';
import { assembleChannelAnnouncement, createAnnouncementSignatures, fundingScriptPubkey, signChannelUpdate, unsignedChannelAnnouncement } from '../../core/gossip';
import { scriptToAddress } from '../../core/wallet';
import { DATABASE_FILE } from '../../core/store';
import { CHANNEL_FLAGS, FeatureVector, MESSAGE_FLAGS, chainHash, formatShortChannelId, shortChannelIdFromParts, type ChannelAnnouncement, type ChannelUpdate } from '../../core/wire';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { startEsplora, type EsploraShim } from '../support/esplora';
import { RawPeer } from '../support/raw-peer';
import { restart, rpcFlags, startWalletNode, synced, type WalletNode } from '../support/wallet-node';

const CHAIN = chainHash('regtest');
const CAPACITY = 400_000n;

interface Key { readonly secret: Uint8Array; readonly id: Uint8Array }
const newKey = (): Key => {
  const secret = randomPrivateKey();
  return { secret, id: publicKeyFromPrivate(secret) };
};

let btcd: Btcd;
let shim: EsploraShim;
let e: WalletNode;
let r: WalletNode;
const peers: RawPeer[] = [];

beforeAll(async () => {
  btcd = await startBtcd();
  shim = await startEsplora(btcd);
  await btcd.mine(101);
  [e, r] = await Promise.all([
    startWalletNode(btcd, { args: ['--chain', 'esplora', '--esplora-url', shim.url, '--gossip-flush-ms', '300'] }),
    startWalletNode(btcd, { args: [...rpcFlags(btcd), '--gossip-flush-ms', '300'] }),
  ]);
  await Promise.all([synced(e.api, btcd), synced(r.api, btcd)]);
}, 120_000);

afterAll(async () => {
  for (const p of peers) p.destroy();
  await Promise.all([e?.daemon.stop(), r?.daemon.stop()]);
  await shim?.close();
});

/** A raw peer connected to the node, offering gossip_queries (BOLT 9 bit 7). */
async function gossipPeer(node: WalletNode): Promise<RawPeer> {
  const p = await RawPeer.open(node.daemon.listenPort);
  peers.push(p);
  await p.handshake(node.daemon.nodeId, false);
  p.sendMessage({ type: 'init', globalFeatures: FeatureVector.EMPTY, features: FeatureVector.fromBits([0, 7, 8, 11, 12, 14]), tlvs: {} });
  await p.waitFor((m) => m.type === 'init');
  return p;
}

function announce(scid: bigint, n1: Key, n2: Key, f1: Key, f2: Key): ChannelAnnouncement {
  const u1 = unsignedChannelAnnouncement({ chainHash: CHAIN, shortChannelId: scid, localNodeId: n1.id, remoteNodeId: n2.id, localFundingPubkey: f1.id, remoteFundingPubkey: f2.id });
  const u2 = unsignedChannelAnnouncement({ chainHash: CHAIN, shortChannelId: scid, localNodeId: n2.id, remoteNodeId: n1.id, localFundingPubkey: f2.id, remoteFundingPubkey: f1.id });
  const channelId = new Uint8Array(32).fill(1);
  return assembleChannelAnnouncement(u1, createAnnouncementSignatures(u1, channelId, n1.secret, f1.secret), createAnnouncementSignatures(u2, channelId, n2.secret, f2.secret));
}

function channelUpdate(ann: ChannelAnnouncement, signer: Key): ChannelUpdate {
  const direction = toHex(signer.id) === toHex(ann.nodeId1) ? 0 : 1;
  return signChannelUpdate({
    chainHash: CHAIN, shortChannelId: ann.shortChannelId, timestamp: Math.floor(Date.now() / 1000), messageFlags: MESSAGE_FLAGS.mustBeOne,
    channelFlags: direction & CHANNEL_FLAGS.direction, cltvExpiryDelta: 40, htlcMinimumMsat: 1000n, feeBaseMsat: 1000, feeProportionalMillionths: 10,
    htlcMaximumMsat: 400_000_000n,
  }, signer.secret);
}

/** The funding output spent with both funding keys (BOLT 3 funding witness: 0 <sig1> <sig2> <script>, signatures in key order). */
function spendFunding(txid: string, vout: number, f1: Key, f2: Key): Uint8Array {
  const script = fundingScript(f1.id, f2.id);
  const unsigned: Transaction = {
    version: 2, locktime: 0,
    inputs: [{ prevout: { txid: txidFromHex(txid), vout }, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [] }],
    outputs: [{ value: CAPACITY - 2_000n, scriptPubKey: p2wpkh(newKey().id) }],
  };
  const digest = segwitV0Sighash(unsigned, 0, script, CAPACITY, SIGHASH_ALL);
  const [k1, k2] = toHex(f1.id) < toHex(f2.id) ? [f1, f2] : [f2, f1];
  const sigs = [k1, k2].map((k) => encodeWitnessSignature(ecdsaSign(digest, k.secret), SIGHASH_ALL));
  return encodeTx({ ...unsigned, inputs: [{ ...unsigned.inputs[0]!, witness: [new Uint8Array(0), sigs[0]!, sigs[1]!, script] }] });
}

const spentAt = async (node: WalletNode, scid: string): Promise<number | null | undefined> =>
  (await node.api.listGraphChannels({})).channels.find((c) => c.shortChannelId === scid)?.spentAtHeight;

/** The funding txid the node's SQLite file keeps for its graph channels (read-only; the daemon may be running). */
function storedFundingTxids(node: WalletNode): (string | null)[] {
  const db = new BetterSqlite3(join(node.daemon.datadir, DATABASE_FILE), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT funding_txid FROM gossip_channels').all() as { funding_txid: string | null }[]).map((row) => row.funding_txid);
  } finally {
    db.close();
  }
}

describe('graph channels closed on chain', () => {
  const x = newKey();
  const y = newKey();
  const fx = newKey();
  const fy = newKey();
  let scid = '';
  let fundingTxid = '';
  let vout = 0;
  let spendHeight = 0;

  it('are taken into both graphs (Esplora and JSON-RPC) from gossip', async () => {
    const script = fundingScriptPubkey(fx.id, fy.id);
    fundingTxid = await btcd.fund(scriptToAddress(script, 'regtest')!, CAPACITY);
    await btcd.mine(6);
    const tx = await btcd.rpc<{ blockhash: string; vout: { n: number; scriptPubKey: { hex: string } }[] }>('getrawtransaction', [fundingTxid, 1]);
    vout = tx.vout.find((o) => o.scriptPubKey.hex === toHex(script))!.n;
    const block = await btcd.rpc<{ height: number; tx: string[] }>('getblock', [tx.blockhash, 1]);
    const ann = announce(shortChannelIdFromParts(block.height, block.tx.indexOf(fundingTxid), vout), x, y, fx, fy);
    scid = formatShortChannelId(ann.shortChannelId);
    await Promise.all([synced(e.api, btcd), synced(r.api, btcd)]);
    for (const node of [e, r]) {
      const p = await gossipPeer(node);
      p.sendMessage(ann);
      p.sendMessage(channelUpdate(ann, x));
      p.sendMessage(channelUpdate(ann, y));
    }
    for (const node of [e, r]) {
      const ch = await waitFor(async () => (await node.api.listGraphChannels({})).channels.find((c) => c.shortChannelId === scid && c.policies.every((p) => p !== null)), 'the channel with both updates');
      expect(ch).toMatchObject({ capacitySat: CAPACITY.toString(), spentAtHeight: null });
    }
  }, 120_000);

  it('are checked after a restart that lost their funding txid (rows from before migration 15): it is resolved from the short_channel_id', async () => {
    for (const node of [e, r]) {
      await node.daemon.stop();
      // What a row stored before migration 15 (or by a node that had no chain) looks like.
      const db = new BetterSqlite3(join(node.daemon.datadir, DATABASE_FILE), { fileMustExist: true });
      db.prepare('UPDATE gossip_channels SET funding_txid = NULL').run();
      db.close();
    }
    [e, r] = await Promise.all([restart(e), restart(r)]);
    for (const node of [e, r]) {
      await synced(node.api, btcd);
      // Looked up by its short_channel_id (block, transaction index, output) and stored again.
      await waitFor(() => (storedFundingTxids(node)[0] === fundingTxid ? true : undefined), 'the funding txid resolved and stored');
      expect(node.daemon.logs.some((l) => l.includes('gossip_funding_resolved') && l.includes(scid))).toBe(true);
      expect(await spentAt(node, scid)).toBeNull();
    }
  }, 120_000);

  it('are marked spent at the spend\'s height when the funding output is spent — on Esplora without fetching a block', async () => {
    const outspendsBefore = shim.requests.get('/tx/:txid/outspend/:vout') ?? 0;
    await btcd.rpc('sendrawtransaction', [toHex(spendFunding(fundingTxid, vout, fx, fy))]);
    spendHeight = (await btcd.height()) + 1;
    await btcd.mine(1);
    for (const node of [e, r]) expect(await waitFor(async () => (await spentAt(node, scid)) ?? undefined, 'the channel spent')).toBe(spendHeight);
    expect(shim.requests.get('/tx/:txid/outspend/:vout') ?? 0).toBeGreaterThan(outspendsBefore);
    expect(shim.requests.get('/block/:hash/raw')).toBeUndefined();
  }, 120_000);

  it('are unspent again when the spend\'s block is reorganised out (across a restart too), and spent again when it is mined again', async () => {
    const spendBlock = await btcd.rpc<string>('getblockhash', [spendHeight]);
    // invalidateblock: the block leaves btcd's best chain; its spend goes back to the mempool.
    await btcd.rpc('invalidateblock', [spendBlock]);
    for (const node of [e, r]) {
      await synced(node.api, btcd);
      await waitFor(async () => ((await spentAt(node, scid)) === null ? true : undefined), 'the channel unspent again');
    }
    // The spend still waits in btcd's mempool: E asked again and keeps the channel open.
    await e.daemon.stop();
    e = await restart(e);
    expect(await spentAt(e, scid)).toBeNull();
    await synced(e.api, btcd);
    // Mined again in another block at the same height.
    const [again] = await btcd.mine(1);
    expect(again).not.toBe(spendBlock);
    for (const node of [e, r]) expect(await waitFor(async () => (await spentAt(node, scid)) ?? undefined, 'the channel spent again')).toBe(spendHeight);
    expect(shim.requests.get('/block/:hash/raw')).toBeUndefined();
  }, 120_000);

  it('are forgotten 72 blocks after the spend, and stay forgotten when the spend is reorganised out after that', async () => {
    await btcd.mine(71);
    for (const node of [e, r]) await synced(node.api, btcd);
    // 71 blocks on: still there (spent).
    for (const node of [e, r]) expect(await spentAt(node, scid)).toBe(spendHeight);
    await btcd.mine(1);
    for (const node of [e, r]) await waitFor(async () => ((await spentAt(node, scid)) === undefined ? true : undefined), 'the channel forgotten');
    // The spend's block and the 72 above it leave btcd's chain: nothing comes back.
    await btcd.rpc('invalidateblock', [await btcd.rpc<string>('getblockhash', [spendHeight])]);
    for (const node of [e, r]) {
      await synced(node.api, btcd);
      expect((await node.api.chainInfo({})).tip?.height).toBe(spendHeight - 1);
      expect(await spentAt(node, scid)).toBeUndefined();
    }
  }, 120_000);
});
