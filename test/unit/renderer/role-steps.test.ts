/**
 * The other roles' steps of an async payment: what the sandbox picks from the lsp's and the
 * friend's events (scripts/sandbox-steps.ts), what the app accepts of it (parseRoleSteps: the
 * answer sent through JSON, as it travels), and the timeline they make merged with this node's own.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { NodeEvent, NodeEventBody } from '../../../core/api/events';
import type { ForwardInfo, HeldHtlcInfo } from '../../../core/api';
import { parseFriendRequest } from '../../../scripts/sandbox-friend';
import { connectionHistory, friendSteps, lspSteps, mergeSteps, switchSteps, type RoleStep, type RoleStepsAnswer as SandboxAnswer } from '../../../scripts/sandbox-steps';
import { asyncTimelines, type AsyncTimeline, type StepKey } from '../../../renderer/src/lib/async';
import { holdingNow, mergeRoleSteps, nextPollDelay, orderRows, parseRoleSteps, roleQuery, ROLE_POLL, sameAnswer } from '../../../renderer/src/lib/role-steps';

let seq = 0;
const T = 1_765_000_000_000;
const ev = (time: number, body: NodeEventBody): NodeEvent => ({ ...body, seq: ++seq, time: T + time }) as NodeEvent;

const HASH = 'cd'.repeat(32);
const OTHER_HASH = 'ce'.repeat(32);
const OFFER = 'ee'.repeat(32);
const FRIEND = '02' + '11'.repeat(32);
const LSP = '03' + '22'.repeat(32);
const HOLD = 'ab'.repeat(32);

// ----- P (this node): the static invoice at +1 s, the HTLC at +2 s, held_htlc_available at +3 s.
const payer = [
  ev(1000, { type: 'async.static_invoice_received', paymentId: 'pay-1', offerId: OFFER }),
  ev(1001, { type: 'payment.started', paymentId: 'pay-1', paymentHash: HASH, kind: 'async', destination: null, amountMsat: '42000', maxFeeMsat: '5000' }),
  ev(2000, { type: 'payment.part_sent', paymentId: 'pay-1', partId: 0, channelId: 'ff'.repeat(32), amountMsat: '43000', feeMsat: '1000', route: { nodes: [], channels: [], blindedHops: 1 } }),
  ev(3000, { type: 'async.held_htlc_announced', paymentId: 'pay-1', holdId: 'aa'.repeat(32), paths: 2 }),
];
const paid = ev(30_000, { type: 'payment.succeeded', paymentId: 'pay-1', paymentHash: HASH, amountMsat: '42000', feeMsat: '1000', parts: 1 });

// ----- the lsp: an earlier static invoice, the one P got, another payment's forward, ours held, released, forwarded, settled.
const lspEvents = [
  ev(-60_000, { type: 'async.static_invoice_served', recipient: FRIEND, slot: 0, offerId: OFFER, forwarded: false }),
  ev(-50_000, { type: 'onion.mailbox_stored', messageId: 'm0', nodeId: FRIEND, from: LSP, size: 500, expiresAt: T + 86_400_000 }),
  ev(900, { type: 'async.static_invoice_served', recipient: FRIEND, slot: 1, offerId: OFFER, forwarded: false }),
  ev(2100, { type: 'forward.held', forwardId: 'f-other', deadlineHeight: 650 }),
  ev(2200, { type: 'forward.held', forwardId: 'f1', deadlineHeight: 700 }),
  ev(2200, { type: 'async.htlc_held', holdId: HOLD, deadlineHeight: 700, releaseExpiresAt: T + 86_400_000 }),
  ev(3100, { type: 'onion.mailbox_stored', messageId: 'm1', nodeId: FRIEND, from: LSP, size: 812, expiresAt: T + 86_400_000 }),
  ev(3120, { type: 'onion.mailbox_stored', messageId: 'm2', nodeId: FRIEND, from: LSP, size: 812, expiresAt: T + 86_400_000 }),
  ev(3130, { type: 'onion.mailbox_stored', messageId: 'm3', nodeId: '02' + '33'.repeat(32), from: LSP, size: 812, expiresAt: T + 86_400_000 }),
  ev(20_000, { type: 'onion.mailbox_forwarded', messageId: 'm1', nodeId: FRIEND, size: 812, storedAt: T + 3100 }),
  ev(20_001, { type: 'onion.mailbox_forwarded', messageId: 'm2', nodeId: FRIEND, size: 812, storedAt: T + 3120 }),
  ev(21_000, { type: 'async.htlc_released', holdId: HOLD }),
  ev(22_000, { type: 'forward.released', forwardId: 'f1' }),
  ev(22_000, { type: 'forward.offered', forwardId: 'f1', inChannelId: 'a', outChannelId: 'b', inAmountMsat: '43000', outAmountMsat: '42000', feeMsat: '1000', blinded: 'introduction' }),
  ev(25_000, { type: 'forward.settled', forwardId: 'f1', feeMsat: '1000', onChain: false }),
  ev(26_000, { type: 'onion.mailbox_stored', messageId: 'm4', nodeId: FRIEND, from: LSP, size: 300, expiresAt: T + 86_400_000 }),
];
const forward = (forwardId: string, paymentHash: string): ForwardInfo => ({
  forwardId, inChannelId: 'a', outChannelId: 'b', inAmountMsat: '43000', outAmountMsat: '42000', feeMsat: '1000', status: 'fulfilled', failure: null, paymentHash, receivedAt: T, resolvedAt: null,
});
const forwards = [forward('f1', HASH), forward('f-other', OTHER_HASH)];
const noneHeld: HeldHtlcInfo[] = [];

// ----- the friend after it came back: an older payment's release and check, then ours.
const friendEvents = [
  ev(-40_000, { type: 'async.release_sent', slot: 0 }),
  ev(-39_000, { type: 'async.payment_checked', paymentHash: OTHER_HASH, accepted: true, reason: null }),
  ev(20_500, { type: 'async.release_sent', slot: 1 }),
  ev(23_000, { type: 'async.payment_checked', paymentHash: HASH, accepted: true, reason: null }),
  ev(23_500, { type: 'payment.received', paymentHash: HASH, kind: 'async', amountMsat: '42000', parts: 1, offerId: OFFER }),
];
const switches = [{ state: 'online' as const, at: T - 100_000 }, { state: 'offline' as const, at: T - 10_000 }, { state: 'online' as const, at: T + 19_000 }];

const query = { paymentHash: HASH, offerId: OFFER, since: T + 1000 };
const sandboxAnswer = (lsp: RoleStep[], friend: RoleStep[]): SandboxAnswer =>
  ({ nodes: { lsp: LSP, friend: FRIEND }, steps: [...lsp, ...friend, ...switchSteps(switches, query.since)].sort((a, b) => a.at - b.at), answered: { lsp: true, friend: true } });
/** As it reaches the app: through JSON, then checked. */
const travelled = (a: SandboxAnswer) => parseRoleSteps(JSON.parse(JSON.stringify(a)))!;
const step = (t: AsyncTimeline, key: StepKey) => t.steps.find((s) => s.key === key);

