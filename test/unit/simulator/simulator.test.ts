/**
 * The simulator against the independent reference model: for built-in scenarios and for random
 * event sequences, after every step both parties' commitment numbers, HTLC sets, balances and
 * feerates match the model's bookkeeping, and every forbidden step fails with the code the
 * model predicts.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isGlasswingError } from '../../../core/errors';
import {
  SCENARIO_NAMES, Simulator, parseSimScript, runSimulation, scenarioScript,
} from '../../../core/simulator';
import type { SimEvent, SimScript, TraceStep } from '../../../core/simulator';
import { ReferenceModel } from './reference-model';
import type { Party } from './reference-model';

const PARTIES: Party[] = ['A', 'B'];

/** Compares one simulator step with the model. */
function expectMatches(step: TraceStep, model: ReferenceModel): void {
  for (const p of PARTIES) {
    const m = model.commitments(p);
    expect(step.state[p], `party ${p} at step ${step.step}`).toEqual({
      local: { ctn: m.local.ctn, htlcs: m.local.htlcs },
      remote: { ctn: m.remote.ctn, htlcs: m.remote.htlcs },
    });
    const v = step.views[p];
    const other: Party = p === 'A' ? 'B' : 'A';
    for (const [which, c] of [['localCommit', m.local], ['remoteCommit', m.remote]] as const) {
      expect(v[which].localMsat, `${p} ${which} own balance at step ${step.step}`).toBe(c.msat[p].toString());
      expect(v[which].remoteMsat, `${p} ${which} peer balance at step ${step.step}`).toBe(c.msat[other].toString());
      expect(v[which].feeratePerKw).toBe(c.feeratePerKw);
    }
  }
}

function runAgainstModel(script: SimScript): { steps: number; error: string | null } {
  // The simulator's default policy plays the protocol only (no max_dust_htlc_exposure_msat, tested in
  // dust.test.ts), as the reference model does.
  const sim = new Simulator(script);
  const pushMsat = script.pushMsat ?? (script.fundingSat * 1000n) / 2n;
  const model = new ReferenceModel(script.fundingSat, pushMsat, script.feeratePerKw);
  let steps = 0;
  for (const e of script.events) {
    const predicted = model.forbidden(e);
    let step: TraceStep;
    try {
      step = sim.step(e);
    } catch (err) {
      expect(isGlasswingError(err) ? err.code : String(err), `step ${steps + 1}: ${JSON.stringify(e, (_, x) => (typeof x === 'bigint' ? `${x}` : x))}`).toBe(predicted);
      return { steps, error: predicted };
    }
    expect(predicted, `step ${steps + 1} should have been refused`).toBeNull();
    model.apply(e);
    expectMatches(step, model);
    steps++;
  }
  return { steps, error: null };
}

describe('simulator built-in scenarios', () => {
  for (const name of SCENARIO_NAMES) {
    it(`${name}: every step matches the reference model and the run ends with both sides in agreement`, () => {
      const script = scenarioScript(name);
      expect(runAgainstModel(script)).toEqual({ steps: script.events.length, error: null });
      const { trace, error } = runSimulation(script);
      expect(error).toBeNull();
      const last = trace.steps.at(-1)!;
      expect(last.state.A.local).toEqual(last.state.B.remote);
      expect(last.state.A.remote).toEqual(last.state.B.local);
      expect(trace.messages.every((m) => m.deliveredAtStep !== null)).toBe(true);
    });
  }

  it('htlc-cycle moves 10,000 sat from A to B through ten steps and two commitment numbers', () => {
    const { trace } = runSimulation(scenarioScript('htlc-cycle'));
    const at = (n: number) => trace.steps[n - 1]!.state;
    expect(at(2)).toEqual({
      A: { local: { ctn: 0, htlcs: [] }, remote: { ctn: 1, htlcs: ['A0'] } },
      B: { local: { ctn: 1, htlcs: ['A0'] }, remote: { ctn: 0, htlcs: [] } },
    });
    expect(at(10)).toEqual({
      A: { local: { ctn: 2, htlcs: [] }, remote: { ctn: 2, htlcs: [] } },
      B: { local: { ctn: 2, htlcs: [] }, remote: { ctn: 2, htlcs: [] } },
    });
    expect(trace.steps[9]!.views.B.localCommit.localMsat).toBe('50010000000');
    expect(trace.messages.map((m) => `${m.from}:${m.type}`)).toEqual([
      'A:update_add_htlc', 'A:commitment_signed', 'B:revoke_and_ack', 'B:commitment_signed', 'A:revoke_and_ack',
      'B:update_fulfill_htlc', 'B:commitment_signed', 'A:revoke_and_ack', 'A:commitment_signed', 'B:revoke_and_ack',
    ]);
  });

  it('a forbidden step stops the run with its typed error and step number', () => {
    const script = parseSimScript([
      { from: 'A', msg: 'update_add_htlc', amount_msat: 1000 },
      { from: 'B', msg: 'update_fulfill_htlc', id: 0 },
    ]);
    const { trace, error } = runSimulation(script);
    expect(error?.code).toBe('channel_command.htlc_not_committed');
    expect(error?.message).toMatch(/^step 2: /);
    expect(trace.error).toMatchObject({ step: 2, code: 'channel_command.htlc_not_committed' });
    expect(trace.steps).toHaveLength(2);
  });

  it('plays any sequence BOLT 2 allows, however many trimmed HTLCs it carries (no local dust-exposure limit)', () => {
    // Thirty 300-sat HTLCs are all trimmed (below the dust limit): 9,000 sat of dust, over a node's
    // default max_dust_htlc_exposure_msat, yet every step is legal in BOLT 2.
    const adds = Array.from({ length: 30 }, () => ({ from: 'A', msg: 'update_add_htlc', amount_msat: 300_000 }));
    const script = parseSimScript([...adds, { from: 'A', msg: 'commitment_signed' }, { from: 'B', msg: 'revoke_and_ack' }]);
    const { trace, error } = runSimulation(script);
    expect(error).toBeNull();
    expect(trace.steps.at(-1)!.state.B.local.htlcs).toHaveLength(30);
  });
});

