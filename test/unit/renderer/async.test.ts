import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { NodeEvent, NodeEventBody } from '../../../core/api/events';
import type { AsyncSettingsInfo } from '../../../core/api/settings';
import { SETTINGS_METHOD_SCHEMAS } from '../../../core/api/settings';
import { validate } from '../../../core/api/schema';
import { asyncDraft, asyncTimelines, checkAsyncForm, lspProblem, offerWaitWords, TIMELINE_EVENT_TYPES, type AsyncTimeline, type StepKey } from '../../../renderer/src/lib/async';

let seq = 0;
const ev = (time: number, body: NodeEventBody): NodeEvent => ({ ...body, seq: ++seq, time }) as NodeEvent;
const statusOf = (t: AsyncTimeline, key: StepKey) => t.steps.find((s) => s.key === key)!;

const HOLD = 'ab'.repeat(32);
const R = '02' + '11'.repeat(32);
const HASH = 'cd'.repeat(32);

describe('async timeline: the payer (P)', () => {
  const started = ev(1000, { type: 'payment.started', paymentId: 'pay-1', paymentHash: HASH, kind: 'async', destination: null, amountMsat: '5000', maxFeeMsat: '100' });
  const got = ev(1001, { type: 'async.static_invoice_received', paymentId: 'pay-1', offerId: 'ee'.repeat(32) });
  const sent = ev(1002, { type: 'payment.part_sent', paymentId: 'pay-1', partId: 0, channelId: 'ff'.repeat(32), amountMsat: '5010', feeMsat: '10', route: { nodes: [], channels: [], blindedHops: 1 } });
  const announced = ev(1003, { type: 'async.held_htlc_announced', paymentId: 'pay-1', holdId: 'aa'.repeat(32), paths: 2 });

  it('shows what P saw with times, what only others see as expected', () => {
    const [t, ...rest] = asyncTimelines([started, got, sent, announced]);
    expect(rest).toEqual([]);
    expect(t!.id).toBe('P:pay-1');
    expect(t!.as).toBe('P');
    expect(t!.state).toBe('in_progress');
    expect(statusOf(t!, 'static_invoice')).toMatchObject({ status: 'done', at: 1001 });
    expect(statusOf(t!, 'htlc_sent')).toMatchObject({ status: 'done', at: 1002, actor: 'P', to: 'L1' });
    // L1 holds it, but P saw a later step (announced) only: the hold is implied, not timed.
    expect(statusOf(t!, 'htlc_held')).toMatchObject({ status: 'unseen', at: null, actor: 'L1' });
    expect(statusOf(t!, 'announced')).toMatchObject({ status: 'done', at: 1003 });
    expect(statusOf(t!, 'announced').detail).toContain('2 message paths');
    for (const k of ['mailbox', 'release_sent', 'released', 'received', 'paid'] as const) expect(statusOf(t!, k)).toMatchObject({ status: 'expected', at: null });
  });

  it('completes when the payment succeeds: the steps between, at other nodes, are implied', () => {
    const paid = ev(9000, { type: 'payment.succeeded', paymentId: 'pay-1', paymentHash: HASH, amountMsat: '5000', feeMsat: '10', parts: 1 });
    const [t] = asyncTimelines([started, got, sent, announced, paid]);
    expect(t!.state).toBe('completed');
    expect(statusOf(t!, 'paid')).toMatchObject({ status: 'done', at: 9000 });
    for (const k of ['mailbox', 'release_sent', 'released', 'received'] as const) expect(statusOf(t!, k)).toMatchObject({ status: 'unseen', at: null });
  });

  it('a failure is put on the first open step, and the rest will not happen', () => {
    const failed = ev(5000, { type: 'payment.failed', paymentId: 'pay-1', paymentHash: HASH, code: 'payments.timeout', message: 'the release window ended' });
    const [t] = asyncTimelines([started, got, sent, announced, failed]);
    expect(t!.state).toBe('failed');
    expect(statusOf(t!, 'htlc_held').status).toBe('unseen');
    // In the app's words (payment-errors.ts): what happened and what to do.
    expect(statusOf(t!, 'mailbox')).toMatchObject({ status: 'failed', detail: expect.stringMatching(/^The recipient did not come online to release the payment within its release window\. Nothing was sent\./) });
    expect(statusOf(t!, 'paid').status).toBe('skipped');
  });

  it('a payer holding its own HTLC is the holder in its timeline', () => {
    const held = ev(1004, { type: 'async.htlc_held', holdId: 'aa'.repeat(32), deadlineHeight: 900, releaseExpiresAt: 86_400_000 });
    const rel = ev(1005, { type: 'async.htlc_released', holdId: 'aa'.repeat(32) });
    const [t] = asyncTimelines([started, got, announced, held, rel]);
    expect(statusOf(t!, 'htlc_held')).toMatchObject({ status: 'done', actor: 'P', at: 1004 });
    expect(statusOf(t!, 'released')).toMatchObject({ status: 'done', actor: 'P', at: 1005 });
  });

  it('an ordinary payment has no timeline', () => {
    const plain = ev(1, { type: 'payment.started', paymentId: 'x', paymentHash: HASH, kind: 'bolt11', destination: null, amountMsat: '1', maxFeeMsat: '1' });
    expect(asyncTimelines([plain, ev(2, { type: 'payment.succeeded', paymentId: 'x', paymentHash: HASH, amountMsat: '1', feeMsat: '0', parts: 1 })])).toEqual([]);
  });
});

