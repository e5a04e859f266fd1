import { describe, expect, it } from 'vitest';
import { toHex } from '../../../core/crypto';
import { AttemptMemory, FailureMemory, RoutingError, findRoute } from '../../../core/routing';
import type { Route, RouteRequest } from '../../../core/routing';
import { TestGraph, hex, id, policy } from './support';

const names = (r: Route) => r.hops.map((h) => toHex(h.nodeId));

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (!(e instanceof RoutingError)) throw e;
    return e.code;
  }
  throw new Error('expected a RoutingError');
}

/**
 * BOLT 7 "Routing Example": four nodes in a square, each advertising its own cltv_expiry_delta
 * and fee scheme on every channel (A: 10 blocks, 100 + 1000 ppm; B: 20, 200 + 2000; C: 30, 300 +
 * 3000; D: 40, 400 + 4000).
 */
function square(): TestGraph {
  const own = {
    A: policy({ cltvExpiryDelta: 10, feeBaseMsat: 100n, feeProportionalMillionths: 1000n }),
    B: policy({ cltvExpiryDelta: 20, feeBaseMsat: 200n, feeProportionalMillionths: 2000n }),
    C: policy({ cltvExpiryDelta: 30, feeBaseMsat: 300n, feeProportionalMillionths: 3000n }),
    D: policy({ cltvExpiryDelta: 40, feeBaseMsat: 400n, feeProportionalMillionths: 4000n }),
  };
  return new TestGraph()
    .add('A', 'B', 1n, own.A, own.B)
    .add('B', 'C', 2n, own.B, own.C)
    .add('C', 'D', 3n, own.C, own.D)
    .add('D', 'A', 4n, own.D, own.A);
}

const request = (graph: RouteRequest['graph'], from: string, to: string, amountMsat: bigint, more: Partial<RouteRequest> = {}): RouteRequest => ({
  graph, source: id(from), destination: id(to), amountMsat, finalCltvExpiryDelta: 18, cltvRiskPpb: 0n, ...more,
});

describe('the BOLT 7 routing example', () => {
  it('A→B→C: B charges 200 + 4999999·2000/10^6 = 10199 and adds its 20 blocks', () => {
    const r = findRoute(request(square(), 'A', 'C', 4_999_999n));
    expect(names(r)).toEqual([hex('B'), hex('C')]);
    // "A->B's update_add_htlc: amount_msat 5010198, cltv_expiry current-block-height + 20 + 18"
    expect(r.hops[0]).toMatchObject({ shortChannelId: 1n, amountMsat: 5_010_198n, cltvExpiryDelta: 38, feeMsat: 10_199n, source: 'graph' });
    // "B->C's update_add_htlc would be the same as B->C's direct payment": 4999999, + 18.
    expect(r.hops[1]).toMatchObject({ shortChannelId: 2n, amountMsat: 4_999_999n, cltvExpiryDelta: 18, feeMsat: 0n });
    expect(r).toMatchObject({ amountMsat: 4_999_999n, totalAmountMsat: 5_010_198n, totalFeeMsat: 10_199n, totalCltvExpiryDelta: 38 });
  });

  it('A→D→C when B→C is disabled: 5020398 msat and 40 + 18 blocks', () => {
    const g = square();
    const bc = g.channels.find((c) => c.shortChannelId === 2n)!;
    const bIs1 = bc.nodeId1 === hex('B');
    const disabled = { ...(bIs1 ? bc.policies[0] : bc.policies[1])!, disabled: true };
    (bc as { policies: unknown }).policies = bIs1 ? [disabled, bc.policies[1]] : [bc.policies[0], disabled];
    const r = findRoute(request(g, 'A', 'C', 4_999_999n));
    expect(names(r)).toEqual([hex('D'), hex('C')]);
    expect(r.hops[0]).toMatchObject({ amountMsat: 5_020_398n, cltvExpiryDelta: 58 });
  });

  it('B→C directly: no fee, and C\'s final delta only', () => {
    const r = findRoute(request(square(), 'B', 'C', 4_999_999n));
    expect(r.hops).toEqual([{ nodeId: id('C'), shortChannelId: 2n, amountMsat: 4_999_999n, cltvExpiryDelta: 18, feeMsat: 0n, source: 'graph' }]);
  });
});

