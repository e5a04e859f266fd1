/**
 * L2, the static invoice server core, with real blinded paths whose contexts are authenticated the
 * way the messenger does it, real signed static invoices, and its store on a real SQLite file.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toHex } from '../../../../core/crypto';
import type { AsyncAction, ServerStep, StaticInvoiceServerOptions } from '../../../../core/payments';
import { StaticInvoiceServer, decodeAsyncContext, encodeAsyncContext } from '../../../../core/payments';
import { DATABASE_FILE, StaticInvoicesRepository, openDatabase } from '../../../../core/store';
import type { BlindedPath } from '../../../../core/wire';
import { DEFAULT_ASYNC_PAYMENTS_PROFILE, decodeAsyncOnionMessage, encodeAsyncOnionMessage } from '../../../../core/wire';
import { tempDir } from '../../../support/tmp';
import { REGTEST, node, staticInvoiceFor } from './support';

/** The default profile's (LDK 0.2's) form of the async payments messages: each stream after its length. */
const LDK_FORM = { lengthPrefixed: DEFAULT_ASYNC_PAYMENTS_PROFILE.lengthPrefixedMessages };

const L2 = node('L2', 0x22);
const R = node('R', 0x33);
const OTHER = node('other', 0x44);
const PAYER = node('P', 0x55);
const T0 = 1_800_000_000_000; // ms

function setup(opts: Partial<StaticInvoiceServerOptions> = {}, dir = tempDir('glasswing-async-l2-')) {
  const db = openDatabase(join(dir, DATABASE_FILE));
  const store = new StaticInvoicesRepository(db);
  const clients = new Set([R.idHex]);
  const server = new StaticInvoiceServer({ store, chain: REGTEST, isClient: (r) => clients.has(r), pathTo: (c) => L2.pathTo(c), pathContext: (p) => L2.contextOf(p), ...opts });
  /** Applies a step as the adapter does: writes first. */
  const apply = (step: ServerStep) => {
    store.applyStaticInvoiceWrites(step.writes);
    return step;
  };
  return { db, store, server, clients, apply, dir };
}

const reasons = (s: ServerStep) => s.events.filter((e) => e.type === 'async.refused').map((e) => (e as { reason: string }).reason);
const replyOf = (s: ServerStep) => s.actions.find((a): a is Extract<AsyncAction, { kind: 'reply' }> => a.kind === 'reply');
const replyPathOfR = () => R.pathTo(encodeAsyncContext({ kind: 'offer_paths', slot: 0, expiresAt: T0 / 1000 + 3600 }));

/** R's side of steps 1–3, to a stored invoice in `slot`. */
function serveOne(s: ReturnType<typeof setup>, slot: number, nowMs = T0, relativeExpiry?: bigint) {
  const [requestPath] = s.server.pathsForRecipient(R.idHex, nowMs);
  const paths = s.apply(s.server.handleOfferPathsRequest(
    { bytes: encodeAsyncOnionMessage({ type: 'offer_paths_request', invoiceSlot: slot }, LDK_FORM), context: L2.contextOf(requestPath!), replyPath: replyPathOfR() },
    nowMs,
  ));
  const reply = replyOf(paths)!;
  const offerPaths = decodeAsyncOnionMessage('offer_paths', reply.message.bytes, LDK_FORM).paths;
  const { invoice, offer } = staticInvoiceFor(R, offerPaths, BigInt(Math.floor(nowMs / 1000)), relativeExpiry !== undefined ? { relativeExpiry } : {});
  // R sends serve_static_invoice over the reply path L2 attached (its context is reply.replyContext, authenticated by L2's messenger).
  const servePath = L2.pathTo(reply.replyContext!);
  const forward = R.pathTo(encodeAsyncContext({ kind: 'held_htlc_available', slot, expiresAt: nowMs / 1000 + 86400 }), L2);
  const served = s.apply(s.server.handleServeStaticInvoice(
    { bytes: encodeAsyncOnionMessage({ type: 'serve_static_invoice', invoice: invoice.bytes, forwardInvoiceRequestPath: forward }, LDK_FORM), context: L2.contextOf(servePath), replyPath: replyPathOfR() },
    nowMs,
  ));
  return { paths, reply, offerPaths, invoice, offer, served, forward };
}

