/**
 * The sans-I/O OffersManager: an issuer and a payer exchanging BOLT 12 messages as bytes (the
 * messenger's part — where a message arrived, its path_id — is played by the test), each on its
 * own SQLite file.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, publicKeyFromPrivate, sha256, toHex } from '../../../core/crypto';
import type { TlvRecord } from '../../../core/wire';
import {
  CHAIN_HASHES, SIGNATURE_TAGS, decodeInvoice, decodeInvoiceError, decodeOffer, decodeBolt12String, parseInvoiceRequestBytes, verifyRecordsSignature,
} from '../../../core/offers';
import type { AnswerOutcome, Destination, PreparedFetch } from '../../../core/offers/manager';
import { InvoiceErrorReceived, MAX_FORWARDER_PATHS, OFFERS_MESSAGE_TLV, OffersError, PAYMENT_PATH_CLTV_BLOCKS, persistOffersWrites } from '../../../core/offers/manager';
import { processBlindedHop } from '../../../core/onion';
import { T0, makeManager, peerId, REGTEST, testKey } from './manager-fixtures';
import type { TestManager } from './manager-fixtures';

const ctx = (ms: number) => ({ nowSeconds: Math.floor(ms / 1000), chains: [REGTEST] });

/** The payer prepares a request; the issuer answers it as if it arrived over the chosen destination. */
function exchange(
  payer: TestManager,
  issuer: TestManager,
  offer: string,
  params: { amountMsat?: bigint; quantity?: bigint; payerNote?: string; unchecked?: boolean } = {},
  opts: { index?: number; now?: number; hasReplyPath?: boolean; mutate?: (bytes: Uint8Array) => Uint8Array } = {},
): { fetch: PreparedFetch; to: Destination; out: AnswerOutcome } {
  const now = opts.now ?? T0;
  const fetch = payer.manager.prepareFetch({ offer, ...params }, now);
  const to = fetch.destinations[opts.index ?? 0]!;
  const pathId = to.kind === 'path' ? fromHex(issuer.stores.offers.pathsOf(fetch.offerId)[to.index]!.pathId) : undefined;
  const value = opts.mutate ? opts.mutate(fetch.request.bytes.slice()) : fetch.request.bytes;
  const out = issuer.manager.answerInvoiceRequest({ messageId: 'aa'.repeat(8), value, pathId, hasReplyPath: opts.hasReplyPath ?? true }, now);
  return { fetch, to, out };
}

function invoiceErrorOf(out: AnswerOutcome) {
  expect(out.kind).toBe('invoice_error');
  const reply = (out as { reply: TlvRecord }).reply;
  expect(reply.type).toBe(OFFERS_MESSAGE_TLV.invoiceError);
  return decodeInvoiceError(reply.value);
}

describe('creating and disabling offers', () => {
  it('names our node id as offer_issuer_id when no path is asked for, on our chain', () => {
    const m = makeManager('issuer');
    const { offer, created } = m.manager.createOffer({ description: 'coffee', amountMsat: 1000n, issuer: 'shop', quantityMax: 3n }, T0);
    expect(created).toBe(true);
    const decoded = decodeOffer(offer.bolt12, ctx(T0));
    expect(toHex(decoded.fields.issuerId!)).toBe(m.nodeIdHex);
    expect(decoded.fields.chains?.map(toHex)).toEqual([toHex(REGTEST)]);
    expect(decoded.fields).toMatchObject({ amount: 1000n, description: 'coffee', issuer: 'shop', quantityMax: 3n });
    expect(decoded.fields.paths).toBeUndefined();
    expect(m.stores.offers.getOffer(offer.offerId)).toMatchObject({ status: 'active', issuerId: m.nodeIdHex });
  });

  it('publishes blinded paths through the chosen peers and leaves our node id out', () => {
    const m = makeManager('issuer');
    const b = peerId('b');
    const c = peerId('c');
    const { offer } = m.manager.createOffer({ description: 'tea', via: [[b], [c, b]], dummyHops: 2 }, T0);
    const decoded = decodeOffer(offer.bolt12, ctx(T0));
    expect(decoded.fields.issuerId).toBeUndefined();
    expect(decoded.fields.paths!.map((p) => [p.firstNodeId.kind === 'node_id' && toHex(p.firstNodeId.nodeId), p.hops.length])).toEqual([
      [toHex(b), 4], // b, us, two dummy hops
      [toHex(c), 5],
    ]);
    const paths = m.stores.offers.pathsOf(offer.offerId);
    expect(paths.map((p) => [p.pathIndex, p.ownerKind, p.introductionNodeId])).toEqual([[0, 'offer', toHex(b)], [1, 'offer', toHex(c)]]);
    expect(paths[0]!.finalBlindedNodeId).toBe(toHex(decoded.fields.paths![0]!.hops.at(-1)!.blindedNodeId));
    expect(new Set(paths.map((p) => p.pathId)).size).toBe(2);
  });

  it('returns the existing offer for an identical request, and refuses to revive a disabled one', () => {
    const m = makeManager('issuer');
    const first = m.manager.createOffer({ description: 'same' }, T0);
    expect(m.manager.createOffer({ description: 'same' }, T0 + 5)).toEqual({ offer: first.offer, created: false });
    expect(m.manager.disableOffer(first.offer.offerId, T0 + 10)).toMatchObject({ status: 'disabled', disabledAt: T0 + 10 });
    expect(() => m.manager.createOffer({ description: 'same' }, T0 + 20)).toThrow(expect.objectContaining({ code: 'offers.offer_exists' }));
    expect(m.events).toEqual([{ type: 'offer.disabled', offerId: first.offer.offerId }]);
  });

  it('refuses an expiry that has passed, a zero amount, our own node as a path hop, and unknown offers to disable', () => {
    const m = makeManager('issuer');
    expect(() => m.manager.createOffer({ description: 'x', absoluteExpiry: T0 / 1000 }, T0)).toThrow(expect.objectContaining({ code: 'offers.bad_argument' }));
    expect(() => m.manager.createOffer({ description: 'x', amountMsat: 0n }, T0)).toThrow(expect.objectContaining({ code: 'offers.bad_argument' }));
    expect(() => m.manager.createOffer({ description: 'x', via: [[m.nodeId]] }, T0)).toThrow(expect.objectContaining({ code: 'offers.bad_argument' }));
    expect(() => m.manager.createOffer({ description: 'x', via: [[peerId('b')]], dummyHops: 9 }, T0)).toThrow(expect.objectContaining({ code: 'offers.bad_argument' }));
    expect(() => m.manager.disableOffer('00'.repeat(32), T0)).toThrow(expect.objectContaining({ code: 'offers.unknown_offer' }));
  });
});

