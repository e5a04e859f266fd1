/**
 * The gossip manager receiving announcements and updates: every BOLT 7 receiver rule it applies,
 * the funding check through the lookup port, and the bounds against a flooding peer.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../core/crypto';
import { DEFAULT_GOSSIP_LIMITS, GossipManager } from '../../../core/gossip';
import type { GossipLimits } from '../../../core/gossip';
import { chainHash, encodeAddressList, encodeMessage } from '../../../core/wire';
import { CHAIN, NOW_MS, NOW_SEC, TestChain, channel, fundingTxidOf, feed, node, nodeAnnouncement, scid, update } from './support';

const PEER = node(90).hex;
const OTHER = node(91).hex;

function manager(limits: Partial<GossipLimits> = {}, opts: { fundingCheck?: 'lookup' | 'skip'; localNodeId?: Uint8Array } = {}) {
  const g = new GossipManager({ chainHash: CHAIN, nowMs: NOW_MS, limits, ...opts });
  g.peerConnected(PEER, { gossipQueries: false, gossipQueriesEx: false }, NOW_MS);
  g.peerConnected(OTHER, { gossipQueries: false, gossipQueriesEx: false }, NOW_MS);
  return g;
}

const ab = channel(node(1), node(2), scid(800_000, 10, 0));
const bc = channel(node(2), node(3), scid(800_001, 3, 1), { capacitySat: 500_000n });

describe('channel_announcement', () => {
  it('is looked up on chain and added when the output is the P2WSH of its bitcoin keys with enough confirmations', () => {
    const g = manager();
    const r = g.receive(PEER, ab.announcement, NOW_MS);
    expect(r.outcome).toEqual({ kind: 'pending', reason: 'funding_lookup' });
    expect(r.actions).toContainEqual({ kind: 'lookup_funding', shortChannelId: ab.scid });
    const f = g.fundingResult(ab.scid, new TestChain().fund(ab).lookup(ab.scid), NOW_MS);
    expect(f.outcome).toEqual({ kind: 'accepted' });
    const ch = g.graph.channel(ab.scid)!;
    expect(ch).toMatchObject({ nodeId1: ab.ends[0].hex, nodeId2: ab.ends[1].hex, capacitySat: 1_000_000n, policies: [null, null] });
    expect(ch.announcement).toEqual(encodeMessage(ab.announcement));
    expect(f.changes).toEqual([
      { kind: 'channel_added', shortChannelId: ab.scid, nodeId1: ab.ends[0].hex, nodeId2: ab.ends[1].hex, announcement: encodeMessage(ab.announcement), capacitySat: 1_000_000n, fundingTxid: fundingTxidOf(ab.scid), receivedAtMs: NOW_MS },
    ]);
    expect(g.graph.nodeCount).toBe(2);
  });

  it('is ignored when the funding output is missing, spent, another script, unconfirmed or the chain cannot say', () => {
    const cases = [
      [{ kind: 'not_found' }, 'funding_not_found'],
      [{ kind: 'spent' }, 'funding_spent'],
      [{ kind: 'unavailable' }, 'funding_unavailable'],
      [{ kind: 'unspent', scriptPubkey: new Uint8Array(34), amountSat: 1n, confirmations: 10 }, 'funding_mismatch'],
    ] as const;
    for (const [result, reason] of cases) {
      const g = manager({ lookupAttempts: 1 });
      g.receive(PEER, ab.announcement, NOW_MS);
      expect(g.fundingResult(ab.scid, result, NOW_MS).outcome).toEqual({ kind: 'ignored', reason });
      expect(g.graph.channelCount).toBe(0);
    }
    // "MAY accept the message if the output is close to 6 confirmations": 5 is enough by default.
    const g = manager();
    expect(feed(g, PEER, ab.announcement, new TestChain().fund(ab, 5)).fundingOutcomes).toEqual([{ kind: 'accepted' }]);
    // Fewer: it waits for the height that gives the output 5 (our chain lagging the peer's), and is ignored if that never comes.
    const short = manager();
    short.receive(PEER, ab.announcement, NOW_MS);
    expect(short.fundingResult(ab.scid, new TestChain().fund(ab, 4).lookup(ab.scid), NOW_MS).outcome).toEqual({ kind: 'pending', reason: 'awaiting_block' });
    short.tick(NOW_MS + DEFAULT_GOSSIP_LIMITS.pendingUpdateTtlMs + 1);
    expect(short.stats()).toMatchObject({ pendingAnnouncements: 0, outcomes: { 'ignored.funding_unconfirmed': 1 } });
  });

  it('waits for its block when our chain is behind the peer\'s (a few blocks at most), its held updates kept', () => {
    const g = manager();
    const block = Number(ab.scid >> 40n);
    g.blockHeight(block - 3);
    expect(g.receive(PEER, ab.announcement, NOW_MS).outcome).toEqual({ kind: 'pending', reason: 'funding_lookup' });
    expect(g.fundingResult(ab.scid, { kind: 'above_tip', tipHeight: block - 3 }, NOW_MS).outcome).toEqual({ kind: 'pending', reason: 'awaiting_block' });
    expect(g.receive(OTHER, ab.announcement, NOW_MS).outcome).toEqual({ kind: 'ignored', reason: 'duplicate' });
    expect(g.receive(PEER, update(ab, 1), NOW_MS).outcome).toEqual({ kind: 'pending', reason: 'awaiting_announcement' });
    // A stray answer while it waits changes nothing.
    expect(g.fundingResult(ab.scid, { kind: 'not_found' }, NOW_MS).outcome).toBeNull();
    // Looked up again at the height that gives the output its 5 confirmations.
    expect(g.blockHeight(block + 3).actions).toEqual([]);
    expect(g.blockHeight(block + 4).actions).toEqual([{ kind: 'lookup_funding', shortChannelId: ab.scid }]);
    expect(g.fundingResult(ab.scid, new TestChain().fund(ab).lookup(ab.scid), NOW_MS).outcome).toEqual({ kind: 'accepted' });
    expect(g.graph.channel(ab.scid)?.policies[1]?.message).toEqual(encodeMessage(update(ab, 1)));
    expect(g.stats().pendingAnnouncements).toBe(0);
  });

  it('is looked up again at once when our chain reached the height it waits for while the lookup was on its way', () => {
    const g = manager();
    const block = Number(ab.scid >> 40n);
    g.blockHeight(block + 3);
    g.receive(PEER, ab.announcement, NOW_MS);
    g.receive(PEER, update(ab, 0), NOW_MS);
    // The lookup counted 4 confirmations from the tip it started at; meanwhile our chain got the
    // block that gives 5 (and no block may come for a long while after it).
    expect(g.blockHeight(block + 4).actions).toEqual([]);
    const r = g.fundingResult(ab.scid, new TestChain().fund(ab, 4).lookup(ab.scid), NOW_MS);
    expect(r.outcome).toEqual({ kind: 'pending', reason: 'awaiting_block' });
    expect(r.actions).toEqual([{ kind: 'lookup_funding', shortChannelId: ab.scid }]);
    expect(g.fundingResult(ab.scid, new TestChain().fund(ab, 5).lookup(ab.scid), NOW_MS).outcome).toEqual({ kind: 'accepted' });
    expect(g.graph.channel(ab.scid)?.policies[0]).not.toBeNull();
    // An answer behind our chain for good (a source that keeps counting from an old tip) is not asked again without end.
    const h = manager({ lookupAttempts: 2 });
    h.blockHeight(block + 4);
    h.receive(PEER, ab.announcement, NOW_MS);
    expect(h.fundingResult(ab.scid, new TestChain().fund(ab, 4).lookup(ab.scid), NOW_MS).actions).toHaveLength(1);
    expect(h.fundingResult(ab.scid, new TestChain().fund(ab, 4).lookup(ab.scid), NOW_MS).actions).toEqual([]);
    expect(h.stats().pendingAnnouncements).toBe(1);
  });

  it('is ignored when its block is further above our tip than maxBlocksAhead, or its block never comes', () => {
    const g = manager({ maxBlocksAhead: 6 });
    const block = Number(ab.scid >> 40n);
    g.receive(PEER, ab.announcement, NOW_MS);
    expect(g.fundingResult(ab.scid, { kind: 'above_tip', tipHeight: block - 7 }, NOW_MS).outcome).toEqual({ kind: 'ignored', reason: 'funding_not_found' });
    g.receive(PEER, ab.announcement, NOW_MS);
    g.receive(PEER, update(ab, 0), NOW_MS);
    expect(g.fundingResult(ab.scid, { kind: 'above_tip', tipHeight: block - 6 }, NOW_MS).outcome).toEqual({ kind: 'pending', reason: 'awaiting_block' });
    g.tick(NOW_MS + DEFAULT_GOSSIP_LIMITS.pendingUpdateTtlMs);
    expect(g.stats().pendingAnnouncements).toBe(1);
    g.tick(NOW_MS + DEFAULT_GOSSIP_LIMITS.pendingUpdateTtlMs + 1);
    expect(g.stats()).toMatchObject({ pendingAnnouncements: 0, pendingUpdates: 0 });
    expect(g.blockHeight(block + 10).actions).toEqual([]);
  });

  it('is looked up again, later each time, while the chain source cannot answer; dropped after lookupAttempts', () => {
    const g = manager({ lookupAttempts: 3, lookupRetryMs: 5_000 });
    g.receive(PEER, ab.announcement, NOW_MS);
    expect(g.fundingResult(ab.scid, { kind: 'unavailable' }, NOW_MS).outcome).toEqual({ kind: 'pending', reason: 'lookup_retry' });
    const lookups = (t: number) => g.tick(t).actions.filter((a) => a.kind === 'lookup_funding');
    expect(lookups(NOW_MS + 4_999)).toEqual([]);
    expect(lookups(NOW_MS + 5_000)).toEqual([{ kind: 'lookup_funding', shortChannelId: ab.scid }]);
    expect(lookups(NOW_MS + 6_000)).toEqual([]);
    expect(g.fundingResult(ab.scid, { kind: 'unavailable' }, NOW_MS + 6_000).outcome).toEqual({ kind: 'pending', reason: 'lookup_retry' });
    expect(lookups(NOW_MS + 15_999)).toEqual([]);
    expect(lookups(NOW_MS + 16_000)).toHaveLength(1);
    expect(g.fundingResult(ab.scid, { kind: 'unavailable' }, NOW_MS + 16_000).outcome).toEqual({ kind: 'ignored', reason: 'funding_unavailable' });
    expect(g.stats().pendingAnnouncements).toBe(0);
    // An answer on a retry adds the channel.
    const g2 = manager();
    g2.receive(PEER, ab.announcement, NOW_MS);
    g2.fundingResult(ab.scid, { kind: 'unavailable' }, NOW_MS);
    expect(g2.tick(NOW_MS + DEFAULT_GOSSIP_LIMITS.lookupRetryMs).actions).toContainEqual({ kind: 'lookup_funding', shortChannelId: ab.scid });
    expect(g2.fundingResult(ab.scid, new TestChain().fund(ab).lookup(ab.scid), NOW_MS).outcome).toEqual({ kind: 'accepted' });
  });

  it('ignores another chain, a repeat, and node ids out of order', () => {
    const g = manager();
    const chain = new TestChain().fund(ab);
    expect(g.receive(PEER, { ...ab.announcement, chainHash: chainHash('mainnet') }, NOW_MS).outcome).toEqual({ kind: 'ignored', reason: 'wrong_chain' });
    feed(g, PEER, ab.announcement, chain);
    expect(g.receive(OTHER, ab.announcement, NOW_MS).outcome).toEqual({ kind: 'ignored', reason: 'duplicate' });
    const swapped = { ...ab.announcement, nodeId1: ab.announcement.nodeId2, nodeId2: ab.announcement.nodeId1 };
    expect(g.receive(PEER, swapped, NOW_MS).outcome).toEqual({ kind: 'ignored', reason: 'bad_node_order' });
    // While a lookup is pending, the same announcement again is a duplicate (one lookup only).
    const g2 = manager();
    g2.receive(PEER, bc.announcement, NOW_MS);
    const again = g2.receive(OTHER, bc.announcement, NOW_MS);
    expect(again.outcome).toEqual({ kind: 'ignored', reason: 'duplicate' });
    expect(again.actions).toEqual([]);
  });

  it('with an invalid signature is rejected with a warning, and never looked up', () => {
    const g = manager();
    const bad = { ...ab.announcement, bitcoinSignature2: ab.announcement.bitcoinSignature1 };
    const r = g.receive(PEER, bad, NOW_MS);
    expect(r.outcome).toEqual({ kind: 'rejected', reason: 'bad_signature' });
    expect(r.actions).toEqual([{ kind: 'warn', peer: PEER, text: expect.stringMatching(/bitcoin_signature_2/), disconnect: false }]);
    expect(g.stats().outcomes['rejected.bad_signature']).toBe(1);
  });

  it('blacklists all four nodes when one funding output is validly announced for other nodes, and forgets their channels', () => {
    const g = manager();
    const chain = new TestChain().fund(ab).fund(bc);
    feed(g, PEER, ab.announcement, chain);
    feed(g, PEER, bc.announcement, chain);
    // The same output (ab's scid) announced by nodes 4 and 5 with the same funding keys: keys leaked.
    const fake = channel(node(4), node(5), ab.scid);
    chain.fund(fake);
    const r = feed(g, OTHER, fake.announcement, chain);
    expect(r.fundingOutcomes).toEqual([{ kind: 'accepted' }]);
    for (const k of [node(1), node(2), node(4), node(5)]) expect(g.isBlacklisted(k.hex)).toBe(true);
    expect(g.graph.channelCount).toBe(0); // bc went too: node 2 is blacklisted
    expect(r.changes.filter((c) => c.kind === 'node_blacklisted')).toHaveLength(4);
    expect(r.events).toContainEqual(expect.objectContaining({ type: 'gossip.blacklisted' }));
    expect(g.receive(PEER, channel(node(1), node(6), scid(5)).announcement, NOW_MS).outcome).toEqual({ kind: 'ignored', reason: 'blacklisted' });
  });

  it('can skip the funding check (capacity unknown)', () => {
    const g = manager({}, { fundingCheck: 'skip' });
    expect(g.receive(PEER, ab.announcement, NOW_MS).outcome).toEqual({ kind: 'accepted' });
    expect(g.graph.channel(ab.scid)?.capacitySat).toBeNull();
  });

  it('notes unknown even channel features: kept and relayed, but not for routing', () => {
    const g = manager();
    const odd = channel(node(1), node(7), scid(9), { features: new Uint8Array([0x40, 0, 0, 0]) }); // bit 30: even, unassigned
    feed(g, PEER, odd.announcement, new TestChain().fund(odd));
    expect(g.graph.channel(odd.scid)?.unknownRequiredFeatures).toBe(true);
    expect([...g.graph.routingView().channelsOf(node(1).hex)]).toEqual([]);
  });
});

describe('channel_update', () => {
  function withChannel(limits: Partial<GossipLimits> = {}) {
    const g = manager(limits);
    feed(g, PEER, ab.announcement, new TestChain().fund(ab));
    return g;
  }

  it('sets the policy of its direction, verified with that end\'s key', () => {
    const g = withChannel();
    const u = update(ab, 1, { feeBaseMsat: 7, feeProportionalMillionths: 9, cltvExpiryDelta: 33 });
    const r = g.receive(PEER, u, NOW_MS);
    expect(r.outcome).toEqual({ kind: 'accepted' });
    expect(g.graph.channel(ab.scid)?.policies[1]).toMatchObject({ feeBaseMsat: 7n, feeProportionalMillionths: 9n, cltvExpiryDelta: 33, disabled: false, timestamp: NOW_SEC });
    expect(r.changes).toEqual([{ kind: 'channel_updated', shortChannelId: ab.scid, direction: 1, update: encodeMessage(u) }]);
  });

  it('keeps the newest: older is outdated, the same is a duplicate, the same second with other fields is a conflict', () => {
    const g = withChannel();
    g.receive(PEER, update(ab, 0, { timestamp: NOW_SEC - 10 }), NOW_MS);
    expect(g.receive(PEER, update(ab, 0, { timestamp: NOW_SEC - 20 }), NOW_MS).outcome).toEqual({ kind: 'ignored', reason: 'outdated' });
    expect(g.receive(OTHER, update(ab, 0, { timestamp: NOW_SEC - 10 }), NOW_MS).outcome).toEqual({ kind: 'ignored', reason: 'duplicate' });
    expect(g.receive(OTHER, update(ab, 0, { timestamp: NOW_SEC - 10, feeBaseMsat: 5 }), NOW_MS).outcome)
      .toEqual({ kind: 'ignored', reason: 'same_timestamp_conflict' });
    expect(g.receive(PEER, update(ab, 0, { timestamp: NOW_SEC - 5, feeBaseMsat: 5 }), NOW_MS).outcome).toEqual({ kind: 'accepted' });
    expect(g.graph.channel(ab.scid)?.policies[0]?.feeBaseMsat).toBe(5n);
  });

  it('ignores timestamps unreasonably far in the future or already stale, and other chains', () => {
    const g = withChannel();
    expect(g.receive(PEER, update(ab, 0, { timestamp: NOW_SEC + 2 * 86400 }), NOW_MS).outcome).toEqual({ kind: 'ignored', reason: 'too_far_in_future' });
    expect(g.receive(PEER, update(ab, 0, { timestamp: NOW_SEC - 15 * 86400 }), NOW_MS).outcome).toEqual({ kind: 'ignored', reason: 'stale' });
    expect(g.receive(PEER, { ...update(ab, 0), chainHash: chainHash('signet') }, NOW_MS).outcome).toEqual({ kind: 'ignored', reason: 'wrong_chain' });
  });

  it('with a bad signature (or signed by the other end) is rejected with a warning and a disconnect', () => {
    const g = withChannel();
    const wrongEnd = { ...update(ab, 0), channelFlags: 1 }; // claims direction 1, signed by node_id_1
    const r = g.receive(PEER, wrongEnd, NOW_MS);
    expect(r.outcome).toEqual({ kind: 'rejected', reason: 'bad_signature' });
    expect(r.actions).toEqual([{ kind: 'warn', peer: PEER, text: expect.any(String), disconnect: true }]);
    expect(g.graph.channel(ab.scid)?.policies).toEqual([null, null]);
  });

  it('arriving before its announcement is held, then checked and applied when the announcement is accepted', () => {
    const g = manager();
    const good = update(bc, 0);
    const forged = { ...update(bc, 1), feeBaseMsat: 1 }; // signature no longer matches
    expect(g.receive(PEER, good, NOW_MS).outcome).toEqual({ kind: 'pending', reason: 'awaiting_announcement' });
    expect(g.receive(OTHER, forged, NOW_MS).outcome).toEqual({ kind: 'pending', reason: 'awaiting_announcement' });
    expect(g.stats().pendingUpdates).toBe(2);
    const r = feed(g, PEER, bc.announcement, new TestChain().fund(bc));
    expect(g.graph.channel(bc.scid)?.policies[0]?.message).toEqual(encodeMessage(good));
    expect(g.graph.channel(bc.scid)?.policies[1]).toBeNull();
    expect(r.actions).toContainEqual({ kind: 'warn', peer: OTHER, text: expect.any(String), disconnect: true });
    expect(g.stats().pendingUpdates).toBe(0);
  });

  it('held from a peer that has since disconnected is still applied', () => {
    const g = manager();
    expect(g.receive(OTHER, update(bc, 1), NOW_MS).outcome.kind).toBe('pending');
    g.peerDisconnected(OTHER);
    feed(g, PEER, bc.announcement, new TestChain().fund(bc));
    expect(g.graph.channel(bc.scid)?.policies[1]?.message).toEqual(encodeMessage(update(bc, 1)));
    // The peer comes back: its count of held updates starts afresh and never goes negative.
    g.peerConnected(OTHER, { gossipQueries: false, gossipQueriesEx: false }, NOW_MS);
    expect(g.stats().pendingUpdates).toBe(0);
  });

  it('for unknown channels is held only up to the bounds, then ignored', () => {
    const g = manager({ maxPendingUpdates: 3, maxPendingUpdatesPerPeer: 2 });
    const chans = [1, 2, 3, 4].map((i) => channel(node(10 + i), node(20 + i), scid(100 + i)));
    expect(g.receive(PEER, update(chans[0]!, 0), NOW_MS).outcome.kind).toBe('pending');
    expect(g.receive(PEER, update(chans[1]!, 0), NOW_MS).outcome.kind).toBe('pending');
    expect(g.receive(PEER, update(chans[2]!, 0), NOW_MS).outcome).toEqual({ kind: 'ignored', reason: 'unknown_channel' }); // per peer
    expect(g.receive(OTHER, update(chans[2]!, 0), NOW_MS).outcome.kind).toBe('pending');
    expect(g.receive(OTHER, update(chans[3]!, 0), NOW_MS).outcome).toEqual({ kind: 'ignored', reason: 'unknown_channel' }); // global
    // A newer update replaces the held one without taking more room.
    expect(g.receive(PEER, update(chans[0]!, 0, { timestamp: NOW_SEC + 1 }), NOW_MS).outcome.kind).toBe('pending');
    expect(g.stats().pendingUpdates).toBe(3);
    // Held updates expire.
    g.prune(NOW_MS + 11 * 60_000);
    expect(g.stats().pendingUpdates).toBe(0);
  });

  it('for a spent channel only a disabling update is accepted', () => {
    const g = withChannel();
    g.fundingSpent(ab.scid, 900_000);
    expect(g.receive(PEER, update(ab, 0), NOW_MS).outcome).toEqual({ kind: 'ignored', reason: 'channel_spent' });
    expect(g.receive(PEER, update(ab, 0, { disabled: true }), NOW_MS).outcome).toEqual({ kind: 'accepted' });
  });

  it('for one of our unannounced channels is accepted from that peer only, kept aside, not stored', () => {
    const us = node(50);
    const peer = node(51);
    const g = new GossipManager({ chainHash: CHAIN, nowMs: NOW_MS, localNodeId: us.id });
    g.peerConnected(peer.hex, { gossipQueries: false, gossipQueriesEx: false }, NOW_MS);
    g.peerConnected(PEER, { gossipQueries: false, gossipQueriesEx: false }, NOW_MS);
    const priv = channel(us, peer, scid(1234), { capacitySat: 10_000n });
    const alias = 0xabcdefn;
    g.addLocalChannel([priv.scid, alias], peer.id);
    const theirDirection = priv.ends[0] === peer ? 0 : 1;
    const u = update(priv, theirDirection, { dontForward: true });
    expect(g.receive(PEER, u, NOW_MS).outcome).toEqual({ kind: 'ignored', reason: 'unknown_channel' });
    const r = g.receive(peer.hex, u, NOW_MS);
    expect(r.outcome).toEqual({ kind: 'accepted' });
    expect(r.changes).toEqual([]);
    expect(g.localChannelPolicy(priv.scid)?.message).toEqual(encodeMessage(u));
    const viaAlias = update({ ...priv, scid: alias }, theirDirection, { timestamp: NOW_SEC + 1 });
    expect(g.receive(peer.hex, viaAlias, NOW_MS).outcome).toEqual({ kind: 'accepted' });
    expect(g.localChannelPolicy(alias)?.timestamp).toBe(NOW_SEC + 1);
  });

  it('takes the peer\'s update that came before the channel was registered (held), and only one the peer signed', () => {
    const us = node(50);
    const peer = node(51);
    const g = new GossipManager({ chainHash: CHAIN, nowMs: NOW_MS, localNodeId: us.id });
    g.peerConnected(peer.hex, { gossipQueries: false, gossipQueriesEx: false }, NOW_MS);
    g.peerConnected(PEER, { gossipQueries: false, gossipQueriesEx: false }, NOW_MS);
    const priv = channel(us, peer, scid(1234), { capacitySat: 10_000n });
    const theirDirection = priv.ends[0] === peer ? 0 : 1;
    const early = update(priv, theirDirection, { dontForward: true });
    expect(g.receive(peer.hex, early, NOW_MS).outcome).toEqual({ kind: 'pending', reason: 'awaiting_announcement' });
    g.addLocalChannel([priv.scid], peer.id);
    expect(g.localChannelPolicy(priv.scid)?.message).toEqual(encodeMessage(early));

    // Held from somebody else (or for the other direction): not the peer's policy.
    const other = channel(us, peer, scid(1235), { capacitySat: 10_000n });
    expect(g.receive(PEER, update(other, theirDirection, { dontForward: true }), NOW_MS).outcome).toEqual({ kind: 'pending', reason: 'awaiting_announcement' });
    g.addLocalChannel([other.scid], peer.id);
    expect(g.localChannelPolicy(other.scid)).toBeNull();
  });
});

describe('node_announcement', () => {
  function withChannel() {
    const g = manager();
    feed(g, PEER, ab.announcement, new TestChain().fund(ab));
    return g;
  }

  it('is ignored for a node without a known channel', () => {
    expect(manager().receive(PEER, nodeAnnouncement(node(1)), NOW_MS).outcome).toEqual({ kind: 'ignored', reason: 'unknown_node' });
  });

  it('sets the node\'s alias, color and usable addresses; older or equal timestamps are ignored', () => {
    const g = withChannel();
    const m = nodeAnnouncement(node(1), {
      alias: 'IRATEMONK',
      addresses: [
        { kind: 'ipv4', address: new Uint8Array([1, 2, 3, 4]), port: 9735 },
        { kind: 'ipv4', address: new Uint8Array([5, 6, 7, 8]), port: 0 }, // port 0: ignored
        { kind: 'torv2', onion: new Uint8Array(10), port: 9735 }, // Tor v2: ignored
        { kind: 'dns', hostname: 'ln.example.com', port: 9735 },
      ],
    });
    expect(g.receive(PEER, m, NOW_MS).outcome).toEqual({ kind: 'accepted' });
    const info = g.graph.node(node(1).hex)!.info!;
    expect(info).toMatchObject({ alias: 'IRATEMONK', color: '#010203', relay: true, unknownRequiredFeatures: false });
    expect(info.addresses.map((a) => a.kind)).toEqual(['ipv4', 'dns']);
    expect(g.receive(OTHER, m, NOW_MS).outcome).toEqual({ kind: 'ignored', reason: 'duplicate' });
    expect(g.receive(OTHER, nodeAnnouncement(node(1), { timestamp: NOW_SEC - 1 }), NOW_MS).outcome).toEqual({ kind: 'ignored', reason: 'outdated' });
  });

  it('with two DNS names keeps the first and is not forwarded', () => {
    const g = withChannel();
    g.receive(PEER, nodeAnnouncement(node(2), {
      addresses: [{ kind: 'dns', hostname: 'a.example', port: 1 }, { kind: 'dns', hostname: 'b.example', port: 2 }],
    }), NOW_MS);
    const info = g.graph.node(node(2).hex)!.info!;
    expect(info.addresses).toEqual([{ kind: 'dns', hostname: 'a.example', port: 1 }]);
    expect(info.relay).toBe(false);
  });

  it('with addresses that do not fit addrlen, or a bad signature, is rejected with a warning', () => {
    const g = withChannel();
    const short = nodeAnnouncement(node(1), { rawAddresses: encodeAddressList([{ kind: 'ipv4', address: new Uint8Array(4), port: 1 }]).subarray(0, 5) });
    expect(g.receive(PEER, short, NOW_MS)).toMatchObject({ outcome: { kind: 'rejected', reason: 'bad_addresses' }, actions: [{ kind: 'warn', disconnect: false }] });
    const forged = { ...nodeAnnouncement(node(1)), timestamp: NOW_SEC + 5 };
    expect(g.receive(PEER, forged, NOW_MS).outcome).toEqual({ kind: 'rejected', reason: 'bad_signature' });
    expect(g.graph.node(node(1).hex)!.info).toBeNull();
  });

  it('keeps an alias that is not UTF-8 readable, and notes unknown even node features', () => {
    const g = withChannel();
    const alias = new Uint8Array(32);
    alias.set([0x68, 0x69, 0xff, 0xfe]); // "hi" then bytes that are not UTF-8
    g.receive(PEER, nodeAnnouncement(node(1), { features: new Uint8Array([0x40, 0, 0, 0]), aliasBytes: alias }), NOW_MS);
    expect(g.graph.node(node(1).hex)!.info!.alias).toBe('hi\ufffd\ufffd');
    expect(g.graph.node(node(1).hex)!.info!.unknownRequiredFeatures).toBe(true);
    expect(g.graph.routingView().canForward(node(1).hex)).toBe(false);
    expect(g.graph.routingView().canForward(node(2).hex)).toBe(true);
  });
});

describe('bounds', () => {
  it('charges a peer\'s unsolicited messages to its token bucket', () => {
    const g = manager({ peerMessageBurst: 2, peerMessagesPerSecond: 1 });
    const chain = new TestChain().fund(ab);
    feed(g, PEER, ab.announcement, chain); // 1
    expect(g.receive(PEER, update(ab, 0), NOW_MS).outcome.kind).toBe('accepted'); // 2
    expect(g.receive(PEER, update(ab, 1), NOW_MS).outcome).toEqual({ kind: 'ignored', reason: 'rate_limited' });
    // Another peer has its own bucket; time refills.
    expect(g.receive(OTHER, update(ab, 1), NOW_MS).outcome.kind).toBe('accepted');
    expect(g.receive(PEER, update(ab, 0, { timestamp: NOW_SEC + 1 }), NOW_MS + 1000).outcome.kind).toBe('accepted');
    // Duplicates cost nothing (checked before the signature).
    for (let i = 0; i < 5; i++) expect(g.receive(PEER, update(ab, 0, { timestamp: NOW_SEC + 1 }), NOW_MS + 1000).outcome.kind).toBe('ignored');
  });

  it('caps the graph and the announcements awaiting lookup', () => {
    const g = manager({ maxChannels: 1, maxPendingAnnouncements: 1 });
    g.receive(PEER, ab.announcement, NOW_MS);
    expect(g.receive(PEER, bc.announcement, NOW_MS).outcome).toEqual({ kind: 'ignored', reason: 'graph_full' });
    const g2 = manager({ maxPendingAnnouncements: 1 });
    g2.receive(PEER, ab.announcement, NOW_MS);
    expect(g2.receive(PEER, bc.announcement, NOW_MS).outcome).toEqual({ kind: 'ignored', reason: 'pending_full' });
    const g3 = manager({ maxNodes: 2 });
    const chain = new TestChain().fund(ab).fund(bc);
    feed(g3, PEER, ab.announcement, chain);
    expect(feed(g3, PEER, bc.announcement, chain).fundingOutcomes).toEqual([{ kind: 'ignored', reason: 'graph_full' }]);
  });

  it('ignores messages that are not gossip and refuses unknown peers', () => {
    const g = manager();
    expect(g.receive(PEER, { type: 'ping', numPongBytes: 1, ignored: new Uint8Array() }, NOW_MS).outcome).toEqual({ kind: 'ignored', reason: 'not_gossip' });
    expect(() => g.receive(toHex(new Uint8Array(33)), ab.announcement, NOW_MS)).toThrow(/not connected/);
  });
});

describe('a channel_update from a payment failure (BOLT 4)', () => {
  it('is checked against the graph but never applied to it', () => {
    const g = manager();
    feed(g, PEER, ab.announcement, new TestChain().fund(ab));
    const u = update(ab, 1, { feeBaseMsat: 4242 });
    const raw = encodeMessage(u);
    const checked = g.checkFailureUpdate(raw.subarray(2)); // without its type, as most nodes send it
    expect(checked).toMatchObject({ shortChannelId: ab.scid, direction: 1, policy: { feeBaseMsat: 4242n } });
    expect(g.checkFailureUpdate(raw)).toMatchObject({ direction: 1 });
    expect(g.graph.channel(ab.scid)?.policies[1]).toBeNull();
    expect(g.checkFailureUpdate(encodeMessage({ ...u, feeBaseMsat: 1 }))).toEqual({ error: 'invalid signature' });
    expect(g.checkFailureUpdate(encodeMessage(update(bc, 0)))).toEqual({ error: expect.stringMatching(/unknown channel/) });
    expect(g.checkFailureUpdate(new Uint8Array(5))).toEqual({ error: expect.stringMatching(/not a channel_update/) });
  });
});
