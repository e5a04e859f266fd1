/**
 * The monitor's persisted forms: the update log's binary encoding and the snapshot's JSON. Round
 * trips for every kind of update (fast-check), real snapshots back unchanged, and random or
 * truncated bytes / random JSON give a value or `monitor.bad_update` / `monitor.bad_snapshot`,
 * never anything else.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MonitorError, decodeMonitorSnapshot, decodeMonitorUpdate, encodeMonitorSnapshot, encodeMonitorUpdate } from '../../../core/monitor';
import type { MonitorUpdate } from '../../../core/monitor';
import type { ChannelConfig, CommitmentSpec } from '../../../core/channel/state';
import { MonitoredPair, fakeFunding, partyKeys } from '../../support/monitor-channel';
import { closedMonitor } from './scenario';

const points = [partyKeys('x').signer.basepoints, partyKeys('y').signer.basepoints].flatMap((b) => Object.values(b) as Uint8Array[]);
const point = fc.constantFrom(...points);
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const ctn = fc.integer({ min: 0, max: 2 ** 48 - 1 });
const side = fc.constantFrom('local' as const, 'remote' as const);
const config: fc.Arbitrary<ChannelConfig> = fc.record({
  dustLimitSat: u64,
  maxHtlcValueInFlightMsat: u64,
  channelReserveSat: u64,
  htlcMinimumMsat: u64,
  toSelfDelay: u16,
  maxAcceptedHtlcs: u16,
});
const basepoints = fc.record({ fundingPubkey: point, revocationBasepoint: point, paymentBasepoint: point, delayedPaymentBasepoint: point, htlcBasepoint: point });
const spec: fc.Arbitrary<CommitmentSpec> = fc.record({
  feeratePerKw: u32,
  localMsat: u64,
  remoteMsat: u64,
  htlcs: fc.array(fc.record({ offerer: side, id: u64, amountMsat: u64, paymentHash: bytes(32), cltvExpiry: u32 }), { maxLength: 4 }),
});
const pointShape = fc.tuple(fc.constantFrom(2, 3), bytes(32)).map(([p, x]) => Uint8Array.of(p, ...x));

const update: fc.Arbitrary<MonitorUpdate> = fc.oneof(
  fc.record({
    kind: fc.constant('open' as const),
    params: fc.record({
      channelId: bytes(32),
      channelType: fc.constantFrom('anchors' as const, 'static_remotekey' as const),
      funder: side,
      fundingOutpoint: fc.record({ txid: bytes(32), vout: u32 }),
      fundingSatoshis: u64,
      obscuringFactor: fc.bigInt({ min: 0n, max: (1n << 48n) - 1n }),
      local: fc.record({ config, basepoints }),
      remote: fc.record({ config, basepoints }),
    }),
    sweepScript: fc.uint8Array({ maxLength: 60 }),
  }),
  fc.record({
    kind: fc.constant('local_commitment' as const),
    commitment: fc.record({ ctn, spec, signature: bytes(64), htlcSignatures: fc.array(bytes(64), { maxLength: 4 }) }),
  }),
  fc.record({ kind: fc.constant('remote_commitment' as const), commitment: fc.record({ ctn, spec, perCommitmentPoint: pointShape }) }),
  fc.record({ kind: fc.constant('remote_secret' as const), ctn, secret: bytes(32) }),
  fc.record({ kind: fc.constant('preimage' as const), preimage: bytes(32) }),
  fc.record({ kind: fc.constant('closing_tx' as const), txid: bytes(32) }),
  fc.record({ kind: fc.constant('sweep_script' as const), script: fc.uint8Array({ maxLength: 60 }) }),
);

function decodesOrTyped(b: Uint8Array, code: string, decode: (b: Uint8Array) => unknown): unknown {
  try {
    return decode(b);
  } catch (e) {
    expect(e).toBeInstanceOf(MonitorError);
    expect((e as MonitorError).code).toBe(code);
    return undefined;
  }
}

describe('monitor update encoding', () => {
  it('round-trips every kind of update', () => {
    fc.assert(
      fc.property(update, (u) => {
        expect(decodeMonitorUpdate(encodeMonitorUpdate(u))).toEqual(u);
      }),
      { numRuns: 300 },
    );
  });

  it("round-trips a real channel's update log", () => {
    const pair = new MonitoredPair({ fundingOutpoint: fakeFunding('codec') });
    pair.add(pair.a, 10_000_000n, 'x', 700);
    pair.commit(pair.a);
    pair.fulfill(pair.b, 0n, 'x');
    pair.commit(pair.b);
    expect(new Set(pair.a.updates.map((u) => u.kind))).toEqual(new Set(['open', 'local_commitment', 'remote_commitment', 'remote_secret', 'preimage']));
    for (const u of pair.a.updates) expect(decodeMonitorUpdate(encodeMonitorUpdate(u))).toEqual(u);
  });

  it('gives an update (that re-encodes to the same bytes) or monitor.bad_update for any bytes', () => {
    const arb = fc.oneof(fc.uint8Array({ maxLength: 600 }), update.map((u) => encodeMonitorUpdate(u)).chain((b) => fc.integer({ min: 0, max: b.length }).map((n) => b.subarray(0, n))));
    fc.assert(
      fc.property(arb, (b) => {
        const u = decodesOrTyped(b, 'monitor.bad_update', decodeMonitorUpdate) as MonitorUpdate | undefined;
        if (u) expect(encodeMonitorUpdate(u)).toEqual(Uint8Array.from(b));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses to encode what it could not decode', () => {
    const bad: MonitorUpdate = { kind: 'preimage', preimage: new Uint8Array(31) };
    expect(() => encodeMonitorUpdate(bad)).toThrow(MonitorError);
    const badCtn: MonitorUpdate = { kind: 'remote_secret', ctn: 2 ** 48, secret: new Uint8Array(32) };
    expect(() => encodeMonitorUpdate(badCtn)).toThrow(MonitorError);
  });
});

describe('monitor snapshot JSON', () => {
  it("round-trips the snapshot of a monitor that resolved a close", () => {
    const m = closedMonitor();
    const s = m.snapshot();
    expect(s.confirmed.length).toBeGreaterThan(0);
    expect(s.claims.length).toBeGreaterThan(0);
    expect(decodeMonitorSnapshot(JSON.parse(JSON.stringify(encodeMonitorSnapshot(s))))).toEqual(s);
  });

  it('gives a snapshot or monitor.bad_snapshot for any JSON, and for any one field replaced', () => {
    const valid = encodeMonitorSnapshot(closedMonitor().snapshot()) as Record<string, unknown>;
    const mutated = fc.tuple(fc.constantFrom(...Object.keys(valid)), fc.jsonValue()).map(([k, v]) => ({ ...valid, [k]: v }));
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), mutated), (j) => {
        try {
          decodeMonitorSnapshot(j);
        } catch (e) {
          expect(e).toBeInstanceOf(MonitorError);
          expect((e as MonitorError).code).toBe('monitor.bad_snapshot');
        }
      }),
      { numRuns: 300 },
    );
  });
});
