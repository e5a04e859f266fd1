/** Which peer events reach the log (core/node/peer-log.ts): a failing peer once, then summaries. */
import { describe, expect, it } from 'vitest';
import type { NodeEvent } from '../../../core/node/events';
import { PeerLogThrottle } from '../../../core/node/peer-log';

const ID = '02'.padEnd(66, 'a');
let seq = 0;
const failed = (time: number, code = 'peer.connect_failed'): NodeEvent =>
  ({ type: 'peer.connection_failed', address: '127.0.0.1:1', nodeId: ID, direction: 'outbound', reason: `failed (${code})`, code, seq: ++seq, time }) as NodeEvent;
const line = (e: NodeEvent): Record<string, unknown> => ({ type: e.type, time: e.time });

describe('PeerLogThrottle', () => {
  it('logs the first failure of a streak, then one summary per period, then one line when it ends', () => {
    const t = new PeerLogThrottle(60_000);
    expect(t.lines(failed(0), line)).toEqual([{ type: 'peer.connection_failed', time: 0 }]);
    for (let s = 1; s < 60; s++) expect(t.lines(failed(s * 1000), line)).toEqual([]);
    expect(t.lines(failed(60_000, 'peer.handshake_timeout'), line)).toEqual([
      expect.objectContaining({ type: 'peer.connection_failures', status: 'still failing', failures: 61, unloggedFailures: 60, since: 0, lastCode: 'peer.handshake_timeout' }),
    ]);
    expect(t.lines(failed(61_000), line)).toEqual([]);
    const connected = { type: 'peer.connected', peer: { nodeId: ID }, seq: ++seq, time: 70_000 } as unknown as NodeEvent;
    expect(t.lines(connected, line)).toEqual([
      expect.objectContaining({ type: 'peer.connection_failures', status: 'connected after', failures: 62, unloggedFailures: 1 }),
      { type: 'peer.connected', time: 70_000 },
    ]);
    // A new streak starts with its first failure logged again.
    expect(t.lines(failed(80_000), line)).toHaveLength(1);
  });

  it('says how many failures were not logged when reconnection stops; inbound failures without a node id pass through', () => {
    const t = new PeerLogThrottle();
    t.lines(failed(0), line);
    t.lines(failed(1000), line);
    const stopped = { type: 'peer.reconnect_stopped', nodeId: ID, by: 'policy', attempts: 2, reason: 'never answered', seq: ++seq, time: 2000 } as NodeEvent;
    expect(t.lines(stopped, line)).toEqual([expect.objectContaining({ type: 'peer.reconnect_stopped', attempts: 2, unloggedFailures: 1, reason: 'never answered' })]);
    const inbound = { ...failed(3000), nodeId: null, direction: 'inbound' } as NodeEvent;
    expect(t.lines(inbound, line)).toHaveLength(1);
    expect(t.lines(inbound, line)).toHaveLength(1);
    expect(t.lines({ type: 'peer.pong', nodeId: ID, rttMs: 1, seq: ++seq, time: 4000 } as NodeEvent, line)).toEqual([]);
  });
});
