/**
 * The sans-I/O OnionMessenger: several real cores in one process (test/unit/messenger/network.ts)
 * send, forward, deliver and reply; the assertions follow the events each node reports.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../core/crypto';
import type { AsyncPaymentsMessage, AsyncPaymentsMessageHandler, MessageDelivery, ReceivedMessage } from '../../../core/messenger';
import { buildInvoiceRequest, buildOffer } from '../../../core/offers';
import type { InvoiceRequest } from '../../../core/offers';
import type { OffersDelivery, OffersMessage } from '../../../core/offers/ports';
import type { PublishedPathRecord } from '../../../core/offers/manager';
import { ALICE, AUX, BOB } from '../offers/fixtures';
import { MAX_BACKPRESSURE_MS, MAX_DUMMY_HOPS, MAX_REPLY_PATH_HOPS, MESSAGE_TLV, MIN_BACKPRESSURE_MS, MessengerError, THROTTLE_REPORT_MS } from '../../../core/messenger';
import { createBlindedPath, createOnionMessage, encodeOnionPacket } from '../../../core/onion';
import type { TlvRecord } from '../../../core/wire';
import { TestNetwork } from './network';

const APP = 65537n;

/** An async payments handler that records what each method got and answers nothing. */
function asyncHandler(seen: [string, AsyncPaymentsMessage, MessageDelivery][]): AsyncPaymentsMessageHandler {
  const record = (name: string) => (m: AsyncPaymentsMessage, d: MessageDelivery) => void seen.push([name, m, d]);
  return {
    handleStaticInvoice: record('handleStaticInvoice'), handleHeldHtlcAvailable: record('handleHeldHtlcAvailable'),
    handleReleaseHeldHtlc: record('handleReleaseHeldHtlc'), handleOfferPathsRequest: record('handleOfferPathsRequest'),
    handleOfferPaths: record('handleOfferPaths'), handleServeStaticInvoice: record('handleServeStaticInvoice'),
    handleStaticInvoicePersisted: record('handleStaticInvoicePersisted'),
  };
}
const rec = (type: bigint, hex: string): TlvRecord => ({ type, value: fromHex(hex) });
const node = (net: TestNetwork, name: string) => ({ kind: 'node' as const, nodeId: fromHex(net.get(name).id) });

/** A line A - B - C - D. */
function line(): TestNetwork {
  const net = new TestNetwork();
  for (const n of ['A', 'B', 'C', 'D']) net.add(n);
  net.link('A', 'B');
  net.link('B', 'C');
  net.link('C', 'D');
  return net;
}