describe('answering an invoice_request with an invoice', () => {
  it('signs with offer_issuer_id, mirrors the request, and keeps a preimage that is never stored', () => {
    const issuer = makeManager('issuer');
    const payer = makeManager('payer');
    const { offer } = issuer.manager.createOffer({ description: 'coffee', amountMsat: 1000n, quantityMax: 0n }, T0);
    const { fetch, to, out } = exchange(payer, issuer, offer.bolt12, { quantity: 4n, payerNote: 'thanks' });
    expect(out.kind).toBe('invoice');
    const reply = (out as { reply: TlvRecord }).reply;
    expect(reply.type).toBe(OFFERS_MESSAGE_TLV.invoice);
    const invoice = decodeInvoice(reply.value, ctx(T0), fetch.request);
    expect(invoice.invoice.amount).toBe(4000n); // offer_amount × quantity
    expect(toHex(invoice.invoice.nodeId!)).toBe(issuer.nodeIdHex);
    expect(invoice.invoice.createdAt).toBe(BigInt(T0 / 1000));
    expect(invoice.invoice.relativeExpiry).toBe(7200n);
    // One blinded payment path with us as introduction node, fee 0, our final CLTV delta.
    expect(invoice.invoice.paths).toHaveLength(1);
    expect(invoice.invoice.paths![0]!.firstNodeId).toEqual({ kind: 'node_id', nodeId: issuer.nodeId });
    expect(invoice.invoice.blindedPay![0]).toMatchObject({ feeBaseMsat: 0, feeProportionalMillionths: 0, cltvExpiryDelta: 18, htlcMinimumMsat: 1n });

    const preimage = issuer.manager.preimageFor(invoice.invoice.paymentHash!)!;
    expect(toHex(sha256(preimage))).toBe(toHex(invoice.invoice.paymentHash!));
    expect(issuer.manager.preimageFor(new Uint8Array(32))).toBeUndefined();
    const everything = JSON.stringify(issuer.db.prepare("SELECT * FROM invoices").all()) + JSON.stringify(issuer.db.prepare('SELECT * FROM invoice_requests').all());
    expect(everything).not.toContain(toHex(preimage));
    expect(JSON.stringify(issuer.events)).not.toContain(toHex(preimage));

    const stored = payer.manager.acceptFetchAnswer(fetch, [reply], to, T0);
    expect(stored).toMatchObject({ role: 'received', amountMsat: 4000n, offerId: offer.offerId, requestId: fetch.requestId, payerNote: 'thanks', quantity: 4n });
    expect(payer.stores.requests.getRequest(fetch.rowId)).toMatchObject({ status: 'invoice', invoiceId: stored.invoiceId });
    expect(issuer.stores.invoices.listInvoices({ offerId: offer.offerId })).toEqual([expect.objectContaining({ role: 'issued', invoiceId: stored.invoiceId })]);
    expect(issuer.stores.requests.listRequests({ role: 'received' })).toEqual([expect.objectContaining({ status: 'invoice', offerId: offer.offerId, payerNote: 'thanks' })]);
  });

  it('with channel peers: a payment path through each (introduction node the peer, its short_channel_id, payment_relay and constraints), then the one-hop path', () => {
    const hop = testKey('forwarder/a');
    const peers = [hop, testKey('forwarder/b'), testKey('forwarder/c'), testKey('forwarder/d')].map((k, i) => ({
      nodeId: publicKeyFromPrivate(k), shortChannelId: BigInt(0x10000000 + i), relay: { feeBaseMsat: 1000, feeProportionalMillionths: 100, cltvExpiryDelta: 40 }, htlcMinimumMsat: 1n, htlcMaximumMsat: 10n ** 12n,
    }));
    let height = 0;
    const issuer = makeManager('issuer', { paymentForwarders: () => ({ height, forwarders: peers }) });
    const payer = makeManager('payer');
    const { offer } = issuer.manager.createOffer({ description: 'coffee', amountMsat: 1000n }, T0);
    const pathsOf = (out: AnswerOutcome, fetch: PreparedFetch) => decodeInvoice((out as { reply: TlvRecord }).reply.value, ctx(T0), fetch.request).invoice;
    // No height known (no chain): a path through a forwarder needs max_cltv_expiry, so only the one-hop path.
    const first = exchange(payer, issuer, offer.bolt12);
    expect(pathsOf(first.out, first.fetch).paths!.map((p) => p.firstNodeId)).toEqual([{ kind: 'node_id', nodeId: issuer.nodeId }]);
    height = 800_000;
    const second = exchange(payer, issuer, offer.bolt12);
    const inv = pathsOf(second.out, second.fetch);
    // At most MAX_FORWARDER_PATHS peers, in the order given; ours last.
    expect(inv.paths!.map((p) => p.firstNodeId)).toEqual([...peers.slice(0, MAX_FORWARDER_PATHS).map((p) => ({ kind: 'node_id', nodeId: p.nodeId })), { kind: 'node_id', nodeId: issuer.nodeId }]);
    expect(inv.blindedPay).toHaveLength(MAX_FORWARDER_PATHS + 1);
    expect(inv.blindedPay![0]).toMatchObject({ feeBaseMsat: 1000, feeProportionalMillionths: 100, cltvExpiryDelta: 40 + 18, htlcMinimumMsat: 1n, htlcMaximumMsat: 10n ** 12n });
    expect(inv.blindedPay![MAX_FORWARDER_PATHS]).toMatchObject({ feeBaseMsat: 0, feeProportionalMillionths: 0, cltvExpiryDelta: 18 });
    // The introduction node reads where to forward and on what terms; we read our path_id, which pays the invoice.
    const path = inv.paths![0]!;
    const atPeer = processBlindedHop({ privateKey: hop, pathKey: path.firstPathKey, encryptedRecipientData: path.hops[0]!.encryptedRecipientData });
    expect(atPeer.data).toMatchObject({ shortChannelId: peers[0]!.shortChannelId, paymentRelay: peers[0]!.relay, paymentConstraints: { maxCltvExpiry: 800_000 + PAYMENT_PATH_CLTV_BLOCKS + 18 + 40 } });
    const atUs = processBlindedHop({ privateKey: issuer.nodeKey, pathKey: atPeer.nextPathKey, encryptedRecipientData: path.hops[1]!.encryptedRecipientData });
    expect(atUs.data.paymentConstraints).toMatchObject({ maxCltvExpiry: 800_000 + PAYMENT_PATH_CLTV_BLOCKS });
    const owed = issuer.manager.core.paymentForPath(atUs.data.pathId!, inv.paymentHash!)!;
    expect(owed).toMatchObject({ amountMsat: 1000n, offerId: offer.offerId });
  });

  it('answers a repeated request with its previous invoice when the offer names offer_issuer_id, and with a fresh one over a path', () => {
    const issuer = makeManager('issuer');
    const payer = makeManager('payer');
    const { offer } = issuer.manager.createOffer({ description: 'coffee', amountMsat: 1000n }, T0);
    const fetch = payer.manager.prepareFetch({ offer: offer.bolt12 }, T0);
    const ask = (pathId?: Uint8Array, now = T0) =>
      issuer.manager.answerInvoiceRequest({ messageId: '09'.repeat(8), value: fetch.request.bytes, pathId, hasReplyPath: true }, now) as { reply: TlvRecord; invoiceId: string };
    const first = ask();
    const again = ask(undefined, T0 + 1000);
    expect(again.invoiceId).toBe(first.invoiceId);
    expect(toHex(again.reply.value)).toBe(toHex(first.reply.value));
    expect(ask(undefined, T0 + 7201_000).invoiceId).not.toBe(first.invoiceId); // the previous one expired
    expect(issuer.stores.invoices.countIssued(offer.offerId)).toBe(2);

    const { offer: hidden } = issuer.manager.createOffer({ description: 'tea', amountMsat: 1000n, via: [[peerId('b')]] }, T0);
    const viaPath = payer.manager.prepareFetch({ offer: hidden.bolt12 }, T0);
    const pathId = fromHex(issuer.stores.offers.pathsOf(hidden.offerId)[0]!.pathId);
    const answer = () => issuer.manager.answerInvoiceRequest({ messageId: '0a'.repeat(8), value: viaPath.request.bytes, pathId, hasReplyPath: true }, T0) as { invoiceId: string };
    expect(answer().invoiceId).not.toBe(answer().invoiceId); // "otherwise: MUST NOT reply with a previous invoice"
  });

  it('derives each request its own payer key from invreq_metadata, the same after a restart', () => {
    const issuer = makeManager('issuer');
    const payer = makeManager('payer');
    const { offer } = issuer.manager.createOffer({ description: 'coffee', amountMsat: 1000n }, T0);
    const a = payer.manager.prepareFetch({ offer: offer.bolt12 }, T0);
    const b = payer.manager.prepareFetch({ offer: offer.bolt12 }, T0);
    expect(toHex(a.request.invreq.payerId!)).not.toBe(toHex(b.request.invreq.payerId!));
    expect(toHex(a.request.invreq.payerId!)).not.toBe(payer.nodeIdHex);
    const again = makeManager('payer'); // same node seed
    const rebuilt = again.manager.prepareFetch({ offer: offer.bolt12 }, T0);
    // Same seed, same metadata (seeded randomness): the same payer key, rebuilt from the seed alone.
    expect(toHex(rebuilt.request.invreq.metadata!)).toBe(toHex(a.request.invreq.metadata!));
    expect(toHex(rebuilt.request.invreq.payerId!)).toBe(toHex(a.request.invreq.payerId!));
    expect(verifyRecordsSignature(SIGNATURE_TAGS.invoiceRequest, a.request.records, a.request.signature!, a.request.invreq.payerId!)).toBe(true);
  });

  it('answers over a blinded path with the final blinded node id of that path as invoice_node_id', () => {
    const issuer = makeManager('issuer');
    const payer = makeManager('payer');
    const { offer } = issuer.manager.createOffer({ description: 'tea', amountMsat: 5000n, via: [[peerId('b')], [peerId('c')]], dummyHops: 1 }, T0);
    for (const index of [0, 1]) {
      const { fetch, to, out } = exchange(payer, issuer, offer.bolt12, {}, { index });
      expect(out.kind).toBe('invoice');
      const reply = (out as { reply: TlvRecord }).reply;
      const invoice = decodeInvoice(reply.value, ctx(T0), fetch.request);
      expect(toHex(invoice.invoice.nodeId!)).toBe(issuer.stores.offers.pathsOf(offer.offerId)[index]!.finalBlindedNodeId);
      expect(payer.manager.acceptFetchAnswer(fetch, [reply], to, T0).nodeId).toBe(toHex(invoice.invoice.nodeId!));
    }
  });

  it('refuses an invoice signed for another of the offer paths than the one the request went to', () => {
    const issuer = makeManager('issuer');
    const payer = makeManager('payer');
    const { offer } = issuer.manager.createOffer({ description: 'tea', via: [[peerId('b')], [peerId('c')]] }, T0);
    const { fetch, out } = exchange(payer, issuer, offer.bolt12, { amountMsat: 10n }, { index: 0 });
    const reply = (out as { reply: TlvRecord }).reply;
    expect(() => payer.manager.acceptFetchAnswer(fetch, [reply], fetch.destinations[1]!, T0)).toThrow(
      expect.objectContaining({ code: 'offers.bad_invoice', details: { code: 'invoice.node_id_mismatch' } }),
    );
    expect(payer.stores.requests.getRequest(fetch.rowId)).toMatchObject({ status: 'failed', errorCode: 'offers.bad_invoice' });
  });
});

