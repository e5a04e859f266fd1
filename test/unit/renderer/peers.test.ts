import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BOLT8_FRAME_OVERHEAD, peerLabel, reducePeers, sortPeers, withPingResult, type PeerList } from '../../../renderer/src/lib/peers';
import { peer, stamp, wire } from './events-fixtures';

const A = peer(1);
const B = peer(2);

describe('peer list reducer', () => {
  it('adds a connected peer, newest first', () => {
    const [e] = stamp([{ type: 'peer.connected', peer: B }]);
    expect(reducePeers([A], e!).map((p) => p.nodeId)).toEqual([B.nodeId, A.nodeId]);
  });

  it('replaces a peer that connects again instead of listing it twice', () => {
    const again = { ...A, address: '127.0.0.1:1', connectedSince: A.connectedSince + 5000 };
    const [e] = stamp([{ type: 'peer.connected', peer: again }]);
    expect(reducePeers([A, B], e!)).toEqual(sortPeers([again, B]));
  });

  it('takes a new label from peer.updated and keeps the live counters', () => {
    const counted = { ...A, messagesIn: 40 };
    const [e] = stamp([{ type: 'peer.updated', peer: { ...A, label: 'shop', messagesIn: 1 } }]);
    const next = reducePeers([counted, B], e!);
    expect(peerLabel(next, A.nodeId)).toBe('shop');
    expect(next.find((p) => p.nodeId === A.nodeId)!.messagesIn).toBe(40);
    expect(peerLabel(next, B.nodeId)).toBeNull();
    expect(peerLabel(next, null)).toBeNull();
  });

  it('removes a disconnected peer and ignores unknown ones', () => {
    const [gone, unknown] = stamp([
      { type: 'peer.disconnected', nodeId: A.nodeId, address: A.address, reason: 'bye', code: 'peer.closed_by_remote' },
      { type: 'peer.disconnected', nodeId: peer(9).nodeId, address: 'x:1', reason: 'bye', code: 'peer.closed_by_remote' },
    ]);
    const list: PeerList = [A, B];
    expect(reducePeers(list, gone!)).toEqual([B]);
    expect(reducePeers(list, unknown!)).toBe(list);
  });

  it('records the round trip of an answered ping', () => {
    const [e] = stamp([{ type: 'peer.pong', nodeId: B.nodeId, rttMs: 12 }]);
    const next = reducePeers([A, B], e!);
    expect(next[1]!.lastPingRttMs).toBe(12);
    expect(next[0]).toBe(A);
    expect(withPingResult([A], A.nodeId, 3)[0]!.lastPingRttMs).toBe(3);
  });

  it('counts messages and their bytes on the wire (BOLT 8 framing) only when asked', () => {
    const [i, o] = stamp([wire(A.nodeId, 'ping', 'in', 6), wire(A.nodeId, 'pong', 'out', 4)]);
    let list: PeerList = [A];
    expect(reducePeers(list, i!)).toBe(list);
    list = reducePeers(reducePeers(list, i!, { countMessages: true }), o!, { countMessages: true });
    expect(list[0]).toMatchObject({ messagesIn: 2, messagesOut: 2, bytesIn: 100 + 6 + BOLT8_FRAME_OVERHEAD, bytesOut: 100 + 4 + BOLT8_FRAME_OVERHEAD });
    expect(BOLT8_FRAME_OVERHEAD).toBe(34);
  });

  it('counts the onion_messages the onion events stand for (the node publishes no wire.message for them)', () => {
    const [received, forwarded, throttled, delivered] = stamp([
      { type: 'onion.received', messageId: 'a'.repeat(16), from: A.nodeId, size: 1400 },
      { type: 'onion.forwarded', messageId: 'a'.repeat(16), from: A.nodeId, to: B.nodeId, size: 1366 },
      { type: 'onion.dropped', messageId: 'c'.repeat(16), from: A.nodeId, to: null, reason: 'rate_limited', code: null, detail: '', size: 14_000, count: 10 },
      { type: 'onion.delivered', messageId: 'd'.repeat(16), from: A.nodeId, handler: 'offers', tlvType: '64', size: 200, dummyHopsPeeled: 0, hasReplyPath: false, inReplyTo: null },
    ]);
    let list: PeerList = [A, B];
    expect(reducePeers(list, received!)).toBe(list);
    for (const e of [received!, forwarded!, throttled!, delivered!]) list = reducePeers(list, e, { countMessages: true });
    const a = list.find((p) => p.nodeId === A.nodeId)!;
    const b = list.find((p) => p.nodeId === B.nodeId)!;
    expect(a).toMatchObject({ messagesIn: 1 + 11, messagesOut: 1, bytesIn: 100 + 1400 + 14_000 + 11 * BOLT8_FRAME_OVERHEAD, bytesOut: 100 });
    expect(b).toMatchObject({ messagesIn: 1, messagesOut: 1 + 1, bytesIn: 100, bytesOut: 100 + 1366 + BOLT8_FRAME_OVERHEAD });
  });

  it('ignores events about other things', () => {
    const [e] = stamp([{ type: 'peer.reconnect_scheduled', nodeId: A.nodeId, address: A.address, inMs: 100, attempt: 1 }]);
    const list: PeerList = [A];
    expect(reducePeers(list, e!)).toBe(list);
  });

  it('ends with exactly the peers whose last connect/disconnect event was a connect (property)', () => {
    const ids = [peer(1), peer(2), peer(3), peer(4)];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(3), fc.boolean()), { maxLength: 40 }), (steps) => {
        const events = stamp(
          steps.map(([i, up]) =>
            up
              ? { type: 'peer.connected' as const, peer: ids[i]! }
              : { type: 'peer.disconnected' as const, nodeId: ids[i]!.nodeId, address: 'a:1', reason: 'r', code: 'c' },
          ),
        );
        let list: PeerList = [];
        for (const e of events) list = reducePeers(list, e);
        const last = new Map<number, boolean>();
        for (const [i, up] of steps) last.set(i, up);
        const expected = [...last].filter(([, up]) => up).map(([i]) => ids[i]!.nodeId).sort();
        return JSON.stringify(list.map((p) => p.nodeId).sort()) === JSON.stringify(expected) && new Set(list.map((p) => p.nodeId)).size === list.length;
      }),
    );
  });
});
