/**
 * The Payments page's pure logic: what a pasted string is (from the real decoders the node's
 * `decode` uses, on the spec's BOLT 11 and BOLT 12 vectors), the send and receive forms as NodeApi
 * params the node's own schema accepts (property-tested on any input), a payment's progress folded
 * from its events, and failures in words.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { METHOD_SCHEMAS, PAYMENT_ID_PATTERN, validate, type DecodeResult, type NodeEvent, type PaymentInfo } from '../../../core/api';
import { describeBolt11 } from '../../../core/invoices/bolt11/describe';
import { decodeBolt12 } from '../../../core/offers/describe';
import {
  applyPaymentEvent, applyPaymentInfo, checkInvoiceForm, inFlightMsat, invoiceTimes, newestFirst, checkPayForm, feeShare, newPaymentId, partFailureText, pasteProblem, paymentFailureText, payTarget, progressFromInfo,
  startProgress, targetAmountText, type PaymentProgress, type PayTarget,
} from '../../../renderer/src/lib/payments';
import { loadVectors } from '../../support/vectors';

interface Bolt11Vectors {
  valid: { name: string; invoice: string; network: string; timestamp: number; amount: { msat: string } | null; description?: string; payee_pubkey: string; expiry?: number }[];
  invalid: { name: string; invoice: string }[];
}
const b11 = loadVectors<Bolt11Vectors>('bolt11/invoices.json');
const offers = loadVectors<{ description: string; valid: boolean; bolt12: string }[]>('bolt12/offers-test.json');

function decode11(invoice: string, nowSeconds: number, networks: ('mainnet' | 'testnet')[] = ['mainnet']): DecodeResult {
  return { kind: 'bolt11', bolt11: describeBolt11(invoice, { nowSeconds, networks }) };
}
function decode12(s: string, nowMs: number): DecodeResult {
  return { kind: 'bolt12', bolt12: decodeBolt12(s, { nowSeconds: BigInt(Math.floor(nowMs / 1000)) } as never) };
}
const vector = (name: string) => b11.valid.find((v) => v.name === name)!;
const offer = (name: string) => offers.find((v) => v.description === name)!.bolt12;

describe('payments page: what a pasted string is', () => {
  it('reads each valid BOLT 11 example: amount (or none), description, payee, expiry', () => {
    // The node reads BOLT 11 as amended by lightning/bolts#1243 ("MUST fail the payment if any field
    // with fixed data_length ... does not have the correct length"); that example predates it.
    const amended = 'fields which must be ignored';
    const old = b11.valid.find((v) => v.name === amended)!;
    expect(payTarget(decode11(old.invoice, Number(old.timestamp)), 0).refusal).toContain('data_length');
    for (const v of b11.valid.filter((x) => x.name !== amended)) {
      const ts = Number(v.timestamp);
      const t = payTarget(decode11(v.invoice, ts + 1, [v.network as 'mainnet' | 'testnet']), ts * 1000 + 1000);
      expect(t, v.name).toMatchObject({ kind: 'bolt11', what: 'BOLT 11 invoice', payee: v.payee_pubkey, expired: false, refusal: null });
      expect(t.amountMsat, v.name).toBe(v.amount ? String(v.amount.msat) : null);
      // BOLT 11: expiry "Default is 3600 (1 hour) if not specified."
      expect(t.expiresAt, v.name).toBe((ts + Number(v.expiry ?? 3600)) * 1000);
      if (v.description) expect(t.description).toBe(v.description);
    }
    const donation = payTarget(decode11(vector('donation, no amount').invoice, 1496314658), 0);
    expect(targetAmountText(donation)).toBe('not set: you choose');
    expect(payTarget(decode11(vector('20m, description hash').invoice, 1496314658), 0).description).toMatch(/^\(given elsewhere; its hash is [0-9a-f]{64}\)$/);
  });

  it('refuses an expired invoice, and every invalid example, with a reason', () => {
    const v = vector('2500u, description, expiry 60');
    const late = payTarget(decode11(v.invoice, Number(v.timestamp) + 61), 0);
    expect(late).toMatchObject({ expired: true, refusal: 'This invoice has expired: ask the payee for a new one.' });
    for (const bad of b11.invalid) {
      const t = payTarget(decode11(bad.invoice, 1496314658), 0);
      expect(t.refusal, bad.name).toMatch(/^This BOLT 11 invoice cannot be paid: .+\.$/);
    }
    // Another network than the node's.
    expect(payTarget({ kind: 'bolt11', bolt11: describeBolt11(v.invoice, { nowSeconds: Number(v.timestamp), networks: ['regtest'] }) }, 0).refusal).not.toBeNull();
  });

  it('reads BOLT 12 offers: amount or none, another currency refused, expiry, issuer; invalid ones refused', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(payTarget(decode12(offer('with amount'), now), now)).toMatchObject({ kind: 'offer', what: 'BOLT 12 offer', amountMsat: '10000', refusal: null });
    expect(payTarget(decode12(offer('with description (but no amount)'), now), now)).toMatchObject({ amountMsat: null, description: 'Test vectors', refusal: null });
    expect(payTarget(decode12(offer('with currency'), now), now)).toMatchObject({ amountMsat: null, currency: 'USD', refusal: expect.stringContaining('priced in USD') });
    expect(payTarget(decode12(offer('with issuer'), now), now)).toMatchObject({ issuer: 'https://bolt12.org BOLT12 industries', refusal: null });
    const expiring = payTarget(decode12(offer('with expiry'), 0), 0);
    expect(expiring.expiresAt).toBeGreaterThan(0);
    expect(payTarget(decode12(offer('with expiry'), expiring.expiresAt! + 1000), expiring.expiresAt! + 1000).refusal).toBe('This offer has expired.');
    for (const v of offers.filter((o) => !o.valid)) expect(payTarget(decode12(v.bolt12, now), now).refusal, v.description).not.toBeNull();
  });

  it('says what is plainly not an invoice before asking the node', () => {
    expect(pasteProblem('  ')).toContain('Paste');
    expect(pasteProblem('bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080')).toContain('Wallet page');
    expect(pasteProblem('hello')).toContain('“ln”');
    expect(pasteProblem('lightning:lnbc1…')).toBeNull();
  });
});

const withAmount: PayTarget = payTarget(decode11(vector('2500u, description, expiry 60').invoice, 1496314658), 0);
const noAmount: PayTarget = payTarget(decode11(vector('donation, no amount').invoice, 1496314658), 0);

describe('payments page: the send form', () => {
  it('pays the invoice\'s own amount (no amountMsat), or asks for one, with wait false', () => {
    const a = checkPayForm({ text: ` lightning:${vector('2500u, description, expiry 60').invoice} `, amount: '', maxFee: '12.5' }, withAmount, 'app-1');
    expect(a.params).toEqual({ invoice: vector('2500u, description, expiry 60').invoice, maxFeeMsat: '12500', paymentId: 'app-1', wait: false });
    expect(a.amountMsat).toBe(250_000_000n);
    const b = checkPayForm({ text: 'lnbc1x', amount: '', maxFee: '' }, noAmount, 'app-1');
    expect(b.params).toBeNull();
    expect(b.problems.amount).toContain('no amount');
    expect(checkPayForm({ text: 'lnbc1x', amount: '0', maxFee: '' }, noAmount, 'app-1').problems.amount).toBe('Pay more than nothing.');
    expect(checkPayForm({ text: 'lnbc1x', amount: '1,000.5', maxFee: '' }, noAmount, 'app-1').params).toMatchObject({ amountMsat: '1000500' });
    expect(checkPayForm({ text: 'lnbc1x', amount: '5', maxFee: 'x' }, noAmount, 'app-1').problems.maxFee).toBeDefined();
    expect(checkPayForm({ text: 'lnbc1x', amount: '5', maxFee: '' }, null, 'app-1').params).toBeNull();
  });

  it('never throws, and what it sends the node\'s schema takes', () => {
    fc.assert(fc.property(fc.string(), fc.string(), fc.string(), fc.boolean(), (text, amount, maxFee, none) => {
      const c = checkPayForm({ text: `lnbc${text}`, amount, maxFee }, none ? noAmount : withAmount, newPaymentId(Date.now(), Math.random()));
      if (c.params) validate(METHOD_SCHEMAS.pay, c.params);
      else expect(Object.keys(c.problems).length).toBeGreaterThan(0);
    }));
  });

  it('makes payment ids the node accepts', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 50 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (t, r) => {
      expect(newPaymentId(t, r)).toMatch(PAYMENT_ID_PATTERN);
    }));
  });
});

describe('payments page: the invoice form', () => {
  it('an amount or any, a description, an expiry or the default', () => {
    expect(checkInvoiceForm({ amount: '', description: 'coffee', expiry: '' }).params).toEqual({ description: 'coffee' });
    expect(checkInvoiceForm({ amount: '2,500', description: '', expiry: '600' }).params).toEqual({ description: '', amountMsat: '2500000', expirySeconds: 600 });
    expect(checkInvoiceForm({ amount: '0', description: '', expiry: '' }).problems.amount).toBeDefined();
    expect(checkInvoiceForm({ amount: '', description: 'x'.repeat(640), expiry: '' }).problems.description).toBe('At most 639 characters.');
    expect(checkInvoiceForm({ amount: '', description: '', expiry: '31536001' }).problems.expiry).toContain('a year');
    expect(checkInvoiceForm({ amount: '', description: '', expiry: '1.5' }).problems.expiry).toBe('Whole seconds.');
  });

  it('never throws, and what it sends the node\'s schema takes', () => {
    fc.assert(fc.property(fc.string(), fc.string({ maxLength: 700 }), fc.string(), (amount, description, expiry) => {
      const c = checkInvoiceForm({ amount, description, expiry });
      if (c.params) validate(METHOD_SCHEMAS.createInvoice, c.params);
      else expect(Object.keys(c.problems).length).toBeGreaterThan(0);
    }));
  });
});

describe('payments page: a payment as it happens', () => {
  const A = '02' + 'aa'.repeat(32);
  const B = '03' + 'bb'.repeat(32);
  const ev = (body: object) => body as NodeEvent;
  const route = { nodes: [A, B], channels: ['1x2x3', '4x5x6'], blindedHops: null };

  it('folds parts with their routes, a failed part in words, then success; other payments change nothing', () => {
    let p = startProgress('p1');
    p = applyPaymentEvent(p, ev({ type: 'payment.started', paymentId: 'p1', paymentHash: '00', kind: 'bolt11', destination: B, amountMsat: '50000', maxFeeMsat: '1000' }));
    p = applyPaymentEvent(p, ev({ type: 'payment.part_sent', paymentId: 'p1', partId: 0, channelId: 'c', amountMsat: '50000', feeMsat: '10', route }));
    p = applyPaymentEvent(p, ev({ type: 'payment.part_failed', paymentId: 'p1', partId: 0, code: 'temporary_channel_failure', erringNode: A, hopIndex: 0, fromRecipient: false, message: 'm', retry: true }));
    p = applyPaymentEvent(p, ev({ type: 'payment.part_sent', paymentId: 'other', partId: 0, channelId: 'c', amountMsat: '1', feeMsat: '0', route }));
    p = applyPaymentEvent(p, ev({ type: 'payment.part_sent', paymentId: 'p1', partId: 1, channelId: 'c', amountMsat: '50000', feeMsat: '12', route }));
    expect(p.parts.map((x) => x.state)).toEqual(['failed', 'in_flight']);
    expect(p.parts[0]!.failure).toBe('A channel on the way could not carry it just now: not enough balance there, or busy (at hop 1; temporary_channel_failure).');
    expect(p.parts[1]!.nodes).toEqual([A, B]);
    p = applyPaymentEvent(p, ev({ type: 'payment.succeeded', paymentId: 'p1', paymentHash: '00', amountMsat: '50000', feeMsat: '12', parts: 1 }));
    expect(p).toMatchObject({ status: 'succeeded', feeMsat: '12', amountMsat: '50000' });
    expect(p.parts.map((x) => x.state)).toEqual(['failed', 'succeeded']);
    const f = applyPaymentEvent(startProgress('p2'), ev({ type: 'payment.failed', paymentId: 'p2', paymentHash: '00', code: 'payments.no_route', message: 'no route for 5 msat' }));
    expect(f).toMatchObject({ status: 'failed', failure: 'No route to the recipient with enough capacity within the fee limit. No route for 5 msat. Raise the max fee, pay a smaller amount, or open a channel toward the recipient.' });
  });

  it('takes the node\'s answer: parts, preimage, failure', () => {
    const info: PaymentInfo = {
      paymentId: 'p1', kind: 'bolt11', paymentHash: '00', destination: B, amountMsat: '50000', maxFeeMsat: '1000', description: null, status: 'succeeded',
      createdAt: 1, completedAt: 2, preimage: 'ff'.repeat(32), feeMsat: '0', failure: null, attempts: 2,
      parts: [
        { partId: 0, status: 'failed', channelId: 'c', amountMsat: '50000', feeMsat: '0', route: [{ nodeId: B, shortChannelId: '1x2x3', amountMsat: '50000', cltvExpiry: 150 }], failure: { code: 'incorrect_or_unknown_payment_details', erringNode: B, message: 'm' } },
        { partId: 1, status: 'succeeded', channelId: 'c', amountMsat: '50000', feeMsat: '0', route: [{ nodeId: B, shortChannelId: '1x2x3', amountMsat: '50000', cltvExpiry: 150 }], failure: null },
      ],
    };
    const p = progressFromInfo(info);
    expect(p).toMatchObject({ status: 'succeeded', preimage: 'ff'.repeat(32), feeMsat: '0' });
    expect(p.parts.map((x) => [x.state, x.channels])).toEqual([['failed', ['1x2x3']], ['succeeded', ['1x2x3']]]);
    expect(p.parts[0]!.failure).toContain('The recipient does not know this payment');
  });

  /**
   * A payment as core/payments makes it (a model of its rules, not a copy): parts sent while the parts
   * in flight or succeeded leave some of the amount uncovered, each part a fresh partId, a part
   * 'adding' then 'inflight' (or 'failing' before it fails), ended parts never coming back, success
   * at the first fulfilled part, failure only when no part is live. It records the events it
   * publishes and the answer `getPayment` would give after each step.
   */
  type Step = { op: 'send' | 'confirm' | 'failing' | 'fail' | 'fulfill' | 'give_up'; pick: number; share: number };
  interface History { amountMsat: bigint; events: NodeEvent[]; snapshots: PaymentInfo[]; final: PaymentInfo }

  function history(amountMsat: bigint, steps: readonly Step[], finish: boolean): History {
    const id = 'pay-1';
    type Part = { -readonly [K in keyof PaymentInfo['parts'][number]]: PaymentInfo['parts'][number][K] };
    const parts: Part[] = [];
    let status = 'pending' as PaymentInfo['status'];
    let feeMsat: bigint | null = null;
    let failure: PaymentInfo['failure'] = null;
    const events: NodeEvent[] = [ev({ type: 'payment.started', paymentId: id, paymentHash: '00', kind: 'bolt11', destination: B, amountMsat: amountMsat.toString(), maxFeeMsat: '1000000' })];
    const snap = (): PaymentInfo => ({
      paymentId: id, kind: 'bolt11', paymentHash: '00', destination: B, amountMsat: amountMsat.toString(), maxFeeMsat: '1000000', description: null, status,
      createdAt: 1, completedAt: status === 'pending' ? null : 2, preimage: status === 'succeeded' ? 'ee'.repeat(32) : null, feeMsat: feeMsat === null ? null : feeMsat.toString(),
      failure, attempts: parts.length, parts: parts.map((x) => ({ ...x })),
    });
    const snapshots: PaymentInfo[] = [snap()];
    const live = () => parts.filter((x) => x.status === 'adding' || x.status === 'inflight' || x.status === 'failing');
    const failPart = (x: Part) => {
      x.status = 'failed';
      x.failure = { code: 'temporary_channel_failure', erringNode: A, message: 'no balance' };
      events.push(ev({ type: 'payment.part_failed', paymentId: id, partId: x.partId, code: 'temporary_channel_failure', erringNode: A, hopIndex: 0, fromRecipient: false, message: 'no balance', retry: true }));
    };
    const fulfil = (x: Part) => {
      x.status = 'succeeded';
      if (status === 'pending') {
        status = 'succeeded';
        feeMsat = parts.filter((y) => y.status === 'succeeded').reduce((s, y) => s + BigInt(y.feeMsat), 0n);
        events.push(ev({ type: 'payment.succeeded', paymentId: id, paymentHash: '00', amountMsat: amountMsat.toString(), feeMsat: feeMsat.toString(), parts: 1 }));
      }
    };
    for (const s of steps) {
      const l = live();
      const one = l.length ? l[s.pick % l.length]! : null;
      if (s.op === 'send' && status === 'pending') {
        const covered = [...l, ...parts.filter((x) => x.status === 'succeeded')].reduce((sum, x) => sum + BigInt(x.amountMsat), 0n);
        const remaining = amountMsat - covered;
        if (remaining <= 0n) continue;
        const amount = remaining * BigInt(s.share) / 100n || 1n;
        const partId = parts.length;
        parts.push({ partId, status: 'adding', channelId: 'c', amountMsat: amount.toString(), feeMsat: String(partId + 1), route: [{ nodeId: B, shortChannelId: '1x2x3', amountMsat: amount.toString(), cltvExpiry: 150 }], failure: null });
        events.push(ev({ type: 'payment.part_sent', paymentId: id, partId, channelId: 'c', amountMsat: amount.toString(), feeMsat: String(partId + 1), route: { nodes: [B], channels: ['1x2x3'], blindedHops: null } }));
      } else if (s.op === 'confirm' && one?.status === 'adding') one.status = 'inflight';
      else if (s.op === 'failing' && one?.status === 'inflight' && status === 'pending') one.status = 'failing';
      else if (s.op === 'fail' && one && status === 'pending') failPart(one);
      else if (s.op === 'fulfill' && one && one.status !== 'failing') fulfil(one);
      else if (s.op === 'give_up' && status === 'pending' && l.length === 0) {
        status = 'failed';
        failure = { code: 'payments.no_route', message: 'no route' };
        events.push(ev({ type: 'payment.failed', paymentId: id, paymentHash: '00', code: 'payments.no_route', message: 'no route' }));
      } else continue;
      snapshots.push(snap());
    }
    // After the first fulfilled part the recipient releases the rest (BOLT 4: it fulfils the whole set).
    if (status === 'succeeded') for (const x of live()) fulfil(x);
    if (finish && status === 'pending') {
      for (const x of live()) failPart(x);
      status = 'failed';
      failure = { code: 'payments.timeout', message: 'too long' };
      events.push(ev({ type: 'payment.failed', paymentId: id, paymentHash: '00', code: 'payments.timeout', message: 'too long' }));
    }
    const final = snap();
    snapshots.push(final);
    return { amountMsat, events, snapshots, final };
  }

  const step = fc.record({ op: fc.constantFrom<Step['op']>('send', 'send', 'confirm', 'failing', 'fail', 'fail', 'fulfill', 'give_up'), pick: fc.nat(), share: fc.integer({ min: 1, max: 100 }) });
  /** Besides every event in the node's order: answers read at any moment, and events seen again (a stale batch). */
  const extra = fc.record({ kind: fc.constantFrom('answer', 'answer', 'again'), which: fc.nat(), at: fc.nat() });
  const shown = (p: PaymentProgress) => ({ status: p.status, preimage: p.preimage, inFlight: inFlightMsat(p), parts: p.parts.map((x) => [x.partId, x.state, x.amountMsat]) });

  function deliveries(h: History, extras: readonly { kind: string; which: number; at: number }[], drop: readonly number[] = []): ({ event: NodeEvent } | { info: PaymentInfo })[] {
    const out: ({ event: NodeEvent } | { info: PaymentInfo })[] = h.events.filter((_, i) => !drop.includes(i)).map((event) => ({ event }));
    for (const x of extras) {
      if (x.kind === 'answer') {
        out.splice(x.at % (out.length + 1), 0, { info: h.snapshots[x.which % h.snapshots.length]! });
        continue;
      }
      // The node's events come in its order: one seen again comes after it was first seen.
      const event = h.events[x.which % h.events.length]!;
      const first = out.findIndex((d) => 'event' in d && d.event === event);
      if (first >= 0) out.splice(first + 1 + (x.at % (out.length - first)), 0, { event });
    }
    return out;
  }
  const merge = (p: PaymentProgress, d: { event: NodeEvent } | { info: PaymentInfo }) => ('event' in d ? applyPaymentEvent(p, d.event) : applyPaymentInfo(p, d.info));

  it('events and answers in any interleaving: never more in flight than the amount, and at the end what getPayment says', () => {
    fc.assert(fc.property(
      fc.bigInt({ min: 1n, max: 10_000_000_000n }), fc.array(step, { maxLength: 40 }), fc.boolean(), fc.array(extra, { maxLength: 30 }),
      (amountMsat, steps, finish, extras) => {
        const h = history(amountMsat, steps, finish);
        let p = startProgress('pay-1');
        for (const d of deliveries(h, extras)) {
          p = merge(p, d);
          expect(inFlightMsat(p)).toBeLessThanOrEqual(amountMsat);
        }
        // The page reads the payment again after the last event: it then shows what the node has.
        p = applyPaymentInfo(p, h.final);
        expect(shown(p)).toEqual(shown(progressFromInfo(h.final)));
      },
    ), { numRuns: 500 });
  });

  it('events lost while disconnected: the answer read after reconnecting settles it', () => {
    fc.assert(fc.property(
      fc.bigInt({ min: 1n, max: 10_000_000_000n }), fc.array(step, { maxLength: 40 }), fc.boolean(), fc.array(extra, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }),
      (amountMsat, steps, finish, extras, lost) => {
        const h = history(amountMsat, steps, finish);
        let p = startProgress('pay-1');
        for (const d of deliveries(h, extras, lost.map((i) => i % h.events.length))) p = merge(p, d);
        p = applyPaymentInfo(p, h.final);
        expect(shown(p)).toEqual(shown(progressFromInfo(h.final)));
      },
    ), { numRuns: 300 });
  });

  it('a part that failed and was sent again is counted once: the old answer read late does not bring it back', () => {
    const h = history(6_000_000_000n, [
      { op: 'send', pick: 0, share: 50 }, { op: 'send', pick: 0, share: 100 }, { op: 'confirm', pick: 0, share: 0 }, { op: 'confirm', pick: 1, share: 0 },
      { op: 'fail', pick: 0, share: 0 }, { op: 'send', pick: 0, share: 100 },
    ], false);
    // The answer taken with parts 0 and 1 in flight, read after part 0 failed and part 2 was sent.
    const early = h.snapshots.find((s) => s.parts.length === 2 && s.parts.every((x) => x.status === 'inflight'))!;
    let p = startProgress('pay-1');
    for (const e of h.events) p = applyPaymentEvent(p, e);
    expect(inFlightMsat(p)).toBe(6_000_000_000n);
    p = applyPaymentInfo(p, early);
    expect(p.parts.map((x) => x.state)).toEqual(['failed', 'in_flight', 'in_flight']);
    expect(inFlightMsat(p)).toBe(6_000_000_000n);
    // And the part_sent of part 0 seen again (a batch read late) does not send it again.
    p = applyPaymentEvent(p, h.events[1]!);
    expect(inFlightMsat(p)).toBe(6_000_000_000n);
    expect(p.parts[0]!.failure).toContain('at hop 1');
  });

  it('words: an unknown code keeps the node\'s message; fee shares', () => {
    expect(partFailureText('unknown_0x1234', null, true, 'something odd')).toBe('something odd (at the recipient; unknown_0x1234).');
    // A blinded path's nodes all answer invalid_onion_blinding: not pinned on the recipient.
    expect(partFailureText('invalid_onion_blinding', 0, true, 'the blinded path failed')).toBe('A node inside the blinded path refused it (in the recipient\'s blinded path; invalid_onion_blinding).');
    expect(paymentFailureText('payments.something', 'went wrong')).toBe('Went wrong (payments.something).');
    expect(paymentFailureText('payments.async_hold_failed', 'the HTLC held at 02ab… was failed back unreleased')).toMatch(/^The LSP holding this payment .* The HTLC held at 02ab… was failed back unreleased\. Nothing was paid/);
    expect(feeShare('25', '10000')).toBe('0.25%');
    expect(feeShare(null, '10000')).toBeNull();
    expect(feeShare('0', '10000')).toBeNull();
    expect(feeShare('1', '0')).toBeNull();
  });
});

describe('payments page: an invoice\'s times', () => {
  it('created and expiry in unix seconds (the BOLT 11 timestamp), paid in unix ms, all shown in ms', () => {
    expect(invoiceTimes({ createdAt: 1_796_590_002, expiresAt: 1_796_590_602, paidAt: null })).toEqual({ createdMs: 1_796_590_002_000, expiresMs: 1_796_590_602_000, paidMs: null });
    expect(invoiceTimes({ createdAt: 1_796_590_002, expiresAt: 1_796_590_602, paidAt: 1_796_590_010_123 }).paidMs).toBe(1_796_590_010_123);
  });
});

describe('payments page: lists newest first', () => {
  it('sorts by time, rows of equal times in the node\'s order (newest first)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 5 })), (times) => {
      const rows = times.map((t, i) => ({ t, i }));
      const out = newestFirst(rows, (r) => r.t);
      expect(out).toHaveLength(rows.length);
      for (let k = 1; k < out.length; k++) {
        const [x, y] = [out[k - 1]!, out[k]!];
        expect(x.t > y.t || (x.t === y.t && x.i < y.i)).toBe(true);
      }
    }));
  });
});