describe('ignoring what BOLT 12 says to ignore', () => {
  it('ignores a request for a path offer that did not arrive over one of its paths, or over another offer’s path', () => {
    const issuer = makeManager('issuer');
    const payer = makeManager('payer');
    const { offer: a } = issuer.manager.createOffer({ description: 'a', amountMsat: 1n, via: [[peerId('b')]] }, T0);
    const { offer: b } = issuer.manager.createOffer({ description: 'b', amountMsat: 1n, via: [[peerId('b')]] }, T0);
    const fetch = payer.manager.prepareFetch({ offer: a.bolt12 }, T0);
    const direct = issuer.manager.answerInvoiceRequest({ messageId: '01'.repeat(8), value: fetch.request.bytes, pathId: undefined, hasReplyPath: true }, T0);
    expect(direct).toEqual({ kind: 'ignored', reason: 'not_via_offer_path' });
    const otherPath = fromHex(issuer.stores.offers.pathsOf(b.offerId)[0]!.pathId);
    expect(issuer.manager.answerInvoiceRequest({ messageId: '02'.repeat(8), value: fetch.request.bytes, pathId: otherPath, hasReplyPath: true }, T0)).toEqual({
      kind: 'ignored', reason: 'wrong_path',
    });
    expect(issuer.manager.answerInvoiceRequest({ messageId: '03'.repeat(8), value: fetch.request.bytes, pathId: new Uint8Array(32), hasReplyPath: true }, T0)).toEqual({
      kind: 'ignored', reason: 'unknown_path',
    });
    expect(issuer.events.filter((e) => e.type === 'offer.invoice_request_ignored').map((e) => (e as { reason: string }).reason)).toEqual([
      'not_via_offer_path', 'wrong_path', 'unknown_path',
    ]);
  });

  it('answers a direct request for a blinded offer the same whether the offer is ours or not (no probing), storing nothing', () => {
    const issuer = makeManager('issuer');
    const stranger = makeManager('stranger');
    const payer = makeManager('payer');
    const { offer: ours } = issuer.manager.createOffer({ description: 'ours', amountMsat: 1n, via: [[peerId('b')]] }, T0);
    const { offer: theirs } = stranger.manager.createOffer({ description: 'theirs', amountMsat: 1n, via: [[peerId('b')]] }, T0);
    const direct = (bolt12: string) =>
      issuer.manager.answerInvoiceRequest({ messageId: '04'.repeat(8), value: payer.manager.prepareFetch({ offer: bolt12 }, T0).request.bytes, pathId: undefined, hasReplyPath: true }, T0);
    expect(direct(ours.bolt12)).toEqual(direct(theirs.bolt12));
    expect(direct(theirs.bolt12)).toEqual({ kind: 'ignored', reason: 'not_via_offer_path' });
    expect(issuer.stores.requests.listRequests({ role: 'received' })).toEqual([]);
    // Our own event still names our offer, for the user.
    expect(issuer.events.filter((e) => e.type === 'offer.invoice_request_ignored').map((e) => (e as { offerId: string | null }).offerId)).toEqual([ours.offerId, null, null]);
  });

  it('ignores a request without a reply path, recording it against the offer', () => {
    const issuer = makeManager('issuer');
    const payer = makeManager('payer');
    const { offer } = issuer.manager.createOffer({ description: 'coffee', amountMsat: 1000n }, T0);
    expect(exchange(payer, issuer, offer.bolt12, {}, { hasReplyPath: false }).out).toEqual({ kind: 'ignored', reason: 'no_reply_path' });
    expect(issuer.stores.requests.listRequests({ offerId: offer.offerId })).toEqual([expect.objectContaining({ status: 'ignored', errorCode: 'offers.ignored.no_reply_path' })]);
  });
});