describe('L2: offer paths for a client', () => {
  it('answers offer_paths_request over its own path with paths to itself for the slot, and a reply path for serve_static_invoice', () => {
    const s = setup({ offerPathCount: 2 });
    const { reply, offerPaths, paths } = serveOne(s, 3);
    expect(reply.message.name).toBe('offer_paths');
    expect(reply.message.tlvType).toBe(75542n);
    expect(offerPaths).toHaveLength(2);
    for (const p of offerPaths) {
      expect(p.firstNodeId).toEqual({ kind: 'node_id', nodeId: L2.id });
      const ctx = decodeAsyncContext(L2.contextOf(p)!);
      expect(ctx).toMatchObject({ kind: 'static_invoice_requested', recipient: R.idHex, slot: 3 });
    }
    expect(decodeAsyncContext(reply.replyContext!)).toMatchObject({ kind: 'serve_static_invoice', recipient: R.idHex, slot: 3, expiresAt: T0 / 1000 + 365 * 24 * 3600 });
    expect(decodeAsyncOnionMessage('offer_paths', reply.message.bytes, LDK_FORM)).toMatchObject({ pathsAbsoluteExpiry: BigInt(T0 / 1000 + 365 * 24 * 3600) });
    expect(paths.events).toEqual([{ type: 'async.offer_paths_given', recipient: R.idHex, slot: 3, paths: 2 }]);
    s.db.close();
  });

  it('refuses without our context, with another kind of context, an expired one, a non-client, a slot out of range, no reply path', () => {
    const s = setup();
    const msg = encodeAsyncOnionMessage({ type: 'offer_paths_request', invoiceSlot: 0 }, LDK_FORM);
    const [good] = s.server.pathsForRecipient(R.idHex, T0);
    const ctx = L2.contextOf(good!);
    const cases: [Uint8Array | undefined, Uint8Array, BlindedPath | undefined, number, string][] = [
      [undefined, msg, replyPathOfR(), T0, 'bad_context'],
      [encodeAsyncContext({ kind: 'serve_static_invoice', recipient: R.idHex, slot: 0, expiresAt: T0 / 1000 + 60 }), msg, replyPathOfR(), T0, 'bad_context'],
      [ctx, msg, replyPathOfR(), T0 + 366 * 24 * 3600 * 1000, 'bad_context'],
      [encodeAsyncContext({ kind: 'offer_paths_request', recipient: OTHER.idHex, expiresAt: T0 / 1000 + 60 }), msg, replyPathOfR(), T0, 'not_a_client'],
      [ctx, encodeAsyncOnionMessage({ type: 'offer_paths_request', invoiceSlot: 10 }, LDK_FORM), replyPathOfR(), T0, 'slot_out_of_range'],
      [ctx, new Uint8Array([0, 1]), replyPathOfR(), T0, 'malformed'],
      [ctx, msg, undefined, T0, 'no_reply_path'],
    ];
    for (const [context, bytes, replyPath, now, reason] of cases) {
      const step = s.server.handleOfferPathsRequest({ bytes, context, replyPath }, now);
      expect(step.actions).toEqual([]);
      expect(reasons(step)).toEqual([reason]);
    }
    expect(() => s.server.pathsForRecipient(OTHER.idHex, T0)).toThrowError(expect.objectContaining({ code: 'payments.bad_request' }));
    s.db.close();
  });
});

