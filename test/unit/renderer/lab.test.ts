import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runSimulationRequest } from '../../../core/simulator/request';
import { SCENARIO_NAMES, scenarioSummary } from '../../../core/simulator/scenarios';
import { DEFAULT_TERMS, SCENARIOS, checkScript, checkTerms, termsFromTrace, htlcOwner, labFrame, stepFromEvent, stepShort, stepText, stepsFromTrace, svgFileName, traceArrows, type DraftStep } from '../../../renderer/src/lib/lab';

let uid = 0;
const next = () => ++uid;
const msg = (over: Partial<Extract<DraftStep, { kind: 'message' }>>): DraftStep => ({
  uid: next(), kind: 'message', from: 'A', msg: 'commitment_signed', amount: '', htlc: '', feerate: '', deliver: true, ...over,
});

describe('Channel lab', () => {
  it('lists exactly the node’s built-in scenarios', () => {
    expect(SCENARIOS.map((s) => s.name)).toEqual(SCENARIO_NAMES);
    for (const s of SCENARIO_NAMES) expect(scenarioSummary(s).length).toBeGreaterThan(10);
  });

  it('turns composed steps into simulator events, numbering HTLCs per party', () => {
    const steps = [
      msg({ msg: 'update_add_htlc', amount: '10,000' }),
      msg({ from: 'B', msg: 'update_add_htlc', amount: '2.5', deliver: false }),
      msg({ msg: 'update_add_htlc', amount: '1' }),
      { uid: next(), kind: 'deliver', target: 'B->A' } as DraftStep,
      msg({ from: 'B', msg: 'update_fulfill_htlc', htlc: 'a1' }),
      msg({ msg: 'update_fee', feerate: '2500' }),
      msg({ from: 'B', msg: 'revoke_and_ack' }),
    ];
    expect(checkScript(steps).events).toEqual([
      { from: 'A', msg: 'update_add_htlc', id: 0, amount_msat: '10000000' },
      { from: 'B', msg: 'update_add_htlc', deliver: false, id: 0, amount_msat: '2500' },
      { from: 'A', msg: 'update_add_htlc', id: 1, amount_msat: '1000' },
      { deliver: 'B->A' },
      { from: 'B', msg: 'update_fulfill_htlc', id: 1 },
      { from: 'A', msg: 'update_fee', feerate_per_kw: 2500 },
      { from: 'B', msg: 'revoke_and_ack' },
    ]);
  });

  it('names what is wrong with a step, at that step', () => {
    const bad = [
      msg({ msg: 'update_add_htlc', amount: '' }), msg({ msg: 'update_fulfill_htlc', htlc: 'A0' }), msg({ msg: 'update_fail_htlc', htlc: 'x' }), msg({ msg: 'update_fee', feerate: '-1' }),
      msg({ msg: 'update_add_htlc', amount: '0' }), msg({ msg: 'update_fail_htlc', htlc: 'A9' }), msg({ from: 'B', msg: 'update_fulfill_htlc', htlc: 'B0' }),
    ];
    const c = checkScript(bad);
    expect(c.events).toBeNull();
    expect([...c.problems.values()]).toEqual([
      'Enter the HTLC amount (sat).',
      'A cannot fulfill A0: A offered it, so only B can fulfill or fail it.',
      'Name the HTLC, e.g. A0 (A’s first HTLC).',
      'A feerate in sat per 1,000 weight, a whole number.',
      'An HTLC of 0 sat: BOLT 2 asks for more than 0 msat, so the peer would refuse it.',
      'There is no A9 at this step: A has added 2 HTLCs before it (A0, A1).',
      'There is no B0 at this step: B has added no HTLC before it.',
    ]);
    expect(htlcOwner('b12')).toBe('B');
    expect(htlcOwner('C1')).toBeNull();
  });

  it('loads a played scenario back as editable steps that give the same script', () => {
    const { trace } = runSimulationRequest({ scenario: 'crossing-commits' });
    const steps = stepsFromTrace(trace, next);
    const again = runSimulationRequest({ events: checkScript(steps).events! }).trace;
    expect(again.steps.map((s) => s.event)).toEqual(trace.steps.map((s) => s.event));
    expect(again.messages.map((m) => [m.type, m.sentAtStep, m.deliveredAtStep])).toEqual(trace.messages.map((m) => [m.type, m.sentAtStep, m.deliveredAtStep]));
  });

  it('gives the frame of each step: sent, delivered, in flight, and the error at its step', () => {
    const { trace } = runSimulationRequest({ scenario: 'crossing-commits' });
    const before = labFrame(trace, 0);
    expect(before.record).toBeNull();
    expect(before.inFlight).toEqual([]);
    const four = labFrame(trace, 4);
    expect(four.sent.map((m) => m.type)).toEqual(['commitment_signed']);
    expect(four.inFlight.map((m) => m.n)).toEqual([0, 1, 2, 3]);
    const five = labFrame(trace, 5);
    expect(five.delivered).toHaveLength(4);
    expect(five.inFlight).toEqual([]);
    expect(labFrame(trace, 99).step).toBe(trace.steps.length);

    const forbidden = runSimulationRequest({ events: [{ from: 'A', msg: 'update_add_htlc', amount_msat: 1000 }, { from: 'B', msg: 'revoke_and_ack' }] }).trace;
    expect(labFrame(forbidden, 1).error).toBeNull();
    expect(labFrame(forbidden, 2).error).toMatchObject({ step: 2, code: 'channel_command.nothing_to_revoke' });
  });

  it('turns the trace into diagram arrows, from the step sent to the step delivered, amounts in sat', () => {
    const { trace } = runSimulationRequest({ scenario: 'crossing-commits' });
    const arrows = traceArrows(trace);
    expect(arrows[0]).toMatchObject({ key: 'm0', from: 0, type: 'update_add_htlc', label: 'A0 20,000 sat', sentRow: 0, arriveRow: 4 });
    expect(arrows[3]).toMatchObject({ from: 1, type: 'commitment_signed', sentRow: 3, arriveRow: 4 });
    expect(arrows[0]!.title).toContain('sent at step 1, delivered at step 5');
  });

  it('describes steps in words', () => {
    expect(stepText({ from: 'A', msg: 'update_add_htlc', id: 0, amount_msat: '20000000', deliver: false })).toBe('A · update_add_htlc A0 20,000 sat (kept in flight)');
    expect(stepText({ from: 'B', msg: 'update_fulfill_htlc', id: 0 })).toBe('B · update_fulfill_htlc A0');
    expect(stepText({ deliver: 'A->B' })).toBe('deliver A → B');
    expect(stepShort({ from: 'A', msg: 'commitment_signed', deliver: false })).toBe('A sign (in flight)');
    expect(stepShort({ from: 'B', msg: 'update_fulfill_htlc', id: 0 })).toBe('B fulfill A0');
    expect(stepShort({ from: 'A', msg: 'update_add_htlc', id: 1, amount_msat: '5' })).toBe('A add A1');
    expect(svgFileName('crossing-commits')).toBe('glasswing-crossing-commits.svg');
    expect(svgFileName(null)).toBe('glasswing-script.svg');
  });

  it('never throws on any composed steps, and a clean check always runs (property)', () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('message' as const), from: fc.constantFrom('A' as const, 'B' as const),
        msg: fc.constantFrom('update_add_htlc' as const, 'update_fulfill_htlc' as const, 'update_fail_htlc' as const, 'update_fee' as const, 'commitment_signed' as const, 'revoke_and_ack' as const),
        amount: fc.constantFrom('', '1', '1000', 'x', '0'), htlc: fc.constantFrom('', 'A0', 'B0', 'A1'), feerate: fc.constantFrom('', '253', '5000'), deliver: fc.boolean(),
      }),
      fc.record({ kind: fc.constant('deliver' as const), target: fc.constantFrom('A->B' as const, 'B->A' as const, 'all' as const) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 8 }), (raw) => {
        const steps = raw.map((s) => ({ ...s, uid: next() }) as DraftStep);
        const c = checkScript(steps);
        if (!c.events) return c.problems.size > 0;
        // The node accepts the script; the protocol may still stop it at a step, with a typed error.
        const { trace } = runSimulationRequest({ events: c.events });
        return trace.error === null || (trace.error.step >= 1 && /^[a-z_]+\.[a-z_]+$/.test(trace.error.code));
      }),
      { numRuns: 40 },
    );
    expect(stepFromEvent({ deliver: 'all' }, 1)).toEqual({ uid: 1, kind: 'deliver', target: 'all' });
  });
});

