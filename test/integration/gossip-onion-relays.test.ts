/**
 * Onion message routes over the gossip graph and what may relay them (issue 15 remaining item 3):
 * a real `glasswing daemon` M on btcd, fed a graph by raw BOLT 8 peers X and Y — channels funded
 * on chain (2-of-2 P2WSH of their bitcoin keys) among nodes that exist only as keys. M is
 * connected to X and Y alone; X's init does not offer option_onion_messages, Y's does, and the
 * other relays say so in their node_announcements (core/messenger/router.ts rule 4).
 *
 *   Z — X (no onion messages)         Y — Q — Z
 *   Y — P1 — P2 — P3 — W4             P3 — P4 — W5
 *
 * - To Z the shortest chain is X (one relay); X cannot relay onion messages, so M sends over Y, Q.
 * - To W4: four relays (Y, P1, P2, P3), MAX_GRAPH_HOPS: sent to Y.
 * - To W5: five relays, one too many, and no address to connect to: `messenger.no_route`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SendOnionMessageResult } from '../../core/api';
import { publicKeyFromPrivate, randomPrivateKey, toHex } from '../../core/crypto';
import { assembleChannelAnnouncement, createAnnouncementSignatures, fundingScriptPubkey, signNodeAnnouncement, unsignedChannelAnnouncement } from '../../core/gossip';
import { MAX_GRAPH_HOPS } from '../../core/messenger/router';
import { scriptToAddress } from '../../core/wallet';
import { FeatureVector, chainHash, formatShortChannelId, shortChannelIdFromParts, type ChannelAnnouncement } from '../../core/wire';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { RawPeer } from '../support/raw-peer';
import { rpcFlags, startWalletNode, synced, type WalletNode } from '../support/wallet-node';

const CHAIN = chainHash('regtest');
const APP = '65537';
/** BOLT 9: option_onion_messages, optional. */
const ONION_MESSAGES = 39;

interface Key { readonly secret: Uint8Array; readonly id: Uint8Array; readonly hex: string }
const keyOf = (secret: Uint8Array): Key => {
  const id = publicKeyFromPrivate(secret);
  return { secret, id, hex: toHex(id) };
};
const newKey = (): Key => keyOf(randomPrivateKey());

let btcd: Btcd;
let m: WalletNode;
let x: RawPeer;
let y: RawPeer;
const nodes: Record<'X' | 'Y' | 'Z' | 'Q' | 'P1' | 'P2' | 'P3' | 'P4' | 'W4' | 'W5', Key> = {} as never;

/** A raw peer connected to M whose init offers gossip_queries and, when asked, option_onion_messages. */
async function rawPeer(onionMessages: boolean): Promise<RawPeer> {
  const p = await RawPeer.open(m.daemon.listenPort);
  await p.handshake(m.daemon.nodeId, false);
  p.sendMessage({ type: 'init', globalFeatures: FeatureVector.EMPTY, features: FeatureVector.fromBits([0, 7, 8, 12, 14, ...(onionMessages ? [ONION_MESSAGES] : [])]), tlvs: {} });
  await p.waitFor((msg) => msg.type === 'init');
  return p;
}

/** The channel n1–n2, funded on chain to its bitcoin keys' 2-of-2, announced with all four signatures once its position is known. */
async function fundChannel(n1: Key, n2: Key): Promise<() => Promise<ChannelAnnouncement>> {
  const f1 = newKey();
  const f2 = newKey();
  const script = fundingScriptPubkey(f1.id, f2.id);
  const txid = await btcd.fund(scriptToAddress(script, 'regtest')!, 300_000n);
  const tx = await btcd.rpc<{ vout: { n: number; scriptPubKey: { hex: string } }[] }>('getrawtransaction', [txid, 1]);
  const vout = tx.vout.find((o) => o.scriptPubKey.hex === toHex(script))!.n;
  return async () => {
    const { blockhash } = await btcd.rpc<{ blockhash: string }>('getrawtransaction', [txid, 1]);
    const block = await btcd.rpc<{ height: number; tx: string[] }>('getblock', [blockhash, 1]);
    const scid = shortChannelIdFromParts(block.height, block.tx.indexOf(txid), vout);
    const u1 = unsignedChannelAnnouncement({ chainHash: CHAIN, shortChannelId: scid, localNodeId: n1.id, remoteNodeId: n2.id, localFundingPubkey: f1.id, remoteFundingPubkey: f2.id });
    const u2 = unsignedChannelAnnouncement({ chainHash: CHAIN, shortChannelId: scid, localNodeId: n2.id, remoteNodeId: n1.id, localFundingPubkey: f2.id, remoteFundingPubkey: f1.id });
    const channelId = new Uint8Array(32).fill(2);
    return assembleChannelAnnouncement(u1, createAnnouncementSignatures(u1, channelId, n1.secret, f1.secret), createAnnouncementSignatures(u2, channelId, n2.secret, f2.secret));
  };
}