describe('L2: serving a static invoice', () => {
  it('stores it per recipient and slot before it confirms, replaces a slot, and keeps it across a reopen', () => {
    const s = setup();
    const first = serveOne(s, 0);
    expect(first.served.writes).toHaveLength(1);
    expect(replyOf(first.served)!.message).toMatchObject({ name: 'static_invoice_persisted', tlvType: 75546n });
    expect(first.served.events).toMatchObject([{ type: 'async.static_invoice_stored', slot: 0, replaced: false }]);
    const again = serveOne(s, 0, T0 + 1000);
    expect(again.served.events).toMatchObject([{ type: 'async.static_invoice_stored', slot: 0, replaced: true }]);
    serveOne(s, 1, T0 + 2000);
    expect(s.store.countStaticInvoices(R.idHex)).toBe(2);
    s.db.close();
    const reopened = setup({}, s.dir);
    const kept = reopened.store.getStaticInvoice(R.idHex, 0)!;
    expect(toHex(kept.invoice)).toBe(toHex(again.invoice.bytes));
    expect(kept.forwardPath).toEqual(again.forward);
    expect(reopened.store.listStaticInvoices().map((r) => r.slot)).toEqual([0, 1]);
    reopened.db.close();
  });

  it('refuses an invoice with a bad signature, an expired one, a too large one, one over an expired serve path, and a full server', () => {
    const s = setup({ policy: { maxTotalInvoices: 1 } });
    const { reply, offerPaths } = serveOne(s, 0);
    const servePath = L2.pathTo(reply.replyContext!);
    const ctx = L2.contextOf(servePath);
    const forward = R.pathTo(encodeAsyncContext({ kind: 'held_htlc_available', slot: 0, expiresAt: T0 / 1000 + 60 }), L2);
    const serve = (invoice: Uint8Array, context = ctx, now = T0) =>
      s.server.handleServeStaticInvoice({ bytes: encodeAsyncOnionMessage({ type: 'serve_static_invoice', invoice, forwardInvoiceRequestPath: forward }, LDK_FORM), context, replyPath: replyPathOfR() }, now);
    const good = staticInvoiceFor(R, offerPaths, BigInt(T0 / 1000)).invoice.bytes;
    const tampered = good.slice();
    tampered[tampered.length - 1]! ^= 1;
    expect(reasons(serve(tampered))).toEqual(['invalid_invoice:static_invoice.invalid_signature']);
    const old = staticInvoiceFor(R, offerPaths, BigInt(T0 / 1000 - 15 * 24 * 3600)).invoice.bytes;
    expect(reasons(serve(old))).toEqual(['invalid_invoice:static_invoice.expired']);
    const big = staticInvoiceFor(R, offerPaths, BigInt(T0 / 1000), { description: 'x'.repeat(6000) }).invoice.bytes;
    expect(reasons(serve(big))).toEqual(['invoice_too_large']);
    expect(reasons(serve(good, ctx, T0 + 366 * 24 * 3600 * 1000))).toEqual(['bad_context']);
    // Slot 0 is stored; slot 1 would be a second invoice on a server that keeps one (an offer on slot 1's paths).
    const serve1 = L2.pathTo(encodeAsyncContext({ kind: 'serve_static_invoice', recipient: R.idHex, slot: 1, expiresAt: T0 / 1000 + 60 }));
    const slot1Paths = [L2.pathTo(encodeAsyncContext({ kind: 'static_invoice_requested', recipient: R.idHex, slot: 1, expiresAt: T0 / 1000 + 3600 }))];
    expect(reasons(serve(staticInvoiceFor(R, slot1Paths, BigInt(T0 / 1000)).invoice.bytes, L2.contextOf(serve1)))).toEqual(['server_full']);
    // Every refusal wrote nothing and answered nothing.
    expect(s.store.countStaticInvoices()).toBe(1);
    s.db.close();
  });
});

describe('L2: who may sign a client\'s invoice', () => {
  /** Steps 1–3 with the invoice signed by `signer`, the request authenticated by our handed-out path or (`byConnection`) by the client's connection. */
  function serveSignedBy(signer: ReturnType<typeof node>, byConnection: boolean) {
    const s = setup();
    const context = byConnection
      ? encodeAsyncContext({ kind: 'offer_paths_request', recipient: R.idHex, expiresAt: T0 / 1000 + 600, byConnection: true })
      : L2.contextOf(s.server.pathsForRecipient(R.idHex, T0)[0]!);
    const paths = s.apply(s.server.handleOfferPathsRequest({ bytes: encodeAsyncOnionMessage({ type: 'offer_paths_request', invoiceSlot: 0 }, LDK_FORM), context, replyPath: replyPathOfR() }, T0));
    const reply = replyOf(paths)!;
    const offerPaths = decodeAsyncOnionMessage('offer_paths', reply.message.bytes, LDK_FORM).paths;
    const { invoice } = staticInvoiceFor(signer, offerPaths, BigInt(T0 / 1000));
    const forward = R.pathTo(encodeAsyncContext({ kind: 'held_htlc_available', slot: 0, expiresAt: T0 / 1000 + 86400 }), L2);
    const served = s.apply(s.server.handleServeStaticInvoice(
      { bytes: encodeAsyncOnionMessage({ type: 'serve_static_invoice', invoice: invoice.bytes, forwardInvoiceRequestPath: forward }, LDK_FORM), context: L2.contextOf(L2.pathTo(reply.replyContext!)), replyPath: replyPathOfR() },
      T0,
    ));
    return { s, served };
  }

  it('over paths we handed the client, any key its offer names (LDK signs with a key derived per offer); known only by its connection, the client\'s node key alone', () => {
    const other = node('derived', 0x44);
    const handedOut = serveSignedBy(other, false);
    expect(reasons(handedOut.served)).toEqual([]);
    expect(handedOut.s.store.getStaticInvoice(R.idHex, 0)).toBeDefined();
    expect(reasons(serveSignedBy(other, true).served)).toEqual(['not_signed_by_recipient']);
    const own = serveSignedBy(R, true);
    expect(reasons(own.served)).toEqual([]);
    expect(own.s.store.getStaticInvoice(R.idHex, 0)).toBeDefined();
  });

  it('keeps byConnection through the context encoding', () => {
    for (const c of [
      { kind: 'offer_paths_request' as const, recipient: R.idHex, expiresAt: 1_900_000_000, byConnection: true as const },
      { kind: 'serve_static_invoice' as const, recipient: R.idHex, slot: 2, expiresAt: 1_900_000_000, byConnection: true as const },
      { kind: 'serve_static_invoice' as const, recipient: R.idHex, slot: 2, expiresAt: 1_900_000_000 },
    ]) expect(decodeAsyncContext(encodeAsyncContext(c))).toEqual(c);
  });
});