// ---------------------------------------------------------------------------------------------
// Random event sequences, guided by the model so that most steps are legal and runs go deep.

const AMOUNTS = [1_000n, 600_000n, 5_000_000n, 20_000_000n];
const FEERATES = [253, 1_000, 5_000];

function candidates(model: ReferenceModel, r: number, deliver: boolean): SimEvent[] {
  const out: SimEvent[] = [{ deliver: 'A->B' }, { deliver: 'B->A' }, { deliver: 'all' }];
  for (const from of PARTIES) {
    const other: Party = from === 'A' ? 'B' : 'A';
    out.push({ from, msg: 'update_add_htlc', amountMsat: AMOUNTS[r % AMOUNTS.length]!, id: r % 7 === 0 ? BigInt(r % 3) : null, cltvExpiry: 500 + (r % 50), paymentPreimage: null, deliver });
    out.push({ from, msg: 'commitment_signed', deliver }, { from, msg: 'revoke_and_ack', deliver });
    out.push({ from, msg: 'update_fee', feeratePerKw: FEERATES[r % FEERATES.length]!, deliver });
    const ids = model.parties[from].entries.filter((e) => e.kind === 'htlc' && e.name.startsWith(other)).map((e) => BigInt(e.name.slice(1)));
    for (const id of [...ids, BigInt(r % 4)]) {
      out.push({ from, msg: 'update_fulfill_htlc', id, deliver }, { from, msg: 'update_fail_htlc', id, deliver });
      out.push({ from, msg: 'update_fail_malformed_htlc', id, failureCode: 0xc005, deliver });
    }
  }
  return out;
}

const choice = fc.record({ pick: fc.nat(10_000), legal: fc.noBias(fc.nat(24)), deliver: fc.noBias(fc.nat(2)) });

describe('simulator against the reference model on random event sequences', () => {
  it('matches the model after every step of any event sequence, and fails exactly where the model says the protocol forbids a step', () => {
    fc.assert(
      fc.property(fc.array(choice, { minLength: 10, maxLength: 50, size: 'max' }), fc.constantFrom<'anchors' | 'static_remotekey'>('anchors', 'static_remotekey'), (choices, channelType) => {
        // Build the script with a model, so that 19 in 20 steps are legal ones.
        const model = new ReferenceModel(100_000_000n, 50_000_000_000n, 253);
        const events: SimEvent[] = [];
        for (const c of choices) {
          const all = candidates(model, c.pick, c.deliver !== 0);
          const legal = all.filter((e) => model.forbidden(e) === null);
          const pool = c.legal > 0 && legal.length > 0 ? legal : all;
          const e = pool[c.pick % pool.length]!;
          events.push(e);
          if (model.forbidden(e) !== null) break;
          model.apply(e);
        }
        const script: SimScript = { fundingSat: 100_000_000n, pushMsat: 50_000_000_000n, feeratePerKw: 253, channelType, events };
        const result = runAgainstModel(script);
        expect(result.steps + (result.error ? 1 : 0)).toBe(events.length);
      }),
      { numRuns: 20 },
    );
  }, 300_000);
});
