import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { MessengerStatsInfo } from '../../../core/api/types';
import {
  addOnionRows, countOnionEvent, eventRecords, filterChoices, filterOnionRows, messageSteps, onionRowOf, onionRowOfEntry, outcomeLabel, outcomeTone, recordView, relayedMessages, tlvTypeLabel, typeCell, typesByMessage,
  NO_FILTER, type OnionLogRow,
} from '../../../renderer/src/lib/onion';
import { MESSAGE_OUTCOMES } from '../../../core/api/methods';
import { peer, stamp, T0 } from './events-fixtures';

const A = peer(1).nodeId;
const B = peer(2).nodeId;
const M1 = '1'.repeat(16);
const M2 = '2'.repeat(16);

function events() {
  return stamp([
    { type: 'onion.received', messageId: M1, from: A, size: 1400 },
    { type: 'onion.delivered', messageId: M1, from: A, handler: 'application', tlvType: '65537', size: 5, dummyHopsPeeled: 1, hasReplyPath: true, inReplyTo: null, records: [{ type: '65537', value: '68656c6c6f' }], replyPath: 'ab'.repeat(80) },
    { type: 'onion.replied', messageId: M2, inReplyTo: M1, to: A, tlvTypes: ['65537'], hasReplyPath: false, size: 1400, records: [{ type: '65537', value: '6f6b' }] },
    { type: 'onion.forwarded', messageId: '3'.repeat(16), from: A, to: B, size: 1400 },
    { type: 'onion.dropped', messageId: '4'.repeat(16), from: null, to: B, reason: 'next_hop_offline', code: null, detail: 'offline', size: 1400 },
    { type: 'onion.mailbox_wake', nodeId: B, messages: 2, bytes: 2800 },
    { type: 'peer.pong', nodeId: A, rttMs: 3 },
  ]);
}

describe('onion-message log rows', () => {
  it('builds one row per onion event with its peer and record types, like the node’s own log', () => {
    const rows = events().map(onionRowOf);
    expect(rows.map((r) => r && [r.key, r.outcome, r.peer, r.tlvTypes, r.messageId, r.size])).toEqual([
      ['e1', 'received', A, [], M1, 1400],
      ['e2', 'delivered', A, ['65537'], M1, 5],
      ['e3', 'replied', A, ['65537'], M2, 1400],
      ['e4', 'forwarded', B, [], '3'.repeat(16), 1400],
      ['e5', 'dropped', B, [], '4'.repeat(16), 1400],
      ['e6', 'mailbox_wake', B, [], null, 0],
      null,
    ]);
    expect(rows[1]!.event.type).toBe('onion.delivered');
    expect(rows[1]!.event).not.toHaveProperty('seq');
  });

  it('reads stored log entries into the same rows', () => {
    const row = onionRowOfEntry({ id: 7, time: T0, messageId: M1, outcome: 'sent', peer: B, tlvTypes: ['64'], size: 1400, event: { type: 'onion.sent' } });
    expect(row).toEqual({ key: 's7', time: T0, messageId: M1, outcome: 'sent', peer: B, tlvTypes: ['64'], size: 1400, event: { type: 'onion.sent' } });
  });

  it('adds rows newest first, once each, even when the stored log and live events overlap', () => {
    const live = events().map(onionRowOf).filter((r): r is OnionLogRow => r !== null);
    const stored = live.slice(0, 3).map((r, i) => ({ ...r, key: `s${i}` }));
    let rows = addOnionRows([], stored, 100);
    rows = addOnionRows(rows, live, 100);
    expect(rows.map((r) => r.outcome)).toEqual(['mailbox_wake', 'dropped', 'forwarded', 'replied', 'delivered', 'received']);
    expect(addOnionRows(rows, live, 100)).toBe(rows);
    expect(addOnionRows(rows, [], 100)).toBe(rows);
    expect(addOnionRows([], live, 2).map((r) => r.outcome)).toEqual(['mailbox_wake', 'dropped']);
  });

  it('filters by peer, record type and outcome, and offers the values present', () => {
    const rows = events().map(onionRowOf).filter((r): r is OnionLogRow => r !== null);
    expect(filterOnionRows(rows, NO_FILTER)).toBe(rows);
    expect(filterOnionRows(rows, { ...NO_FILTER, peer: B }).map((r) => r.outcome)).toEqual(['forwarded', 'dropped', 'mailbox_wake']);
    expect(filterOnionRows(rows, { ...NO_FILTER, tlvType: '65537' }).map((r) => r.outcome)).toEqual(['delivered', 'replied']);
    expect(filterOnionRows(rows, { peer: A, tlvType: '65537', outcome: 'replied' })).toHaveLength(1);
    expect(filterChoices(rows)).toEqual({
      peers: [A, B].sort(),
      tlvTypes: ['65537'],
      outcomes: ['received', 'delivered', 'forwarded', 'replied', 'dropped', 'mailbox_wake'],
    });
  });

  it('sorts record types numerically, beyond 2^53', () => {
    const row = (t: string): OnionLogRow => ({ key: t, time: T0, messageId: null, outcome: 'sent', peer: null, tlvTypes: [t], size: 0, event: {} });
    expect(filterChoices([row('18446744073709551615'), row('65537'), row('64'), row('9007199254740993')]).tlvTypes).toEqual(['64', '65537', '9007199254740993', '18446744073709551615']);
  });

  it('tells the story of one message: its steps and the replies to it, in time order', () => {
    const rows = addOnionRows([], events().map(onionRowOf).filter((r): r is OnionLogRow => r !== null), 100);
    expect(messageSteps(rows, M1).map((r) => r.outcome)).toEqual(['received', 'delivered', 'replied']);
    expect(messageSteps(rows, null)).toEqual([]);
  });

  it('shows records as text when they are printable UTF-8, and always as hex', () => {
    expect(recordView({ type: '64', value: '68656C6C6F' })).toEqual({ type: '64', label: 'invoice_request (64)', hex: '68656c6c6f', bytes: 5, text: 'hello' });
    expect(recordView({ type: '65537', value: '00ff' }).text).toBeNull();
    expect(recordView({ type: '65537', value: 'c328' }).text).toBeNull(); // invalid UTF-8
    expect(recordView({ type: '65537', value: '0a09' }).text).toBe('\n\t');
    expect(recordView({ type: '65537', value: '' })).toMatchObject({ bytes: 0, text: null });
    expect(recordView({ type: '65537', value: 'xyz' })).toMatchObject({ hex: '', bytes: 0 });
    expect(eventRecords({ records: [{ type: '66', value: '6f6b' }, { nope: 1 }, null] }).map((r) => r.label)).toEqual(['invoice (66)']);
    expect(eventRecords({})).toEqual([]);
  });

  it('reads any record value without throwing (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (type, value) => {
        const v = recordView({ type, value });
        return v.hex.length === v.bytes * 2 && (v.text === null || typeof v.text === 'string');
      }),
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => recordView({ type: '64', value: Buffer.from(bytes).toString('hex') }).bytes === bytes.length));
  });

  it('names types and outcomes', () => {
    expect(tlvTypeLabel('75540')).toBe('offer_paths_request (75540)');
    expect(tlvTypeLabel('65537')).toBe('65537');
    for (const o of MESSAGE_OUTCOMES) expect(outcomeLabel(o)).not.toContain('_');
    expect(outcomeTone('delivered')).toBe('good');
    expect(outcomeTone('dropped')).toBe('bad');
    expect(outcomeTone('mailbox_stored')).toBe('warn');
    expect(outcomeTone('sent')).toBe('accent');
    expect(outcomeTone('received')).toBe('neutral');
  });
});