describe('async timeline: the LSP (L1 and L2)', () => {
  it('L1: a held forward, matched to its hold by the deadline, released and settled', () => {
    const events = [
      ev(10, { type: 'forward.offered', forwardId: 'f1', inChannelId: 'a', outChannelId: 'b', inAmountMsat: '5010', outAmountMsat: '5000', feeMsat: '10', blinded: 'introduction' }),
      ev(11, { type: 'forward.held', forwardId: 'f1', deadlineHeight: 700 }),
      ev(11, { type: 'async.htlc_held', holdId: HOLD, deadlineHeight: 700, releaseExpiresAt: 99_000 }),
      ev(50, { type: 'async.htlc_released', holdId: HOLD }),
      ev(60, { type: 'forward.settled', forwardId: 'f1', feeMsat: '10', onChain: false }),
    ];
    const [t] = asyncTimelines(events);
    expect(t).toMatchObject({ id: `L1:${HOLD}`, as: 'L1', state: 'completed', startedAt: 10 });
    expect(t!.title).toContain('5 sat');
    expect(statusOf(t!, 'htlc_held')).toMatchObject({ status: 'done', at: 11 });
    expect(statusOf(t!, 'htlc_held').detail).toContain('block 700');
    expect(statusOf(t!, 'release_sent').status).toBe('unseen');
    expect(statusOf(t!, 'released')).toMatchObject({ status: 'done', at: 50 });
    expect(statusOf(t!, 'paid')).toMatchObject({ status: 'done', at: 60 });
  });

  it('L1: a hold given up at its deadline fails the release step', () => {
    const [t] = asyncTimelines([
      ev(11, { type: 'async.htlc_held', holdId: HOLD, deadlineHeight: 700, releaseExpiresAt: 99_000 }),
      ev(90, { type: 'async.hold_expired', holdId: HOLD, reason: 'cltv' }),
    ]);
    expect(t!.state).toBe('failed');
    expect(statusOf(t!, 'released').status).toBe('failed');
    expect(statusOf(t!, 'released').detail).toContain('CLTV');
    expect(statusOf(t!, 'release_sent').status).toBe('expected');
  });

  it('L2: the static invoice served, then a message for R kept in the mailbox until R returns', () => {
    const events = [
      ev(20, { type: 'async.static_invoice_served', recipient: R, slot: 0, offerId: 'ee'.repeat(32), forwarded: true }),
      ev(21, { type: 'onion.mailbox_stored', messageId: 'm1', nodeId: R, from: '03' + '22'.repeat(32), size: 420, expiresAt: 99 }),
      ev(80, { type: 'onion.mailbox_forwarded', messageId: 'm1', nodeId: R, size: 420, storedAt: 21 }),
    ];
    const [t] = asyncTimelines(events);
    expect(t).toMatchObject({ as: 'L2', state: 'in_progress' });
    expect(statusOf(t!, 'static_invoice')).toMatchObject({ status: 'done', at: 20 });
    expect(statusOf(t!, 'mailbox')).toMatchObject({ status: 'done', at: 21 });
    expect(statusOf(t!, 'mailbox').detail).toContain('delivered when R came back');
    // P's steps between are implied by the mailbox message; nothing after it is claimed.
    expect(statusOf(t!, 'htlc_sent').status).toBe('unseen');
    expect(statusOf(t!, 'release_sent').status).toBe('expected');
  });
});