describe('constraints', () => {
  const line = (mid: Parameters<typeof policy>[0] = {}, capacitySat: bigint | null = 1_000_000n) =>
    new TestGraph().add('S', 'M', 1n, policy(), policy(), capacitySat).add('M', 'T', 2n, policy({ feeBaseMsat: 1n, ...mid }), policy(), capacitySat);

  it('htlc_minimum_msat and htlc_maximum_msat of the channel carrying the amount', () => {
    expect(names(findRoute(request(line({ htlcMinimumMsat: 1000n }), 'S', 'T', 1000n)))).toEqual([hex('M'), hex('T')]);
    expect(codeOf(() => findRoute(request(line({ htlcMinimumMsat: 1001n }), 'S', 'T', 1000n)))).toBe('routing.no_route');
    expect(codeOf(() => findRoute(request(line({ htlcMaximumMsat: 999n }), 'S', 'T', 1000n)))).toBe('routing.no_route');
  });

  it('capacity, and a channel whose htlc_maximum_msat is above its capacity or below its minimum is ignored', () => {
    expect(codeOf(() => findRoute(request(line({}, 1n), 'S', 'T', 1001n)))).toBe('routing.no_route');
    expect(codeOf(() => findRoute(request(line({ htlcMaximumMsat: 1_000_000_001n }), 'S', 'T', 5n)))).toBe('routing.no_route');
    expect(codeOf(() => findRoute(request(line({ htlcMinimumMsat: 10n, htlcMaximumMsat: 9n }), 'S', 'T', 9n)))).toBe('routing.no_route');
    expect(findRoute(request(line({}, null), 'S', 'T', 5n)).hops).toHaveLength(2); // unknown capacity: htlc_maximum_msat decides
  });

  it('disabled directions, nodes that must not forward, and a missing policy', () => {
    expect(codeOf(() => findRoute(request(line({ disabled: true }), 'S', 'T', 5n)))).toBe('routing.no_route');
    const g = line();
    g.noForward.add(hex('M'));
    expect(codeOf(() => findRoute(request(g, 'S', 'T', 5n)))).toBe('routing.no_route');
    const noPolicy = new TestGraph().add('S', 'M', 1n, policy(), policy()).add('M', 'T', 2n, null, policy());
    expect(codeOf(() => findRoute(request(noPolicy, 'S', 'T', 5n)))).toBe('routing.no_route');
  });

  it('trades fees against CLTV: the cheap slow path unless the CLTV limit forbids it', () => {
    const g = new TestGraph()
      .add('S', 'B', 1n, policy(), policy()).add('B', 'T', 2n, policy({ feeBaseMsat: 10n, cltvExpiryDelta: 100 }), policy())
      .add('S', 'C', 3n, policy(), policy()).add('C', 'T', 4n, policy({ feeBaseMsat: 1000n, cltvExpiryDelta: 10 }), policy());
    expect(names(findRoute(request(g, 'S', 'T', 1000n)))).toEqual([hex('B'), hex('T')]);
    expect(names(findRoute(request(g, 'S', 'T', 1000n, { maxTotalCltvExpiryDelta: 50 })))).toEqual([hex('C'), hex('T')]);
    expect(codeOf(() => findRoute(request(g, 'S', 'T', 1000n, { maxTotalCltvExpiryDelta: 50, maxFeeMsat: 999n })))).toBe('routing.no_route');
    // The CLTV risk makes long locks cost: at 10^6 ppb per block, 100 blocks of 1000 msat cost 100 msat.
    expect(names(findRoute(request(g, 'S', 'T', 1000n, { cltvRiskPpb: 20_000_000n })))).toEqual([hex('C'), hex('T')]);
  });

  it('keeps a dearer but faster label at a node, for a CLTV limit met only further on', () => {
    // At M, the route via X is cheaper (10 vs 1000) but slower (118 vs 28 blocks); N adds 30 more.
    const g = new TestGraph()
      .add('S', 'N', 1n, policy(), policy()).add('N', 'M', 2n, policy({ cltvExpiryDelta: 30 }), policy())
      .add('M', 'X', 3n, policy({ cltvExpiryDelta: 0 }), policy()).add('X', 'T', 4n, policy({ feeBaseMsat: 10n, cltvExpiryDelta: 100 }), policy())
      .add('M', 'Y', 5n, policy({ cltvExpiryDelta: 0 }), policy()).add('Y', 'T', 6n, policy({ feeBaseMsat: 1000n, cltvExpiryDelta: 10 }), policy());
    expect(names(findRoute(request(g, 'S', 'T', 1000n)))).toEqual([hex('N'), hex('M'), hex('X'), hex('T')]);
    const fast = findRoute(request(g, 'S', 'T', 1000n, { maxTotalCltvExpiryDelta: 130 }));
    expect(names(fast)).toEqual([hex('N'), hex('M'), hex('Y'), hex('T')]);
    expect(fast.totalCltvExpiryDelta).toBe(58);
  });

  it('a hop limit', () => {
    const g = new TestGraph().add('S', 'A', 1n, policy(), policy()).add('A', 'B', 2n, policy(), policy()).add('B', 'T', 3n, policy(), policy());
    expect(findRoute(request(g, 'S', 'T', 5n, { maxHops: 3 })).hops).toHaveLength(3);
    expect(codeOf(() => findRoute(request(g, 'S', 'T', 5n, { maxHops: 2 })))).toBe('routing.no_route');
  });
});