describe('bounded storage for what strangers can make us store', () => {
  it('refuses new invoices past the cap of outstanding ones, keeps issued ones until they expire, then prunes beyond the history cap', () => {
    const issuer = makeManager('issuer', { policy: { maxOutstandingInvoicesPerOffer: 3, maxExpiredInvoicesPerOffer: 2, maxRefusedRequestsPerOffer: 2 } });
    const payer = makeManager('payer');
    const { offer } = issuer.manager.createOffer({ description: 'coffee', amountMsat: 1000n }, T0);
    const issued = [1, 2, 3].map((i) => exchange(payer, issuer, offer.bolt12, { payerNote: `n${i}` }).out);
    expect(issued.map((o) => o.kind)).toEqual(['invoice', 'invoice', 'invoice']);
    const busy = exchange(payer, issuer, offer.bolt12, { payerNote: 'n4' }).out;
    expect(invoiceErrorOf(busy).error).toMatch(/too many unpaid invoices/);
    expect(issuer.stores.invoices.countIssued(offer.offerId)).toBe(3);
    // Two hours later all three expired: a new request is answered, and only the newest two expired invoices stay.
    const later = T0 + 7201_000;
    expect(exchange(payer, issuer, offer.bolt12, { payerNote: 'n5' }, { now: later }).out.kind).toBe('invoice');
    const kept = issuer.stores.invoices.listInvoices({ offerId: offer.offerId });
    expect(kept.map((i) => i.payerNote)).toEqual(['n5', 'n3', 'n2']); // newest first
    const answered = issuer.stores.requests.listRequests({ offerId: offer.offerId }).filter((r) => r.status === 'invoice');
    expect(answered.map((r) => r.payerNote)).toEqual(['n5', 'n3', 'n2']);
    // Refused requests: only the newest two are kept.
    for (const note of ['x1', 'x2', 'x3']) exchange(payer, issuer, offer.bolt12, { payerNote: note }, { now: later, hasReplyPath: false });
    const refused = issuer.stores.requests.listRequests({ offerId: offer.offerId }).filter((r) => r.status !== 'invoice');
    expect(refused.map((r) => r.payerNote)).toEqual(['x3', 'x2']);
  });

  it('refuses new invoices past the cap of outstanding invoice bytes (large payer notes)', () => {
    const issuer = makeManager('issuer', { policy: { maxOutstandingInvoiceBytesPerOffer: 6_000 } });
    const payer = makeManager('payer');
    const { offer } = issuer.manager.createOffer({ description: 'coffee', amountMsat: 1000n }, T0);
    const note = 'x'.repeat(1_000);
    const outcomes = [1, 2, 3, 4].map((i) => exchange(payer, issuer, offer.bolt12, { payerNote: `${i}${note}` }).out.kind);
    const bytes = issuer.stores.invoices.listInvoices({ offerId: offer.offerId }).reduce((n, i) => n + i.bolt12.length, 0);
    expect(outcomes.slice(0, 2)).toEqual(['invoice', 'invoice']);
    expect(outcomes.at(-1)).toBe('invoice_error');
    expect(bytes).toBeLessThan(6_000 + 4_000);
  });
});