describe('the sandbox picks the payment\'s steps from the lsp\'s and the friend\'s events', () => {
  it('lsp: the static invoice P got, our hold (by hash and its forward.held), the mailbox while it waited, the release, forward and settle', () => {
    const steps = lspSteps(lspEvents, forwards, noneHeld, FRIEND, query);
    expect(steps.map((s) => [s.role, s.kind, s.at - T])).toEqual([
      ['L2', 'static_invoice_served', 900],
      ['L1', 'htlc_held', 2200],
      ['L2', 'mailbox_stored', 3100],
      ['L2', 'mailbox_stored', 3120],
      ['L2', 'mailbox_delivered', 20_000],
      ['L2', 'mailbox_delivered', 20_001],
      ['L1', 'htlc_released', 21_000],
      ['L1', 'htlc_forwarded', 22_000],
      ['L1', 'htlc_settled', 25_000],
    ]);
    expect(steps[1]).toMatchObject({ deadlineHeight: 700 });
  });

  it('lsp: the release is no later than the forward it caused, though the lsp publishes it after', () => {
    const late = [
      ev(2200, { type: 'forward.held', forwardId: 'f1', deadlineHeight: 700 }),
      ev(2200, { type: 'async.htlc_held', holdId: HOLD, deadlineHeight: 700, releaseExpiresAt: T + 86_400_000 }),
      ev(21_000, { type: 'forward.released', forwardId: 'f1' }),
      ev(21_000, { type: 'forward.offered', forwardId: 'f1', inChannelId: 'a', outChannelId: 'b', inAmountMsat: '43000', outAmountMsat: '42000', feeMsat: '1000', blinded: 'introduction' }),
      ev(21_004, { type: 'async.htlc_released', holdId: HOLD }),
    ];
    expect(lspSteps(late, forwards, noneHeld, FRIEND, query).map((s) => [s.kind, s.at - T])).toEqual([['htlc_held', 2200], ['htlc_released', 21_000], ['htlc_forwarded', 21_000]]);
  });

  it('friend: the release it sent before it checked this payment, the check, the claim', () => {
    expect(friendSteps(friendEvents, query).map((s) => [s.kind, s.at - T])).toEqual([['release_sent', 20_500], ['payment_checked', 23_000], ['payment_received', 23_500]]);
    // Not checked yet: the first release since P's static invoice.
    expect(friendSteps(friendEvents.slice(0, 3), query).map((s) => s.kind)).toEqual(['release_sent']);
  });

  it('switches: the last one before the payment, and every one after', () => {
    expect(switchSteps(switches, query.since).map((s) => [s.kind, s.at - T])).toEqual([['offline', -10_000], ['online', 19_000]]);
  });

  it('R\'s comings and goings as the lsp saw them: its connection\'s changes, other peers left out', () => {
    const peerEvents = [
      ev(-20_000, { type: 'peer.connected', peer: { nodeId: FRIEND } as never }),
      ev(-10_000, { type: 'peer.disconnected', nodeId: FRIEND, address: 'a', reason: 'closed', code: 'peer.closed' }),
      ev(-9_000, { type: 'peer.disconnected', nodeId: LSP, address: 'a', reason: 'closed', code: 'peer.closed' }),
      ev(19_000, { type: 'peer.connected', peer: { nodeId: FRIEND } as never }),
      ev(19_001, { type: 'peer.connected', peer: { nodeId: FRIEND } as never }),
    ];
    const history = connectionHistory(peerEvents, FRIEND);
    expect(history.map((h) => [h.state, h.at - T])).toEqual([['online', -20_000], ['offline', -10_000], ['online', 19_000]]);
    const t = mergeRoleSteps(asyncTimelines(payer)[0]!, travelled({ nodes: { lsp: LSP, friend: FRIEND }, steps: switchSteps(history, query.since, 'lsp'), answered: { lsp: true, friend: false } }));
    expect(step(t, 'r_offline')).toMatchObject({ status: 'done', by: 'lsp', at: T - 10_000 });
    expect(step(t, 'r_online')!.detail).toBe('friend reconnected to its LSP, after 29 s away');
  });

  it('remembers a node\'s steps across answers (a friend that went offline again no longer has them), each once', () => {
    const a = friendSteps(friendEvents, query);
    expect(mergeSteps(a, [])).toEqual(a);
    expect(mergeSteps(a, a.slice(1))).toEqual(a);
  });

  it('nothing secret leaves: no hash, hold id, message id, preimage or path in an answer', () => {
    const text = JSON.stringify(sandboxAnswer(lspSteps(lspEvents, forwards, noneHeld, FRIEND, query), friendSteps(friendEvents, query)));
    for (const secretish of [HASH, HOLD, 'm1', 'f1', OFFER]) expect(text).not.toContain(`"${secretish}"`);
    expect(text).not.toMatch(/preimage|path/i);
  });
});

