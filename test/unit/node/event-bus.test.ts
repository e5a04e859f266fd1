import { describe, expect, it } from 'vitest';
import { EventBus, approximateEventSize } from '../../../core/node/event-bus';
import type { NodeEventBody } from '../../../core/api';

function protocolMessage(text: string): NodeEventBody {
  return { type: 'peer.protocol_message', kind: 'warning', direction: 'in', nodeId: '02'.padEnd(66, '0'), channelId: '00'.repeat(32), text };
}

describe('approximateEventSize', () => {
  it('is the JSON length, bigints as decimal text', () => {
    const plain = protocolMessage('hello');
    expect(approximateEventSize({ ...plain, seq: 1, time: 2 } as never)).toBe(JSON.stringify({ ...plain, seq: 1, time: 2 }).length);
    const withBigint = { ...plain, amountMsat: 12345678901234567890n, seq: 1, time: 2 };
    expect(approximateEventSize(withBigint as never)).toBe(JSON.stringify({ ...withBigint, amountMsat: '12345678901234567890' }).length);
  });
});

describe('EventBus history', () => {
  it('keeps at most `capacity` events, the newest', () => {
    const bus = new EventBus({ capacity: 3 });
    for (let i = 0; i < 10; i++) bus.publish(protocolMessage(`w${i}`));
    expect(bus.recent(100).map((e) => (e as { text: string }).text)).toEqual(['w7', 'w8', 'w9']);
  });

  it('a full history over many drops (count and bytes caps) keeps exactly the newest, in order, with the byte count right at every step', () => {
    const bus = new EventBus({ capacity: 7, maxHistoryBytes: 2_000 });
    const all: string[] = [];
    for (let i = 0; i < 500; i++) {
      const text = `e${i}:${'z'.repeat((i * 37) % 400)}`;
      all.push(text);
      bus.publish(protocolMessage(text));
      const kept = bus.recent(100);
      expect(kept.map((e) => (e as { text: string }).text)).toEqual(all.slice(all.length - kept.length));
      expect(kept.length).toBeLessThanOrEqual(7);
      expect(bus.historyBytes).toBe(kept.reduce((n, e) => n + approximateEventSize(e), 0));
      expect(kept.length === 1 || bus.historyBytes <= 2_000).toBe(true);
    }
    expect(bus.recent(3, ['peer.protocol_message']).map((e) => e.seq)).toEqual([498, 499, 500]);
  });

  it('drops the oldest events once their approximate bytes pass the cap, whatever their count', () => {
    const bus = new EventBus({ capacity: 5000, maxHistoryBytes: 100_000 });
    for (let i = 0; i < 1000; i++) bus.publish(protocolMessage('x'.repeat(10_000)));
    const kept = bus.recent(5000);
    expect(kept.length).toBeLessThan(10);
    expect(kept.length).toBeGreaterThan(0);
    expect(bus.historyBytes).toBeLessThanOrEqual(100_000);
    expect(bus.historyBytes).toBe(kept.reduce((n, e) => n + approximateEventSize(e), 0));
    expect(kept.at(-1)!.seq).toBe(1000);
  });

  it('the default byte cap bounds a flood of large events', () => {
    const bus = new EventBus();
    for (let i = 0; i < 2000; i++) bus.publish(protocolMessage('y'.repeat(20_000)));
    expect(bus.historyBytes).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(bus.recent(5000).length).toBeLessThan(2000);
  });

  it('always keeps the newest event, even one larger than the cap', () => {
    const bus = new EventBus({ maxHistoryBytes: 10 });
    bus.publish(protocolMessage('a'));
    bus.publish(protocolMessage('b'));
    expect(bus.recent(10).map((e) => (e as { text: string }).text)).toEqual(['b']);
  });

  it('keeps exactly the newest events, in order, through many rounds of dropping and compacting', () => {
    const bus = new EventBus({ capacity: 100 });
    for (let i = 1; i <= 1_037; i++) bus.publish(protocolMessage(i % 3 === 0 ? 'three' : 'other'));
    const kept = bus.recent(1_000);
    expect(kept.map((e) => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => 938 + i));
    expect(bus.recent(5).map((e) => e.seq)).toEqual([1_033, 1_034, 1_035, 1_036, 1_037]);
    expect(bus.recent(1_000, ['peer.protocol_message']).length).toBe(100);
    expect(bus.historyBytes).toBe(kept.reduce((n, e) => n + approximateEventSize(e), 0));
  });
});
