import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TrafficCounter, classifyDrop, classifyTraffic, onionWireMessages } from '../../../renderer/src/lib/traffic';
import { DROP_REASONS as NODE_DROP_REASONS } from '../../../core/messenger/errors';
import { DROP_REASONS, dropReasonExplain, dropReasonLabel } from '../../../renderer/src/lib/drop-reasons';
import { T0, peer, stamp, wire } from './events-fixtures';

const P = peer(1).nodeId;
const S = 1000;

describe('traffic per second by type and outcome', () => {
  it('counts each second of the window by type and outcome', () => {
    const c = new TrafficCounter(5);
    c.add({ time: T0, type: 'ping', outcome: 'out' });
    c.add({ time: T0 + 10, type: 'ping', outcome: 'out' });
    c.add({ time: T0 + 999, type: 'pong', outcome: 'in' });
    c.add({ time: T0 + 2 * S, type: 'ping', outcome: 'in' });
    const v = c.view(T0 + 2 * S + 500);
    expect(v.buckets).toEqual([T0 - 2 * S, T0 - S, T0, T0 + S, T0 + 2 * S]);
    expect(v.series.map((s) => [s.key, s.counts])).toEqual([
      ['ping|out', [0, 0, 2, 0, 0]],
      ['ping|in', [0, 0, 0, 0, 1]],
      ['pong|in', [0, 0, 1, 0, 0]],
    ]);
    expect(v.totalsByOutcome).toEqual({ out: 2, in: 2 });
    expect(v.totalsByType).toEqual([
      { type: 'ping', typeIndex: 0, total: 3 },
      { type: 'pong', typeIndex: 1, total: 1 },
    ]);
    expect(v.total).toBe(4);
    expect(v.peakPerSecond).toBe(3);
  });

  it('slides: seconds older than the window are forgotten and later samples from then are ignored', () => {
    const c = new TrafficCounter(3);
    c.add({ time: T0, type: 'init', outcome: 'in' });
    expect(c.view(T0 + 2 * S).total).toBe(1);
    expect(c.view(T0 + 3 * S).total).toBe(0);
    c.add({ time: T0 + 500, type: 'init', outcome: 'in' }); // arrives late, already out of the window
    expect(c.view(T0 + 3 * S).total).toBe(0);
    // The window never moves back, even if asked about an earlier time.
    expect(c.view(T0).buckets.at(-1)).toBe(T0 + 3 * S);
  });

  it('counts a sample from the future (clock skew) in the current second', () => {
    const c = new TrafficCounter(3);
    c.add({ time: T0 + 5 * S, type: 'ping', outcome: 'in' });
    const v = c.view(T0);
    expect(v.series[0]!.counts).toEqual([0, 0, 1]);
  });

  it('keeps type colours stable: indexes follow first appearance, even after a type leaves the window', () => {
    const c = new TrafficCounter(2);
    c.add({ time: T0, type: 'init', outcome: 'in' });
    c.add({ time: T0 + 5 * S, type: 'ping', outcome: 'in' });
    const v = c.view(T0 + 5 * S);
    expect(v.series.map((s) => [s.type, s.typeIndex])).toEqual([['ping', 1]]);
    expect(c.types).toEqual(['init', 'ping']);
    c.clear();
    expect(c.types).toEqual([]);
    expect(c.view(T0 + 5 * S).total).toBe(0);
  });

  it('has an empty, zero-filled view before any traffic', () => {
    const v = new TrafficCounter(60).view(T0);
    expect(v.buckets).toHaveLength(60);
    expect(v.series).toEqual([]);
    expect(v.total).toBe(0);
    expect(v.peakPerSecond).toBe(0);
  });

  it('refuses a window that is not a positive whole number of seconds', () => {
    expect(() => new TrafficCounter(0)).toThrow(RangeError);
    expect(() => new TrafficCounter(1.5)).toThrow(RangeError);
  });

  it('counts every sample inside the window exactly once (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ offset: fc.integer({ min: -120_000, max: 0 }), type: fc.constantFrom('a', 'b', 'c'), outcome: fc.constantFrom('in', 'out') }), { maxLength: 200 }),
        (samples) => {
          const c = new TrafficCounter(60);
          const now = T0 + 999;
          for (const s of samples) c.add({ time: now + s.offset, ...s });
          const v = c.view(now);
          const first = v.buckets[0]!;
          const inside = samples.filter((s) => now + s.offset >= first).length;
          const sumSeries = v.series.reduce((a, s) => a + s.total, 0);
          const sumOutcomes = Object.values(v.totalsByOutcome).reduce((a, b) => a + b, 0);
          return v.total === inside && sumSeries === inside && sumOutcomes === inside && v.series.every((s) => s.counts.length === 60);
        },
      ),
    );
  });

  it('maps wire.message events to the wire stream by type and direction', () => {
    const [ping, onion, connected] = stamp([wire(P, 'ping', 'out'), wire(P, 'onion_message', 'in'), { type: 'peer.connected', peer: peer(1) }]);
    expect(classifyTraffic(ping!)).toEqual([{ stream: 'wire', time: ping!.time, type: 'ping', outcome: 'out' }]);
    expect(classifyTraffic(onion!)).toEqual([{ stream: 'wire', time: onion!.time, type: 'onion_message', outcome: 'in' }]);
    expect(classifyTraffic(connected!)).toEqual([]);
  });

  it('maps onion events to the onion stream by outcome, naming the record type when it is visible', () => {
    const Q = peer(2).nodeId;
    const events = stamp([
      { type: 'onion.received', messageId: 'a'.repeat(16), from: P, size: 1400 },
      { type: 'onion.delivered', messageId: 'a'.repeat(16), from: P, handler: 'offers', tlvType: '64', size: 200, dummyHopsPeeled: 0, hasReplyPath: true, inReplyTo: null },
      { type: 'onion.forwarded', messageId: 'b'.repeat(16), from: P, to: Q, size: 1400 },
      { type: 'onion.sent', messageId: 'c'.repeat(16), to: Q, destination: Q, blinded: false, route: 'direct', tlvTypes: ['65537'], hasReplyPath: false, size: 1400, records: [] },
      { type: 'onion.dropped', messageId: 'd'.repeat(16), from: P, to: null, reason: 'rate_limited', code: null, detail: '', size: 1400 },
      { type: 'onion.mailbox_wake', nodeId: Q, messages: 1, bytes: 1400 },
    ]);
    expect(events.map((e) => classifyTraffic(e).map((s) => `${s.stream}:${s.type}:${s.outcome}`))).toEqual([
      // The onion_message on the wire (the node publishes no wire.message for it); not an onion
      // outcome: every received message also gets one, and counting both would show it twice.
      ['wire:onion_message:in'],
      ['onion:invoice_request:delivered'],
      ['wire:onion_message:out', 'onion:onion_message:forwarded'],
      ['wire:onion_message:out', 'onion:type 65537:sent'],
      ['onion:onion_message:dropped'], // its wire message was the onion.received
      [], // a wake-up is not a message
    ]);
  });

  it('counts one forwarded onion message as one wire message in and one out, from its two events', () => {
    const Q = peer(2).nodeId;
    const events = stamp([
      { type: 'onion.received', messageId: 'b'.repeat(16), from: P, size: 1400 },
      { type: 'onion.forwarded', messageId: 'b'.repeat(16), from: P, to: Q, size: 1366 },
      { type: 'onion.replied', messageId: 'e'.repeat(16), inReplyTo: 'a'.repeat(16), to: Q, tlvTypes: ['66'], hasReplyPath: false, size: 900, records: [] },
    ]);
    const counter = new TrafficCounter(60);
    for (const e of events) for (const s of classifyTraffic(e)) if (s.stream === 'wire') counter.add(s);
    const view = counter.view(events[2]!.time);
    expect(view.totalsByOutcome).toEqual({ in: 1, out: 2 });
    expect(view.totalsByType).toEqual([{ type: 'onion_message', typeIndex: 0, total: 3 }]);
    expect(onionWireMessages(events[1]!)).toEqual({ direction: 'out', nodeId: Q, count: 1, size: 1366 });
  });

  it('gives every onion event at most one wire sample, and one exactly for received, forwarded, sent and replied (property)', () => {
    const types = ['onion.received', 'onion.forwarded', 'onion.sent', 'onion.replied', 'onion.delivered', 'onion.mailbox_forwarded', 'onion.mailbox_expired'] as const;
    fc.assert(fc.property(fc.constantFrom(...types), fc.integer({ min: 0, max: 70_000 }), (type, size) => {
      const body = { type, messageId: 'f'.repeat(16), from: P, to: P, nodeId: P, size, storedAt: 0, inReplyTo: 'a'.repeat(16), tlvTypes: ['64'], destination: P, blinded: false, route: 'direct', hasReplyPath: false, records: [], handler: 'offers', tlvType: '64', dummyHopsPeeled: 0 };
      const [e] = stamp([body as unknown as Parameters<typeof stamp>[0][number]]);
      const wireSamples = classifyTraffic(e!).filter((s) => s.stream === 'wire');
      const expected = type === 'onion.received' ? ['in'] : ['onion.forwarded', 'onion.sent', 'onion.replied'].includes(type) ? ['out'] : [];
      return JSON.stringify(wireSamples.map((s) => s.outcome)) === JSON.stringify(expected) && wireSamples.every((s) => s.type === 'onion_message' && s.count === undefined);
    }));
  });
});

