/**
 * The payer's route memory across a restart (core/routing FailureMemory.snapshot / restore): what
 * it learned comes back as the same penalties, through JSON as the store keeps it; what expired is
 * left out; a snapshot that is not one is refused with a typed error and changes nothing.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FailureMemory, FailureMemorySnapshotError } from '../../../core/routing';
import type { RouteFailure } from '../../../core/routing';
import { hex, policy } from './support';

const NODES = ['A', 'B', 'C', 'D'].map(hex);
const T0 = 1_700_000_000_000;

const failureArb: fc.Arbitrary<RouteFailure> = fc.oneof(
  fc.record({ scid: fc.bigInt(1n, 6n), from: fc.constantFrom(...NODES), to: fc.constantFrom(...NODES), amount: fc.bigInt(1n, 1_000_000n), permanent: fc.boolean(), knownUpdate: fc.option(fc.nat(1000), { nil: undefined }) })
    .map((r): RouteFailure => ({ kind: 'channel', shortChannelId: r.scid, from: r.from, to: r.to, amountMsat: r.amount, permanent: r.permanent, ...(r.knownUpdate !== undefined ? { knownUpdate: r.knownUpdate } : {}) })),
  fc.record({ scid: fc.bigInt(1n, 6n), from: fc.constantFrom(...NODES), to: fc.constantFrom(...NODES) })
    .map((r): RouteFailure => ({ kind: 'disabled', shortChannelId: r.scid, from: r.from, to: r.to })),
  fc.record({ node: fc.constantFrom(...NODES), permanent: fc.boolean() }).map((r): RouteFailure => ({ kind: 'node', nodeId: r.node, permanent: r.permanent })),
  fc.record({ scid: fc.bigInt(1n, 6n), from: fc.constantFrom(...NODES), fee: fc.bigInt(0n, 10_000n), ts: fc.nat(1000) })
    .map((r): RouteFailure => ({ kind: 'policy', shortChannelId: r.scid, from: r.from, to: NODES[0]!, timestamp: r.ts, policy: policy({ feeBaseMsat: r.fee }) })),
);

/** Every penalty the memory gives at `at`, for each channel direction, node and a few amounts. */
function penaltiesAt(m: FailureMemory, at: number): string {
  const p = m.penalties(at, { policyTimestamp: () => 500 });
  const out: string[] = [];
  for (let scid = 1n; scid <= 6n; scid++) {
    for (const from of NODES) {
      for (const to of NODES) for (const amount of [1n, 5_000n, 999_999n]) out.push(String(p.channel!(scid, from, to, amount, 2_000_000n)));
      out.push(JSON.stringify(p.policy!(scid, from), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
    }
  }
  for (const n of NODES) out.push(String(p.node!(n)));
  return out.join(',');
}

describe('FailureMemory across a restart', () => {
  it('a snapshot through JSON gives the same penalties now and later, whatever was learned', () => {
    fc.assert(fc.property(fc.array(fc.tuple(failureArb, fc.nat(3_600_000)), { maxLength: 25 }), fc.nat(8 * 3_600_000), (learned, later) => {
      // Queries drop what expired, so each comparison is between a fresh original and a fresh copy.
      let now = T0;
      const times = learned.map(([, dt]) => (now += dt));
      const original = (): FailureMemory => {
        const m = new FailureMemory();
        learned.forEach(([f], i) => m.reportFailure(f, times[i]!));
        return m;
      };
      const stored = JSON.stringify(original().snapshot(now));
      for (const at of [now, now + later]) {
        const copy = new FailureMemory();
        copy.restore(JSON.parse(stored), now);
        expect(penaltiesAt(copy, at), `at +${at - now} ms`).toBe(penaltiesAt(original(), at));
      }
    }), { numRuns: 150 });
  });

  it('leaves out what expired by the time of the restore, and counts the restore as a change', () => {
    const m = new FailureMemory();
    m.reportFailure({ kind: 'node', nodeId: NODES[0]!, permanent: false }, T0); // 10 minutes
    m.reportFailure({ kind: 'channel', shortChannelId: 1n, from: NODES[1]!, to: NODES[2]!, amountMsat: 5_000n, permanent: false }, T0); // 6 hours
    const snap = JSON.parse(JSON.stringify(m.snapshot(T0))) as unknown;
    const copy = new FailureMemory();
    copy.restore(snap, T0 + 3_600_000);
    expect(copy.snapshot(T0 + 3_600_000)).toMatchObject({ excludedNodes: [], bounds: [[`1/${NODES[1]}`, '5000', T0, null]] });
    expect(copy.changes).toBe(1);
  });

  it('refuses what is not a snapshot (a corrupt row, another format) with FailureMemorySnapshotError, and keeps what it held', () => {
    const m = new FailureMemory();
    m.reportFailure({ kind: 'node', nodeId: NODES[0]!, permanent: true }, T0);
    const before = penaltiesAt(m, T0);
    const good = m.snapshot(T0);
    const bad: unknown[] = [
      null, 'x', [], { v: 2 }, { ...good, bounds: 'no' }, { ...good, bounds: [['1/zz', '5', 1, null]] },
      { ...good, bounds: [[`1/${NODES[0]}`, '-5', 1, null]] }, { ...good, excludedNodes: [[NODES[0], 1.5]] },
      { ...good, policies: [[`1/${NODES[0]}`, { feeBaseMsat: '1' }, 1, null, null]] },
    ];
    for (const b of bad) {
      expect(() => m.restore(b, T0), JSON.stringify(b)).toThrow(FailureMemorySnapshotError);
      expect(penaltiesAt(m, T0)).toBe(before);
    }
  });
});