describe('L2: the offer it serves uses the paths it gave (issue 16 item 4)', () => {
  it('refuses, with offer_paths_not_ours, an offer on paths of another slot, another recipient, somebody else\'s, expired ones, or a mix', () => {
    const s = setup();
    const { reply, offerPaths } = serveOne(s, 2);
    const ctx = L2.contextOf(L2.pathTo(reply.replyContext!));
    const forward = R.pathTo(encodeAsyncContext({ kind: 'held_htlc_available', slot: 2, expiresAt: T0 / 1000 + 60 }), L2);
    const serve = (paths: readonly BlindedPath[], now = T0) => s.server.handleServeStaticInvoice(
      { bytes: encodeAsyncOnionMessage({ type: 'serve_static_invoice', invoice: staticInvoiceFor(R, paths, BigInt(T0 / 1000)).invoice.bytes, forwardInvoiceRequestPath: forward }, LDK_FORM), context: ctx, replyPath: replyPathOfR() },
      now,
    );
    const slotPath = (slot: number, recipient = R.idHex, expiresAt = T0 / 1000 + 3600) =>
      L2.pathTo(encodeAsyncContext({ kind: 'static_invoice_requested', recipient, slot, expiresAt }));
    const cases: [string, BlindedPath[]][] = [
      ['another slot', [slotPath(3)]],
      ['another recipient', [slotPath(2, OTHER.idHex)]],
      ['R\'s own path (not ours)', [R.pathTo(encodeAsyncContext({ kind: 'static_invoice_requested', recipient: R.idHex, slot: 2, expiresAt: T0 / 1000 + 3600 }))]],
      ['another kind of context of ours', [L2.pathTo(encodeAsyncContext({ kind: 'serve_static_invoice', recipient: R.idHex, slot: 2, expiresAt: T0 / 1000 + 3600 }))]],
      ['an expired path of ours', [slotPath(2, R.idHex, T0 / 1000 - 1)]],
      ['ours and a stranger\'s', [offerPaths[0]!, R.pathTo(new Uint8Array([0x02]))]],
      ['a two-hop path through us', [R.pathTo(encodeAsyncContext({ kind: 'static_invoice_requested', recipient: R.idHex, slot: 2, expiresAt: T0 / 1000 + 3600 }), L2)]],
    ];
    for (const [what, paths] of cases) expect(reasons(serve(paths)), what).toEqual(['offer_paths_not_ours']);
    // The paths it gave (or fresh ones of ours for the same recipient and slot) are served.
    expect(reasons(serve(offerPaths))).toEqual([]);
    expect(reasons(serve([slotPath(2)]))).toEqual([]);
    s.db.close();
  });
});

