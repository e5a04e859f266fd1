/**
 * Issue 20 at the messenger: the inbound bucket charged by the work a message costs. B runs the
 * real offers manager (SQLite file) behind its offers handler, as the node wires it; A is a peer
 * that sends either honest invoice_requests or the worst ones it can build — a 65,000-byte onion
 * that visits B ten times before it ends there, a request at every limit of core/wire/limits.ts
 * for B's real offer, and a reply path of 20 hops. Work is counted in curve operations of the
 * backend (test/support/curve-ops.ts) and in tokens, never in time.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, randomBytes } from '../../../core/crypto';
import { MAX_DUMMY_HOPS, MAX_REPLY_PATH_HOPS, MESSAGE_TLV, WORK_COSTS } from '../../../core/messenger';
import type { OffersMessageHandler } from '../../../core/offers/ports';
import { persistOffersWrites } from '../../../core/offers/manager';
import { decodeBolt12String, parseOfferBytes } from '../../../core/offers';
import type { OnionMessage, TlvRecord } from '../../../core/wire';
import { LIMITS } from '../../../core/wire';
import type { CurveOps } from '../../support/curve-ops';
import { countCurveOps } from '../../support/curve-ops';
import { LARGEST_ONION_PAYLOAD, invoiceRequestAtLimits, invoiceRequestBytes, onionMessageTo } from '../../support/worst-messages';
import { REGTEST, makeManager, testKey } from '../offers/manager-fixtures';
import type { TestNode } from './network';
import { TestNetwork } from './network';

/** A and B linked; B answers invoice_requests for its offer with the real manager. Returns B's offer records. */
function setUp(): { net: TestNetwork; A: TestNode; B: TestNode; offerRecords: readonly TlvRecord[] } {
  const net = new TestNetwork();
  const A = net.add('A');
  const B = net.add('B');
  net.link('A', 'B');
  const issuer = makeManager('work-issuer');
  const { offer } = issuer.manager.createOffer({ description: 'work', amountMsat: 1000n }, net.now);
  // The offers handler as core/runtime/offers wires it: the manager's step persisted, its answer returned.
  const handler: OffersMessageHandler = {
    handleOffersMessage: (message, delivery) => {
      if (message.type !== 'invoice_request') return undefined;
      const step = issuer.manager.core.answerInvoiceRequest(
        { messageId: delivery.messageId, value: message.bytes, decoded: message.decoded, context: delivery.context, unrecognizedPathId: delivery.unrecognizedPathId, hasReplyPath: delivery.hasReplyPath },
        net.now,
      );
      persistOffersWrites(issuer.stores, step.writes);
      const out = step.value;
      if (out.kind === 'ignored') return undefined;
      return { message: { type: out.kind === 'invoice' ? 'invoice' : 'invoice_error', bytes: out.reply.value } };
    },
  };
  B.core.setOffersHandler(handler);
  return { net, A, B, offerRecords: parseOfferBytes(decodeBolt12String(offer.bolt12).bytes).value!.records };
}

const payer = testKey('work/payer');

/** An honest request: B's offer, a fresh payer key's signature, a reply path of LDK's 4 hops, a 1,300-byte onion. */
function honest(s: ReturnType<typeof setUp>): OnionMessage {
  const request = invoiceRequestBytes({ offerRecords: s.offerRecords, payerSecret: payer, chain: REGTEST });
  return onionMessageTo({ to: fromHex(s.B.id), record: { type: MESSAGE_TLV.invoiceRequest, value: request }, replyHops: 4, replyVia: fromHex(s.A.id) });
}

/**
 * The worst: a 65,000-byte onion that visits B MAX_DUMMY_HOPS times, a request at every limit for
 * B's offer (its invoice still fits the 32,768-byte onion of the answer), a reply path of
 * MAX_REPLY_PATH_HOPS hops through A.
 */
function worst(s: ReturnType<typeof setUp>): OnionMessage {
  const request = invoiceRequestAtLimits(s.offerRecords, payer, { chain: REGTEST, fillBytes: 18_000 });
  return onionMessageTo({
    to: fromHex(s.B.id), record: { type: MESSAGE_TLV.invoiceRequest, value: request }, selfHops: MAX_DUMMY_HOPS,
    replyHops: MAX_REPLY_PATH_HOPS, replyVia: fromHex(s.A.id), payloadSize: LARGEST_ONION_PAYLOAD,
  });
}

/** The answers B queued for A (taken off the queue, as A's connection would). */
function answers(s: ReturnType<typeof setUp>): number {
  let n = 0;
  for (let out = s.B.core.takeNext(s.A.id); out; out = s.B.core.takeNext(s.A.id)) if (out.event.type === 'onion.replied') n++;
  return n;
}

function tokensOf(s: ReturnType<typeof setUp>): number {
  return s.B.core.snapshot(s.net.now).inbound.find((b) => b.nodeId === s.A.id)!.tokens;
}

/** Feeds `message` from A to B; B's curve operations, and the tokens it charged A. */
function send(s: ReturnType<typeof setUp>, message: OnionMessage): { ops: CurveOps; charged: number } {
  const before = tokensOf(s);
  const { ops } = countCurveOps(() => s.net.inject('A', 'B', message));
  return { ops, charged: Math.round((before - tokensOf(s)) * 100) / 100 };
}

