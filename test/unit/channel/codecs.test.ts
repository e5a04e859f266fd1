/** The persisted-state JSON codec, the simulator script parser and the UI view: round trips and typed errors. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Channel, ChannelStateError, DEFAULT_CHANNEL_POLICY, channelView, decodeChannelState, encodeChannelState,
} from '../../../core/channel';
import type { ChannelState } from '../../../core/channel';
import { SimulationError, parseSimScript, parseSimScriptText, runSimulation, scenarioScript } from '../../../core/simulator';
import { pair, preimage } from './harness';

/** A state with every kind of change in its lists, HTLCs on both sides and revealed secrets. */
function busyState(): { state: ChannelState; p: ReturnType<typeof pair> } {
  const p = pair({ policyB: { autoRevoke: false } });
  const { a, b } = p;
  p.add(a, 5_000_000n, 'x');
  p.add(b, 700_000n, 'y');
  const raa = (() => {
    const cs = a.signCommitment();
    b.receive(cs.outbound[0]!);
    return b.revoke().outbound;
  })();
  a.receive(raa[0]!);
  b.receive(a.updateFee(1000).outbound[0]!);
  return { state: b.state, p };
}

describe('channel state JSON codec', () => {
  it('round-trips a busy state exactly, through JSON text', () => {
    const { state } = busyState();
    const json = JSON.parse(JSON.stringify(encodeChannelState(state)));
    expect(decodeChannelState(json)).toEqual(state);
  });

  it('a decoded state keeps working: the channel continues from it', () => {
    const { p } = busyState();
    const restored = new Channel(decodeChannelState(JSON.parse(JSON.stringify(encodeChannelState(p.a.state)))), p.signerA);
    const cs = restored.signCommitment();
    expect(cs.outbound[0]?.type).toBe('commitment_signed');
  });

  it('rejects random values and corrupted states with ChannelStateError naming the field, never an untyped error', () => {
    const { state } = busyState();
    const good = encodeChannelState(state) as Record<string, unknown>;
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        try {
          decodeChannelState(v);
          expect.unreachable('random JSON is not a channel state');
        } catch (e) {
          expect(e).toBeInstanceOf(ChannelStateError);
        }
      }),
      { numRuns: 300 },
    );
    // Replace one field somewhere in a good state with a random JSON value.
    const paths: string[][] = [];
    const walk = (v: unknown, path: string[]) => {
      if (v !== null && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...path, k]);
      else paths.push(path);
    };
    walk(good, []);
    fc.assert(
      fc.property(fc.nat(paths.length - 1), fc.jsonValue(), (i, replacement) => {
        const copy = JSON.parse(JSON.stringify(good));
        const path = paths[i]!;
        let o = copy;
        for (const k of path.slice(0, -1)) o = o[k];
        const before = o[path.at(-1)!];
        fc.pre(JSON.stringify(before) !== JSON.stringify(replacement));
        o[path.at(-1)!] = replacement;
        try {
          decodeChannelState(copy);
        } catch (e) {
          expect(e).toBeInstanceOf(ChannelStateError);
          expect((e as ChannelStateError).code).toBe('channel_state.bad_field');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the UI view is plain JSON: it survives JSON.stringify unchanged and holds no secrets', () => {
    const { state, p } = busyState();
    const view = channelView(state, DEFAULT_CHANNEL_POLICY);
    expect(JSON.parse(JSON.stringify(view))).toEqual(view);
    const text = JSON.stringify(view);
    expect(text).not.toContain(Buffer.from(p.signerB.releasePerCommitmentSecret(0)).toString('hex'));
    expect(view.lists.localUnacked.map((c) => `${c.kind}:${c.htlc ?? c.feeratePerKw}`)).toEqual(['fee:1000']);
    expect(view.lists.remoteAcked.map((c) => `${c.kind}:${c.htlc}`)).toEqual(['add:remote:0']);
    expect(view.lists.remoteUnacked.map((c) => `${c.kind}:${c.htlc}`)).toEqual(['add:local:0']);
    expect(view.localCommit.htlcs.find((h) => h.offerer === 'remote')?.trimmed).toBe(false);
    expect(preimage('x')).toHaveLength(32);
  });
});

describe('simulator script parser', () => {
  it('parses the documented event forms and applies the defaults', () => {
    const s = parseSimScript({
      funding_sat: 2_000_000,
      push_msat: '1000',
      feerate_per_kw: 300,
      events: [
        { from: 'A', msg: 'update_add_htlc', id: 0, amount_msat: 1000 },
        { from: 'A', msg: 'commitment_signed', deliver: false },
        { deliver: 'A->B' },
        { from: 'B', msg: 'revoke_and_ack' },
        { from: 'B', msg: 'update_fail_malformed_htlc', id: 0 },
        { deliver: 'all' },
      ],
    });
    expect(s).toMatchObject({ fundingSat: 2_000_000n, pushMsat: 1000n, feeratePerKw: 300, channelType: 'anchors' });
    expect(s.events[0]).toMatchObject({ from: 'A', msg: 'update_add_htlc', id: 0n, amountMsat: 1000n, cltvExpiry: 500, deliver: true });
    expect(s.events[1]).toMatchObject({ deliver: false });
    expect(s.events[4]).toMatchObject({ failureCode: 0xc005 });
    expect(parseSimScript([{ deliver: 'all' }]).fundingSat).toBe(100_000_000n);
  });

  it('rejects unknown keys, messages, parties and bad values with simulator.bad_event naming the field', () => {
    const bad = (v: unknown, field: string) => {
      try {
        parseSimScript(v);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(SimulationError);
        expect((e as SimulationError).details?.field).toBe(field);
      }
    };
    bad([{ from: 'C', msg: 'commitment_signed' }], 'events[0].from');
    bad([{ from: 'A', msg: 'update_add_htlc', amount_msat: -1 }], 'events[0].amount_msat');
    bad([{ from: 'A', msg: 'update_add_htlc', amount_msat: 1, amout: 2 }], 'events[0].amout');
    bad([{ from: 'A', msg: 'shutdown' }], 'events[0].msg');
    bad([{ deliver: 'A->C' }], 'events[0].deliver');
    bad({ events: [], channel_type: 'zero' }, 'script.channel_type');
    bad('x', 'script');
    expect(() => parseSimScriptText('{')).toThrow(SimulationError);
  });

  it('never throws an untyped error on random JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        try {
          parseSimScript(v);
        } catch (e) {
          expect(e).toBeInstanceOf(SimulationError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('every step of a trace re-parses to the same event (the trace records its script)', () => {
    const script = scenarioScript('crossing-commits');
    const { trace } = runSimulation(script);
    expect(parseSimScript(trace.steps.map((s) => s.event)).events).toEqual(script.events);
  });
});