describe('OnionMessenger: send, forward, deliver, reply', () => {
  it('carries A→B→C→D over explicit via hops and D’s handler reply back over the reversed blinded reply path', () => {
    const net = line();
    const [A, B, C, D] = ['A', 'B', 'C', 'D'].map((n) => net.get(n));
    const seen: ReceivedMessage[] = [];
    D!.core.registerHandler(APP, (m) => {
      seen.push(m);
      return { records: [rec(APP, 'beef')] };
    });
    const out = A!.core.send({ destination: node(net, 'D'), records: [rec(APP, 'cafe')], via: [B!.id, C!.id], awaitReplyMs: 5_000 }, net.now);
    expect(out.plan).toMatchObject({ kind: 'via', firstHop: B!.id, intermediates: [B!.id, C!.id] });
    net.run(A!, out.actions);
    net.pump();

    expect(seen).toHaveLength(1);
    expect(toHex(seen[0]!.value)).toBe('cafe');
    expect(seen[0]!.from).toBe(C!.id);
    // The reply path starts at C (the hop before D), so D answers through the peer it has.
    expect(seen[0]!.replyPath?.firstNodeId).toEqual({ kind: 'node_id', nodeId: fromHex(C!.id) });
    expect(net.eventsOf('B', 'onion.forwarded').map((e) => e.to)).toEqual([C!.id, A!.id]);
    expect(net.eventsOf('C', 'onion.forwarded').map((e) => e.to)).toEqual([D!.id, B!.id]);
    expect(net.eventsOf('D', 'onion.delivered')).toEqual([expect.objectContaining({ handler: 'application', tlvType: '65537', records: [{ type: '65537', value: 'cafe' }] })]);
    expect(net.eventsOf('D', 'onion.replied')).toEqual([expect.objectContaining({ inReplyTo: seen[0]!.messageId, to: C!.id, tlvTypes: ['65537'] })]);
    const reply = A!.replies.get(out.messageId);
    expect(reply).not.toBe('timeout');
    expect(toHex((reply as ReceivedMessage).value)).toBe('beef');
    expect(net.eventsOf('A', 'onion.delivered')).toEqual([expect.objectContaining({ handler: 'reply', inReplyTo: out.messageId })]);
    expect(net.eventsOf('A', 'onion.sent')).toEqual([expect.objectContaining({ to: B!.id, destination: D!.id, route: 'via', hasReplyPath: true })]);
  });

  it('sends directly to a connected peer; the reply path then starts at the sender itself', () => {
    const net = line();
    const [A, B] = [net.get('A'), net.get('B')];
    let replyPathIntro: unknown;
    B.core.registerHandler(APP, (m) => {
      replyPathIntro = m.replyPath?.firstNodeId;
      return { records: [rec(APP, '01')] };
    });
    const out = A.core.send({ destination: node(net, 'B'), records: [rec(APP, '00')], awaitReplyMs: 1000 }, net.now);
    expect(out.plan.kind).toBe('direct');
    net.run(A, out.actions);
    net.pump();
    expect(replyPathIntro).toEqual({ kind: 'node_id', nodeId: A.core.nodeId });
    expect(A.replies.get(out.messageId)).toMatchObject({ tlvType: APP });
  });

  it('delivers over a blinded path the recipient made with dummy hops, and peels our own reply-path dummy hops', () => {
    const net = line();
    const [A, B, C, D] = ['A', 'B', 'C', 'D'].map((n) => net.get(n));
    const path = D!.core.createPathToUs([C!.id], 3);
    expect(path.hops).toHaveLength(5); // C, D and three dummy hops to D
    const got: ReceivedMessage[] = [];
    D!.core.registerHandler(APP, (m) => {
      got.push(m);
      return { records: [rec(APP, 'aa')] };
    });
    const out = A!.core.send({ destination: { kind: 'blinded', path }, records: [rec(APP, '77')], via: [B!.id], awaitReplyMs: 1000, dummyHops: 2 }, net.now);
    net.run(A!, out.actions);
    net.pump();
    expect(got).toHaveLength(1);
    expect(got[0]!.dummyHopsPeeled).toBe(3);
    expect(net.eventsOf('A', 'onion.delivered')).toEqual([expect.objectContaining({ handler: 'reply', dummyHopsPeeled: 2 })]);
    expect(net.eventsOf('A', 'onion.sent')[0]).toMatchObject({ blinded: true, destination: C!.id });
  });

  it('reads the context of a one-hop path to itself it built (contextOfOurPath), and nothing of any other path', () => {
    const net = line();
    const [A, B] = [net.get('A'), net.get('B')];
    const context = fromHex('02aabbcc');
    expect(B.core.contextOfOurPath(B.core.createPathToUs([], 0, context))).toEqual(context);
    expect(B.core.contextOfOurPath(B.core.createPathToUs([], 0))).toBeUndefined(); // no path_id
    expect(B.core.contextOfOurPath(A.core.createPathToUs([], 0, context))).toBeUndefined(); // A's path
    expect(B.core.contextOfOurPath(B.core.createPathToUs([A.id], 0, context))).toBeUndefined(); // two hops
    const path = B.core.createPathToUs([], 0, context);
    const tampered = { ...path, hops: [{ ...path.hops[0]!, encryptedRecipientData: path.hops[0]!.encryptedRecipientData.map((x, i) => (i === 0 ? x ^ 1 : x)) }] };
    expect(B.core.contextOfOurPath(tampered)).toBeUndefined();
  });

  it('sends to a blinded path whose introduction node is itself by peeling its own hop first', () => {
    const net = line();
    const [A, B] = [net.get('A'), net.get('B')];
    const got: string[] = [];
    B.core.registerHandler(APP, (m) => void got.push(toHex(m.value)));
    const path = B.core.createPathToUs([A.id], 0); // introduction node A
    const out = A.core.send({ destination: { kind: 'blinded', path }, records: [rec(APP, '42')] }, net.now);
    expect(out.plan.firstHop).toBe(B.id);
    net.run(A, out.actions);
    net.pump();
    expect(got).toEqual(['42']);
  });

  it('dispatches offers and async payments types to their registered handlers and reports the kind', () => {
    const net = line();
    const [A, B] = [net.get('A'), net.get('B')];
    B.core.setOffersHandler({ handleOffersMessage: () => ({ message: { type: 'invoice', bytes: fromHex('66') } }) });
    B.core.setAsyncPaymentsHandler(asyncHandler([]));
    A.core.setOffersHandler({ handleOffersMessage: () => undefined });
    net.run(A, A.core.send({ destination: node(net, 'B'), records: [rec(MESSAGE_TLV.invoiceRequest, '64')], replyPath: true }, net.now).actions);
    net.run(A, A.core.send({ destination: node(net, 'B'), records: [rec(MESSAGE_TLV.heldHtlcAvailable, '')] }, net.now).actions);
    net.pump();
    expect(net.eventsOf('B', 'onion.delivered').map((e) => e.handler)).toEqual(['offers', 'async_payments']);
    expect(net.eventsOf('B', 'onion.delivered')[0]).not.toHaveProperty('records'); // only application and reply deliveries carry contents
    expect(net.eventsOf('A', 'onion.delivered')).toEqual([expect.objectContaining({ handler: 'offers', tlvType: '66' })]);
  });

  it('sends a reply a handler settles later (a promise)', async () => {
    const net = line();
    const [A, B] = [net.get('A'), net.get('B')];
    B.core.registerHandler(APP, async () => ({ records: [rec(APP, '99')] }));
    const out = A.core.send({ destination: node(net, 'B'), records: [rec(APP, '00')], awaitReplyMs: 1000 }, net.now);
    net.run(A, out.actions);
    net.pump();
    await Promise.all(B.pending);
    net.pump();
    expect(toHex((A.replies.get(out.messageId) as ReceivedMessage).value)).toBe('99');
  });

  it('refuses a second handler for one type and lets the first unregister', () => {
    const net = line();
    const A = net.get('A');
    const off = A.core.registerHandler(APP, () => undefined);
    expect(() => A.core.registerHandler(APP, () => undefined)).toThrowError(expect.objectContaining({ code: 'messenger.handler_exists' }));
    off();
    expect(() => A.core.registerHandler(APP, () => undefined)).not.toThrow();
    expect(() => A.core.registerHandler(63n, () => undefined)).toThrowError(expect.objectContaining({ code: 'messenger.bad_tlv' }));
  });
});