describe('Channel lab: channel terms', () => {
  it('turns valid terms into runSimulation parameters (push in msat)', () => {
    expect(checkTerms(DEFAULT_TERMS)).toEqual({ problems: new Map(), params: { funding_sat: '100000000', push_msat: '50000000000', feerate_per_kw: 253, channel_type: 'anchors' } });
  });

  it.each([
    [{ fundingSat: '0' }, 'fundingSat'],
    [{ fundingSat: '1.5' }, 'fundingSat'],
    [{ fundingSat: '3000000000000000' }, 'fundingSat'],
    [{ pushSat: '100000001' }, 'pushSat'],
    [{ pushSat: '' }, 'pushSat'],
    [{ feeratePerKw: '252' }, 'feeratePerKw'],
    [{ feeratePerKw: 'x' }, 'feeratePerKw'],
  ] as const)('refuses %j, naming %s', (change, field) => {
    const r = checkTerms({ ...DEFAULT_TERMS, ...change });
    expect(r.params).toBeNull();
    expect([...r.problems.keys()]).toContain(field);
  });

  it('never throws, and gives parameters exactly when it names no problem (property)', () => {
    fc.assert(fc.property(fc.string(), fc.string(), fc.string(), fc.constantFrom('anchors', 'static_remotekey'), (f, p, r, t) => {
      const out = checkTerms({ fundingSat: f, pushSat: p, feeratePerKw: r, channelType: t as 'anchors' });
      expect(out.params === null).toBe(out.problems.size > 0);
    }));
  });

  it('reads the terms back from a played trace', () => {
    const { trace } = runSimulationRequest({ events: [{ from: 'A', msg: 'update_fee', feerate_per_kw: 500 }], funding_sat: '2000000', push_msat: '300000', feerate_per_kw: 400, channel_type: 'static_remotekey' });
    expect(termsFromTrace(trace)).toEqual({ fundingSat: '2000000', pushSat: '300', feeratePerKw: '400', channelType: 'static_remotekey' });
  });
});
