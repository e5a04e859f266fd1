import { describe, expect, it } from 'vitest';
import { LOG_CAPACITY, appendLog, logRowOf } from '../../../renderer/src/lib/activity-log';
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
      { type: 'node.settings_changed', settings: {} as never, changed: ['alias', 'onion'] },
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
      ['node', 'settings changed', 'alias, onion-message limits', 'neutral'],
      ['offer', 'offer created', 'coffee · 5 sat', 'good'],
      ['offer', 'invoice request', 'for abababab…abab · any amount · quantity 2 · over a blinded path', 'neutral'],
      ['offer', 'invoice issued', '10 sat · for abababab…abab', 'good'],
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