describe('answering with an invoice_error that says what was wrong', () => {
  function setup(offerParams: Parameters<TestManager['manager']['createOffer']>[0] = { description: 'widget', amountMsat: 1000n, quantityMax: 3n }) {
    const issuer = makeManager('issuer');
    const payer = makeManager('payer');
    const { offer } = issuer.manager.createOffer(offerParams, T0);
    return { issuer, payer, offer };
  }

  it('a disabled offer', () => {
    const { issuer, payer, offer } = setup();
    issuer.manager.disableOffer(offer.offerId, T0);
    const e = invoiceErrorOf(exchange(payer, issuer, offer.bolt12, { quantity: 1n }).out);
    expect(e.error).toBe('this offer has been disabled by its issuer');
    expect(e.erroneousField).toBeUndefined();
    expect(issuer.stores.requests.listRequests({ offerId: offer.offerId })).toEqual([expect.objectContaining({ status: 'invoice_error', errorCode: 'offers.offer_disabled' })]);
  });

  it('an expired offer (offer_absolute_expiry, field 14), when a payer with a slow clock still asks', () => {
    const { issuer, payer, offer } = setup({ description: 'flash sale', amountMsat: 1000n, absoluteExpiry: T0 / 1000 + 60 });
    // A payer whose clock is behind: it sees an unexpired offer. The issuer's clock is past expiry.
    const fetch = payer.manager.prepareFetch({ offer: offer.bolt12 }, T0);
    const out = issuer.manager.answerInvoiceRequest({ messageId: '04'.repeat(8), value: fetch.request.bytes, pathId: undefined, hasReplyPath: true }, T0 + 120_000);
    const e = invoiceErrorOf(out);
    expect(e.erroneousField).toBe(14n);
    expect(e.error).toMatch(/offer_absolute_expiry.*expired at 2025-/);
  });

  it('an amount below offer_amount × quantity (field 82, suggesting the expected amount)', () => {
    const { issuer, payer, offer } = setup();
    const e = invoiceErrorOf(exchange(payer, issuer, offer.bolt12, { quantity: 2n, amountMsat: 1500n, unchecked: true }).out);
    expect(e.erroneousField).toBe(82n);
    expect(toHex(e.suggestedValue!)).toBe('07d0'); // tu64 2000
    expect(e.error).toMatch(/less than the expected amount.*expected 2000, amount 1500/);
  });

  it('a quantity above offer_quantity_max (field 86, suggesting the maximum)', () => {
    const { issuer, payer, offer } = setup();
    const e = invoiceErrorOf(exchange(payer, issuer, offer.bolt12, { quantity: 5n, unchecked: true }).out);
    expect(e.erroneousField).toBe(86n);
    expect(toHex(e.suggestedValue!)).toBe('03');
    expect(e.error).toMatch(/quantity 5, max 3/);
  });

  it('a missing quantity (86, suggesting 1) and a quantity the offer does not allow (86)', () => {
    const { issuer, payer, offer } = setup();
    const missing = invoiceErrorOf(exchange(payer, issuer, offer.bolt12, { unchecked: true }).out);
    expect([missing.erroneousField, toHex(missing.suggestedValue!)]).toEqual([86n, '01']);
    const single = setup({ description: 'one', amountMsat: 5n });
    const unexpected = invoiceErrorOf(exchange(single.payer, single.issuer, single.offer.bolt12, { quantity: 2n, unchecked: true }).out);
    expect([unexpected.erroneousField, unexpected.suggestedValue]).toEqual([86n, undefined]);
  });

  it('a bad signature (field 240)', () => {
    const { issuer, payer, offer } = setup();
    const e = invoiceErrorOf(exchange(payer, issuer, offer.bolt12, { quantity: 1n }, { mutate: (b) => ((b[b.length - 1]! ^= 1), b) }).out);
    expect(e.erroneousField).toBe(240n);
    expect(e.error).toMatch(/not a valid BIP340 signature/);
  });

  it('a chain the offer does not name (field 80, suggesting our chain)', () => {
    const { issuer, offer } = setup({ description: 'regtest only', amountMsat: 1n });
    const testnetPayer = makeManager('payer', { chain: CHAIN_HASHES.testnet });
    expect(() => testnetPayer.manager.prepareFetch({ offer: offer.bolt12 }, T0)).toThrow(expect.objectContaining({ code: 'offer.unsupported_chain' }));
    const e = invoiceErrorOf(exchange(testnetPayer, issuer, offer.bolt12, { unchecked: true }).out);
    expect(e.erroneousField).toBe(80n);
    expect(toHex(e.suggestedValue!)).toBe(toHex(REGTEST));
  });

  it('an offer this node never issued, and bytes that are not an invoice_request', () => {
    const issuer = makeManager('issuer');
    const stranger = makeManager('stranger');
    const payer = makeManager('payer');
    const { offer } = stranger.manager.createOffer({ description: 'theirs', amountMsat: 7n }, T0);
    const unknown = invoiceErrorOf(exchange(payer, issuer, offer.bolt12).out);
    expect(unknown.error).toMatch(/unknown offer/);
    const garbage = invoiceErrorOf(issuer.manager.answerInvoiceRequest({ messageId: '05'.repeat(8), value: new Uint8Array([0xfd, 1]), pathId: undefined, hasReplyPath: true }, T0));
    expect(garbage.error).toMatch(/TLV/);
    expect(issuer.stores.requests.listRequests()).toEqual([]); // nothing of ours: nothing recorded
  });
});