describe('our first hops', () => {
  const g = new TestGraph()
    .add('S', 'A', 1n, policy(), policy()).add('A', 'T', 2n, policy({ feeBaseMsat: 5n }), policy())
    .add('S', 'B', 3n, policy(), policy()).add('B', 'T', 4n, policy({ feeBaseMsat: 50n }), policy());

  it('replace our graph channels, with their real balances', () => {
    const both = [
      { shortChannelId: 11n, peerNodeId: id('A'), outboundMsat: 1_000n },
      { shortChannelId: 33n, peerNodeId: id('B'), outboundMsat: 10_000n },
    ];
    const cheap = findRoute(request(g, 'S', 'T', 900n, { firstHops: both }));
    expect(cheap.hops.map((h) => [h.shortChannelId, h.source])).toEqual([[11n, 'first_hop'], [2n, 'graph']]);
    // 2,000 + fee does not fit A's balance: B it is, though dearer.
    const big = findRoute(request(g, 'S', 'T', 2_000n, { firstHops: both }));
    expect(big.hops[0]).toMatchObject({ shortChannelId: 33n, amountMsat: 2_050n });
    expect(codeOf(() => findRoute(request(g, 'S', 'T', 20_000n, { firstHops: both })))).toBe('routing.no_route');
    // No first hops at all: nothing leaves us.
    expect(codeOf(() => findRoute(request(g, 'S', 'T', 5n, { firstHops: [] })))).toBe('routing.no_route');
  });

  it('respect the peer\'s htlc_minimum_msat', () => {
    const hops = [{ shortChannelId: 11n, peerNodeId: id('A'), outboundMsat: 1_000_000n, htlcMinimumMsat: 10_000n }];
    expect(codeOf(() => findRoute(request(g, 'S', 'T', 5_000n, { firstHops: hops })))).toBe('routing.no_route');
  });
});