describe('OnionMessenger: drops, each with its reason', () => {
  it('drops a message nobody handles with no_handler, and a handler that throws with handler_failed', () => {
    const net = line();
    const [A, B] = [net.get('A'), net.get('B')];
    B.core.registerHandler(APP + 2n, () => {
      throw new Error('boom');
    });
    net.run(A, A.core.send({ destination: node(net, 'B'), records: [rec(APP, '01')] }, net.now).actions);
    net.run(A, A.core.send({ destination: node(net, 'B'), records: [rec(APP + 2n, '01')] }, net.now).actions);
    net.pump();
    expect(net.eventsOf('B', 'onion.dropped').map((e) => e.reason)).toEqual(['no_handler', 'handler_failed']);
  });

  it('ignores a final payload with two message records (BOLT 4) as a rule violation', () => {
    const net = line();
    const [A, B] = [net.get('A'), net.get('B')];
    B.core.registerHandler(APP, () => undefined);
    net.run(A, A.core.send({ destination: node(net, 'B'), records: [rec(APP, '01'), rec(APP + 2n, '02')] }, net.now).actions);
    net.pump();
    expect(net.eventsOf('B', 'onion.dropped')).toEqual([expect.objectContaining({ reason: 'rule_violation', code: 'onion.unexpected_field' })]);
  });

  it('drops with next_hop_offline when the next hop is gone and not allow-listed, and stores it when allow-listed', () => {
    const net = line();
    const [A, B, C, D] = ['A', 'B', 'C', 'D'].map((n) => net.get(n));
    net.unlink('C', 'D');
    net.run(A!, A!.core.send({ destination: node(net, 'D'), records: [rec(APP, '01')], via: [B!.id, C!.id] }, net.now).actions);
    net.pump();
    expect(net.eventsOf('C', 'onion.dropped')).toEqual([expect.objectContaining({ reason: 'next_hop_offline', to: D!.id })]);
    C!.core.setMailboxAllowed(D!.id, true);
    net.run(A!, A!.core.send({ destination: node(net, 'D'), records: [rec(APP, '02')], via: [B!.id, C!.id] }, net.now).actions);
    net.pump();
    expect(C!.stored).toHaveLength(1);
    expect(C!.stored[0]!.nodeId).toBe(D!.id);
    // What the mailbox keeps is a valid onion for D: feeding it to D later delivers it.
    const got: string[] = [];
    D!.core.registerHandler(APP, (m) => void got.push(toHex(m.value)));
    net.link('C', 'D');
    net.inject('C', 'D', C!.stored[0]!.message);
    expect(got).toEqual(['02']);
  });

  it('stores our own message for an allow-listed peer that is away (a path introduced at it), and refuses it for one that is not', () => {
    const net = line();
    const [C, D] = ['C', 'D'].map((n) => net.get(n));
    net.unlink('C', 'D');
    expect(() => C!.core.send({ destination: node(net, 'D'), records: [rec(APP, '01')] }, net.now)).toThrow(MessengerError);
    C!.core.setMailboxAllowed(D!.id, true);
    // A blinded path to D introduced at C itself: C advances past its own hop, the next is D (async payments: L2 → its offline client).
    const path = D!.core.createPathToUs([C!.id], 0);
    const out = C!.core.send({ destination: { kind: 'blinded', path }, records: [rec(APP, '03')] }, net.now);
    expect(out.actions).toEqual([expect.objectContaining({ kind: 'event' }), expect.objectContaining({ kind: 'store', nodeId: D!.id, from: C!.id })]);
    net.run(C!, out.actions);
    expect(C!.stored.map((x) => x.nodeId)).toEqual([D!.id]);
    const got: string[] = [];
    D!.core.registerHandler(APP, (m) => void got.push(toHex(m.value)));
    net.link('C', 'D');
    net.inject('C', 'D', C!.stored[0]!.message);
    expect(got).toEqual(['03']);
  });

  it('hands a disconnecting allow-listed peer’s queue to the mailbox and drops the others’ with peer_disconnected', () => {
    const net = line();
    const [A, B, C] = ['A', 'B', 'C'].map((n) => net.get(n));
    B!.core.setMailboxAllowed(C!.id, true);
    net.run(A!, A!.core.send({ destination: node(net, 'C'), records: [rec(APP, '01')], via: [B!.id] }, net.now).actions);
    // Deliver A's message to B but do not let B pass it on yet.
    const out = A!.core.takeNext(B!.id)!;
    net.run(B!, B!.core.handleOnionMessage(A!.id, out.message, net.now));
    net.run(A!, A!.core.send({ destination: node(net, 'B'), records: [rec(APP, '02')] }, net.now).actions);
    net.unlink('B', 'C');
    net.unlink('A', 'B');
    expect(B!.stored.map((s) => s.nodeId)).toEqual([C!.id]);
    expect(net.eventsOf('A', 'onion.dropped')).toEqual([expect.objectContaining({ reason: 'peer_disconnected', to: B!.id })]);
  });

  it('drops a forward by an unknown short_channel_id with unknown_short_channel_id', () => {
    const net = line();
    const [B, C] = ['B', 'C'].map((n) => net.get(n));
    const path = createBlindedPath({
      sessionKey: net.rng.bytes(32),
      hops: [{ nodeId: fromHex(B!.id), data: { shortChannelId: 0x123456000001n } }, { nodeId: fromHex(C!.id), data: {} }],
    }).path;
    const m = createOnionMessage({ sessionKey: net.rng.bytes(32), path, contents: { messageRecords: [rec(APP, '01')] } });
    net.inject('A', 'B', { type: 'onion_message', pathKey: m.pathKey, onionMessagePacket: encodeOnionPacket(m.packet) });
    expect(net.eventsOf('B', 'onion.dropped')).toEqual([expect.objectContaining({ reason: 'unknown_short_channel_id' })]);
  });

  it('forwards by short_channel_id when the channel lookup knows the peer', () => {
    const net = new TestNetwork();
    net.add('A');
    const C = net.add('C');
    const B = net.add('B', { channelPeer: (scid) => (scid === 0x123456000001n ? C.id : undefined) });
    net.link('A', 'B');
    net.link('B', 'C');
    const got: string[] = [];
    C.core.registerHandler(APP, (m) => void got.push(toHex(m.value)));
    const path = createBlindedPath({
      sessionKey: net.rng.bytes(32),
      hops: [{ nodeId: fromHex(B.id), data: { shortChannelId: 0x123456000001n } }, { nodeId: fromHex(C.id), data: {} }],
    }).path;
    net.run(net.get('A'), net.get('A').core.send({ destination: { kind: 'blinded', path }, records: [rec(APP, '5c')] }, net.now).actions);
    net.pump();
    expect(got).toEqual(['5c']);
  });

  it('drops a reply that comes after the wait ended as unexpected_reply (BOLT 4: only the reply to that onion)', () => {
    const net = line();
    const [A, B] = [net.get('A'), net.get('B')];
    let replyPath: ReceivedMessage['replyPath'];
    B.core.registerHandler(APP, (m) => {
      replyPath = m.replyPath;
      return undefined;
    });
    const out = A.core.send({ destination: node(net, 'B'), records: [rec(APP, '00')], awaitReplyMs: 1000 }, net.now);
    net.run(A, out.actions);
    net.pump();
    net.tick(1001);
    expect(A.replies.get(out.messageId)).toBe('timeout');
    net.run(B, B.core.send({ destination: { kind: 'blinded', path: replyPath! }, records: [rec(APP, '01')] }, net.now).actions);
    net.pump();
    expect(net.eventsOf('A', 'onion.dropped')).toEqual([expect.objectContaining({ reason: 'unexpected_reply' })]);
  });

  it('hands no handler a path_id it did not issue: such a message arrives with no context, flagged', () => {
    const net = line();
    const [A, B] = [net.get('A'), net.get('B')];
    const seen: Pick<ReceivedMessage, 'context' | 'unrecognizedPathId'>[] = [];
    B.core.registerHandler(APP, (m) => void seen.push({ context: m.context, unrecognizedPathId: m.unrecognizedPathId }));
    const path = createBlindedPath({ sessionKey: net.rng.bytes(32), hops: [{ nodeId: fromHex(B.id), data: { pathId: fromHex('0102') } }] }).path;
    net.run(A, A.core.send({ destination: { kind: 'blinded', path }, records: [rec(APP, '00')] }, net.now).actions);
    net.run(A, A.core.send({ destination: node(net, 'B'), records: [rec(APP, '01')] }, net.now).actions);
    net.pump();
    expect(seen).toEqual([{ context: null, unrecognizedPathId: true }, { context: null, unrecognizedPathId: false }]);
  });

  it('rate-limits each peer with its own token bucket: the burst passes, the excess is dropped, time refills', () => {
    const net = line();
    const [A, B, C] = ['A', 'B', 'C'].map((n) => net.get(n));
    B!.core.registerHandler(APP, () => undefined);
    const burst = B!.core.policy.inboundBurst;
    for (let i = 0; i < burst + 5; i++) net.run(A!, A!.core.send({ destination: node(net, 'B'), records: [rec(APP, '00')] }, net.now).actions);
    net.run(C!, C!.core.send({ destination: node(net, 'B'), records: [rec(APP, '00')] }, net.now).actions);
    net.pump();
    // The first drop is reported at once; the rest of the streak together, by the next tick after THROTTLE_REPORT_MS.
    expect(net.eventsOf('B', 'onion.dropped').map((d) => d.count)).toEqual([1]);
    expect(net.eventsOf('B', 'onion.received').filter((e) => e.from === A!.id)).toHaveLength(burst);
    net.tick(THROTTLE_REPORT_MS);
    const drops = net.eventsOf('B', 'onion.dropped');
    expect(drops.map((d) => d.count)).toEqual([1, 4]);
    expect(drops.every((d) => d.reason === 'rate_limited' && d.from === A!.id)).toBe(true);
    expect(drops.map((d) => d.messageId)).toEqual([...new Set(drops.map((d) => d.messageId))]);
    expect(net.eventsOf('B', 'onion.delivered').filter((e) => e.from === C!.id)).toHaveLength(1);
    net.run(A!, A!.core.send({ destination: node(net, 'B'), records: [rec(APP, '00')] }, net.now).actions);
    net.pump();
    net.tick(THROTTLE_REPORT_MS);
    expect(net.droppedCount('B', 'rate_limited')).toBe(5);
    expect(net.eventsOf('B', 'onion.dropped')).toHaveLength(2);
  });

  it('asks to pause reading a peer over its rate until its bucket holds a token again (backpressure), never one within it', () => {
    const net = line();
    const [A, B, C] = ['A', 'B', 'C'].map((n) => net.get(n));
    B!.core.registerHandler(APP, () => undefined);
    const { inboundBurst: burst, inboundPerSecond: rate } = B!.core.policy;
    for (let i = 0; i < burst; i++) net.run(A!, A!.core.send({ destination: node(net, 'B'), records: [rec(APP, '00')] }, net.now).actions);
    net.run(C!, C!.core.send({ destination: node(net, 'B'), records: [rec(APP, '00')] }, net.now).actions);
    net.pump();
    expect(B!.pauses).toEqual([]); // the burst is within the rate
    net.run(A!, A!.core.send({ destination: node(net, 'B'), records: [rec(APP, '00')] }, net.now).actions);
    net.pump();
    // One message over: a pause of the time one token takes to come back, only for A.
    expect(B!.pauses).toEqual([{ nodeId: A!.id, ms: Math.ceil(1000 / rate), at: net.now }]);
    // Half the time later another one over: the pause is what remains.
    net.tick(Math.ceil(500 / rate));
    net.run(A!, A!.core.send({ destination: node(net, 'B'), records: [rec(APP, '00')] }, net.now).actions);
    net.pump();
    expect(B!.pauses[1]!.ms).toBeLessThanOrEqual(Math.ceil(500 / rate) + 1);
    expect(B!.pauses[1]!.ms).toBeGreaterThanOrEqual(MIN_BACKPRESSURE_MS);
    // Only the peer over its rate, never longer than MAX_BACKPRESSURE_MS.
    expect(B!.pauses.every((p) => p.nodeId === A!.id && p.ms <= MAX_BACKPRESSURE_MS)).toBe(true);
  });

  it('caps all peers together with a node-wide budget whose last tokens go to light peers', () => {
    const net = new TestNetwork();
    // B: 20 tokens/s node-wide (burst 20, 8 kept for light peers); each peer 4/s, burst 10.
    net.add('B', { policy: { nodeInboundPerSecond: 20, nodeInboundBurst: 20, nodeReserve: 8 } });
    const heavy = Array.from({ length: 20 }, (_, i) => `H${i}`);
    for (const n of [...heavy, 'L']) {
      net.add(n);
      net.link(n, 'B');
    }
    const B = net.get('B');
    const seen: string[] = [];
    B.core.registerHandler(APP, (m) => void seen.push(m.from));
    // One onion per peer, built once and fed again and again (building 4,000 would be slow on the
    // @noble backend; B peels only what it admits).
    const onions = new Map([...heavy, 'L'].map((n) => {
      const sender = net.get(n);
      sender.core.send({ destination: node(net, 'B'), records: [rec(APP, '00')] }, net.now);
      return [n, sender.core.takeNext(B.id)!.message] as const;
    }));
    const sendFrom = (n: string) => net.inject(n, 'B', onions.get(n)!);
    const from = (n: string) => seen.filter((id) => id === net.get(n).id).length;
    // Five seconds: 20 heavy peers each send 10 times its rate (40/s, together 40 times the node's
    // budget), the light one 2 a second.
    for (let t = 0; t < 20; t++) {
      for (let i = 0; i < 10; i++) for (const n of heavy) sendFrom(n); // interleaved, as arrivals are
      net.pump();
      if (t % 2 === 1) sendFrom('L'); // after the heavy peers took what they could
      net.pump();
      net.tick(250);
    }
    net.tick(THROTTLE_REPORT_MS);
    const heavyIn = heavy.reduce((n, h) => n + from(h), 0);
    // All peers together get no more than the node-wide budget: its burst plus its rate.
    expect(heavyIn + from('L')).toBeLessThanOrEqual(20 + 20 * 5);
    // The light peer lost nothing, though the node was busy all along.
    expect(from('L')).toBe(10);
    expect(net.droppedCount('B', 'node_busy')).toBeGreaterThan(0);
    // Every message is accounted for: delivered, or dropped by the peer's or the node's limit.
    expect(heavyIn + net.droppedCount('B', 'node_busy') + net.droppedCount('B', 'rate_limited')).toBe(20 * 10 * heavy.length);
    // One report at once and one summary per peer, reason and second: not an event per dropped message.
    expect(net.eventsOf('B', 'onion.dropped').length).toBeLessThanOrEqual(2 * heavy.length * 7);
    // Among heavy peers it is first come, first served, each within its own bucket: interleaved, none is shut out.
    for (const h of heavy) expect(from(h)).toBeGreaterThan(0);
    for (const h of heavy) expect(from(h)).toBeLessThanOrEqual(10 + 4 * 5);
    expect(B.core.policy.nodeInboundPerSecond).toBe(20);
    // Lifting the per-peer limit lifts the node-wide one with it (never below one peer's rate).
    B.core.updatePolicy({ inboundPerSecond: 1000, inboundBurst: 1000 });
    for (let i = 0; i < 100; i++) sendFrom('H2');
    net.pump();
    expect(seen.filter((id) => id === net.get('H2').id).length).toBeGreaterThanOrEqual(100);
  });

  it('throttles malformed onion messages like any other, and leaves a path_key off the curve to the peel', () => {
    const net = line();
    const [A, B] = ['A', 'B'].map((n) => net.get(n));
    const burst = B!.core.policy.inboundBurst;
    for (let i = 0; i < burst + 3; i++) net.run(B!, B!.core.handleMalformedOnionMessage(A!.id, 100, 'wire.truncated', 'cut short', net.now));
    net.tick(THROTTLE_REPORT_MS);
    expect(net.droppedCount('B', 'malformed_message')).toBe(burst);
    expect(net.droppedCount('B', 'rate_limited')).toBe(3);
    net.tick(10_000);
    // A path_key of the right shape but not on the curve decodes on the wire and is dropped by the peel, typed.
    const message = { type: 'onion_message', pathKey: fromHex('02' + 'ff'.repeat(32)), onionMessagePacket: new Uint8Array(1366) } as const;
    net.inject('A', 'B', message);
    const last = net.eventsOf('B', 'onion.dropped').at(-1)!;
    expect(last).toMatchObject({ reason: 'bad_onion', from: A!.id });
    expect(last.code).toBe('onion.invalid_key');
  });

  it('keeps a peer’s bucket across a reconnection: reconnecting buys no fresh burst', () => {
    const net = line();
    const [A, B] = ['A', 'B'].map((n) => net.get(n));
    B!.core.registerHandler(APP, () => undefined);
    const burst = B!.core.policy.inboundBurst;
    const sendBurst = () => {
      for (let i = 0; i < burst; i++) net.run(A!, A!.core.send({ destination: node(net, 'B'), records: [rec(APP, '00')] }, net.now).actions);
      net.pump();
    };
    sendBurst();
    expect(net.eventsOf('B', 'onion.dropped')).toHaveLength(0);
    net.unlink('A', 'B');
    net.tick(500); // two tokens come back
    net.link('A', 'B');
    sendBurst();
    net.tick(THROTTLE_REPORT_MS);
    expect(net.droppedCount('B', 'rate_limited')).toBe(burst - 2);
    expect(B!.core.snapshot(net.now).inbound.map((p) => p.nodeId).sort()).toEqual([A!.id, net.get('C').id].sort());
  });

  it('drops forwards to a next hop without option_onion_messages and refuses to send to it', () => {
    const net = new TestNetwork();
    for (const n of ['A', 'B', 'C']) net.add(n);
    net.link('A', 'B');
    net.link('B', 'C', { bSupports: false });
    const [A, B, C] = ['A', 'B', 'C'].map((n) => net.get(n));
    net.run(A!, A!.core.send({ destination: node(net, 'C'), records: [rec(APP, '00')], via: [B!.id] }, net.now).actions);
    net.pump();
    expect(net.eventsOf('B', 'onion.dropped')).toEqual([expect.objectContaining({ reason: 'next_hop_unsupported', to: C!.id })]);
    expect(() => B!.core.send({ destination: node(net, 'C'), records: [rec(APP, '00')] }, net.now)).toThrowError(expect.objectContaining({ code: 'messenger.peer_unsupported' }));
  });

  it('random early drop and the queue limits bound what waits for a slow peer', () => {
    const net = new TestNetwork();
    net.add('A');
    net.add('B', { policy: { outboundQueueBytes: 20_000, memoryCapBytes: 30_000, inboundBurst: 1000, inboundPerSecond: 1000 } });
    net.add('C');
    net.link('A', 'B');
    net.link('B', 'C');
    const [A, B, C] = ['A', 'B', 'C'].map((n) => net.get(n));
    const size = 2 + 33 + 2 + 1366;
    const forwardToC = (count: number) => {
      for (let i = 0; i < count; i++) {
        net.run(A!, A!.core.send({ destination: node(net, 'C'), records: [rec(APP, '00')], via: [B!.id] }, net.now).actions);
        const out = A!.core.takeNext(B!.id)!;
        net.run(B!, B!.core.handleOnionMessage(A!.id, out.message, net.now));
      }
    };
    // B receives forwards for C but never passes them on. With random() = 0.5 the early-drop
    // probability (fill - 0.5) / 0.5 exceeds 0.5 once the queue is more than 3/4 full.
    net.random = () => 0.5;
    forwardToC(20);
    expect(net.eventsOf('B', 'onion.dropped').map((e) => e.reason)).toEqual(Array(9).fill('random_early_drop'));
    expect(B!.core.snapshot(net.now).queues.totalBytes).toBe(11 * size);
    // A lucky draw (0.9999) keeps everything until the hard per-peer limit.
    net.random = () => 0.9999;
    forwardToC(10);
    const reasons = net.eventsOf('B', 'onion.dropped').map((e) => e.reason);
    expect(reasons.filter((r) => r === 'queue_full')).toHaveLength(7);
    const snap = B!.core.snapshot(net.now);
    expect(snap.queues.totalBytes).toBe(14 * size);
    expect(snap.queues.peakBytes).toBeLessThanOrEqual(20_000);
    expect(snap.queues.peers).toEqual([{ nodeId: C!.id, messages: 14, bytes: 14 * size }]);
  });

  it('carries a caller’s context in a reply path under our tag and hands it to the reply’s handler; a forged one is not', () => {
    const net = line();
    const [A, B] = [net.get('A'), net.get('B')];
    const contexts: unknown[] = [];
    A.core.setOffersHandler({ handleOffersMessage: (_m, d) => void contexts.push(d.context ?? (d.unrecognizedPathId ? 'unrecognized' : null)) });
    B.core.setOffersHandler({ handleOffersMessage: () => ({ message: { type: 'invoice', bytes: fromHex('66') } }) });
    net.run(A, A.core.send({ destination: node(net, 'B'), records: [rec(MESSAGE_TLV.invoiceRequest, '64')], replyPath: true, replyContext: fromHex('c0ffee') }, net.now).actions);
    net.pump();
    expect(contexts).toEqual([{ kind: 'reply', data: fromHex('c0ffee') }]);
    // The same layout with a tag of our own making: B cannot hand A a context A did not issue.
    const forged = createBlindedPath({ sessionKey: net.rng.bytes(32), hops: [{ nodeId: fromHex(A.id), data: { pathId: fromHex('01c0ffee' + '00'.repeat(16)) } }] }).path;
    net.run(B, B.core.send({ destination: { kind: 'blinded', path: forged }, records: [rec(MESSAGE_TLV.invoice, '66')] }, net.now).actions);
    net.pump();
    expect(contexts).toEqual([{ kind: 'reply', data: fromHex('c0ffee') }, 'unrecognized']);
  });
});

