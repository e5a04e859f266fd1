/** Node events for the renderer's reducer tests (plain data, as the node sends them). */
import type { NodeEvent, NodeEventBody } from '../../../core/api/events';
import type { PeerInfo } from '../../../core/api/types';

export const T0 = 1_700_000_000_000;

export function peer(n: number, over: Partial<PeerInfo> = {}): PeerInfo {
  return {
    nodeId: '02' + n.toString(16).padStart(2, '0').repeat(32),
    address: `127.0.0.1:${9700 + n}`,
    direction: 'outbound',
    features: [{ bit: 1, name: 'option_data_loss_protect', required: false }],
    connectedSince: T0 + n,
    lastPingRttMs: null,
    reconnect: true,
    label: null,
    messagesIn: 1,
    messagesOut: 1,
    bytesIn: 100,
    bytesOut: 100,
    ...over,
  };
}

/** Stamps event bodies with consecutive sequence numbers and times (one per `stepMs`). */
export function stamp(bodies: NodeEventBody[], opts: { firstSeq?: number; start?: number; stepMs?: number } = {}): NodeEvent[] {
  const { firstSeq = 1, start = T0, stepMs = 100 } = opts;
  return bodies.map((b, i) => ({ ...b, seq: firstSeq + i, time: start + i * stepMs }) as NodeEvent);
}

export function wire(nodeId: string, messageType: string, direction: 'in' | 'out', size = 10): NodeEventBody {
  const typeNumber = { init: 16, ping: 18, pong: 19, onion_message: 513 }[messageType] ?? 32769;
  return { type: 'wire.message', direction, nodeId, messageType, typeNumber, size };
}