describe('BOLT 11 route hints', () => {
  it('reach a destination the graph does not know, paying the hint\'s fees and delta', () => {
    const g = new TestGraph().add('S', 'A', 1n, policy(), policy()).add('A', 'B', 2n, policy({ feeBaseMsat: 7n, cltvExpiryDelta: 14 }), policy());
    const hint = [
      { nodeId: id('B'), shortChannelId: 900n, feeBaseMsat: 1000n, feeProportionalMillionths: 1000n, cltvExpiryDelta: 40 },
      { nodeId: id('P'), shortChannelId: 901n, feeBaseMsat: 1n, feeProportionalMillionths: 0n, cltvExpiryDelta: 6 },
    ];
    const r = findRoute(request(g, 'S', 'T', 1_000_000n, { routeHints: [hint] }));
    expect(names(r)).toEqual([hex('A'), hex('B'), hex('P'), hex('T')]);
    expect(r.hops.map((h) => h.source)).toEqual(['graph', 'graph', 'hint', 'hint']);
    // T gets 1,000,000 with 18; P charges 1 and adds 6; B charges 1000 + 1000001·1000/10^6 = 2000 and adds 40; A 7 and 14.
    expect(r.hops.map((h) => [h.amountMsat, h.cltvExpiryDelta])).toEqual([
      [1_002_008n, 78], [1_002_001n, 64], [1_000_001n, 24], [1_000_000n, 18],
    ]);
    expect(r.totalFeeMsat).toBe(2_008n);
  });

  it('starting at one of our peers, used with our first hop to it', () => {
    const hint = [{ nodeId: id('A'), shortChannelId: 900n, feeBaseMsat: 3n, feeProportionalMillionths: 0n, cltvExpiryDelta: 10 }];
    const r = findRoute(request(new TestGraph(), 'S', 'T', 100n, { routeHints: [hint], firstHops: [{ shortChannelId: 5n, peerNodeId: id('A'), outboundMsat: 1000n }] }));
    expect(r.hops.map((h) => [h.shortChannelId, h.amountMsat])).toEqual([[5n, 103n], [900n, 100n]]);
  });

  it('take a failure\'s newer channel_update for the hint\'s channel over the hint (BOLT 4 retries), and skip it when disabled', () => {
    const hint = [{ nodeId: id('A'), shortChannelId: 900n, feeBaseMsat: 3n, feeProportionalMillionths: 0n, cltvExpiryDelta: 10 }];
    const firstHops = [{ shortChannelId: 5n, peerNodeId: id('A'), outboundMsat: 10_000n }];
    const newer = policy({ feeBaseMsat: 50n, cltvExpiryDelta: 30 });
    const r = findRoute(request(new TestGraph(), 'S', 'T', 100n, {
      routeHints: [hint], firstHops, penalties: { policy: (scid, from) => (scid === 900n && from === hex('A') ? newer : undefined) },
    }));
    expect(r.hops.map((h) => [h.shortChannelId, h.amountMsat, h.cltvExpiryDelta])).toEqual([[5n, 150n, 48], [900n, 100n, 18]]);
    const off = { policy: () => policy({ disabled: true }) };
    expect(codeOf(() => findRoute(request(new TestGraph(), 'S', 'T', 100n, { routeHints: [hint], firstHops, penalties: off })))).toBe('routing.no_route');
  });
});