describe('OnionMessenger: typed handler families', () => {
  const request = () => buildInvoiceRequest(buildOffer({ description: 'tea', amount: 1000n, issuerId: ALICE.id }), { payerId: BOB.id, metadata: new Uint8Array(32).fill(7) }).sign(BOB.secret, AUX);

  it('hands the offers handler the decoded message — also one that does not decode, with its errors, so it can answer', () => {
    const net = line();
    const [A, B] = [net.get('A'), net.get('B')];
    const got: OffersMessage[] = [];
    B.core.setOffersHandler({ handleOffersMessage: (m) => void got.push(m) });
    net.run(A, A.core.send({ destination: node(net, 'B'), records: [{ type: MESSAGE_TLV.invoiceRequest, value: request().bytes }] }, net.now).actions);
    net.run(A, A.core.send({ destination: node(net, 'B'), records: [rec(MESSAGE_TLV.invoiceError, 'fd01')] }, net.now).actions);
    net.pump();
    expect(got.map((m) => m.type)).toEqual(['invoice_request', 'invoice_error']);
    expect(got[0]!.decoded.errors).toEqual([]);
    expect(toHex((got[0]!.decoded.value as InvoiceRequest).invreq.payerId!)).toBe(toHex(BOB.id));
    expect(got[1]!.decoded.errors.length).toBeGreaterThan(0);
    expect(got[1]!.decoded.errors.every((e) => e.code.startsWith('bolt12.'))).toBe(true);
  });

  it('hands the offers handler the record of the published path a message came over, found by our path_id', () => {
    const net = new TestNetwork();
    const published: PublishedPathRecord = {
      pathId: 'ab'.repeat(32), ownerId: 'cd'.repeat(32), ownerKind: 'offer', pathIndex: 0, introductionNodeId: '', finalPathKey: '', finalBlindedNodeId: '',
    };
    const A = net.add('A');
    const B = net.add('B', { publishedPath: (id) => (toHex(id) === published.pathId ? published : undefined) });
    net.link('A', 'B');
    const deliveries: OffersDelivery[] = [];
    B.core.setOffersHandler({ handleOffersMessage: (_m, d) => void deliveries.push(d) });
    const path = createBlindedPath({ sessionKey: net.rng.bytes(32), hops: [{ nodeId: fromHex(B.id), data: { pathId: fromHex(published.pathId) } }] }).path;
    net.run(A, A.core.send({ destination: { kind: 'blinded', path }, records: [{ type: MESSAGE_TLV.invoiceRequest, value: request().bytes }], replyPath: true }, net.now).actions);
    net.pump();
    expect(deliveries).toEqual([expect.objectContaining({ context: { kind: 'published_path', path: published }, unrecognizedPathId: false, hasReplyPath: true, from: A.id })]);
  });

  it('dispatches each async payments message to its method, decoded, and carries a typed answer back over the reply path', () => {
    const net = line();
    const [A, B] = [net.get('A'), net.get('B')];
    const atB: [string, AsyncPaymentsMessage, MessageDelivery][] = [];
    const atA: [string, AsyncPaymentsMessage, MessageDelivery][] = [];
    B.core.setAsyncPaymentsHandler({
      ...asyncHandler(atB),
      handleHeldHtlcAvailable: (m, d) => {
        atB.push(['handleHeldHtlcAvailable', m, d]);
        return { message: { type: 'release_held_htlc', bytes: new Uint8Array(0) } };
      },
    });
    A.core.setAsyncPaymentsHandler(asyncHandler(atA));
    const sends: [bigint, string][] = [
      [MESSAGE_TLV.heldHtlcAvailable, ''], [MESSAGE_TLV.offerPathsRequest, '0101aa'], [MESSAGE_TLV.offerPaths, ''], [MESSAGE_TLV.serveStaticInvoice, ''],
      [MESSAGE_TLV.staticInvoicePersisted, ''], [MESSAGE_TLV.staticInvoice, '00'],
    ];
    for (const [type, hex] of sends) net.run(A, A.core.send({ destination: node(net, 'B'), records: [rec(type, hex)], replyPath: true }, net.now).actions);
    net.pump();
    expect(atB.map(([name]) => name)).toEqual([
      'handleHeldHtlcAvailable', 'handleOfferPathsRequest', 'handleOfferPaths', 'handleServeStaticInvoice', 'handleStaticInvoicePersisted', 'handleStaticInvoice',
    ]);
    expect(atB[1]![1]).toEqual({ type: 'offer_paths_request', bytes: fromHex('0101aa'), tlvs: [{ type: 1n, value: fromHex('aa') }] });
    expect((atB[5]![1] as Extract<AsyncPaymentsMessage, { type: 'static_invoice' }>).decoded.errors.length).toBeGreaterThan(0);
    expect(atA.map(([name, m]) => [name, m.type])).toEqual([['handleReleaseHeldHtlc', 'release_held_htlc']]);
    expect(net.eventsOf('B', 'onion.delivered').every((e) => e.handler === 'async_payments')).toBe(true);
  });

  it('an async answer may attach a reply path with a context: the answer to it comes back with that context', () => {
    const net = line();
    const [A, B] = [net.get('A'), net.get('B')];
    const atB: [string, AsyncPaymentsMessage, MessageDelivery][] = [];
    B.core.setAsyncPaymentsHandler({
      ...asyncHandler(atB),
      handleOfferPathsRequest: (m, d) => {
        atB.push(['handleOfferPathsRequest', m, d]);
        return { message: { type: 'offer_paths', bytes: new Uint8Array(0) }, instruction: 'replyWithReplyPath', replyContext: fromHex('03aabb') };
      },
    });
    A.core.setAsyncPaymentsHandler({
      ...asyncHandler([]),
      handleOfferPaths: () => ({ message: { type: 'serve_static_invoice', bytes: new Uint8Array(0) } }),
    });
    net.run(A, A.core.send({ destination: node(net, 'B'), records: [rec(MESSAGE_TLV.offerPathsRequest, '')], replyPath: true }, net.now).actions);
    net.pump();
    expect(atB.map(([name, , d]) => [name, d.context])).toEqual([
      ['handleOfferPathsRequest', null],
      ['handleServeStaticInvoice', { kind: 'reply', data: fromHex('03aabb') }],
    ]);
    // The handler gets the sender's reply path itself (to pass on), when there is one.
    expect(atB.map(([, , d]) => d.replyPath !== undefined)).toEqual([true, false]);
  });

  it('sends with a forwarded reply path: the answer goes to whoever built it, not to us', () => {
    const net = line();
    const [A, B, C] = [net.get('A'), net.get('B'), net.get('C')];
    net.link('C', 'A'); // A's reply path starts at A itself
    const atC: ReceivedMessage[] = [];
    const atA: ReceivedMessage[] = [];
    C.core.registerHandler(APP, (m) => {
      atC.push(m);
      return { records: [rec(APP + 2n, 'beef')] };
    });
    A.core.registerHandler(APP + 2n, (m) => void atA.push(m));
    // A's reply path (as a payer's invoice_request carries it), which B passes on to C.
    const fromA = A.core.send({ destination: node(net, 'B'), records: [rec(APP + 4n, '')], replyPath: true, replyContext: fromHex('01') }, net.now);
    const seenAtB: ReceivedMessage[] = [];
    B.core.registerHandler(APP + 4n, (m) => void seenAtB.push(m));
    net.run(A, fromA.actions);
    net.pump();
    const payerPath = seenAtB[0]!.replyPath!;
    expect(() => B.core.send({ destination: node(net, 'C'), records: [rec(APP, 'cafe')], forwardedReplyPath: payerPath, replyPath: true }, net.now)).toThrowError(
      expect.objectContaining({ code: 'messenger.bad_argument' }),
    );
    const out = B.core.send({ destination: node(net, 'C'), records: [rec(APP, 'cafe')], forwardedReplyPath: payerPath }, net.now);
    expect(out.hasReplyPath).toBe(true);
    net.run(B, out.actions);
    net.pump();
    expect(atC).toHaveLength(1);
    expect(atA.map((m) => [toHex(m.value), m.context])).toEqual([['beef', { kind: 'reply', data: fromHex('01') }]]);
  });

  it('drops an async payments message that is not a TLV stream as the handler’s failure, naming why', () => {
    const net = line();
    const [A, B] = [net.get('A'), net.get('B')];
    const seen: unknown[] = [];
    B.core.setAsyncPaymentsHandler(asyncHandler(seen as [string, AsyncPaymentsMessage, MessageDelivery][]));
    net.run(A, A.core.send({ destination: node(net, 'B'), records: [rec(MESSAGE_TLV.releaseHeldHtlc, '0201')] }, net.now).actions);
    net.pump();
    expect(seen).toEqual([]);
    expect(net.eventsOf('B', 'onion.dropped')).toEqual([expect.objectContaining({ reason: 'handler_failed', detail: expect.stringContaining('async_payments') })]);
  });

  it('keeps raw records for custom handlers only: offers and async types are refused there, and each family has one handler', () => {
    const net = line();
    const A = net.get('A');
    expect(() => A.core.registerHandler(MESSAGE_TLV.invoiceRequest, () => undefined)).toThrowError(expect.objectContaining({ code: 'messenger.reserved_tlv_type' }));
    expect(() => A.core.registerHandler(MESSAGE_TLV.serveStaticInvoice, () => undefined)).toThrowError(expect.objectContaining({ code: 'messenger.reserved_tlv_type' }));
    const off = A.core.setOffersHandler({ handleOffersMessage: () => undefined });
    expect(() => A.core.setOffersHandler({ handleOffersMessage: () => undefined })).toThrowError(expect.objectContaining({ code: 'messenger.handler_exists' }));
    A.core.registerHandler(APP, () => undefined);
    expect(A.core.handlers().map((h) => [h.tlvType, h.kind])).toEqual([[64n, 'offers'], [66n, 'offers'], [68n, 'offers'], [APP, 'application']]);
    off();
    expect(A.core.handlers().map((h) => h.kind)).toEqual(['application']);
  });
});

