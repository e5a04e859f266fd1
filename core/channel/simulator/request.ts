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

/** `{ scenario }` or `{ events, funding_sat?, push_msat?, feerate_per_kw?, channel_type? }` (already schema-checked JSON). */
export function runSimulationRequest(request: unknown): { trace: Trace; svg: string } {
  let script: SimScript;
  let title: string;
  const r = request as { scenario?: unknown };
  if (r !== null && typeof r === 'object' && 'scenario' in r) {
    const name = r.scenario;
    if (typeof name !== 'string' || !isScenarioName(name)) {
      throw new SimulationError('simulator.unknown_scenario', `unknown scenario "${String(name)}"; scenarios: ${SCENARIO_NAMES.join(', ')}`);
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