describe('messenger counters', () => {
  const empty: MessengerStatsInfo = {
    counters: {}, drops: {}, dropCodes: {}, delivered: {},
    queues: { totalBytes: 0, peakBytes: 0, memoryCapBytes: 1, perPeerLimitBytes: 1, peers: [] },
    inbound: { perSecond: 4, burst: 10, peers: [] },
    mailbox: { allowed: 0, messages: 0, bytes: 0 },
    pendingReplies: 0, handlers: [], policy: {},
  };

  it('count each event by outcome, drops by reason and code, deliveries by handler', () => {
    let s = empty;
    for (const e of events()) s = countOnionEvent(s, e);
    const [drop] = stamp([{ type: 'onion.dropped', messageId: M1, from: A, to: null, reason: 'bad_onion', code: 'onion.hmac_mismatch', detail: '', size: 1 }]);
    s = countOnionEvent(s, drop!);
    expect(s.counters).toEqual({ received: 1, delivered: 1, replied: 1, forwarded: 1, dropped: 2, mailbox_wake: 1 });
    expect(s.drops).toEqual({ next_hop_offline: 1, bad_onion: 1 });
    expect(s.dropCodes).toEqual({ 'onion.hmac_mismatch': 1 });
    expect(s.delivered).toEqual({ application: 1 });
    expect(empty.counters).toEqual({});
  });
});

describe('the Type column', () => {
  const rows = events().map(onionRowOf).filter((r): r is OnionLogRow => r !== null);

  it('gives a received step the type its delivered step found, by message id', () => {
    const known = typesByMessage(rows);
    const relayed = relayedMessages(rows);
    const received = rows.find((r) => r.outcome === 'received')!;
    expect(received.tlvTypes).toEqual([]);
    expect(typeCell(received, known, relayed)).toEqual({ text: '65537', title: '65537' });
    const named = { ...received, messageId: M2, tlvTypes: [] };
    expect(typeCell(named, new Map([[M2, ['64']]]), relayed)).toEqual({ text: 'invoice_request', title: 'invoice_request (64)' });
  });

  it('says a relayed message is sealed and a dropped one unread, never a bare dash', () => {
    const known = typesByMessage(rows);
    const relayed = relayedMessages(rows);
    const text = (outcome: string) => typeCell(rows.find((r) => r.outcome === outcome)!, known, relayed).text;
    expect(text('forwarded')).toBe('relayed');
    expect(text('mailbox_wake')).toBe('relayed');
    expect(text('dropped')).toBe('unread');
    // The received step of a message we then forwarded is a relay too.
    const receivedRelay: OnionLogRow = { ...rows[0]!, key: 'x', messageId: '3'.repeat(16) };
    expect(typeCell(receivedRelay, known, relayed).text).toBe('relayed');
    for (const r of rows) expect(typeCell(r, known, relayed).text).not.toMatch(/^[—-]?$/);
  });
});