describe('L2: answering invoice requests for a client\'s offer', () => {
  it('answers with the static invoice and forwards the request to R with the payer\'s reply path', () => {
    const s = setup();
    const { offerPaths, invoice, forward } = serveOne(s, 2);
    const invreq = new Uint8Array([0, 4, 1, 2, 3, 4]);
    const payerReply = PAYER.pathTo(new Uint8Array([9]));
    const step = s.server.handleInvoiceRequest({ bytes: invreq, context: L2.contextOf(offerPaths[0]!), replyPath: payerReply }, T0 + 5000, () => true);
    expect(step.actions).toEqual([
      { kind: 'reply', message: { name: 'static_invoice', tlvType: 70n, bytes: invoice.bytes } },
      { kind: 'send', destination: forward, forwardedReplyPath: payerReply, message: { name: 'invoice_request', tlvType: 64n, bytes: invreq } },
    ]);
    expect(step.events).toMatchObject([{ type: 'async.static_invoice_served', recipient: R.idHex, slot: 2, forwarded: true }]);
    s.db.close();
  });

  it('R offline: answers with the static invoice at once; the request waits for R and goes once R is ready, with its payer\'s reply path', () => {
    const s = setup();
    const { offerPaths, invoice, forward } = serveOne(s, 2);
    const online: string[] = [];
    const invreq = new Uint8Array([0, 4, 1, 2, 3, 4]);
    const payerReply = PAYER.pathTo(new Uint8Array([9]));
    const step = s.server.handleInvoiceRequest({ bytes: invreq, context: L2.contextOf(offerPaths[0]!), replyPath: payerReply }, T0 + 5000, (r) => {
      online.push(r);
      return false;
    });
    expect(online).toEqual([R.idHex]);
    expect(step.actions).toEqual([{ kind: 'reply', message: { name: 'static_invoice', tlvType: 70n, bytes: invoice.bytes } }]);
    expect(step.events).toMatchObject([{ type: 'async.static_invoice_served', recipient: R.idHex, slot: 2, forwarded: false }]);
    expect(s.server.waitingRecipients(T0 + 5000)).toEqual([R.idHex]);
    // R back (its channel to L2 reestablished) 59 s later: the request goes, once.
    const ready = s.server.recipientReady(R.idHex, T0 + 64_000);
    expect(ready.actions).toEqual([{ kind: 'send', destination: forward, forwardedReplyPath: payerReply, message: { name: 'invoice_request', tlvType: 64n, bytes: invreq } }]);
    expect(s.server.recipientReady(R.idHex, T0 + 64_000).actions).toEqual([]);
    expect(s.server.waitingRecipients(T0 + 64_000)).toEqual([]);
    s.db.close();
  });

  it('a request that waited forwardHoldSeconds (60 s) for R is dropped, and at most 10 wait per recipient (the oldest goes first)', () => {
    const s = setup();
    const { offerPaths } = serveOne(s, 2);
    const ask = (at: number, tag: number) =>
      s.server.handleInvoiceRequest({ bytes: new Uint8Array([0, 1, tag]), context: L2.contextOf(offerPaths[0]!), replyPath: PAYER.pathTo(new Uint8Array([tag])) }, at, () => false);
    ask(T0, 1);
    expect(s.server.recipientReady(R.idHex, T0 + 60_000).actions).toEqual([]);
    expect(s.server.waitingRecipients(T0 + 60_000)).toEqual([]);
    ask(T0 + 100_000, 1);
    expect(s.server.waitingRecipients(T0 + 160_000)).toEqual([]);
    // 12 within the per-recipient rate (1/s, burst 10): the 10 newest wait.
    for (let i = 0; i < 12; i++) ask(T0 + 200_000 + i * 1_000, i);
    const sent = s.server.recipientReady(R.idHex, T0 + 212_000).actions;
    expect(sent.map((a) => (a.kind === 'send' ? a.message.bytes[2] : -1))).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    s.db.close();
  });

  it('answers nothing for an empty slot, deletes and refuses an expired invoice, refuses without a reply path or our context', () => {
    const s = setup();
    const { offerPaths } = serveOne(s, 0, T0, 3600n);
    const payerReply = PAYER.pathTo(new Uint8Array([9]));
    const empty = L2.pathTo(encodeAsyncContext({ kind: 'static_invoice_requested', recipient: R.idHex, slot: 5, expiresAt: T0 / 1000 + 60 }));
    expect(reasons(s.server.handleInvoiceRequest({ bytes: new Uint8Array(0), context: L2.contextOf(empty), replyPath: payerReply }, T0, () => true))).toEqual(['no_static_invoice']);
    const ctx = L2.contextOf(offerPaths[0]!);
    expect(reasons(s.server.handleInvoiceRequest({ bytes: new Uint8Array(0), context: ctx, replyPath: undefined }, T0, () => true))).toEqual(['no_reply_path']);
    expect(reasons(s.server.handleInvoiceRequest({ bytes: new Uint8Array(0), context: undefined, replyPath: payerReply }, T0, () => true))).toEqual(['bad_context']);
    const late = s.apply(s.server.handleInvoiceRequest({ bytes: new Uint8Array(0), context: ctx, replyPath: payerReply }, T0 + 3600 * 1000, () => true));
    expect(reasons(late)).toEqual(['static_invoice_expired']);
    expect(late.actions).toEqual([]);
    expect(s.store.countStaticInvoices()).toBe(0);
    s.db.close();
  });
});

