/**
 * findRoute against an exhaustive search on small random graphs: every route it reports respects
 * every constraint and exists in the graph; without binding htlc_minimum_msat it finds a route
 * exactly when one exists, and the cheapest one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../core/crypto';
import { RoutingError, findRoute } from '../../../core/routing';
import type { Route, RoutingChannel } from '../../../core/routing';
import { TestGraph, bruteForce, hex, id, policy } from './support';

const NODES = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5'];

interface Case {
  readonly graph: TestGraph;
  readonly amountMsat: bigint;
  readonly maxFeeMsat: bigint;
  readonly maxCltv: number;
  readonly maxHops: number;
  readonly riskPpb: bigint;
  readonly dest: string;
}

const policyArb = (withMinimum: boolean) =>
  fc.option(
    fc.record({
      feeBaseMsat: fc.bigInt({ min: 0n, max: 2_000n }),
      feeProportionalMillionths: fc.bigInt({ min: 0n, max: 50_000n }),
      cltvExpiryDelta: fc.integer({ min: 0, max: 200 }),
      htlcMinimumMsat: withMinimum ? fc.bigInt({ min: 0n, max: 120_000n }) : fc.constant(0n),
      htlcMaximumMsat: fc.bigInt({ min: 1n, max: 400_000n }),
      disabled: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    }).map((p) => policy(p)),
    { freq: 6 },
  );

const caseArb = (withMinimum: boolean): fc.Arbitrary<Case> =>
  fc.record({
    channels: fc.array(
      fc.record({
        a: fc.integer({ min: 0, max: 5 }),
        b: fc.integer({ min: 0, max: 5 }),
        ab: policyArb(withMinimum),
        ba: policyArb(withMinimum),
        cap: fc.option(fc.bigInt({ min: 50n, max: 400n }), { freq: 5 }),
      }),
      { maxLength: 11 },
    ),
    amountMsat: fc.bigInt({ min: 1n, max: 200_000n }),
    maxFeeMsat: fc.oneof(fc.constant(1n << 60n), fc.bigInt({ min: 0n, max: 20_000n })),
    maxCltv: fc.oneof(fc.constant(2016), fc.integer({ min: 0, max: 400 })),
    maxHops: fc.integer({ min: 1, max: 6 }),
    riskPpb: fc.constantFrom(0n, 15n, 1_000_000n),
    dest: fc.integer({ min: 1, max: 5 }),
  }).map((c) => {
    const graph = new TestGraph();
    c.channels.forEach((ch, i) => {
      if (ch.a !== ch.b) graph.add(NODES[ch.a]!, NODES[ch.b]!, BigInt(i + 1), ch.ab, ch.ba, ch.cap);
    });
    return { graph, amountMsat: c.amountMsat, maxFeeMsat: c.maxFeeMsat, maxCltv: c.maxCltv, maxHops: c.maxHops, riskPpb: c.riskPpb, dest: NODES[c.dest]! };
  });

function search(c: Case): Route | null {
  try {
    return findRoute({
      graph: c.graph, source: id('n0'), destination: id(c.dest), amountMsat: c.amountMsat, finalCltvExpiryDelta: 18, maxFeeMsat: c.maxFeeMsat,
      maxTotalCltvExpiryDelta: c.maxCltv, maxHops: c.maxHops, cltvRiskPpb: c.riskPpb, maxLabelsPerNode: 1000,
    });
  } catch (e) {
    if (e instanceof RoutingError && e.code === 'routing.no_route') return null;
    throw e;
  }
}

/** Checks a route hop by hop against the graph, independently of how it was found; returns its cost. */
function verify(c: Case, r: Route): bigint {
  let from = hex('n0');
  const seen = new Set([from]);
  let cost = 0n;
  expect(r.hops.length).toBeGreaterThan(0);
  expect(r.hops.length).toBeLessThanOrEqual(c.maxHops);
  r.hops.forEach((h, i) => {
    const to = toHex(h.nodeId);
    expect(seen.has(to)).toBe(false); // a simple path
    seen.add(to);
    const ch = c.graph.channels.find((x: RoutingChannel) => x.shortChannelId === h.shortChannelId)!;
    expect(ch).toBeDefined();
    expect([ch.nodeId1, ch.nodeId2].sort()).toEqual([from, to].sort());
    const p = ch.policies[from === ch.nodeId1 ? 0 : 1];
    if (p) {
      expect(p.disabled).toBe(false);
      expect(h.amountMsat >= p.htlcMinimumMsat && h.amountMsat <= p.htlcMaximumMsat).toBe(true);
      if (ch.capacitySat !== null) expect(p.htlcMaximumMsat <= ch.capacitySat * 1000n).toBe(true);
    } else {
      expect(i).toBe(0); // only our own channel may lack our policy
    }
    if (ch.capacitySat !== null) expect(h.amountMsat <= ch.capacitySat * 1000n).toBe(true);
    const next = r.hops[i + 1];
    if (next) {
      // This hop's node forwards over the next channel with its own policy: fee and delta.
      const nch = c.graph.channels.find((x) => x.shortChannelId === next.shortChannelId)!;
      const np = nch.policies[to === nch.nodeId1 ? 0 : 1]!;
      const fee = np.feeBaseMsat + (next.amountMsat * np.feeProportionalMillionths) / 1_000_000n;
      expect(h.amountMsat).toBe(next.amountMsat + fee);
      expect(h.feeMsat).toBe(fee);
      expect(h.cltvExpiryDelta).toBe(next.cltvExpiryDelta + np.cltvExpiryDelta);
      cost += fee + (next.amountMsat * BigInt(np.cltvExpiryDelta) * c.riskPpb) / 1_000_000_000n;
    } else {
      expect(to).toBe(hex(c.dest));
      expect(h.amountMsat).toBe(c.amountMsat);
      expect(h.cltvExpiryDelta).toBe(18);
    }
    from = to;
  });
  expect(r.totalAmountMsat).toBe(r.hops[0]!.amountMsat);
  expect(r.totalFeeMsat).toBe(r.totalAmountMsat - c.amountMsat);
  expect(r.totalFeeMsat <= c.maxFeeMsat).toBe(true);
  expect(r.totalCltvExpiryDelta).toBe(r.hops[0]!.cltvExpiryDelta);
  expect(r.totalCltvExpiryDelta).toBeLessThanOrEqual(c.maxCltv);
  expect(r.cost).toBe(cost);
  return cost;
}

const brute = (c: Case) =>
  bruteForce(c.graph, {
    source: hex('n0'), destination: hex(c.dest), amountMsat: c.amountMsat, finalCltv: 18, maxFeeMsat: c.maxFeeMsat, maxCltv: c.maxCltv,
    maxHops: c.maxHops, riskPpb: c.riskPpb,
  });

describe('findRoute on small random graphs, checked by brute force', () => {
  it('finds a route exactly when one exists, and the cheapest (no binding htlc_minimum_msat)', () => {
    fc.assert(
      fc.property(caseArb(false), (c) => {
        const best = brute(c);
        const r = search(c);
        if (best === null) {
          expect(r).toBeNull();
        } else {
          expect(r).not.toBeNull();
          expect(verify(c, r!)).toBe(best);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('every route it reports respects every constraint, and none is reported when none exists (any htlc_minimum_msat)', () => {
    fc.assert(
      fc.property(caseArb(true), (c) => {
        const best = brute(c);
        const r = search(c);
        if (r) {
          const cost = verify(c, r);
          expect(best).not.toBeNull();
          expect(cost >= best!).toBe(true);
        }
        if (best === null) expect(r).toBeNull();
      }),
      { numRuns: 400 },
    );
  });
});