describe('the payer judging the answer', () => {
  it('turns an invoice_error into InvoiceErrorReceived with the issuer’s words and field', () => {
    const issuer = makeManager('issuer');
    const payer = makeManager('payer');
    const { offer } = issuer.manager.createOffer({ description: 'widget', amountMsat: 1000n, quantityMax: 3n }, T0);
    const { fetch, to, out } = exchange(payer, issuer, offer.bolt12, { quantity: 9n, unchecked: true });
    let thrown: unknown;
    try {
      payer.manager.acceptFetchAnswer(fetch, [(out as { reply: TlvRecord }).reply], to, T0);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(InvoiceErrorReceived);
    const err = thrown as InvoiceErrorReceived;
    expect(err.code).toBe('offers.invoice_error');
    expect(err.erroneousField).toBe(86n);
    expect(err.message).toMatch(/erroneous field 86 invreq_quantity, suggested value 03/);
    expect(err.details).toMatchObject({ erroneousField: '86', erroneousFieldName: 'invreq_quantity', suggestedValue: '03' });
    expect(payer.stores.requests.getRequest(fetch.rowId)).toMatchObject({ status: 'invoice_error', erroneousField: 86n });
    expect(payer.events.at(-1)).toMatchObject({ type: 'offer.invoice_error_received', offerId: offer.offerId, requestId: fetch.requestId, erroneousField: '86' });
  });

  it('refuses an invoice that answers another request, an altered invoice, and an answer with neither', () => {
    const issuer = makeManager('issuer');
    const payer = makeManager('payer');
    const { offer } = issuer.manager.createOffer({ description: 'widget', amountMsat: 1000n }, T0);
    const first = exchange(payer, issuer, offer.bolt12);
    const second = payer.manager.prepareFetch({ offer: offer.bolt12 }, T0);
    const reply = (first.out as { reply: TlvRecord }).reply;
    expect(() => payer.manager.acceptFetchAnswer(second, [reply], first.to, T0)).toThrow(expect.objectContaining({ details: { code: 'invoice.request_mismatch' } }));
    const altered = reply.value.slice();
    altered[altered.length - 1]! ^= 0x80;
    expect(() => payer.manager.acceptFetchAnswer(first.fetch, [{ type: reply.type, value: altered }], first.to, T0)).toThrow(
      expect.objectContaining({ code: 'offers.bad_invoice' }),
    );
    expect(() => payer.manager.acceptFetchAnswer(first.fetch, [{ type: 65537n, value: new Uint8Array(1) }], first.to, T0)).toThrow(
      expect.objectContaining({ code: 'offers.unexpected_reply' }),
    );
    expect(payer.events.filter((e) => e.type === 'offer.fetch_failed')).toHaveLength(3);
  });

  it('refuses our own offers and strings that are not offers, naming the problem', () => {
    const m = makeManager('issuer');
    const { offer } = m.manager.createOffer({ description: 'mine' }, T0);
    expect(() => m.manager.prepareFetch({ offer: offer.bolt12, amountMsat: 1n }, T0)).toThrow(expect.objectContaining({ code: 'offers.bad_argument' }));
    expect(() => m.manager.prepareFetch({ offer: 'lno1qqqq+' }, T0)).toThrow(expect.objectContaining({ code: 'bolt12.parse.bad_continuation' }));
    expect(() => m.manager.prepareFetch({ offer: 'lnr1qqqq' }, T0)).toThrow(expect.objectContaining({ code: 'bolt12.parse.unknown_prefix' }));
    expect(() => m.manager.prepareFetch({ offer: 'lno1zzzzb' }, T0)).toThrow(expect.objectContaining({ code: expect.stringMatching(/^bolt12\.parse\./) }));
  });
});

describe('refunds', () => {
  it('a refund without paths names our node id; its payee sends an invoice we accept once', () => {
    const us = makeManager('payer');
    const payee = makeManager('issuer');
    const refund = us.manager.createRefund({ description: 'returned shoes', amountMsat: 700n, payerNote: 'sorry' }, T0);
    expect(refund).toMatchObject({ role: 'refund', status: 'active', payerId: us.nodeIdHex, offerId: refund.requestId });
    const decoded = parseInvoiceRequestBytes(decodeBolt12String(refund.bolt12).bytes).value!;
    expect(decoded.signature).toBeUndefined();
    expect(toHex(decoded.invreq.chain!)).toBe(toHex(REGTEST));

    const prepared = payee.manager.prepareRefundInvoice(refund.bolt12, T0);
    expect(prepared.destinations).toEqual([{ kind: 'node', nodeId: us.nodeId }]);
    expect(prepared.record).toMatchObject({ role: 'issued', amountMsat: 700n, offerId: refund.requestId, nodeId: payee.nodeIdHex });
    const msg = { messageId: '06'.repeat(8), value: prepared.invoice.bytes, pathId: undefined, hasReplyPath: true };
    expect(us.manager.receiveInvoice(msg, T0)).toEqual({ kind: 'accepted', invoiceId: prepared.record.invoiceId });
    expect(us.manager.receiveInvoice(msg, T0)).toEqual({ kind: 'accepted', invoiceId: prepared.record.invoiceId });
    expect(us.events.filter((e) => e.type === 'offer.refund_invoice_received')).toHaveLength(1);
    expect(us.stores.requests.getRefund(refund.requestId)).toMatchObject({ status: 'invoiced', invoiceId: prepared.record.invoiceId });
    expect(us.manager.receiveInvoice({ ...msg, pathId: new Uint8Array(32) }, T0)).toEqual({ kind: 'ignored', reason: 'arrived_via_blinded_path' });
    // A second, different invoice for the same refund (another payee, or the same one again) is not taken.
    const second = makeManager('stranger').manager.prepareRefundInvoice(refund.bolt12, T0);
    expect(us.manager.receiveInvoice({ ...msg, value: second.invoice.bytes }, T0)).toEqual({ kind: 'ignored', reason: 'refund_already_invoiced' });
    expect(us.stores.invoices.listInvoices({ role: 'received' })).toHaveLength(1);
    expect(us.stores.requests.getRefund(refund.requestId)).toMatchObject({ invoiceId: prepared.record.invoiceId });
  });

  it('a refund with paths uses a derived payer key, and its invoice must arrive over one of them', () => {
    const us = makeManager('payer');
    const payee = makeManager('issuer');
    const refund = us.manager.createRefund({ description: 'rebate', amountMsat: 50n, via: [[peerId('b')]] }, T0);
    expect(refund.payerId).not.toBe(us.nodeIdHex);
    const prepared = payee.manager.prepareRefundInvoice(refund.bolt12, T0);
    expect(prepared.destinations.map((d) => d.kind)).toEqual(['path']);
    const msg = { messageId: '07'.repeat(8), value: prepared.invoice.bytes, hasReplyPath: false };
    expect(us.manager.receiveInvoice({ ...msg, pathId: undefined }, T0)).toEqual({ kind: 'ignored', reason: 'not_via_refund_path' });
    const pathId = fromHex(us.stores.offers.pathsOf(refund.requestId)[0]!.pathId);
    expect(us.manager.receiveInvoice({ ...msg, pathId }, T0)).toMatchObject({ kind: 'accepted' });
  });

  it('answers an invoice for a refund with paths the same whether the refund is ours or not, when it arrives directly or over an offer path', () => {
    const us = makeManager('payer');
    const payee = makeManager('issuer');
    const ours = us.manager.createRefund({ description: 'ours', amountMsat: 50n, via: [[peerId('b')]] }, T0);
    const theirs = makeManager('stranger').manager.createRefund({ description: 'theirs', amountMsat: 50n, via: [[peerId('b')]] }, T0);
    const { offer } = us.manager.createOffer({ description: 'shop', amountMsat: 1n, via: [[peerId('b')]] }, T0);
    const offerPath = fromHex(us.stores.offers.pathsOf(offer.offerId)[0]!.pathId);
    for (const pathId of [undefined, offerPath]) {
      const answer = (bolt12: string) =>
        us.manager.receiveInvoice({ messageId: '09'.repeat(8), value: payee.manager.prepareRefundInvoice(bolt12, T0).invoice.bytes, pathId, hasReplyPath: true }, T0);
      expect(answer(ours.bolt12)).toEqual(answer(theirs.bolt12));
      expect(answer(theirs.bolt12)).toEqual({ kind: 'ignored', reason: 'not_via_refund_path' });
    }
  });

  it('answers an invoice for no refund of ours with an invoice_error, and refuses to invoice an offer’s request or an expired refund', () => {
    const us = makeManager('payer');
    const payee = makeManager('issuer');
    const stranger = makeManager('stranger');
    const theirs = stranger.manager.createRefund({ description: 'not ours', amountMsat: 5n }, T0);
    const prepared = payee.manager.prepareRefundInvoice(theirs.bolt12, T0);
    const out = us.manager.receiveInvoice({ messageId: '08'.repeat(8), value: prepared.invoice.bytes, pathId: undefined, hasReplyPath: true }, T0);
    expect(out.kind).toBe('invoice_error');
    expect(decodeInvoiceError((out as { reply: TlvRecord }).reply.value).error).toMatch(/does not answer any refund of ours/);

    const { offer } = payee.manager.createOffer({ description: 'x', amountMsat: 1n }, T0);
    const request = us.manager.prepareFetch({ offer: offer.bolt12 }, T0);
    const lnr = request.request;
    expect(() => stranger.manager.prepareRefundInvoice(us.stores.requests.getRequest(request.rowId)!.bolt12, T0)).toThrow(
      expect.objectContaining({ code: 'offers.not_a_refund' }),
    );
    expect(lnr.signature).toBeDefined();
    const short = us.manager.createRefund({ description: 'soon gone', amountMsat: 5n, absoluteExpiry: T0 / 1000 + 10 }, T0);
    expect(() => payee.manager.prepareRefundInvoice(short.bolt12, T0 + 60_000)).toThrow(expect.objectContaining({ code: 'offer.expired' }));
    expect(() => us.manager.prepareRefundInvoice(short.bolt12, T0)).toThrow(expect.objectContaining({ code: 'offers.bad_argument' }));
  });
});

describe('events', () => {
  it('every step of an offer carries its offerId, so a UI can group the history per offer', () => {
    const issuer = makeManager('issuer');
    const payer = makeManager('payer');
    const { offer } = issuer.manager.createOffer({ description: 'widget', amountMsat: 1000n, quantityMax: 2n }, T0);
    const ok = exchange(payer, issuer, offer.bolt12, { quantity: 1n });
    payer.manager.acceptFetchAnswer(ok.fetch, [(ok.out as { reply: TlvRecord }).reply], ok.to, T0);
    exchange(payer, issuer, offer.bolt12, { quantity: 3n, unchecked: true });
    issuer.manager.disableOffer(offer.offerId, T0);
    expect(issuer.events.map((e) => [e.type, 'offerId' in e ? e.offerId : undefined])).toEqual([
      ['offer.invoice_request_received', offer.offerId],
      ['offer.invoice_issued', offer.offerId],
      ['offer.invoice_request_received', offer.offerId],
      ['offer.invoice_error_sent', offer.offerId],
      ['offer.disabled', offer.offerId],
    ]);
    expect(payer.events.map((e) => [e.type, 'offerId' in e ? e.offerId : undefined])).toEqual([['offer.invoice_received', offer.offerId]]);
    payer.manager.failFetch(ok.fetch, new OffersError('offers.no_answer', 'late'), T0);
    expect(payer.events.at(-1)).toEqual({ type: 'offer.fetch_failed', offerId: offer.offerId, requestId: ok.fetch.requestId, code: 'offers.no_answer', message: 'late' });
  });
});

describe('steps: the manager decides, its adapter persists and publishes', () => {
  it('answering a request writes nothing itself: the invoice and the request come back as writes, the events with them', () => {
    const issuer = makeManager('issuer');
    const payer = makeManager('payer');
    const { offer } = issuer.manager.createOffer({ description: 'widget', amountMsat: 1000n }, T0);
    const fetch = payer.manager.prepareFetch({ offer: offer.bolt12 }, T0);
    const step = issuer.manager.core.answerInvoiceRequest({ messageId: 'ab'.repeat(8), value: fetch.request.bytes, context: null, hasReplyPath: true }, T0);
    expect(step.value.kind).toBe('invoice');
    expect(step.writes.map((w) => w.kind)).toEqual(['insert_invoice', 'insert_request']);
    expect(step.events.map((e) => e.type)).toEqual(['offer.invoice_request_received', 'offer.invoice_issued']);
    // Nothing is stored, nothing published, until the step is carried out.
    expect(issuer.stores.invoices.listInvoices({ offerId: offer.offerId })).toEqual([]);
    expect(issuer.events).toEqual([]);
    persistOffersWrites(issuer.stores, step.writes);
    const invoiceId = (step.value as { invoiceId: string }).invoiceId;
    expect(issuer.stores.invoices.listInvoices({ offerId: offer.offerId })).toEqual([expect.objectContaining({ invoiceId, role: 'issued' })]);
    expect(issuer.stores.requests.listRequests({ role: 'received' })).toEqual([expect.objectContaining({ status: 'invoice', invoiceId })]);
  });

  it('a refused answer to our request is a value, with the request marked failed in the same step', () => {
    const issuer = makeManager('issuer');
    const payer = makeManager('payer');
    const { offer } = issuer.manager.createOffer({ description: 'widget', amountMsat: 1000n }, T0);
    const fetch = payer.manager.prepareFetch({ offer: offer.bolt12 }, T0);
    const step = payer.manager.core.acceptFetchAnswer(fetch, undefined, fetch.destinations[0]!, T0);
    expect(step.value).toEqual({ kind: 'refused', error: expect.objectContaining({ code: 'offers.unexpected_reply' }) });
    expect(step.writes).toEqual([expect.objectContaining({ kind: 'update_request', rowId: fetch.rowId, change: expect.objectContaining({ status: 'failed' }) })]);
    expect(payer.stores.requests.getRequest(fetch.rowId)).toMatchObject({ status: 'pending' });
  });
});
