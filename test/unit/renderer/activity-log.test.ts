import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_LOG_FILTER, LOG_CAPACITY, appendLog, appendOlder, filterLog, hiddenKeepalives, logPage, logRowOf, olderEvents, olderWindow, type LogCursor, type LogRow,
} from '../../../renderer/src/lib/activity-log';
import { EventBus } from '../../../core/node/event-bus';
import { mergeEvents, eventsAfter } from '../../../renderer/src/lib/events';
import { peer, stamp, wire } from './events-fixtures';

const A = peer(1);

describe('activity log', () => {
  it('describes each kind of node event in one row', () => {
    const events = stamp([
      wire(A.nodeId, 'ping', 'in', 6),
      { type: 'peer.connected', peer: A },
      { type: 'peer.disconnected', nodeId: A.nodeId, address: A.address, reason: 'ping timed out', code: 'peer.ping_timeout' },
      { type: 'peer.connection_failed', address: 'h:1', nodeId: null, direction: 'outbound', reason: 'refused', code: 'peer.connect_failed' },
      { type: 'peer.reconnect_scheduled', nodeId: A.nodeId, address: A.address, inMs: 4000, attempt: 2 },
      { type: 'peer.pong', nodeId: A.nodeId, rttMs: 7 },
      { type: 'peer.protocol_message', kind: 'warning', direction: 'in', nodeId: A.nodeId, channelId: '00'.repeat(32), text: '' },
    ]);
    const rows = events.map((e) => logRowOf(e)!);
    expect(rows.map((r) => [r.kind, r.direction, r.title, r.detail, r.tone])).toEqual([
      ['wire', 'in', 'ping', 'type 18 · 6 B', 'neutral'],
      ['peer', null, 'connected', 'outbound · 127.0.0.1:9701', 'good'],
      ['peer', null, 'disconnected', 'ping timed out (peer.ping_timeout)', 'warn'],
      ['peer', null, 'connection failed', 'h:1: refused (peer.connect_failed)', 'bad'],
      ['peer', null, 'reconnecting', 'attempt 2 in 4 s · 127.0.0.1:9701', 'neutral'],
      ['peer', null, 'ping answered', 'round trip 7 ms', 'neutral'],
      ['peer', 'in', 'warning', '(no text)', 'warn'],
    ]);
    expect(rows[3]!.nodeId).toBeNull();
    expect(rows.every((r, i) => r.seq === events[i]!.seq && r.time === events[i]!.time)).toBe(true);
  });

  it('describes offer, channel and settings events too (and skips channel.message, already a wire row)', () => {
    const offerId = 'ab'.repeat(32);
    const channel = {
      channelId: 'cd'.repeat(32), peer: A.nodeId, state: 'active', funder: 'local', channelType: 'anchors', fundingOutpoint: 'x:0', capacitySat: '1000',
      localBalanceMsat: '1', remoteBalanceMsat: '1', localCtn: 3, remoteCtn: 4, numHtlcs: 1, feeratePerKw: 253, failure: null, dataLoss: null, createdAt: 1,
    };
    const events = stamp([
      { type: 'node.settings_changed', settings: {} as never, changed: ['alias', 'onion', 'asyncReleaseWindow'] },
      { type: 'offer.created', offerId, offer: { description: 'coffee', amountMsat: '5000' } as never },
      { type: 'offer.invoice_request_received', offerId, requestId: 'r', messageId: 'm', amountMsat: null, quantity: '2', payerNote: null, viaPath: true },
      { type: 'offer.invoice_issued', offerId, requestId: 'r', messageId: 'm', invoiceId: 'i', paymentHash: 'p', amountMsat: '10000' },
      { type: 'offer.invoice_error_received', offerId, requestId: 'r', error: 'quantity 5, max 3', erroneousField: '86', suggestedValue: null },
      { type: 'channel.updated', channel, view: {} as never, persisted: true, cause: 'commitment_signed', forgotten: [] } as never,
      { type: 'channel.failed', channelId: channel.channelId, peer: A.nodeId, code: 'channel.bad_commitment_signature', message: 'bad signature', dataLoss: null },
      { type: 'channel.message', n: 1, channelId: channel.channelId, peer: A.nodeId, direction: 'in', messageType: 'revoke_and_ack', htlcId: null, commitmentNumber: 3, signature: null, summary: '', retransmission: false } as never,
    ]);
    const rows = events.map((e) => logRowOf(e));
    expect(rows.map((r) => r && [r.kind, r.title, r.detail, r.tone])).toEqual([
      ['node', 'settings changed', 'alias, onion-message limits, async release window', 'neutral'],
      ['offer', 'offer created', 'coffee · 5 sat', 'good'],
      ['offer', 'invoice request', 'for offer abababab…abab · the offer’s price · quantity 2 · over a blinded path', 'neutral'],
      ['offer', 'invoice issued', '10 sat · for offer abababab…abab', 'good'],
      ['offer', 'invoice_error received', 'quantity 5, max 3 (field 86)', 'bad'],
      ['channel', 'channel: commitment_signed', 'cdcdcdcd…cdcd · ours #3 · theirs #4 · 1 HTLC · active', 'neutral'],
      ['channel', 'channel failed', 'bad signature (channel.bad_commitment_signature)', 'bad'],
      null,
    ]);
  });

  it('puts the newest row first and skips events it already has', () => {
    const events = stamp([wire(A.nodeId, 'init', 'out'), wire(A.nodeId, 'init', 'in'), wire(A.nodeId, 'ping', 'out')]);
    const first = appendLog([], events.slice(0, 2));
    expect(first.map((r) => r.seq)).toEqual([2, 1]);
    const second = appendLog(first, events);
    expect(second.map((r) => r.seq)).toEqual([3, 2, 1]);
    expect(appendLog(second, events.slice(0, 3))).toBe(second);
  });

  it('keeps at most its capacity, dropping the oldest', () => {
    const events = stamp(Array.from({ length: LOG_CAPACITY + 10 }, () => wire(A.nodeId, 'ping', 'in')));
    const rows = appendLog([], events);
    expect(rows).toHaveLength(LOG_CAPACITY);
    expect(rows[0]!.seq).toBe(LOG_CAPACITY + 10);
    expect(rows.at(-1)!.seq).toBe(11);
  });

  it('merges the recentEvents seed with events that arrived meanwhile, in order, each once', () => {
    const all = stamp([wire(A.nodeId, 'a', 'in'), wire(A.nodeId, 'b', 'in'), wire(A.nodeId, 'c', 'in'), wire(A.nodeId, 'd', 'in')]);
    const merged = mergeEvents([all[2]!, all[0]!, all[1]!], [all[3]!, all[2]!]);
    expect(merged.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(eventsAfter(merged, 2).map((e) => e.seq)).toEqual([3, 4]);
  });
});

describe('activity log: keepalives, filter and pages', () => {
  const B = peer(2);
  const offerId = '96af1b67'.repeat(8);

  it('marks pings, pongs and ping answers as keepalive, and nothing else', () => {
    const events = stamp([
      wire(A.nodeId, 'ping', 'in'), wire(A.nodeId, 'pong', 'out'), { type: 'peer.pong', nodeId: A.nodeId, rttMs: 3 },
      wire(A.nodeId, 'init', 'in'), wire(A.nodeId, 'onion_message', 'in'), { type: 'peer.connected', peer: A },
    ]);
    expect(events.map((e) => logRowOf(e)!.keepalive)).toEqual([true, true, true, false, false, false]);
  });

  it('labels the offer of an invoice we requested as the offer, and files the request under the node it went to', () => {
    const [e] = stamp([{ type: 'offer.invoice_requested', offerId, requestId: 'r', amountMsat: null, quantity: '1', destination: B.nodeId, pathIndex: 0 }]);
    const row = logRowOf(e!)!;
    expect(row.title).toBe('invoice requested');
    expect(row.detail).toBe('for offer 96af1b67…1b67 · the offer’s price · quantity 1 · over its path 1');
    expect(row.detail).not.toMatch(/\bfrom\b/);
    expect(row.nodeId).toBe(B.nodeId);
  });

  it('hides keepalives by default, counts them, and shows them when asked', () => {
    const rows = appendLog([], stamp([wire(A.nodeId, 'init', 'in'), wire(A.nodeId, 'ping', 'in'), wire(A.nodeId, 'pong', 'out'), wire(B.nodeId, 'onion_message', 'in')]));
    expect(filterLog(rows, DEFAULT_LOG_FILTER).map((r) => r.title)).toEqual(['onion_message', 'init']);
    expect(hiddenKeepalives(rows, DEFAULT_LOG_FILTER)).toBe(2);
    expect(filterLog(rows, { keepalive: true, text: '' })).toBe(rows);
    expect(hiddenKeepalives(rows, { keepalive: true, text: '' })).toBe(0);
  });

  it('filters by every word typed, in any case, over event, detail, peer id and peer name', () => {
    const rows = appendLog([], stamp([wire(A.nodeId, 'init', 'in'), wire(B.nodeId, 'onion_message', 'in', 1400), wire(B.nodeId, 'init', 'out')]));
    const nameOf = (id: string) => (id === B.nodeId ? 'Shop (sandbox)' : null);
    const titles = (text: string) => filterLog(rows, { keepalive: false, text }, nameOf).map((r) => `${r.title}:${r.nodeId === B.nodeId ? 'B' : 'A'}`);
    expect(titles('INIT')).toEqual(['init:B', 'init:A']);
    expect(titles('shop init')).toEqual(['init:B']);
    expect(titles(A.nodeId.slice(0, 12))).toEqual(['init:A']);
    expect(titles('1.4 kB')).toEqual(['onion_message:B']);
    expect(titles('  ')).toHaveLength(3);
    expect(titles('nothing-like-this')).toEqual([]);
  });

  function rowsOf(n: number, firstSeq = 1): readonly LogRow[] {
    return appendLog([], stamp(Array.from({ length: n }, () => wire(A.nodeId, 'init', 'in')), { firstSeq }));
  }

  it('pages back through every row once, in order, and forward again to the live page (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 260 }), fc.integer({ min: 1, max: 60 }), (n, size) => {
        const rows = rowsOf(n);
        const seen: number[] = [];
        const cursors: LogCursor[] = [];
        let cursor: LogCursor | undefined = null;
        while (cursor !== undefined) {
          const page = logPage(rows, cursor, size);
          expect(page.rows.length).toBeLessThanOrEqual(size);
          if (page.rows.length) expect([page.from, page.to]).toEqual([seen.length + 1, seen.length + page.rows.length]);
          seen.push(...page.rows.map((r) => r.seq));
          cursors.push(cursor);
          cursor = page.older;
        }
        expect(seen).toEqual(rows.map((r) => r.seq));
        // Newer from each page leads back through the same pages to the live one.
        for (let i = cursors.length - 1; i > 0; i--) expect(logPage(rows, cursors[i]!, size).newer).toEqual(cursors[i - 1]);
        expect(logPage(rows, null, size).newer).toBeUndefined();
      }),
    );
  });

  it('keeps an older page still while new events arrive, and the live page follows them', () => {
    const rows = rowsOf(120);
    const older = logPage(rows, null, 50).older!;
    const before = logPage(rows, older, 50).rows.map((r) => r.seq);
    const grown = appendLog(rows, stamp([wire(A.nodeId, 'init', 'in'), wire(A.nodeId, 'init', 'in')], { firstSeq: 121 }));
    expect(logPage(grown, older, 50).rows.map((r) => r.seq)).toEqual(before);
    expect(logPage(grown, null, 50).rows[0]!.seq).toBe(122);
  });

  it('shows the oldest page when nothing is older than the cursor any more', () => {
    const rows = rowsOf(30, 100);
    expect(logPage(rows, 5, 10).rows.map((r) => r.seq)).toEqual([109, 108, 107, 106, 105, 104, 103, 102, 101, 100]);
    expect(logPage([], 5, 10)).toMatchObject({ rows: [], from: 0, to: 0, total: 0, older: undefined, newer: undefined });
  });

  it('adds a page of history loaded later behind the rows it has, each event once', () => {
    const rows = rowsOf(5, 11);
    const older = stamp(Array.from({ length: 15 }, () => wire(A.nodeId, 'init', 'in')), { firstSeq: 1 });
    const merged = appendOlder(rows, older);
    expect(merged.map((r) => r.seq)).toEqual(Array.from({ length: 15 }, (_, i) => 15 - i));
    expect(appendOlder(merged, older)).toBe(merged);
    expect(appendOlder([], older)).toHaveLength(15);
  });
});

