/**
 * Targets for text that arrives from outside as JSON: the NodeApi request frames the daemon reads
 * from its WebSocket (`parseRequest`, then the method's schema), the Channel lab's simulation
 * requests, and Esplora transaction objects (`esploraTx`, the chain source's reader).
 *
 * JSON.parse itself is not ours: text that does not parse is skipped.
 */
import { parseRequest, toErrorBody } from '../../core/api/protocol';
import { runSimulationRequest } from '../../core/simulator/request';
import { parseSimScript } from '../../core/simulator/events';
import { isScenarioName } from '../../core/simulator/scenarios';
import { esploraTx } from '../../core/runtime/chain';
import { Finding, REJECTED, decodeOrReject, latin1 } from '../harness';
import type { FuzzTarget } from '../harness';

function json(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return REJECTED;
  }
}

export const apiRequest: FuzzTarget = {
  name: 'api-request',
  description: 'the input as JSON: a NodeApi request frame (parseRequest with its schema) and, as a simulation request, the Channel lab parser',
  maxLen: 4096,
  check(data) {
    const frame = json(latin1(data));
    if (frame === REJECTED) return;
    try {
      parseRequest(frame);
    } catch (e) {
      // What the daemon answers with: a typed error is sent as is; anything else would be `internal`.
      if (toErrorBody(e).code === 'internal') throw new Finding(`parseRequest: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} would be answered "internal"`, { cause: e });
    }
    const r = frame as { scenario?: unknown } | null;
    if (r !== null && typeof r === 'object' && 'scenario' in r) {
      // Only the error path: a valid name runs the whole scenario, which is not parsing.
      if (typeof r.scenario !== 'string' || !isScenarioName(r.scenario)) decodeOrReject('runSimulationRequest', () => runSimulationRequest(frame));
    } else {
      decodeOrReject('parseSimScript', () => parseSimScript(frame));
    }
  },
};

export const esploraTransaction: FuzzTarget = {
  name: 'esplora-tx',
  description: "the input as JSON: an Esplora /tx object, re-serialized and checked against its txid (the chain source's reader)",
  maxLen: 8192,
  check(data) {
    const tx = json(latin1(data));
    if (tx === REJECTED) return;
    const found = decodeOrReject('esploraTx', () => esploraTx(tx, 'tx'));
    if (found !== REJECTED && !/^[0-9a-f]{64}$/.test(found.txid)) throw new Finding(`esploraTx returned txid ${found.txid}`);
  },
};