describe('the sandbox checks the question', () => {
  it('takes exactly a payment hash, an offer id or null, and a time; refuses anything else with the reason', () => {
    const ask = (o: unknown) => parseFriendRequest(JSON.stringify(o));
    expect(ask({ action: 'steps', paymentHash: HASH, offerId: OFFER, since: T })).toEqual({ action: 'steps', paymentHash: HASH, offerId: OFFER, since: T });
    expect(ask({ action: 'steps', paymentHash: HASH, offerId: null, since: 0 })).toMatchObject({ offerId: null });
    expect(ask({ action: 'steps', paymentHash: HASH.toUpperCase(), offerId: null, since: T })).toEqual({ problem: 'paymentHash must be 64 lowercase hex characters' });
    expect(ask({ action: 'steps', paymentHash: HASH, offerId: 'x', since: T })).toHaveProperty('problem');
    expect(ask({ action: 'steps', paymentHash: HASH, offerId: null, since: -1 })).toHaveProperty('problem');
    expect(ask({ action: 'steps', paymentHash: HASH, offerId: null })).toHaveProperty('problem');
    expect(ask({ action: 'steps', paymentHash: HASH, offerId: null, since: T, more: 1 })).toHaveProperty('problem');
    expect(ask({ action: 'status', paymentHash: HASH })).toEqual({ problem: 'the body takes exactly one field, action' });
    // It fits the 256 bytes the UI server passes on.
    expect(JSON.stringify({ action: 'steps', paymentHash: HASH, offerId: OFFER, since: 9_999_999_999_999 }).length).toBeLessThanOrEqual(256);
  });
});