describe('async timeline: the recipient (R)', () => {
  it('the release it sent, then the payment checked and received', () => {
    const [t] = asyncTimelines([
      ev(100, { type: 'async.release_sent', slot: 0 }),
      ev(101, { type: 'async.payment_checked', paymentHash: HASH, accepted: true, reason: null }),
      ev(102, { type: 'payment.received', paymentHash: HASH, kind: 'async', amountMsat: '5000', parts: 1, offerId: null }),
    ]);
    expect(t).toMatchObject({ id: `R:${HASH}`, as: 'R', startedAt: 100 });
    expect(statusOf(t!, 'release_sent')).toMatchObject({ status: 'done', at: 100 });
    expect(statusOf(t!, 'received')).toMatchObject({ status: 'done', at: 101 });
    expect(statusOf(t!, 'received').detail).toContain('5 sat claimed');
    expect(statusOf(t!, 'paid').status).toBe('expected');
  });

  it('a refused payment fails at R', () => {
    const [t] = asyncTimelines([ev(101, { type: 'async.payment_checked', paymentHash: HASH, accepted: false, reason: 'amount_mismatch' })]);
    expect(t!.state).toBe('failed');
    expect(statusOf(t!, 'received')).toMatchObject({ status: 'failed', detail: 'amount_mismatch' });
  });
});

describe('async timeline: properties', () => {
  const hex = fc.constantFrom('aa'.repeat(32), 'bb'.repeat(32));
  const body: fc.Arbitrary<NodeEventBody> = fc.oneof(
    fc.record({ type: fc.constant('payment.started' as const), paymentId: fc.constantFrom('p1', 'p2'), paymentHash: hex, kind: fc.constantFrom('async' as const, 'bolt11' as const), destination: fc.constant(null), amountMsat: fc.constant('1'), maxFeeMsat: fc.constant('1') }),
    fc.record({ type: fc.constant('async.static_invoice_received' as const), paymentId: fc.constantFrom('p1', 'p2'), offerId: hex }),
    fc.record({ type: fc.constant('async.held_htlc_announced' as const), paymentId: fc.constantFrom('p1', 'p2'), holdId: hex, paths: fc.nat(4) }),
    fc.record({ type: fc.constant('payment.succeeded' as const), paymentId: fc.constantFrom('p1', 'p2'), paymentHash: hex, amountMsat: fc.constant('1'), feeMsat: fc.constant('0'), parts: fc.constant(1) }),
    fc.record({ type: fc.constant('payment.failed' as const), paymentId: fc.constantFrom('p1', 'p2'), paymentHash: hex, code: fc.constant('x'), message: fc.constant('y') }),
    fc.record({ type: fc.constant('forward.held' as const), forwardId: fc.constantFrom('f1', 'f2'), deadlineHeight: fc.nat(3) }),
    fc.record({ type: fc.constant('async.htlc_held' as const), holdId: hex, deadlineHeight: fc.nat(3), releaseExpiresAt: fc.nat() }),
    fc.record({ type: fc.constant('async.htlc_released' as const), holdId: hex }),
    fc.record({ type: fc.constant('async.hold_expired' as const), holdId: hex, reason: fc.constantFrom('cltv' as const, 'release_expired' as const) }),
    fc.record({ type: fc.constant('forward.settled' as const), forwardId: fc.constantFrom('f1', 'f2'), feeMsat: fc.constant('1'), onChain: fc.boolean() }),
    fc.record({ type: fc.constant('async.static_invoice_served' as const), recipient: hex, slot: fc.nat(9), offerId: hex, forwarded: fc.boolean() }),
    fc.record({ type: fc.constant('onion.mailbox_stored' as const), messageId: fc.constant('m'), nodeId: hex, from: hex, size: fc.nat(), expiresAt: fc.nat() }),
    fc.record({ type: fc.constant('async.release_sent' as const), slot: fc.nat(9) }),
    fc.record({ type: fc.constant('async.payment_checked' as const), paymentHash: hex, accepted: fc.boolean(), reason: fc.constantFrom(null, 'bad') }),
  ) as fc.Arbitrary<NodeEventBody>;

  it('any event sequence gives timelines of the nine steps in order, times only on steps seen, at most one failure', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(1e6), body), { maxLength: 40 }), (list) => {
      const events = list.map(([t, b]) => ev(t, b));
      for (const t of asyncTimelines(events)) {
        expect(t.steps.map((s) => s.key)).toEqual(['static_invoice', 'htlc_sent', 'htlc_held', 'announced', 'mailbox', 'release_sent', 'released', 'received', 'paid']);
        for (const s of t.steps) expect(s.at !== null).toBe(s.status === 'done');
        expect(t.steps.filter((s) => s.status === 'failed').length).toBeLessThanOrEqual(1);
        const failed = t.steps.findIndex((s) => s.status === 'failed');
        if (failed >= 0) expect(t.steps.slice(failed + 1).every((s) => s.status === 'skipped' || s.status === 'done')).toBe(true);
        expect(t.state === 'failed').toBe(failed >= 0);
      }
      expect(events.every((e) => TIMELINE_EVENT_TYPES.includes(e.type))).toBe(true);
    }));
  });
});