describe('OnionMessenger: routing and sending errors', () => {
  it('fails with no_route when the destination is unknown, and dials a node the address book knows', () => {
    const net = line();
    const [A, D] = [net.get('A'), net.get('D')];
    expect(() => A.core.send({ destination: node(net, 'D'), records: [rec(APP, '00')] }, net.now)).toThrowError(expect.objectContaining({ code: 'messenger.no_route' }));
    net.addresses.set(D.id, '127.0.0.1:9999');
    const out = A.core.send({ destination: node(net, 'D'), records: [rec(APP, '00')] }, net.now);
    expect(out.plan.kind).toBe('connect_first');
    net.run(A, out.actions);
    expect(A.connects).toEqual([{ nodeId: D.id, address: '127.0.0.1:9999' }]);
    // A second message to D waits for the same dial.
    net.run(A, A.core.send({ destination: node(net, 'D'), records: [rec(APP, '01')] }, net.now).actions);
    expect(A.connects).toHaveLength(1);
    const got: string[] = [];
    D.core.registerHandler(APP, (m) => void got.push(toHex(m.value)));
    net.link('A', 'D');
    net.pump();
    expect(got).toEqual(['00', '01']);
  });

  it('drops what waits for a failed or slow connection with connect_failed and connect_timeout', () => {
    const net = line();
    const [A, C, D] = ['A', 'C', 'D'].map((n) => net.get(n));
    net.addresses.set(D!.id, '127.0.0.1:1');
    net.addresses.set(C!.id, '127.0.0.1:2');
    net.run(A!, A!.core.send({ destination: node(net, 'D'), records: [rec(APP, '00')] }, net.now).actions);
    net.run(A!, A!.core.connectFailed(D!.id, 'refused', net.now));
    net.run(A!, A!.core.send({ destination: node(net, 'C'), records: [rec(APP, '00')] }, net.now).actions);
    net.tick(A!.core.policy.connectTimeoutMs + 1);
    expect(net.eventsOf('A', 'onion.dropped').map((e) => [e.reason, e.to])).toEqual([['connect_failed', D!.id], ['connect_timeout', C!.id]]);
  });

  it('stops peeling after MAX_DUMMY_HOPS hops addressed to itself, so one message buys bounded work', () => {
    const net = line();
    const [A, B] = [net.get('A'), net.get('B')];
    B.core.registerHandler(APP, () => undefined);
    const visits = (n: number) => {
      // Anyone can build a path that visits B n times before ending there.
      const hops = Array.from({ length: n }, () => ({ nodeId: fromHex(B.id), data: { nextNodeId: fromHex(B.id) } }));
      const path = createBlindedPath({ sessionKey: net.rng.bytes(32), hops: [...hops, { nodeId: fromHex(B.id), data: {} }] }).path;
      const m = createOnionMessage({ sessionKey: net.rng.bytes(32), path, contents: { messageRecords: [rec(APP, '00')] } });
      net.inject('A', 'B', { type: 'onion_message', pathKey: m.pathKey, onionMessagePacket: encodeOnionPacket(m.packet) });
    };
    visits(MAX_DUMMY_HOPS);
    net.tick(1_000); // each of B's own hops was charged to A (WORK_COSTS.layer): A's bucket refills first
    visits(MAX_DUMMY_HOPS + 1);
    expect(net.eventsOf('B', 'onion.delivered')).toEqual([expect.objectContaining({ dummyHopsPeeled: MAX_DUMMY_HOPS })]);
    expect(net.eventsOf('B', 'onion.dropped')).toEqual([expect.objectContaining({ reason: 'rule_violation' })]);
    expect(() => A.core.createPathToUs([], MAX_DUMMY_HOPS + 1)).toThrowError(expect.objectContaining({ code: 'messenger.bad_argument' }));
  });

  it('answers over a reply path of at most MAX_REPLY_PATH_HOPS hops, and peels our own hops of a reply path at most MAX_DUMMY_HOPS + 1 times', () => {
    const net = line();
    const [A, B] = [net.get('A'), net.get('B')];
    let handled = 0;
    B.core.registerHandler(APP, () => {
      handled++;
      return { records: [rec(APP + 2n, '00')] };
    });
    /** A reply path of `n` hops, each at `via` (anyone can build one through any node ids). */
    const replyPath = (n: number, via: string) => {
      const hops = Array.from({ length: n - 1 }, (_, i) => ({ nodeId: fromHex(via), data: { nextNodeId: fromHex(i === n - 2 ? A.id : via) } }));
      return createBlindedPath({ sessionKey: net.rng.bytes(32), hops: [...hops, { nodeId: fromHex(A.id), data: {} }] }).path;
    };
    const sendWith = (path: ReturnType<typeof replyPath>) => {
      const m = createOnionMessage({
        sessionKey: net.rng.bytes(32),
        path: createBlindedPath({ sessionKey: net.rng.bytes(32), hops: [{ nodeId: fromHex(B.id), data: {} }] }).path,
        contents: { messageRecords: [rec(APP, '00')], replyPath: path },
      });
      net.inject('A', 'B', { type: 'onion_message', pathKey: m.pathKey, onionMessagePacket: encodeOnionPacket(m.packet) });
    };
    sendWith(replyPath(MAX_REPLY_PATH_HOPS + 1, A.id));
    expect(handled).toBe(0);
    expect(net.eventsOf('B', 'onion.dropped')).toEqual([expect.objectContaining({ reason: 'reply_path_too_long' })]);
    // A path that starts at B and visits B again and again: B peels MAX_DUMMY_HOPS + 1 of its own hops, no more.
    sendWith(replyPath(MAX_DUMMY_HOPS + 3, B.id));
    expect(handled).toBe(1);
    expect(net.eventsOf('B', 'onion.dropped').at(-1)).toEqual(expect.objectContaining({ reason: 'handler_failed', detail: expect.stringContaining(`more than ${MAX_DUMMY_HOPS + 1} times`) }));
    sendWith(replyPath(MAX_DUMMY_HOPS + 2, B.id));
    expect(handled).toBe(2);
    net.pump();
    expect(net.eventsOf('B', 'onion.replied')).toHaveLength(1);
    // We do not build a reply path that a receiver would refuse: route back + us + dummy hops > 20.
    const via = Array.from({ length: MAX_REPLY_PATH_HOPS - MAX_DUMMY_HOPS }, (_, i) => (i % 2 === 0 ? B.id : net.get('C').id));
    expect(() => A.core.send({ destination: node(net, 'D'), via, records: [rec(APP, '00')], replyPath: true, dummyHops: MAX_DUMMY_HOPS }, net.now)).toThrowError(
      expect.objectContaining({ code: 'messenger.bad_argument', message: expect.stringContaining('reply path would have') }),
    );
  });

  it('refuses to send to ourselves, to a path ending at us, and records outside 64..2^64-1', () => {
    const net = line();
    const A = net.get('A');
    expect(() => A.core.send({ destination: node(net, 'A'), records: [rec(APP, '00')] }, net.now)).toThrowError(expect.objectContaining({ code: 'messenger.destination_is_us' }));
    const ownPath = A.core.createPathToUs([], 2);
    expect(() => A.core.send({ destination: { kind: 'blinded', path: ownPath }, records: [rec(APP, '00')] }, net.now)).toThrowError(expect.objectContaining({ code: 'messenger.destination_is_us' }));
    expect(() => A.core.send({ destination: node(net, 'B'), records: [rec(10n, '00')] }, net.now)).toThrowError(expect.objectContaining({ code: 'messenger.bad_tlv' }));
    expect(() => A.core.send({ destination: node(net, 'B'), records: [] }, net.now)).toThrowError(MessengerError);
  });

  it('uses a 32,768-byte onion for a large message and refuses one that does not fit', () => {
    const net = line();
    const [A, B] = [net.get('A'), net.get('B')];
    const got: number[] = [];
    B.core.registerHandler(APP, (m) => void got.push(m.value.length));
    net.run(A, A.core.send({ destination: node(net, 'B'), records: [{ type: APP, value: new Uint8Array(20_000) }] }, net.now).actions);
    net.pump();
    expect(got).toEqual([20_000]);
    expect(net.eventsOf('A', 'onion.sent')[0]!.size).toBe(2 + 33 + 2 + 32_834);
    expect(() => A.core.send({ destination: node(net, 'B'), records: [{ type: APP, value: new Uint8Array(40_000) }] }, net.now)).toThrowError(expect.objectContaining({ code: 'messenger.message_too_large' }));
  });

  it('puts no key material in any event: no session key, path key secret or node key', () => {
    const net = line();
    const [A, B, C, D] = ['A', 'B', 'C', 'D'].map((n) => net.get(n));
    D!.core.registerHandler(APP, () => ({ records: [rec(APP, 'beef')] }));
    net.run(A!, A!.core.send({ destination: node(net, 'D'), records: [rec(APP, 'cafe')], via: [B!.id, C!.id], awaitReplyMs: 5000, dummyHops: 1 }, net.now).actions);
    net.pump();
    const all = JSON.stringify([...net.nodes.values()].flatMap((n) => n.events));
    const secrets = [...net.rng.handedOut.filter((b) => b.length >= 16), ...[...net.nodes.values()].map((n) => n.key)];
    expect(secrets.length).toBeGreaterThan(5);
    for (const s of secrets) expect(all).not.toContain(toHex(s));
  });
});
