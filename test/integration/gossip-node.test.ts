/**
 * Gossip in the running node (issue 15 item 5): a real `glasswing daemon` on a real btcd takes a
 * peer's channel_announcement only when the funding output its short_channel_id names is on the
 * chain, unspent and the 2-of-2 P2WSH of its bitcoin keys (BOLT 7); keeps the graph across a
 * restart (SQLite); and sends what it accepted to another peer that asked for it with its
 * gossip_timestamp_filter. The peers are raw BOLT 8 connections the test drives message by message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyFromPrivate, randomPrivateKey, toHex } from '../../core/crypto';
import {
  assembleChannelAnnouncement, createAnnouncementSignatures, fundingScriptPubkey, signChannelUpdate, signNodeAnnouncement, unsignedChannelAnnouncement,
} from '../../core/gossip';
import { scriptToAddress } from '../../core/wallet';
import {
  CHANNEL_FLAGS, FeatureVector, MESSAGE_FLAGS, chainHash, encodeAddressList, formatShortChannelId, shortChannelIdFromParts,
  type ChannelAnnouncement, type ChannelUpdate, type Message, type NodeAnnouncement,
} from '../../core/wire';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { RawPeer } from '../support/raw-peer';
import { restart, startWalletNode, rpcFlags, synced, type WalletNode } from '../support/wallet-node';

const CHAIN = chainHash('regtest');

interface Key { readonly secret: Uint8Array; readonly id: Uint8Array }
const newKey = (): Key => {
  const secret = randomPrivateKey();
  return { secret, id: publicKeyFromPrivate(secret) };
};

let btcd: Btcd;
let a: WalletNode;
const peers: RawPeer[] = [];

beforeAll(async () => {
  btcd = await startBtcd();
  await btcd.mine(101);
  a = await startWalletNode(btcd, { args: [...rpcFlags(btcd), '--gossip-flush-ms', '300'] });
  await synced(a.api, btcd);
}, 120_000);

afterAll(() => {
  for (const p of peers) p.destroy();
});

/** A raw peer connected to the node, offering gossip_queries (BOLT 9 bit 7) so the node asks it for gossip. */
async function gossipPeer(node: WalletNode): Promise<RawPeer> {
  const p = await RawPeer.open(node.daemon.listenPort);
  peers.push(p);
  await p.handshake(node.daemon.nodeId, false);
  p.sendMessage({ type: 'init', globalFeatures: FeatureVector.EMPTY, features: FeatureVector.fromBits([0, 7, 8, 11, 12, 14]), tlvs: {} });
  await p.waitFor((m) => m.type === 'init');
  return p;
}

/** Where a transaction's output sits: its short_channel_id. */
async function scidOf(txid: string, vout: number): Promise<bigint> {
  const tx = await btcd.rpc<{ blockhash: string }>('getrawtransaction', [txid, 1]);
  const block = await btcd.rpc<{ height: number; tx: string[] }>('getblock', [tx.blockhash, 1]);
  return shortChannelIdFromParts(block.height, block.tx.indexOf(txid), vout);
}

/** Two nodes' channel_announcement for `scid`, both sides' signatures assembled (BOLT 7). */
function announce(scid: bigint, n1: Key, n2: Key, f1: Key, f2: Key): ChannelAnnouncement {
  const u1 = unsignedChannelAnnouncement({ chainHash: CHAIN, shortChannelId: scid, localNodeId: n1.id, remoteNodeId: n2.id, localFundingPubkey: f1.id, remoteFundingPubkey: f2.id });
  const u2 = unsignedChannelAnnouncement({ chainHash: CHAIN, shortChannelId: scid, localNodeId: n2.id, remoteNodeId: n1.id, localFundingPubkey: f2.id, remoteFundingPubkey: f1.id });
  const channelId = new Uint8Array(32).fill(1);
  return assembleChannelAnnouncement(u1, createAnnouncementSignatures(u1, channelId, n1.secret, f1.secret), createAnnouncementSignatures(u2, channelId, n2.secret, f2.secret));
}

function channelUpdate(ann: ChannelAnnouncement, signer: Key, feeBaseMsat: number): ChannelUpdate {
  const direction = toHex(signer.id) === toHex(ann.nodeId1) ? 0 : 1;
  return signChannelUpdate({
    chainHash: CHAIN, shortChannelId: ann.shortChannelId, timestamp: Math.floor(Date.now() / 1000), messageFlags: MESSAGE_FLAGS.mustBeOne,
    channelFlags: direction & CHANNEL_FLAGS.direction, cltvExpiryDelta: 40, htlcMinimumMsat: 1000n, feeBaseMsat, feeProportionalMillionths: 10,
    htlcMaximumMsat: 400_000_000n,
  }, signer.secret);
}

function nodeAnnouncement(k: Key, alias: string): NodeAnnouncement {
  const aliasBytes = new Uint8Array(32);
  aliasBytes.set(new TextEncoder().encode(alias));
  return signNodeAnnouncement({
    features: new Uint8Array(0), timestamp: Math.floor(Date.now() / 1000), nodeId: k.id, rgbColor: new Uint8Array([0x12, 0x34, 0x56]), alias: aliasBytes,
    addresses: encodeAddressList([{ kind: 'ipv4', address: new Uint8Array([127, 0, 0, 1]), port: 9735 }]),
  }, k.secret);
}