describe('BOLT 12 blinded paths', () => {
  const g = new TestGraph()
    .add('S', 'A', 1n, policy(), policy()).add('A', 'I', 2n, policy({ feeBaseMsat: 10n, cltvExpiryDelta: 20 }), policy())
    .add('S', 'J', 3n, policy(), policy());
  const pay = (fee: bigint, cltv: number, max = 1_000_000_000n) => ({ feeBaseMsat: fee, feeProportionalMillionths: 100n, cltvExpiryDelta: cltv, htlcMinimumMsat: 1n, htlcMaximumMsat: max });

  it('end at the introduction node with the aggregated payinfo', () => {
    const r = findRoute({
      graph: g, source: id('S'), amountMsat: 50_000n, cltvRiskPpb: 0n,
      blindedPaths: [{ introductionNodeId: id('I'), payInfo: pay(100n, 60), blindedHops: 3 }],
    });
    // Into I: 50,000 + 100 + 50,000·100/10^6 = 50,105 with 60 blocks; A adds 10 and 20.
    expect(names(r)).toEqual([hex('A'), hex('I')]);
    expect(r.hops.map((h) => [h.amountMsat, h.cltvExpiryDelta])).toEqual([[50_115n, 80], [50_105n, 60]]);
    expect(r.blindedTail).toEqual({ pathIndex: 0, introductionNodeId: id('I'), feeMsat: 105n, cltvExpiryDelta: 60 });
    expect(r.totalFeeMsat).toBe(115n);
  });

  it('pick the cheaper path, respect each path\'s maximum, and count blinded hops against the limit', () => {
    const paths = [
      { introductionNodeId: id('I'), payInfo: pay(100n, 60), blindedHops: 2 },
      { introductionNodeId: id('J'), payInfo: pay(500n, 60, 50_000n), blindedHops: 4 },
    ];
    const base = { graph: g, source: id('S'), cltvRiskPpb: 0n, blindedPaths: paths };
    expect(findRoute({ ...base, amountMsat: 40_000n }).blindedTail?.pathIndex).toBe(0);
    expect(findRoute({ ...base, amountMsat: 40_000n, maxHops: 3 }).blindedTail?.pathIndex).toBe(0); // 2 + 1 = 3 payloads
    // With 2 payloads neither fits: I's path needs 2 + 1 (S→A→I, then one blinded hop), J's 1 + 3.
    expect(codeOf(() => findRoute({ ...base, amountMsat: 40_000n, maxHops: 2 }))).toBe('routing.no_route');
    expect(findRoute({ ...base, amountMsat: 40_000n, penalties: { node: (n) => (n === hex('I') ? 'exclude' : 0n) } }).blindedTail?.pathIndex).toBe(1);
    // 49,600 + 500 + 4 > J's maximum of 50,000.
    expect(codeOf(() => findRoute({ ...base, amountMsat: 49_600n, penalties: { node: (n) => (n === hex('I') ? 'exclude' : 0n) } }))).toBe('routing.no_route');
  });

  it('work when we are the introduction node', () => {
    const r = findRoute({ graph: g, source: id('S'), amountMsat: 1000n, blindedPaths: [{ introductionNodeId: id('S'), payInfo: pay(0n, 30), blindedHops: 2 }] });
    expect(r.hops).toEqual([]);
    expect(r).toMatchObject({ totalAmountMsat: 1000n, totalCltvExpiryDelta: 30, blindedTail: { pathIndex: 0 } });
  });
});

