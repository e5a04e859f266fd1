/**
 * Onion messages routed over the gossip graph (issue 15 remaining item 5): four `glasswing daemon`
 * processes on btcd, A — B — C — D. B–C and C–D are public channels, announced at six
 * confirmations; A has no channel, is connected to B only, and learns the graph from B's gossip.
 * A then sends to D (by node id, to a blinded path introduced at D, and an offer's
 * invoice_request) with no `--via`: the messenger finds the relays B, C in the graph
 * (core/messenger/router.ts rule 4), each relay forwards, and D's reply comes back over the reply path.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FetchInvoiceResult, MessageLogEntry, OfferInfo, SendOnionMessageResult } from '../../core/api';
import { type Btcd, startBtcd, waitFor } from '../support/btcd';
import { mine } from '../support/chain-daemons';
import { deposit, rpcFlags, startWalletNode, synced, type WalletNode } from '../support/wallet-node';
import { StreamingCli } from './messenger-support';

const APP = '65537';

let btcd: Btcd;
let a: WalletNode;
let b: WalletNode;
let c: WalletNode;
let d: WalletNode;

async function connect(x: WalletNode, y: WalletNode): Promise<void> {
  const r = await x.cli('connect', y.daemon.address);
  expect(r.code, r.stderr).toBe(0);
  await waitFor(async () => ((await y.api.listPeers({})).peers.some((p) => p.nodeId === x.daemon.nodeId) ? true : undefined), 'connected');
}

async function openPublic(x: WalletNode, y: WalletNode): Promise<string> {
  const r = await x.cli('openchannel', y.daemon.nodeId, '600000', '--feerate', '2', '--public');
  expect(r.code, r.stderr).toBe(0);
  const { fundingTxid, channelId } = r.json as { fundingTxid: string; channelId: string };
  await waitFor(async () => ((await btcd.rpc<string[]>('getrawmempool')).includes(fundingTxid) ? true : undefined), 'the funding in the mempool');
  return channelId;
}

async function log(node: WalletNode, ...args: string[]): Promise<MessageLogEntry[]> {
  const r = await node.cli('listmessages', '--limit', '1000', ...args);
  expect(r.code, r.stderr).toBe(0);
  return (r.json as { messages: MessageLogEntry[] }).messages;
}

/** The next hops of every message the node has forwarded so far, oldest first. */
async function forwardedTo(node: WalletNode): Promise<string[]> {
  return (await log(node, '--outcome', 'forwarded')).map((m) => m.event.to as string);
}

beforeAll(async () => {
  btcd = await startBtcd();
  await btcd.mine(101);
  const args = [...rpcFlags(btcd), '--gossip-flush-ms', '300'];
  [a, b, c, d] = await Promise.all([0, 1, 2, 3].map(() => startWalletNode(btcd, { args })));
  for (const n of [a, b, c, d]) await synced(n.api, btcd);
  await deposit(b, btcd, 2_000_000n);
  await deposit(c, btcd, 2_000_000n);
  for (const n of [a, b, c, d]) await synced(n.api, btcd);
  await connect(a, b);
  await connect(b, c);
  await connect(d, c);
  const bc = await openPublic(b, c);
  const cd = await openPublic(c, d);
  await mine(btcd, 6, [a, b, c, d]);
  for (const [n, id] of [[b, bc], [c, bc], [c, cd], [d, cd]] as const) {
    await waitFor(async () => ((await n.api.listChannels({})).channels.find((x) => x.channelId === id)?.state === 'active' ? true : undefined), 'active', 60_000);
  }
  // A learns both channels and C's and D's node_announcements (their features) from B alone.
  await waitFor(async () => {
    const chans = (await a.api.listGraphChannels({})).channels;
    return chans.length === 2 && chans.every((x) => x.policies.every((p) => p !== null)) ? true : undefined;
  }, 'both public channels on A', 90_000);
  await waitFor(async () => {
    const named = (await a.api.listNodes({})).nodes.filter((n) => n.alias !== null).map((n) => n.nodeId);
    return [b, c, d].every((x) => named.includes(x.daemon.nodeId)) ? true : undefined;
  }, 'B\'s, C\'s and D\'s node announcements on A', 90_000);
}, 300_000);