describe('the app checks the answer', () => {
  const good = sandboxAnswer(lspSteps(lspEvents, forwards, noneHeld, FRIEND, query), friendSteps(friendEvents, query));

  it('takes a well-formed answer whole', () => {
    const a = travelled(good);
    expect(a.steps).toHaveLength(good.steps.length);
    expect(a.nodes).toEqual({ lsp: LSP, friend: FRIEND });
  });

  it('refuses a known step with a wrong, missing or extra field, a bad node id or role; leaves out a kind it does not know', () => {
    const clone = () => JSON.parse(JSON.stringify(good)) as { nodes: Record<string, unknown>; steps: Record<string, unknown>[] };
    const held = good.steps.findIndex((s) => s.kind === 'htlc_held');
    const bad = [
      (a: ReturnType<typeof clone>) => (a.steps[held]!.deadlineHeight = '700'),
      (a: ReturnType<typeof clone>) => delete a.steps[held]!.deadlineHeight,
      (a: ReturnType<typeof clone>) => (a.steps[held]!.preimage = 'ff'.repeat(32)),
      (a: ReturnType<typeof clone>) => (a.steps[held]!.role = 'R'),
      (a: ReturnType<typeof clone>) => (a.steps[held]!.at = -1),
      (a: ReturnType<typeof clone>) => (a.nodes.friend = 'nope'),
      (a: ReturnType<typeof clone>) => (a.steps[0] = null as never),
    ];
    for (const spoil of bad) {
      const a = clone();
      spoil(a);
      expect(parseRoleSteps(a)).toBeNull();
    }
    const newer = clone();
    newer.steps.push({ role: 'L2', node: 'lsp', kind: 'teleported', at: T });
    expect(parseRoleSteps(newer)!.steps).toHaveLength(good.steps.length);
  });

  it('property: any JSON value is refused or taken, never thrown on', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      const r = parseRoleSteps(v);
      expect(r === null || Array.isArray(r.steps)).toBe(true);
    }), { numRuns: 500 });
  });
});