describe('learning from failures', () => {
  const g = new TestGraph()
    .add('S', 'A', 1n, policy(), policy()).add('A', 'T', 2n, policy({ feeBaseMsat: 1n }), policy())
    .add('S', 'B', 3n, policy(), policy()).add('B', 'T', 4n, policy({ feeBaseMsat: 2n }), policy());
  const now = 1_000_000;

  it('a temporary channel failure makes that amount and more the last resort, never excluded, and the bound relaxes with a half-life', () => {
    const m = new FailureMemory();
    m.reportFailure({ kind: 'channel', shortChannelId: 2n, from: hex('A'), to: hex('T'), amountMsat: 5_000n, permanent: false }, now);
    expect(names(findRoute(request(g, 'S', 'T', 5_000n, { penalties: m.penalties(now) })))).toEqual([hex('B'), hex('T')]);
    // With B gone, A→T still carries it: the node's memory cannot tell a lack of liquidity from a peer that was reconnecting.
    const noB = { ...m.penalties(now), node: (n: string) => (n === hex('B') ? 'exclude' as const : 0n) };
    expect(names(findRoute(request(g, 'S', 'T', 5_000n, { penalties: noB })))).toEqual([hex('A'), hex('T')]);
    // A smaller amount may still pass A→T: only a small fading penalty (1,000 msat at first, so B is still cheaper).
    expect(names(findRoute(request(g, 'S', 'T', 100n, { penalties: m.penalties(now) })))).toEqual([hex('B'), hex('T')]);
    const at = (ms: number, amount: bigint): bigint | 'exclude' => m.penalties(now + ms).channel!(2n, hex('A'), hex('T'), amount, 10_000n);
    expect([at(0, 4_999n), at(0, 5_000n)]).toEqual([1_000n, 100_000_001_000n]);
    // One half-life (30 min): the bound is halfway to the most the channel carries (10,000), the fading cost halved.
    expect([at(1_800_000, 7_499n), at(1_800_000, 7_500n)]).toEqual([500n, 100_000_000_500n]);
    // After six hours it is forgotten.
    expect(at(21_600_000, 10_000n)).toBe(0n);
    expect(names(findRoute(request(g, 'S', 'T', 5_000n, { penalties: m.penalties(now + 21_600_000) })))).toEqual([hex('A'), hex('T')]);
  });

  it('a newer channel_update in the graph or a success at least as large drops a bound; an outage excludes every amount until then', () => {
    const m = new FailureMemory();
    m.reportFailure({ kind: 'channel', shortChannelId: 2n, from: hex('A'), to: hex('T'), amountMsat: 5_000n, permanent: false, knownUpdate: 10 }, now);
    m.reportFailure({ kind: 'disabled', shortChannelId: 4n, from: hex('B'), to: hex('T'), knownUpdate: 20 }, now);
    const graphAt = (t: number) => ({ policyTimestamp: () => t });
    expect(m.penalties(now, graphAt(10)).channel!(2n, hex('A'), hex('T'), 5_000n, null)).toBe(100_000_001_000n);
    expect(m.penalties(now, graphAt(20)).channel!(4n, hex('B'), hex('T'), 1n, null)).toBe('exclude');
    // BOLT 4: "SHOULD restore the channels as it receives new channel_updates".
    expect(m.penalties(now, graphAt(21)).channel!(4n, hex('B'), hex('T'), 1n, null)).toBe(0n);
    expect(m.penalties(now, graphAt(11)).channel!(2n, hex('A'), hex('T'), 5_000n, null)).toBe(0n);
    // Forgotten for good, not only while the graph is newer.
    expect(m.penalties(now).channel!(2n, hex('A'), hex('T'), 5_000n, null)).toBe(0n);
    // An outage ends with a success over the channel, or after ten minutes.
    m.reportFailure({ kind: 'disabled', shortChannelId: 4n, from: hex('B'), to: hex('T') }, now);
    expect(m.penalties(now + 599_999).channel!(4n, hex('B'), hex('T'), 1n, null)).toBe('exclude');
    expect(m.penalties(now + 600_000).channel!(4n, hex('B'), hex('T'), 1n, null)).toBe(0n);
    m.reportFailure({ kind: 'disabled', shortChannelId: 4n, from: hex('B'), to: hex('T') }, now);
    m.reportSuccess([{ shortChannelId: 4n, from: hex('B'), amountMsat: 1n }]);
    expect(m.penalties(now).channel!(4n, hex('B'), hex('T'), 1n, null)).toBe(0n);
  });

  it('a payment\'s own lessons are hard: a failed amount and more, a disabled channel, dust parts at or below a refused one', () => {
    const m = new FailureMemory();
    const own = new AttemptMemory();
    const f = { shortChannelId: 2n, from: hex('A'), to: hex('T') };
    own.report({ kind: 'channel', ...f, amountMsat: 5_000n, permanent: false });
    m.reportFailure({ kind: 'channel', ...f, amountMsat: 5_000n, permanent: false }, now);
    const p = own.over(m.penalties(now));
    expect([p.channel!(2n, hex('A'), hex('T'), 5_000n), p.channel!(2n, hex('A'), hex('T'), 4_999n)]).toEqual(['exclude', 1_000n]);
    own.report({ kind: 'dust', shortChannelId: 1n, from: hex('S'), to: hex('A'), amountMsat: 2_000n });
    expect([p.channel!(1n, hex('S'), hex('A'), 2_000n), p.channel!(1n, hex('S'), hex('A'), 1n), p.channel!(1n, hex('S'), hex('A'), 2_001n)]).toEqual(['exclude', 'exclude', 0n]);
    own.report({ kind: 'disabled', shortChannelId: 3n, from: hex('S'), to: hex('B') });
    expect(p.channel!(3n, hex('S'), hex('B'), 1n)).toBe('exclude');
    // The node's memory keeps no dust lesson (our channel judges that itself, at once).
    m.reportFailure({ kind: 'dust', shortChannelId: 1n, from: hex('S'), to: hex('A'), amountMsat: 2_000n }, now);
    expect(m.penalties(now).channel!(1n, hex('S'), hex('A'), 1n)).toBe(0n);
  });

  it('a node failure excludes the node; a permanent one for a day', () => {
    const m = new FailureMemory();
    m.reportFailure({ kind: 'node', nodeId: hex('A'), permanent: false }, now);
    expect(names(findRoute(request(g, 'S', 'T', 10n, { penalties: m.penalties(now + 599_999) })))).toEqual([hex('B'), hex('T')]);
    expect(names(findRoute(request(g, 'S', 'T', 10n, { penalties: m.penalties(now + 600_000) })))).toEqual([hex('A'), hex('T')]);
    m.reportFailure({ kind: 'channel', shortChannelId: 2n, from: hex('A'), to: hex('T'), amountMsat: 1n, permanent: true }, now);
    m.reportFailure({ kind: 'channel', shortChannelId: 4n, from: hex('B'), to: hex('T'), amountMsat: 1n, permanent: true }, now);
    expect(codeOf(() => findRoute(request(g, 'S', 'T', 10n, { penalties: m.penalties(now + 86_399_999) })))).toBe('routing.no_route');
  });

  it('a failure\'s channel_update replaces the policy for the retries, and a success forgets a bound', () => {
    const m = new FailureMemory();
    m.reportFailure({ kind: 'policy', shortChannelId: 2n, from: hex('A'), policy: policy({ feeBaseMsat: 100n }) }, now);
    const r = findRoute(request(g, 'S', 'T', 10n, { penalties: m.penalties(now) }));
    expect(names(r)).toEqual([hex('B'), hex('T')]);
    expect(names(findRoute(request(g, 'S', 'T', 10n, { penalties: m.penalties(now + 600_000) })))).toEqual([hex('A'), hex('T')]);
    m.reportFailure({ kind: 'channel', shortChannelId: 4n, from: hex('B'), to: hex('T'), amountMsat: 500n, permanent: false }, now);
    m.reportSuccess([{ shortChannelId: 4n, from: hex('B'), amountMsat: 600n }]);
    expect(m.penalties(now).channel!(4n, hex('B'), hex('T'), 10_000n)).toBe(0n);
  });
});

