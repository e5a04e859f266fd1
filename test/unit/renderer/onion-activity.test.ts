import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { NodeEvent, NodeEventBody } from '../../../core/api/events';
import { appendLog, appendOlder, filterLog, DEFAULT_LOG_FILTER, logPage, rowPeers } from '../../../renderer/src/lib/activity-log';
import { ONION_GROUP_MS } from '../../../renderer/src/lib/onion-activity';
import { peer, stamp, T0, wire } from './events-fixtures';

const A = peer(1).nodeId;
const B = peer(2).nodeId;
const C = peer(3).nodeId;

const forwarded = (from: string, to: string, size = 1000): NodeEventBody => ({ type: 'onion.forwarded', messageId: '00'.repeat(8), from, to, size });
const received = (from: string, size = 1000): NodeEventBody => ({ type: 'onion.received', messageId: '00'.repeat(8), from, size });

describe('activity log: onion messages (one event per wire message, gathered)', () => {
  it('a lone message reads as itself: its step, peer, type and size', () => {
    const rows = appendLog([], stamp([
      received(A, 420),
      { type: 'onion.delivered', messageId: '11'.repeat(8), from: A, handler: 'offers', tlvType: '64', size: 300, dummyHopsPeeled: 0, hasReplyPath: true, inReplyTo: null },
    ]));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'onion', direction: 'in', nodeId: A, title: 'onion delivered', tone: 'good', keepalive: false });
    expect(rows[0]!.detail).toBe('invoice_request · 300 B · with a reply path');
  });

  it('gathers a busy forwarder\'s steps into one row per kind and 10 s, counting messages, bytes and peers', () => {
    // 600 forwards in 6 s (100 a second) between three peers, with one connection among them.
    const bodies: NodeEventBody[] = [];
    for (let i = 0; i < 600; i++) {
      bodies.push(received([A, B, C][i % 3]!), forwarded([A, B, C][i % 3]!, [B, C, A][i % 3]!));
      if (i === 300) bodies.push({ type: 'peer.connected', peer: peer(4) });
    }
    const rows = appendLog([], stamp(bodies, { stepMs: 5 }));
    expect(rows.map((r) => r.title)).toEqual(['connected', 'onion forwarded ×600']);
    const group = rows[1]!;
    expect(group.detail).toBe('600 messages in 5 s · 600.0 kB');
    expect(group.nodeId).toBeNull();
    // The row stays where its first message put it: older than the connection.
    expect(group.seq).toBeLessThan(rows[0]!.seq);
  });

  it('a group grows across batches in place, and a new one starts 10 s after the first of the last', () => {
    const events = stamp(Array.from({ length: 30 }, () => forwarded(A, B)), { stepMs: 1000 });
    let rows = appendLog([], events.slice(0, 4));
    const first = rows[0]!;
    rows = appendLog(rows, events.slice(4, 12));
    expect(rows.map((r) => [r.seq, r.title])).toEqual([[events[10]!.seq, 'onion forwarded ×2'], [first.seq, 'onion forwarded ×10']]);
    expect(rows[1]!.nodeId).toBe(B);
    rows = appendLog(rows, events.slice(12));
    expect(rows.map((r) => r.title)).toEqual(['onion forwarded ×10', 'onion forwarded ×10', 'onion forwarded ×10']);
    // Fed again (a reconnect's overlap), nothing is counted twice.
    expect(appendLog(rows, events)).toBe(rows);
  });

  it('keeps kinds apart: sent by type, dropped by reason (a throttled report counts its messages), mailbox steps by peer', () => {
    const rows = appendLog([], stamp([
      { type: 'onion.sent', messageId: '1', to: A, destination: A, blinded: true, route: 'blinded' as never, tlvTypes: ['64'], hasReplyPath: true, size: 500, records: [] },
      { type: 'onion.sent', messageId: '2', to: A, destination: A, blinded: true, route: 'blinded' as never, tlvTypes: ['72'], hasReplyPath: true, size: 500, records: [] },
      { type: 'onion.dropped', messageId: '3', from: B, to: null, reason: 'rate_limited', code: null, detail: '', size: 9000, count: 9 },
      { type: 'onion.dropped', messageId: '4', from: C, to: null, reason: 'rate_limited', code: null, detail: '', size: 1000, count: 1 },
      { type: 'onion.mailbox_stored', messageId: '5', nodeId: C, from: A, size: 700, expiresAt: T0 + 1e6 },
      { type: 'onion.mailbox_stored', messageId: '6', nodeId: B, from: A, size: 700, expiresAt: T0 + 1e6 },
      { type: 'onion.mailbox_forwarded', messageId: '5', nodeId: C, size: 700, storedAt: T0 + 400 },
    ]));
    expect(rows.map((r) => [r.title, r.nodeId === null ? null : r.nodeId.slice(0, 4)])).toEqual([
      ['onion sent from mailbox', C.slice(0, 4)],
      ['onion stored in mailbox', B.slice(0, 4)],
      ['onion stored in mailbox', C.slice(0, 4)],
      ['onion dropped ×10', null],
      ['onion sent', A.slice(0, 4)],
      ['onion sent', A.slice(0, 4)],
    ]);
    expect(rows[3]).toMatchObject({ tone: 'warn', detail: expect.stringContaining('10 messages') });
    expect(rows[3]!.detail).toContain('rate limited');
    expect(rows.at(-1)!.detail).toBe('invoice_request · 500 B · over a blinded path');
    expect(rows.at(-2)!.detail).toBe('held_htlc_available · 500 B · over a blinded path');
    expect(rows[0]!.detail).toContain('waited 0 s');
  });

  it('the word filter finds them (by "onion", by kind, by peer), and keepalives stay separate', () => {
    const rows = appendLog([], stamp([forwarded(A, B), wire(A, 'ping', 'in'), received(A), { type: 'onion.mailbox_expired', messageId: '9', nodeId: C, size: 5, storedAt: T0 }]));
    expect(filterLog(rows, { keepalive: false, text: 'onion' }).map((r) => r.title)).toEqual(['onion expired in mailbox', 'onion forwarded']);
    expect(filterLog(rows, { keepalive: false, text: 'mailbox' }).map((r) => r.nodeId)).toEqual([C]);
    expect(filterLog(rows, DEFAULT_LOG_FILTER)).toHaveLength(2);
  });

  it('a row of messages from several peers is found by any of their names', () => {
    const rows = appendLog([], stamp([forwarded(A, B), forwarded(B, C), forwarded(C, A)]));
    expect(rowPeers(rows[0]!)).toEqual([B, C, A]);
    const names = new Map([[A, 'alice'], [B, 'bob'], [C, 'carol']]);
    expect(filterLog(rows, { keepalive: false, text: 'carol' }, (id) => names.get(id) ?? null)).toHaveLength(1);
    expect(filterLog(rows, { keepalive: false, text: 'dave' }, (id) => names.get(id) ?? null)).toHaveLength(0);
  });

  it('older history loaded later is gathered among itself and put after what is shown', () => {
    const all = stamp(Array.from({ length: 20 }, () => forwarded(A, B)), { stepMs: 1000 });
    const shown = appendLog([], all.slice(10));
    const rows = appendOlder(shown, all);
    expect(rows.map((r) => r.title)).toEqual(['onion forwarded ×10', 'onion forwarded ×10']);
    expect(rows[0]!.seq).toBeGreaterThan(rows[1]!.seq);
  });

  it('property: any stream of events, in any batches, counts every onion step once, rows newest first, each group within 10 s', () => {
    const kinds = ['fwd', 'rcv', 'del', 'drop', 'wire'] as const;
    fc.assert(fc.property(
      fc.array(fc.record({ kind: fc.constantFrom(...kinds), gap: fc.integer({ min: 0, max: 4000 }), who: fc.integer({ min: 0, max: 2 }) }), { maxLength: 150 }),
      fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 10 }),
      (spec, cuts) => {
        let time = T0;
        const events: NodeEvent[] = spec.map((s, i) => {
          time += s.gap;
          const who = [A, B, C][s.who]!;
          const body: NodeEventBody = s.kind === 'fwd' ? forwarded(who, A, 10) : s.kind === 'rcv' ? received(who, 10)
            : s.kind === 'del' ? { type: 'onion.delivered', messageId: 'x', from: who, handler: 'offers', tlvType: '64', size: 10, dummyHopsPeeled: 0, hasReplyPath: false, inReplyTo: null }
              : s.kind === 'drop' ? { type: 'onion.dropped', messageId: 'y', from: who, to: null, reason: 'node_busy', code: null, detail: '', size: 10, count: 2 }
                : wire(who, 'init', 'in');
          return { ...body, seq: i + 1, time } as NodeEvent;
        });
        let rows = appendLog([], []);
        let at = 0;
        let c = 0;
        while (at < events.length) {
          const n = cuts[c++ % cuts.length]!;
          rows = appendLog(rows, events.slice(Math.max(0, at - 3), at + n)); // overlapping batches
          at += n;
        }
        const want = spec.reduce((n, s) => n + (s.kind === 'fwd' || s.kind === 'del' ? 1 : s.kind === 'drop' ? 2 : 0), 0);
        const counted = rows.reduce((n, r) => n + (r.onion?.group.count ?? 0), 0);
        expect(counted).toBe(want);
        expect(rows.filter((r) => r.kind === 'wire')).toHaveLength(spec.filter((s) => s.kind === 'wire').length);
        for (let i = 1; i < rows.length; i++) expect(rows[i - 1]!.seq).toBeGreaterThan(rows[i]!.seq);
        for (const r of rows) if (r.onion) expect(r.onion.group.last - r.onion.group.first).toBeLessThan(ONION_GROUP_MS);
        // The pages still cover every row once.
        expect(logPage(rows, null, 1000).rows).toHaveLength(rows.length);
      },
    ), { numRuns: 200 });
  });
});