describe('L2: limits', () => {
  it('rate limits every message type per recipient, and refills with time', () => {
    const s = setup({ policy: { perRecipient: { offer_paths_request: { perSecond: 1, burst: 3 }, serve_static_invoice: { perSecond: 1, burst: 3 }, invoice_request: { perSecond: 1, burst: 2 } } } });
    const [p] = s.server.pathsForRecipient(R.idHex, T0);
    const ask = (now: number) => s.server.handleOfferPathsRequest({ bytes: encodeAsyncOnionMessage({ type: 'offer_paths_request', invoiceSlot: 0 }, LDK_FORM), context: L2.contextOf(p!), replyPath: replyPathOfR() }, now);
    expect([ask(T0), ask(T0), ask(T0), ask(T0)].map(reasons)).toEqual([[], [], [], ['rate_limited']]);
    expect(reasons(ask(T0 + 1000))).toEqual([]);
    const ctx = L2.contextOf(L2.pathTo(encodeAsyncContext({ kind: 'static_invoice_requested', recipient: R.idHex, slot: 0, expiresAt: T0 / 1000 + 60 })));
    const req = () => s.server.handleInvoiceRequest({ bytes: new Uint8Array(0), context: ctx, replyPath: replyPathOfR() }, T0, () => true);
    expect([req(), req(), req()].map(reasons)).toEqual([['no_static_invoice'], ['no_static_invoice'], ['rate_limited']]);
    const serveCtx = L2.contextOf(L2.pathTo(encodeAsyncContext({ kind: 'serve_static_invoice', recipient: R.idHex, slot: 0, expiresAt: T0 / 1000 + 60 })));
    const serve = () => s.server.handleServeStaticInvoice({ bytes: new Uint8Array(0), context: serveCtx, replyPath: replyPathOfR() }, T0);
    expect([serve(), serve(), serve(), serve()].map(reasons)).toEqual([['malformed'], ['malformed'], ['malformed'], ['rate_limited']]);
    s.db.close();
  });

  it('any bytes and any context give a step (refused or not), never a throw', () => {
    const s = setup();
    const contexts = fc.oneof(
      fc.constant(undefined),
      fc.uint8Array({ maxLength: 48 }),
      fc.record({ slot: fc.integer({ min: 0, max: 0xffff }), expiresAt: fc.integer({ min: 0, max: 0xffffffff }) }).map((c) =>
        encodeAsyncContext({ kind: 'static_invoice_requested', recipient: R.idHex, ...c })),
    );
    fc.assert(
      fc.property(fc.constantFrom('offer_paths_request' as const, 'serve_static_invoice' as const, 'invoice_request' as const), fc.uint8Array({ maxLength: 200 }), contexts, fc.boolean(), (kind, bytes, context, reply) => {
        const d = { bytes, context, replyPath: reply ? replyPathOfR() : undefined };
        const step = kind === 'offer_paths_request' ? s.server.handleOfferPathsRequest(d, T0) : kind === 'serve_static_invoice' ? s.server.handleServeStaticInvoice(d, T0) : s.server.handleInvoiceRequest(d, T0, () => true);
        expect(step.writes.every((w) => w.kind === 'put_static_invoice' || w.kind === 'delete_static_invoice')).toBe(true);
      }),
      { numRuns: 200 },
    );
    s.db.close();
  });

  it('contexts round-trip, and bytes that are none give payments.bad_request', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (slot, expiresAt, id) => {
        const all = [
          { kind: 'offer_paths_request' as const, recipient: R.idHex, expiresAt },
          { kind: 'static_invoice_requested' as const, recipient: R.idHex, slot, expiresAt },
          { kind: 'serve_static_invoice' as const, recipient: R.idHex, slot, expiresAt },
          { kind: 'offer_paths' as const, slot, expiresAt },
          { kind: 'static_invoice_persisted' as const, slot, offerId: toHex(id), expiresAt },
          { kind: 'held_htlc_available' as const, slot, expiresAt },
          { kind: 'release_held_htlc' as const, holdId: toHex(id), expiresAt },
        ];
        for (const c of all) {
          const bytes = encodeAsyncContext(c);
          expect(bytes.length).toBeLessThanOrEqual(64);
          expect(decodeAsyncContext(bytes)).toEqual(c);
        }
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), (bytes) => {
        try {
          decodeAsyncContext(bytes);
        } catch (e) {
          expect(e).toMatchObject({ code: 'payments.bad_request' });
        }
      }),
    );
  });
});