describe('requests and limits', () => {
  it('refuses what cannot be searched', () => {
    const g = new TestGraph();
    expect(codeOf(() => findRoute(request(g, 'S', 'S', 5n)))).toBe('routing.bad_request');
    expect(codeOf(() => findRoute(request(g, 'S', 'T', 0n)))).toBe('routing.bad_request');
    expect(codeOf(() => findRoute({ graph: g, source: id('S'), amountMsat: 5n }))).toBe('routing.bad_request');
    expect(codeOf(() => findRoute({ graph: g, source: new Uint8Array(32), destination: id('T'), amountMsat: 5n }))).toBe('routing.bad_request');
  });

  it('gives up after maxWork labels', () => {
    const g = new TestGraph();
    for (let i = 0; i < 30; i++) g.add(`n${i}`, `n${i + 1}`, BigInt(i + 1), policy(), policy());
    expect(findRoute(request(g, 'n0', 'n30', 5n, { maxHops: 30 })).hops).toHaveLength(30);
    expect(codeOf(() => findRoute(request(g, 'n0', 'n30', 5n, { maxHops: 30, maxWork: 10 })))).toBe('routing.search_limit');
  });

  it('is deterministic', () => {
    const g = square();
    expect(findRoute(request(g, 'A', 'C', 1000n))).toEqual(findRoute(request(g, 'A', 'C', 1000n)));
  });
});
