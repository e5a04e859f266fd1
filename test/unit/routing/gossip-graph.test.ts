/**
 * Pathfinding over a graph learned through gossip: the gossip layer's routing view is a
 * `RoutingGraph` (checked by the compiler here, since neither layer imports the other), and a
 * failure's channel_update checked by the gossip layer steers a retry without touching the graph.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../core/crypto';
import { GossipManager } from '../../../core/gossip';
import { FailureMemory, findRoute } from '../../../core/routing';
import type { RoutingGraph } from '../../../core/routing';
import { encodeMessage } from '../../../core/wire';
import { CHAIN, NOW_MS, NOW_SEC, TestChain, channel, feed, node, scid, update } from '../gossip/support';

describe('routing over the gossip graph', () => {
  const [s, a, b, t] = [node(1), node(2), node(3), node(4)];
  const sa = channel(s, a, scid(700_000, 1));
  const at = channel(a, t, scid(700_001, 1));
  const sb = channel(s, b, scid(700_002, 1));
  const bt = channel(b, t, scid(700_003, 1));
  const chain = new TestChain().fund(sa).fund(at).fund(sb).fund(bt);
  const dir = (ch: typeof sa, from: typeof s) => (ch.ends[0] === from ? 0 : 1);

  function learned() {
    const g = new GossipManager({ chainHash: CHAIN, nowMs: NOW_MS });
    const peer = node(90).hex;
    g.peerConnected(peer, { gossipQueries: false, gossipQueriesEx: false }, NOW_MS);
    for (const ch of [sa, at, sb, bt]) {
      feed(g, peer, ch.announcement, chain);
      for (const d of [0, 1] as const) feed(g, peer, update(ch, d, { feeBaseMsat: 10, feeProportionalMillionths: 0, cltvExpiryDelta: 20 }), chain);
    }
    // A charges less than B towards T.
    feed(g, peer, update(at, dir(at, a), { timestamp: NOW_SEC + 1, feeBaseMsat: 5, feeProportionalMillionths: 0, cltvExpiryDelta: 20 }), chain);
    return g;
  }

  it('finds the cheaper route through the gossip layer\'s view', () => {
    const g = learned();
    const view: RoutingGraph = g.graph.routingView();
    const r = findRoute({ graph: view, source: s.id, destination: t.id, amountMsat: 100_000n, finalCltvExpiryDelta: 18 });
    expect(r.hops.map((h) => toHex(h.nodeId))).toEqual([a.hex, t.hex]);
    expect(r.hops[0]).toMatchObject({ shortChannelId: sa.scid, amountMsat: 100_005n, cltvExpiryDelta: 38 });
  });

  it('retries around a fee_insufficient with the failure\'s newer update, which the graph never sees', () => {
    const g = learned();
    const newer = update(at, dir(at, a), { timestamp: NOW_SEC + 2, feeBaseMsat: 500, feeProportionalMillionths: 0, cltvExpiryDelta: 20 });
    const checked = g.checkFailureUpdate(encodeMessage(newer).subarray(2));
    if ('error' in checked) throw new Error(checked.error);
    const memory = new FailureMemory();
    memory.reportFailure({ kind: 'policy', shortChannelId: checked.shortChannelId, from: a.hex, policy: checked.policy }, NOW_MS);
    const r = findRoute({ graph: g.graph.routingView(), source: s.id, destination: t.id, amountMsat: 100_000n, penalties: memory.penalties(NOW_MS) });
    expect(r.hops.map((h) => toHex(h.nodeId))).toEqual([b.hex, t.hex]);
    expect(g.graph.channel(at.scid)!.policies[dir(at, a)]!.feeBaseMsat).toBe(5n);
  });
});