describe('gossip in the node', () => {
  const x = newKey();
  const y = newKey();
  let good: ChannelAnnouncement;

  it('accepts a channel whose funding output is on chain and unspent, with its update and node announcement', async () => {
    const fx = newKey();
    const fy = newKey();
    const script = fundingScriptPubkey(fx.id, fy.id);
    const txid = await btcd.fund(scriptToAddress(script, 'regtest')!, 400_000n);
    // BOLT 7 asks for 6 confirmations.
    await btcd.mine(6);
    await synced(a.api, btcd);
    const raw = await btcd.rpc<{ vout: { n: number; scriptPubKey: { hex: string } }[] }>('getrawtransaction', [txid, 1]);
    const vout = raw.vout.find((o) => o.scriptPubKey.hex === toHex(script))!.n;
    good = announce(await scidOf(txid, vout), x, y, fx, fy);
    const p = await gossipPeer(a);
    // The node asks for gossip: a timestamp filter, and the channel range to catch up (BOLT 7).
    await p.waitFor((m) => m.type === 'gossip_timestamp_filter');
    await p.waitFor((m) => m.type === 'query_channel_range');
    p.sendMessage(good);
    p.sendMessage(channelUpdate(good, x, 1234));
    p.sendMessage(nodeAnnouncement(x, 'gossip-x'));
    const scid = formatShortChannelId(good.shortChannelId);
    const ch = await waitFor(async () => (await a.api.listGraphChannels({})).channels.find((c) => c.shortChannelId === scid), 'the channel in the graph');
    expect(ch.capacitySat).toBe('400000');
    expect([ch.nodeId1, ch.nodeId2].sort()).toEqual([toHex(x.id), toHex(y.id)].sort());
    const dir = toHex(x.id) === ch.nodeId1 ? 0 : 1;
    await waitFor(async () => (await a.api.listGraphChannels({})).channels.find((c) => c.shortChannelId === scid)?.policies[dir] ?? undefined, 'its update');
    const node = await waitFor(async () => (await a.api.listNodes({})).nodes.find((n) => n.nodeId === toHex(x.id) && n.alias !== null), 'the node announcement');
    expect(node).toMatchObject({ alias: 'gossip-x', color: '#123456', addresses: ['127.0.0.1:9735'], channels: 1 });
    const cli = await a.cli('listgraphchannels', toHex(y.id));
    expect(cli.code, cli.stderr).toBe(0);
    expect((cli.json as { channels: { shortChannelId: string }[] }).channels.map((c) => c.shortChannelId)).toEqual([scid]);
  }, 120_000);

  it('ignores announcements whose short_channel_id names a spent output or no output', async () => {
    const before = (await a.api.gossipInfo({})).outcomes;
    // The faucet's coin spent by a funding transaction: an output that exists and is spent.
    const txid = await btcd.fund(scriptToAddress(fundingScriptPubkey(newKey().id, newKey().id), 'regtest')!, 300_000n);
    await btcd.mine(6);
    await synced(a.api, btcd);
    const spentInput = (await btcd.rpc<{ vin: { txid: string; vout: number }[] }>('getrawtransaction', [txid, 1])).vin[0]!;
    const spent = announce(await scidOf(spentInput.txid, spentInput.vout), newKey(), newKey(), newKey(), newKey());
    // An output index the funding transaction does not have.
    const absent = announce(await scidOf(txid, 7), newKey(), newKey(), newKey(), newKey());
    const p = await gossipPeer(a);
    p.sendMessage(spent);
    p.sendMessage(absent);
    const after = await waitFor(async () => {
      const o = (await a.api.gossipInfo({})).outcomes;
      return (o['ignored.funding_spent'] ?? 0) > (before['ignored.funding_spent'] ?? 0) && (o['ignored.funding_not_found'] ?? 0) > (before['ignored.funding_not_found'] ?? 0) ? o : undefined;
    }, 'both announcements looked up and ignored');
    expect(after['ignored.funding_spent']).toBe((before['ignored.funding_spent'] ?? 0) + 1);
    const scids = (await a.api.listGraphChannels({})).channels.map((c) => c.shortChannelId);
    expect(scids).not.toContain(formatShortChannelId(spent.shortChannelId));
    expect(scids).not.toContain(formatShortChannelId(absent.shortChannelId));
  }, 120_000);

  it('relays what it accepted to a peer that asked with gossip_timestamp_filter', async () => {
    const p = await gossipPeer(a);
    p.sendMessage({ type: 'gossip_timestamp_filter', chainHash: CHAIN, firstTimestamp: 0, timestampRange: 0xffffffff });
    const isGood = (m: Message) => m.type === 'channel_announcement' && m.shortChannelId === good.shortChannelId;
    await p.waitFor(isGood);
    const upd = await p.waitFor((m) => m.type === 'channel_update' && m.shortChannelId === good.shortChannelId);
    expect(upd.type === 'channel_update' && upd.feeBaseMsat).toBe(1234);
    // BOLT 7: the announcement goes before its updates.
    expect(p.received.findIndex(isGood)).toBeLessThan(p.received.indexOf(upd));
  }, 60_000);

  it('keeps the graph across a restart', async () => {
    await a.daemon.stop();
    a = await restart(a);
    const scid = formatShortChannelId(good.shortChannelId);
    const ch = (await a.api.listGraphChannels({})).channels.find((c) => c.shortChannelId === scid);
    expect(ch?.capacitySat).toBe('400000');
    expect((await a.api.listNodes({})).nodes.find((n) => n.nodeId === toHex(x.id))?.alias).toBe('gossip-x');
  }, 120_000);
});