describe('the inbound bucket charged by work', () => {
  it('charges an honest invoice_request one token, and the worst one every layer, every large layer and every reply hop past 8', () => {
    const s = setUp();
    const h = send(s, honest(s));
    expect(h.charged).toBe(1);
    expect(answers(s)).toBe(1); // answered over the reply path
    expect(s.net.eventsOf('B', 'onion.delivered').at(-1)).toMatchObject({ handler: 'offers' });
    s.net.tick(10_000); // a full bucket again
    const w = send(s, worst(s));
    const layers = 1 + MAX_DUMMY_HOPS;
    expect(w.charged).toBe(1 + MAX_DUMMY_HOPS * WORK_COSTS.layer + layers * WORK_COSTS.largeLayer + (MAX_REPLY_PATH_HOPS - WORK_COSTS.freeReplyHops) * WORK_COSTS.replyHop);
    expect(s.net.eventsOf('B', 'onion.delivered').at(-1)).toMatchObject({ handler: 'offers', dummyHopsPeeled: MAX_DUMMY_HOPS });
    expect(answers(s)).toBe(1); // still answered: it was within every limit
    // What each cost B: two ECDHs a layer, one for the invoice's payment path, one per hop of the
    // onion it answered over; the points of the reply path as it is read and the few single points
    // of the request and invoice — none of the 352 points of the request's offer_paths and invreq_paths.
    expect(h.ops).toMatchObject({ ecdh: 2 + 1 + 4, verifications: 1, signatures: 1 });
    expect(w.ops).toMatchObject({ ecdh: 2 * layers + 1 + MAX_REPLY_PATH_HOPS, verifications: 1, signatures: 1 });
    expect(w.ops.pointChecks).toBeLessThanOrEqual(2 * layers + (2 + MAX_REPLY_PATH_HOPS) + 9 + 2 * MAX_REPLY_PATH_HOPS);
    // The debt is paid back before A's next message is taken.
    const next = send(s, honest(s));
    expect([next.charged, next.ops.ecdh]).toEqual([0, 0]);
    expect(s.net.eventsOf('B', 'onion.dropped').at(-1)).toMatchObject({ reason: 'rate_limited' });
  });

  it('lets one peer at the default rate buy no more curve work with the worst messages than with honest ones', () => {
    const seconds = 12;
    const everyMs = 1000 / 4; // CLN's and our default rate: one message every 250 ms
    const run = (make: (s: ReturnType<typeof setUp>) => OnionMessage, distinct: number) => {
      const s = setUp();
      const messages = Array.from({ length: distinct }, () => make(s));
      let ecdh = 0;
      let points = 0;
      let answered = 0;
      for (let i = 0; i < (seconds * 1000) / everyMs; i++) {
        const { ops } = send(s, messages[i % distinct]!);
        ecdh += ops.ecdh;
        points += ops.pointChecks;
        answered += answers(s);
        s.net.tick(everyMs);
      }
      s.net.tick(1000); // the last throttled drops are reported
      return { ecdh, points, answered, dropped: s.net.droppedCount('B', 'rate_limited') };
    };
    const honestRun = run(honest, (seconds * 1000) / everyMs);
    const worstCost = 1 + MAX_DUMMY_HOPS + (1 + MAX_DUMMY_HOPS) + (MAX_REPLY_PATH_HOPS - WORK_COSTS.freeReplyHops) * WORK_COSTS.replyHop;
    const maxWorst = Math.floor((10 + seconds * 4) / worstCost) + 1;
    const worstRun = run(worst, maxWorst);
    expect(honestRun).toMatchObject({ answered: seconds * 4, dropped: 0 });
    expect(worstRun.answered).toBeLessThanOrEqual(maxWorst);
    expect(worstRun.answered).toBeGreaterThan(0);
    expect(worstRun.dropped).toBe(seconds * 4 - worstRun.answered);
    expect(worstRun.ecdh).toBeLessThan(honestRun.ecdh);
    expect(worstRun.points).toBeLessThan(honestRun.points);
  });

  it('charges the layers of a message that fails on a later one, and refuses a reply path over the limit before its points', () => {
    const s = setUp();
    // Eleven visits: B peels its MAX_DUMMY_HOPS + 1 layers, then refuses; all of them are charged.
    const tooMany = onionMessageTo({ to: fromHex(s.B.id), record: { type: MESSAGE_TLV.invoiceRequest, value: randomBytes(8) }, selfHops: MAX_DUMMY_HOPS + 1 });
    expect(send(s, tooMany).charged).toBe(1 + MAX_DUMMY_HOPS);
    expect(s.net.eventsOf('B', 'onion.dropped').at(-1)).toMatchObject({ reason: 'rule_violation' });
    s.net.tick(10_000);
    const long = onionMessageTo({
      to: fromHex(s.B.id), record: { type: MESSAGE_TLV.invoiceRequest, value: randomBytes(8) }, replyHops: LIMITS.blindedPathHops + 1, replyVia: fromHex(s.A.id),
    });
    const refused = send(s, long);
    expect(s.net.eventsOf('B', 'onion.dropped').at(-1)).toMatchObject({ reason: 'reply_path_too_long' });
    expect(refused.ops.pointChecks).toBeLessThanOrEqual(4);
    expect(refused.charged).toBe(1);
  });
});