beforeAll(async () => {
  btcd = await startBtcd();
  await btcd.mine(101);
  m = await startWalletNode(btcd, { args: [...rpcFlags(btcd), '--gossip-flush-ms', '300'] });
  await synced(m.api, btcd);
  x = await rawPeer(false);
  y = await rawPeer(true);
  nodes.X = keyOf(x.localKey);
  nodes.Y = keyOf(y.localKey);
  for (const name of ['Z', 'Q', 'P1', 'P2', 'P3', 'P4', 'W4', 'W5'] as const) nodes[name] = newKey();
  const pairs = [['Z', 'X'], ['Y', 'Q'], ['Q', 'Z'], ['Y', 'P1'], ['P1', 'P2'], ['P2', 'P3'], ['P3', 'W4'], ['P3', 'P4'], ['P4', 'W5']] as const;
  const pending = [];
  for (const [a, b] of pairs) pending.push(await fundChannel(nodes[a], nodes[b]));
  await btcd.mine(6);
  const announcements = await Promise.all(pending.map((announce) => announce()));
  await synced(m.api, btcd);
  // X hands M the whole graph (a gossip peer may relay any channel); M checks each funding output on chain.
  for (const a of announcements) x.sendMessage(a);
  const scids = announcements.map((a) => formatShortChannelId(a.shortChannelId));
  await waitFor(async () => {
    const known = new Set((await m.api.listGraphChannels({})).channels.map((c) => c.shortChannelId));
    return scids.every((s) => known.has(s)) ? true : undefined;
  }, 'the nine channels in M\'s graph', 60_000);
  // The relays that are not M's peers say in their node_announcement that they relay onion messages (no address).
  const nowSec = Math.floor(Date.now() / 1000);
  for (const name of ['Q', 'P1', 'P2', 'P3', 'P4'] as const) {
    x.sendMessage(signNodeAnnouncement({
      features: FeatureVector.fromBits([ONION_MESSAGES]).encode(), timestamp: nowSec, nodeId: nodes[name].id, rgbColor: new Uint8Array([1, 2, 3]),
      alias: new TextEncoder().encode(name.padEnd(32, '\0')), addresses: new Uint8Array(0),
    }, nodes[name].secret));
  }
  await waitFor(async () => {
    const named = new Set((await m.api.listNodes({})).nodes.filter((n) => n.alias !== null).map((n) => n.nodeId));
    return ['Q', 'P1', 'P2', 'P3', 'P4'].every((k) => named.has(nodes[k as 'Q'].hex)) ? true : undefined;
  }, 'the relays\' node announcements on M', 60_000);
}, 180_000);

afterAll(async () => {
  x?.destroy();
  y?.destroy();
  await m?.daemon.stop();
});

describe('onion message routes over the gossip graph', () => {
  it('go around a relay whose init does not offer option_onion_messages, though its chain is shorter', async () => {
    const sent = await m.cli('sendonionmessage', nodes.Z.hex, '--tlv', `${APP}=cafe`);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.json).toMatchObject({ firstHop: nodes.Y.hex, route: 'via' } satisfies Partial<SendOnionMessageResult>);
    await y.waitFor((msg) => msg.type === 'onion_message', 30_000);
    expect(x.received.some((msg) => msg.type === 'onion_message')).toBe(false);
  }, 60_000);

  it(`take at most ${MAX_GRAPH_HOPS} relays: a target ${MAX_GRAPH_HOPS} relays away is sent to, one ${MAX_GRAPH_HOPS + 1} away is no_route`, async () => {
    expect(MAX_GRAPH_HOPS).toBe(4);
    const before = y.received.filter((msg) => msg.type === 'onion_message').length;
    const near = await m.cli('sendonionmessage', nodes.W4.hex, '--tlv', `${APP}=0001`);
    expect(near.code, near.stderr).toBe(0);
    expect(near.json).toMatchObject({ firstHop: nodes.Y.hex, route: 'via' });
    await waitFor(() => (y.received.filter((msg) => msg.type === 'onion_message').length > before ? true : undefined), 'the message to W4 at Y');
    const far = await m.cli('sendonionmessage', nodes.W5.hex, '--tlv', `${APP}=0002`);
    expect(far.code).toBe(1);
    expect(far.json).toMatchObject({ error: { code: 'messenger.no_route' } });
  }, 60_000);
});
