/**
 * bench/gossip: how fast the gossip core takes in gossip, next to the signature checks it cannot
 * avoid (one ECDSA verification per channel_update and node_announcement, four per
 * channel_announcement), measured in the same run; plus the graph-wide operations that scale with
 * the graph (answering query_channel_range for the whole chain, restoring a stored graph).
 */
import { ecdsaSign, ecdsaVerify, publicKeyFromPrivate, scalarFromHash, sha256, toHex } from '../core/crypto';
import {
  ChannelGraph, GossipManager, assembleChannelAnnouncement, createAnnouncementSignatures, fundingScriptPubkey, replyChannelRange,
  signChannelUpdate, unsignedChannelAnnouncement,
} from '../core/gossip';
import type { StoredGossipChannel } from '../core/gossip';
import { chainHash, encodeMessage, shortChannelIdFromParts } from '../core/wire';
import { measure, printTable } from './harness';

const key = (label: string): Uint8Array => scalarFromHash(sha256(new TextEncoder().encode(`bench/gossip/${label}`)));
const CHAIN = chainHash('regtest');
const NOW_SEC = 1_700_000_000;

export async function run(): Promise<void> {
  const sk = key('verify');
  const pk = publicKeyFromPrivate(sk);
  const digest = sha256(new Uint8Array(1));
  const sig = ecdsaSign(digest, sk);
  // The backend's speed is measured around each row and averaged, so the ratio survives a machine whose load drifts.
  const verifyOps = (): number => measure('ecdsa verify', () => void ecdsaVerify(sig, digest, pk), 0.5).opsPerSec;
  const v0 = verifyOps();

  // One channel, updated again and again (a new timestamp each time: every update is accepted).
  const [a, b, fa, fb] = ['a', 'b', 'fa', 'fb'].map(key) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  const scid = shortChannelIdFromParts(800_000, 1, 0);
  const params = (x: Uint8Array, y: Uint8Array, fx: Uint8Array, fy: Uint8Array) => ({
    chainHash: CHAIN, shortChannelId: scid, localNodeId: publicKeyFromPrivate(x), remoteNodeId: publicKeyFromPrivate(y),
    localFundingPubkey: publicKeyFromPrivate(fx), remoteFundingPubkey: publicKeyFromPrivate(fy),
  });
  const ua = unsignedChannelAnnouncement(params(a, b, fa, fb));
  const ub = unsignedChannelAnnouncement(params(b, a, fb, fa));
  const ann = assembleChannelAnnouncement(ua, createAnnouncementSignatures(ua, new Uint8Array(32), a, fa), createAnnouncementSignatures(ub, new Uint8Array(32), b, fb));
  const node1 = ua.localIsNode1 ? a : b;
  const funding = { kind: 'unspent' as const, scriptPubkey: fundingScriptPubkey(ann.bitcoinKey1, ann.bitcoinKey2), amountSat: 1_000_000n, confirmations: 10 };

  const peer = toHex(publicKeyFromPrivate(key('peer')));
  const fresh = () => {
    const g = new GossipManager({ chainHash: CHAIN, nowMs: NOW_SEC * 1000, limits: { peerMessagesPerSecond: 1e9, peerMessageBurst: 1e9 } });
    g.peerConnected(peer, { gossipQueries: false, gossipQueriesEx: false }, NOW_SEC * 1000);
    return g;
  };
  const annRaw = encodeMessage(ann);
  const announce = measure('channel_announcement in', () => {
    const g = fresh();
    g.receive(peer, ann, NOW_SEC * 1000, annRaw);
    g.fundingResult(scid, funding, NOW_SEC * 1000);
  }, 1).opsPerSec;
  const v1 = verifyOps();

  const g = fresh();
  g.receive(peer, ann, NOW_SEC * 1000, annRaw);
  g.fundingResult(scid, funding, NOW_SEC * 1000);
  const updates = Array.from({ length: 400 }, (_, i) => {
    const u = signChannelUpdate({
      chainHash: CHAIN, shortChannelId: scid, timestamp: NOW_SEC - 100_000 + i, messageFlags: 1, channelFlags: 0, cltvExpiryDelta: 40,
      htlcMinimumMsat: 1n, feeBaseMsat: i, feeProportionalMillionths: 1, htlcMaximumMsat: 1_000_000n,
    }, node1);
    return { u, raw: encodeMessage(u) };
  });
  let n = 0;
  const update = measure('channel_update in', () => {
    const x = updates[n++ % updates.length]!;
    if (n % updates.length === 0) g.graph.setPolicy(scid, 0, null); // start the timestamps over
    g.receive(peer, x.u, NOW_SEC * 1000, x.raw);
  }, 1).opsPerSec;
  const v2 = verifyOps();
  const verify = (v0 + v1 + v2) / 3;
  const duplicate = measure('duplicate channel_update in', () => void g.receive(peer, updates[0]!.u, NOW_SEC * 1000, updates[0]!.raw), 0.5).opsPerSec;

  // A mainnet-sized graph (no signatures needed for these two).
  const CHANNELS = 50_000;
  const graph = new ChannelGraph();
  const stored: StoredGossipChannel[] = [];
  const fakeAnn = new Uint8Array(annRaw);
  for (let i = 0; i < CHANNELS; i++) {
    const id = shortChannelIdFromParts(500_000 + Math.floor(i / 7), i % 7, 0);
    const n1 = '02' + (i % 9000).toString(16).padStart(64, '0');
    const n2 = '03' + ((i * 7) % 9000).toString(16).padStart(64, '0');
    graph.addChannel({ shortChannelId: id, nodeId1: n1, nodeId2: n2, capacitySat: 1n, features: new Uint8Array(), unknownRequiredFeatures: false, announcement: fakeAnn, receivedAtMs: 0 });
    // Restoring checks the announcement names the row's channel: patch scid and node ids into a copy.
    const a2 = fakeAnn.slice();
    new DataView(a2.buffer).setBigUint64(2 + 256 + 2 + 32, id);
    stored.push({ shortChannelId: id, nodeId1: toHex(a2.subarray(2 + 256 + 2 + 32 + 8, 2 + 256 + 2 + 32 + 8 + 33)), nodeId2: toHex(a2.subarray(2 + 256 + 2 + 32 + 8 + 33, 2 + 256 + 2 + 32 + 8 + 66)), announcement: a2, capacitySat: 1n, fundingTxid: null, receivedAtMs: 0, spentAtHeight: null, updates: [null, null] });
  }
  const t0 = performance.now();
  const replies = replyChannelRange(graph, { type: 'query_channel_range', chainHash: CHAIN, firstBlocknum: 0, numberOfBlocks: 0xffffffff, tlvs: { queryOption: 3n } }, CHAIN);
  const replyMs = performance.now() - t0;
  const t1 = performance.now();
  const restored = new GossipManager({ chainHash: CHAIN, nowMs: 0 });
  restored.restore({ channels: stored, nodes: [], blacklist: [] });
  const restoreMs = performance.now() - t1;

  printTable(
    ['operation', 'per second', 'signature checks', 'of bound'],
    [
      ['ecdsa verify (crypto backend)', verify, '1', '-'],
      ['channel_announcement accepted', announce, '4', (announce / ((v0 + v1) / 2 / 4)).toFixed(2)],
      ['channel_update accepted', update, '1', (update / ((v1 + v2) / 2)).toFixed(2)],
      ['duplicate channel_update dropped', duplicate, '0', '-'],
    ],
  );
  printTable(
    ['graph-wide (50,000 channels)', 'ms'],
    [
      [`reply_channel_range for the whole chain (${replies.length} replies, timestamps + checksums)`, replyMs],
      [`restore from stored rows (${restored.graph.channelCount} channels)`, restoreMs],
    ],
  );
}
