/**
 * The simulator as the NodeApi's `runSimulation` serves it (the Channel lab): a built-in
 * scenario or a script, run to the end or to the first step the protocol forbids (recorded in
 * `trace.error`), with the SVG sequence diagram. A malformed request is a SimulationError.
 */
import { parseSimScript } from './events';
import type { SimScript } from './events';
import { SCENARIO_NAMES, isScenarioName, scenarioScript, scenarioSummary } from './scenarios';
import { runSimulation } from './simulator';
import type { Trace } from './simulator';
import { traceToSvg } from './svg';
import { SimulationError } from './events';

/** `runSimulation`: the simulator's trace (as `glasswing simulate` prints it) and its SVG sequence diagram. */
export interface SimulationResult {
  readonly trace: Trace;
  readonly svg: string;
}

/** One simulator event, as in `glasswing simulate --events FILE` (amounts as numbers or decimal strings). */
export interface SimulationEventJson {
  readonly from?: 'A' | 'B';
  readonly msg?: string;
  readonly id?: number | string;
  readonly amount_msat?: number | string;
  readonly cltv_expiry?: number;
  readonly payment_preimage?: string;
  readonly failure_code?: number;
  readonly feerate_per_kw?: number;
  readonly deliver?: boolean | 'A->B' | 'B->A' | 'all';
}

/** `runSimulation`: a built-in scenario, or a script of events with optional channel parameters. */
export type RunSimulationParams =
  | { readonly scenario: string }
  | {
      readonly events: readonly SimulationEventJson[];
      readonly funding_sat?: number | string;
      readonly push_msat?: number | string;
      readonly feerate_per_kw?: number;
      readonly channel_type?: 'anchors' | 'static_remotekey';
    };

/** `{ scenario }` or `{ events, funding_sat?, push_msat?, feerate_per_kw?, channel_type? }` (already schema-checked JSON). */
export function runSimulationRequest(request: unknown): SimulationResult {
  let script: SimScript;
  let title: string;
  const r = request as { scenario?: unknown };
  if (r !== null && typeof r === 'object' && 'scenario' in r) {
    const name = r.scenario;
    if (typeof name !== 'string' || !isScenarioName(name)) {
      // A non-string is described by its type: String() of a client's object can itself throw.
      const what = typeof name === 'string' ? `"${name}"` : name === null ? 'null' : Array.isArray(name) ? 'an array' : `of type ${typeof name}`;
      throw new SimulationError('simulator.unknown_scenario', `unknown scenario ${what}; scenarios: ${SCENARIO_NAMES.join(', ')}`);
    }
    script = scenarioScript(name);
    title = `Glasswing channel simulation: ${name} — ${scenarioSummary(name)}`;
  } else {
    script = parseSimScript(request);
    title = 'Glasswing channel simulation';
  }
  // A forbidden step ends the run; the trace records it (`trace.error`) and the lab shows it.
  const { trace } = runSimulation(script);
  return { trace, svg: traceToSvg(trace, title) };
}