describe('onion drops by reason', () => {
  it('counts a dropped message under its reason, and nothing else', () => {
    const [dropped, forwarded] = stamp([
      { type: 'onion.dropped', messageId: 'aa'.repeat(8), from: null, to: null, reason: 'malformed_message', code: 'wire.bad_point', detail: 'path_key', size: 1 },
      { type: 'onion.forwarded', messageId: 'bb'.repeat(8), from: 'x', to: 'y', size: 1 },
    ]);
    expect(classifyDrop(dropped!)).toEqual({ stream: 'onion', time: dropped!.time, type: 'malformed_message', outcome: 'dropped' });
    expect(classifyDrop(forwarded!)).toBeNull();
  });

  it('counts a coalesced report of throttled drops as the messages it stands for', () => {
    const [report] = stamp([
      { type: 'onion.dropped', messageId: 'cc'.repeat(8), from: 'x', to: null, reason: 'rate_limited', code: null, detail: '', size: 14_000, count: 10 },
    ]);
    const counter = new TrafficCounter(60);
    counter.add(classifyDrop(report!)!);
    const wire = new TrafficCounter(60);
    for (const s of classifyTraffic(report!)) (s.stream === 'wire' ? wire : counter).add(s);
    const view = counter.view(report!.time);
    expect(view.totalsByType.find((t) => t.type === 'rate_limited')?.total).toBe(10);
    expect(view.totalsByOutcome.dropped).toBe(20);
    // The ten onion_messages came in on the wire: no event of their own stands for them.
    expect(wire.view(report!.time).totalsByOutcome).toEqual({ in: 10 });
  });
});

describe('drop reasons in words', () => {
  it('labels and explains every reason the node can report, malformed_message included', () => {
    for (const reason of NODE_DROP_REASONS) {
      expect(DROP_REASONS[reason], reason).toBeDefined();
      expect(dropReasonExplain(reason).length).toBeGreaterThan(20);
    }
    expect(dropReasonLabel('malformed_message')).toBe('malformed message');
    expect(dropReasonLabel('some_new_reason')).toBe('some new reason');
  });
});
