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
import type * as SimulatorModule from '../../../core/simulator';
import type { SimScript } from '../../../core/simulator';
import type { CliCommand } from '../command';
import { UsageError } from '../command';

/** The simulator, loaded when the command runs (the other commands need none of it). */
type Simulator = typeof SimulatorModule;

/** The built-in scenarios, for help (core/simulator's SCENARIO_NAMES; a unit test holds them equal). */
export const SCENARIO_NAMES_FOR_HELP = ['htlc-cycle', 'crossing-commits', 'fee-update', 'fail-and-fulfill'] as const;

const USAGE = 'simulate SCENARIO|--events FILE [--json] [--svg OUT]';

function loadScript(sim: Simulator, positionals: string[], events: unknown): { script: SimScript; title: string } {
  const { SCENARIO_NAMES, SimulationError, isScenarioName, parseSimScriptText, scenarioScript, scenarioSummary } = sim;
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
  arguments: [{ name: 'SCENARIO', describe: `a built-in scenario: ${SCENARIO_NAMES_FOR_HELP.join(', ')}` }],
  options: {
    events: { type: 'string', value: 'FILE', describe: 'a JSON file of steps instead of a scenario, e.g. [{"from":"A","msg":"update_add_htlc","id":0,"amount_msat":1000}]' },
    json: { type: 'boolean', describe: 'one line per step (each side\'s newest signed commitments) instead of the whole trace' },
    svg: { type: 'string', value: 'OUT', describe: 'also write the sequence diagram to this SVG file' },
  },
  examples: ['simulate htlc-cycle', 'simulate crossing-commits --json --svg crossing.svg', 'simulate --events steps.json'],
  details: ['A step the protocol forbids prints its typed error (with the step number) and exits 1.'],
  async run(ctx, { positionals, values }) {
    const sim = await import('../../../core/simulator');
    const { SimulationError, runSimulation, traceToSvg } = sim;
    const { script, title } = loadScript(sim, positionals, values.events);
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
