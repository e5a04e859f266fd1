/**
 * `glasswing simulate SCENARIO|--events FILE [--json] [--svg OUT]`: runs two channel state
 * machines in memory (A is the funder) through a built-in scenario or a script of events, and
 * runs without a daemon.
 *
 *   (default)  prints the whole trace as JSON: every message, and after every step each party's
 *              commitments, four change lists and balances (amounts are decimal msat strings)
 *   --json     prints one line per step instead:
 *              {"step":N,"state":{"A":{"local":{"ctn":C,"htlcs":["A0","B0"]},"remote":{...}},"B":{...}}}
 *              (steps count from 1; `local` is the newest local commitment the party holds a
 *              signature for, `remote` the newest remote commitment it signed; HTLCs are named by
 *              offerer and id, trimmed ones included)
 *   --svg OUT  also writes the sequence diagram to OUT
 * A step the protocol forbids prints its typed error (with the step number) and exits 1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  SCENARIO_NAMES, SimulationError, isScenarioName, parseSimScriptText, runSimulation, scenarioScript, scenarioSummary, traceToSvg,
} from '../../../core/simulator';
import type { SimScript } from '../../../core/simulator';
import type { CliCommand } from '../command';
import { UsageError } from '../command';

const USAGE = 'simulate SCENARIO|--events FILE [--json] [--svg OUT]';

function loadScript(positionals: string[], events: unknown): { script: SimScript; title: string } {
  if (typeof events === 'string') {
    if (positionals.length > 0) throw new UsageError('give a SCENARIO or --events FILE, not both');
    let text: string;
    try {
      text = readFileSync(events, 'utf8');
    } catch (e) {
      throw new SimulationError('simulator.cannot_read', `cannot read ${events}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return { script: parseSimScriptText(text), title: `Glasswing channel simulation: ${events}` };
  }
  const [name, ...extra] = positionals;
  if (name === undefined || extra.length > 0) {
    throw new UsageError(`${USAGE}; scenarios: ${SCENARIO_NAMES.map((n) => `${n} (${scenarioSummary(n)})`).join('; ')}`);
  }
  if (!isScenarioName(name)) throw new UsageError(`unknown scenario "${name}"; scenarios: ${SCENARIO_NAMES.join(', ')}`);
  return { script: scenarioScript(name), title: `Glasswing channel simulation: ${name} — ${scenarioSummary(name)}` };
}

export const simulate: CliCommand = {
  name: 'simulate',
  summary: 'run two channel state machines in memory through a scenario or script (JSON trace, SVG diagram)',
  usage: USAGE,
  options: {
    events: { type: 'string' },
    json: { type: 'boolean' },
    svg: { type: 'string' },
  },
  async run(ctx, { positionals, values }) {
    const { script, title } = loadScript(positionals, values.events);
    const lines = values.json === true;
    const { trace, error } = runSimulation(script, (s) => {
      if (lines) ctx.emitLine({ step: s.step, state: s.state });
    });
    if (typeof values.svg === 'string') {
      try {
        writeFileSync(values.svg, traceToSvg(trace, title));
      } catch (e) {
        throw new SimulationError('simulator.cannot_write', `cannot write ${values.svg}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (error) throw error;
    return lines ? undefined : trace;
  },
};