describe('onion messages routed over the gossip graph (A knows only B)', () => {
  it('A is connected to B alone and has no address for D', async () => {
    expect((await a.api.listPeers({})).peers.map((p) => p.nodeId)).toEqual([b.daemon.nodeId]);
  }, 30_000);

  it('a message to D by node id travels A→B→C→D with no --via; D\'s reply comes back to A', async () => {
    const listener = new StreamingCli(['--datadir', d.daemon.datadir, 'listen', '--tlv', APP, '--reply', 'beef', '--count', '1']);
    await listener.waitFor((l) => l.listening === APP);
    const [bBefore, cBefore] = [await forwardedTo(b), await forwardedTo(c)];
    const sent = await a.cli('sendonionmessage', d.daemon.nodeId, '--tlv', `${APP}=cafe`, '--wait-reply', '60');
    expect(sent.code, sent.stderr).toBe(0);
    const result = sent.json as SendOnionMessageResult;
    expect(result).toMatchObject({ firstHop: b.daemon.nodeId, route: 'via', replyPath: true });
    expect(result.reply).toMatchObject({ from: b.daemon.nodeId, records: [{ type: APP, value: 'beef' }] });
    const received = await listener.waitFor((l) => l.value === 'cafe');
    expect(received).toMatchObject({ from: c.daemon.nodeId, tlvType: APP });
    expect((received.replyPath as string).startsWith(c.daemon.nodeId)).toBe(true); // introduced by C, the hop before D
    await listener.waitFor((l) => l.replied === received.messageId);
    expect(await listener.exited).toBe(0);
    // Each relay forwarded twice: the message on towards D, the reply back towards A.
    expect((await forwardedTo(b)).slice(bBefore.length)).toEqual([c.daemon.nodeId, a.daemon.nodeId]);
    expect((await forwardedTo(c)).slice(cBefore.length)).toEqual([d.daemon.nodeId, b.daemon.nodeId]);
    // A never connected to C or D: the graph route needs no new connection.
    expect((await a.api.listPeers({})).peers.map((p) => p.nodeId)).toEqual([b.daemon.nodeId]);
  }, 120_000);

  it('a message to a blinded path introduced at D (with a dummy hop) travels the same relays; the reply comes back', async () => {
    const made = await d.cli('createmessagepath', '--dummy-hops', '1');
    expect(made.code, made.stderr).toBe(0);
    const path = made.json as { path: string; introductionNodeId: string; hops: number };
    expect(path).toMatchObject({ introductionNodeId: d.daemon.nodeId, hops: 2 });
    const listener = new StreamingCli(['--datadir', d.daemon.datadir, 'listen', '--tlv', APP, '--reply', 'f00d', '--count', '1']);
    await listener.waitFor((l) => l.listening === APP);
    const [bBefore, cBefore] = [await forwardedTo(b), await forwardedTo(c)];
    const sent = await a.cli('sendonionmessage', path.path, '--tlv', `${APP}=0b0e`, '--wait-reply', '60');
    expect(sent.code, sent.stderr).toBe(0);
    const result = sent.json as SendOnionMessageResult;
    expect(result).toMatchObject({ firstHop: b.daemon.nodeId, route: 'via', replyPath: true });
    expect(result.reply).toMatchObject({ records: [{ type: APP, value: 'f00d' }] });
    const received = await listener.waitFor((l) => l.value === '0b0e');
    expect(received).toMatchObject({ from: c.daemon.nodeId, tlvType: APP });
    expect(await listener.exited).toBe(0);
    expect((await forwardedTo(b)).slice(bBefore.length)).toEqual([c.daemon.nodeId, a.daemon.nodeId]);
    expect((await forwardedTo(c)).slice(cBefore.length)).toEqual([d.daemon.nodeId, b.daemon.nodeId]);
  }, 120_000);

  it('A fetches the invoice for D\'s offer (no paths, issuer id D) over the graph route', async () => {
    const made = await d.cli('offer', '--description', 'over the graph', '--amount-msat', '1000');
    expect(made.code, made.stderr).toBe(0);
    const offer = (made.json as { offer: OfferInfo }).offer;
    expect(offer).toMatchObject({ issuerId: d.daemon.nodeId, paths: [] });
    const [bBefore, cBefore] = [await forwardedTo(b), await forwardedTo(c)];
    const r = await a.cli('fetchinvoice', offer.bolt12);
    expect(r.code, r.stderr).toBe(0);
    const fetched = r.json as FetchInvoiceResult;
    expect(fetched.sentVia).toEqual({ pathIndex: null, firstHop: b.daemon.nodeId });
    expect(fetched.invoice).toMatchObject({ role: 'received', amountMsat: '1000', nodeId: d.daemon.nodeId, offerId: offer.offerId });
    // The invoice_request on to D, the invoice back to A: both relays saw both.
    expect((await forwardedTo(b)).slice(bBefore.length)).toEqual([c.daemon.nodeId, a.daemon.nodeId]);
    expect((await forwardedTo(c)).slice(cBefore.length)).toEqual([d.daemon.nodeId, b.daemon.nodeId]);
  }, 120_000);
});