describe('activity log: loading older history from the node', () => {
  it('reaches every event the node keeps, each once, in order, by widening recentEvents (property, against the real event bus)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 120 }), fc.integer({ min: 1, max: 90 }), (published, capacity, seedSize, more) => {
        const bus = new EventBus({ capacity, now: () => 0 });
        for (let i = 0; i < published; i++) bus.publish({ type: 'wire.message', direction: 'in', nodeId: A.nodeId, messageType: 'init', typeNumber: 16, size: 2 });
        const seed = bus.recent(seedSize);
        let rows = appendLog([], seed);
        let oldest = seed[0]?.seq ?? Infinity;
        const newest = seed.at(-1)?.seq ?? 0;
        let start = seed.length < seedSize;
        for (let rounds = 0; !start; rounds++) {
          expect(rounds).toBeLessThan(1000);
          const limit = olderWindow(oldest, newest, more);
          const got = olderEvents(bus.recent(limit), oldest, limit);
          rows = appendOlder(rows, got.older);
          if (got.older.length) oldest = got.older[0]!.seq;
          start = got.historyStart;
        }
        expect(rows.map((r) => r.seq)).toEqual(bus.recent(10_000).map((e) => e.seq).reverse());
      }),
    );
  });

  it('asks again when events arriving meanwhile kept the window from reaching older ones', () => {
    const bus = new EventBus({ now: () => 0 });
    const publish = (n: number) => {
      for (let i = 0; i < n; i++) bus.publish({ type: 'wire.message', direction: 'in', nodeId: A.nodeId, messageType: 'init', typeNumber: 16, size: 2 });
    };
    publish(100);
    const oldest = bus.recent(20)[0]!.seq; // 81: the app has seen 81..100
    const limit = olderWindow(oldest, 100, 10);
    publish(50); // meanwhile, before the request
    const got = olderEvents(bus.recent(limit), oldest, limit);
    expect(got).toEqual({ older: [], historyStart: false });
    const again = olderWindow(oldest, 150, 10);
    expect(olderEvents(bus.recent(again), oldest, again).older.map((e) => e.seq)).toEqual([71, 72, 73, 74, 75, 76, 77, 78, 79, 80]);
  });

  it('asks for what it has seen plus the next batch, within the API limit', () => {
    expect(olderWindow(Infinity, 0, 2000)).toBe(2000);
    expect(olderWindow(101, 300, 2000)).toBe(2200);
    expect(olderWindow(1, 9500, 2000)).toBe(10_000);
  });
});