describe('the timeline across the roles', () => {
  const own = asyncTimelines([...payer, paid])[0]!;
  const merged = mergeRoleSteps(own, travelled(sandboxAnswer(lspSteps(lspEvents, forwards, noneHeld, FRIEND, query), friendSteps(friendEvents, query))));

  it('asks by the payment\'s hash and offer, from when the static invoice came', () => {
    expect(roleQuery(own)).toEqual(query);
    expect(roleQuery({ ...own, as: 'L1' })).toBeNull();
  });

  it('fills every step another role saw with its time and node, adds what only they see, in time order', () => {
    expect(merged.players).toMatchObject({ L1: 'lsp', L2: 'lsp', R: 'friend' });
    expect(merged.state).toBe('completed');
    expect(merged.steps.map((s) => [s.key, s.status, s.by, s.at === null ? null : s.at - T])).toEqual([
      ['r_offline', 'done', 'friend', -10_000],
      ['static_invoice', 'done', 'lsp', 900],
      ['htlc_sent', 'done', null, 2000],
      ['htlc_held', 'done', 'lsp', 2200],
      ['announced', 'done', null, 3000],
      ['mailbox', 'done', 'lsp', 3100],
      ['r_online', 'done', 'friend', 19_000],
      ['mailbox_delivered', 'done', 'lsp', 20_000],
      ['release_sent', 'done', 'friend', 20_500],
      ['released', 'done', 'lsp', 21_000],
      ['forwarded', 'done', 'lsp', 22_000],
      ['received', 'done', 'friend', 23_000],
      ['settled', 'done', 'lsp', 25_000],
      ['paid', 'done', null, 30_000],
    ]);
    expect(step(merged, 'mailbox')!.detail).toContain('2 messages for friend');
    expect(step(merged, 'received')!.detail).toContain('42 sat claimed');
    expect(step(merged, 'static_invoice')!.detail).toMatch(/^served from slot 1; received here at \d\d:\d\d:\d\d/);
  });

  it('while pending, says who holds what: the HTLC at the lsp, the message in its mailbox, the friend away', () => {
    const pending = asyncTimelines(payer)[0]!;
    const early = lspSteps(lspEvents.filter((e) => e.time < T + 5000), forwards, [{ forwardId: 'f1', holdId: HOLD, paymentHash: HASH, inAmountMsat: '43000', outAmountMsat: '42000', deadlineHeight: 700, releaseExpiresAt: T + 86_400_000, receivedAt: T }], FRIEND, query);
    const t = mergeRoleSteps(pending, travelled({ nodes: { lsp: LSP, friend: FRIEND }, steps: [...early, ...switchSteps(switches.slice(0, 2), query.since)], answered: { lsp: true, friend: false } }));
    expect(t.state).toBe('in_progress');
    expect(holdingNow(t)).toEqual([
      'lsp (L1) holds the HTLC until friend releases it.',
      'held_htlc_available waits in lsp’s mailbox (L2) for friend.',
      expect.stringMatching(/^friend \(R\) is offline since \d\d:\d\d:\d\d: bring it online to complete the payment\.$/),
    ]);
    for (const k of ['release_sent', 'released', 'received', 'paid'] as const) expect(step(t, k)!.status).toBe('expected');
    expect(holdingNow(merged)).toEqual([]);
  });

  it('an unreleased hold failed back at L1 fails the timeline there, with the reason', () => {
    const pending = asyncTimelines(payer)[0]!;
    const t = mergeRoleSteps(pending, travelled({ nodes: { lsp: LSP, friend: FRIEND }, steps: [{ role: 'L1', node: 'lsp', kind: 'hold_expired', at: T + 40_000, reason: 'release_expired' }], answered: { lsp: true, friend: false } }));
    expect(step(t, 'released')).toMatchObject({ status: 'failed', by: 'lsp', detail: expect.stringContaining('release window ended') });
    expect(t.state).toBe('failed');
  });

  it('a step nobody reported but a later one proves is unseen, never invented', () => {
    const t = mergeRoleSteps(asyncTimelines(payer)[0]!, travelled({ nodes: { lsp: LSP, friend: FRIEND }, steps: [{ role: 'L1', node: 'lsp', kind: 'htlc_released', at: T + 21_000 }], answered: { lsp: true, friend: false } }));
    expect(step(t, 'mailbox')).toMatchObject({ status: 'unseen', at: null });
    expect(step(t, 'release_sent')).toMatchObject({ status: 'unseen', at: null });
    expect(step(t, 'received')).toMatchObject({ status: 'expected' });
  });

  it('property: rows with a time are in time order, and one without stays after the rows before it', () => {
    const keys: StepKey[] = ['static_invoice', 'htlc_sent', 'htlc_held', 'announced', 'mailbox', 'release_sent', 'released', 'received', 'paid'];
    fc.assert(fc.property(fc.array(fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }), { minLength: 9, maxLength: 9 }), (times) => {
      const rows = keys.map((key, i) => ({ ...own.steps.find((s) => s.key === key)!, at: times[i]!, status: times[i] === null ? 'expected' as const : 'done' as const }));
      const out = orderRows(rows);
      expect(out).toHaveLength(9);
      const timed = out.filter((r) => r.at !== null).map((r) => r.at!);
      expect(timed).toEqual([...timed].sort((a, b) => a - b));
      for (const r of out.filter((x) => x.at === null)) {
        const i = out.indexOf(r);
        const earlier = rows.filter((x) => x.at !== null && keys.indexOf(x.key) < keys.indexOf(r.key));
        for (const e of earlier) expect(out.indexOf(e)).toBeLessThan(i);
      }
    }));
  });
});

describe('asking again', () => {
  it('backs off while nothing changes, and comes back to the first wait after a change', () => {
    let d: number = ROLE_POLL.firstMs;
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) waits.push((d = nextPollDelay(d, false)));
    expect(waits).toEqual([2000, 4000, 8000, 8000, 8000, 8000]);
    expect(nextPollDelay(8000, true)).toBe(ROLE_POLL.firstMs);
  });

  it('an answer that says the same is the same', () => {
    const a = travelled(sandboxAnswer([], friendSteps(friendEvents, query)));
    expect(sameAnswer(undefined, a)).toBe(false);
    expect(sameAnswer(a, travelled(sandboxAnswer([], friendSteps(friendEvents, query))))).toBe(true);
    expect(sameAnswer(a, { ...a, answered: { lsp: true, friend: false } })).toBe(false);
  });
});