describe('async settings form', () => {
  const info: AsyncSettingsInfo = { role: 'none', lsp: null, profile: 'ldk', description: 'async payments', releaseWindowSeconds: 86_400, releaseWindowSource: 'default', next: null };
  const LSP = `02${'ab'.repeat(32)}@127.0.0.1:9735`;

  it('starts from what is in force, or from what is saved for the next start', () => {
    expect(checkAsyncForm(asyncDraft(info), info)).toEqual({ problems: {}, change: null });
    const next = { ...info, next: { role: 'recipient' as const, lsp: LSP, profile: 'ldk' as const, description: 'coffee' } };
    expect(asyncDraft(next)).toEqual({ role: 'recipient', lsp: LSP, profile: 'ldk', description: 'coffee' });
    expect(checkAsyncForm(asyncDraft(next), next).change).toBeNull();
  });

  it('names each problem: a recipient without its LSP, a malformed LSP, an empty description', () => {
    expect(checkAsyncForm({ ...asyncDraft(info), role: 'recipient' }, info).problems.lsp).toContain('needs its LSP');
    // A payer's HTLC goes to whichever channel peer it pays through: the LSP is only dialled.
    expect(checkAsyncForm({ ...asyncDraft(info), role: 'payer' }, info)).toEqual({ problems: {}, change: { role: 'payer' } });
    expect(checkAsyncForm({ ...asyncDraft(info), role: 'lsp' }, info)).toEqual({ problems: {}, change: { role: 'lsp' } });
    expect(lspProblem('02ab@1.2.3.4:9735')).toContain('66 hex');
    expect(lspProblem(`04${'ab'.repeat(32)}@1.2.3.4:9735`)).toContain('02 or 03');
    expect(lspProblem(`02${'ab'.repeat(32)}@1.2.3.4`)).toContain('HOST:PORT');
    expect(lspProblem(`02${'ab'.repeat(32)}@1.2.3.4:70000`)).toContain('1 to 65535');
    expect(lspProblem(`02${'zz'.repeat(32)}@1.2.3.4:1`)).toContain('hexadecimal');
    expect(checkAsyncForm({ ...asyncDraft(info), description: '  ' }, info).problems.description).toBeTruthy();
    expect(checkAsyncForm({ role: 'payer', lsp: LSP, profile: 'bolts1149', description: 'x' }, info).change).toEqual({ role: 'payer', lsp: LSP, profile: 'bolts1149', description: 'x' });
  });

  it('every form gives problems xor a change the node’s schema takes', () => {
    const text = fc.oneof(fc.string({ maxLength: 90 }), fc.constant(LSP), fc.constant(''), fc.constant(`03${'cd'.repeat(32)}@[::1]:1`));
    fc.assert(fc.property(fc.constantFrom('none', 'recipient', 'lsp', 'payer' as const), text, fc.constantFrom('ldk', 'bolts1149' as const), fc.string({ maxLength: 220 }), (role, lsp, profile, description) => {
      const c = checkAsyncForm({ role: role as 'none', lsp, profile: profile as 'ldk', description }, info);
      expect(Object.keys(c.problems).length > 0 && c.change !== null).toBe(false);
      if (c.change) expect(() => validate(SETTINGS_METHOD_SCHEMAS.updateSettings, { async: c.change })).not.toThrow();
    }));
  });
});

describe('async card: what a recipient\'s offer waits for', () => {
  it('says the node\'s own reason: the chain\'s tip, the LSP, a channel, the LSP\'s fees, or the LSP\'s confirmation', () => {
    expect(offerWaitWords({ waitingFor: 'chain_tip', lspPolicy: null }).badge).toBe('waiting for the chain');
    expect(offerWaitWords({ waitingFor: 'chain_tip', lspPolicy: null }).text).toContain('Wallet page');
    expect(offerWaitWords({ waitingFor: 'lsp', lspPolicy: null }).text).toMatch(/^The LSP is not connected/);
    expect(offerWaitWords({ waitingFor: 'lsp_channel', lspPolicy: null }).badge).toBe('waiting for a channel');
    expect(offerWaitWords({ waitingFor: 'lsp_channel', lspPolicy: 'waiting' }).badge).toBe('waiting for the LSP’s fees');
    expect(offerWaitWords({ waitingFor: null, lspPolicy: 'lsp' }).text).toContain('static_invoice_persisted');
  });
});
