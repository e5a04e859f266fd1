/**
 * Async payments in the app (issue 16): the role form of Settings, and the timeline of one async
 * payment across the four roles — P the payer, L1 the payer's LSP (holds the HTLC), L2 the
 * recipient's LSP (static invoice server and mailbox), R the often-offline recipient — derived
 * from the events this node saw. A node sees only its own role's steps: the others are shown as
 * expected (nothing later proves them) or "not seen here" (a later step this node saw implies
 * them), never with a time that was not reported. Pure: events in, steps out.
 */
import type { NodeEvent } from '../../../core/api/events';
import { formatMsat } from './amount';
import { formatTimestamp } from './format';
import { paymentFailureText } from './payments';
import type { AsyncSettingChange, AsyncSettingsInfo } from '../../../core/api/settings';
import type { AsyncOfferInfo, AsyncRole } from '../../../core/api/async';

export const ROLE_WORDS: Readonly<Record<AsyncRole, { readonly label: string; readonly help: string }>> = {
  none: { label: 'None', help: 'This node pays offers the ordinary way and serves nobody.' },
  recipient: { label: 'Recipient (R)', help: 'Often offline: its LSP serves a static invoice for its offer and keeps payers’ messages until it returns.' },
  lsp: { label: 'LSP (L1 and L2)', help: 'Always online: serves its clients’ static invoices, keeps their mailbox, and holds payers’ HTLCs until the recipient releases them.' },
  payer: { label: 'Payer (P)', help: 'Often offline: its LSP holds the HTLC of a payment to an offline recipient, so this node may go away once it is sent.' },
};

export const ASYNC_ROLE_LIST: readonly AsyncRole[] = ['none', 'recipient', 'lsp', 'payer'];

export interface AsyncDraft {
  role: AsyncRole;
  lsp: string;
  profile: 'ldk' | 'bolts1149';
  description: string;
}

/** The form starts from what the next start will use: the saved change if any, else what is in force. */
export function asyncDraft(info: AsyncSettingsInfo): AsyncDraft {
  const s = info.next ?? info;
  return { role: s.role, lsp: s.lsp ?? '', profile: s.profile, description: s.description };
}

/** What is wrong with an LSP address as typed, or null (empty is allowed here; the role decides). */
export function lspProblem(text: string): string | null {
  const t = text.trim();
  if (t === '') return null;
  const at = t.indexOf('@');
  if (at < 0) return 'Give the LSP as NODEID@HOST:PORT.';
  const id = t.slice(0, at);
  if (!/^[0-9a-fA-F]*$/.test(id)) return 'The node id is hexadecimal (0–9, a–f).';
  if (id.length !== 66) return `The node id has 66 hex characters (this one has ${id.length}).`;
  if (!/^0[23]/.test(id)) return 'A node id starts with 02 or 03.';
  const hp = t.slice(at + 1);
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(hp);
  if (!m) return 'After the @ comes HOST:PORT, e.g. 127.0.0.1:9735.';
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return 'The port is 1 to 65535.';
  return null;
}

/** The form checked: a problem per field, or the smallest `updateSettings({ async })` change (null when nothing changes). */
export function checkAsyncForm(draft: AsyncDraft, info: AsyncSettingsInfo): { problems: Partial<Record<keyof AsyncDraft, string>>; change: AsyncSettingChange | null } {
  const problems: Partial<Record<keyof AsyncDraft, string>> = {};
  const lsp = draft.lsp.trim();
  const lp = lspProblem(lsp);
  if (lp) problems.lsp = lp;
  else if (draft.role === 'recipient' && lsp === '') problems.lsp = 'A recipient needs its LSP: NODEID@HOST:PORT of a channel peer that plays the LSP role.';
  const description = draft.description.trim();
  if (description.length === 0) problems.description = 'Say what the offer is for (shown to payers).';
  else if (description.length > 200) problems.description = `At most 200 characters (${description.length} now).`;
  if (Object.keys(problems).length > 0) return { problems, change: null };
  const base = info.next ?? info;
  const change: { -readonly [K in keyof AsyncSettingChange]: AsyncSettingChange[K] } = {};
  if (draft.role !== base.role) change.role = draft.role;
  if (lsp.toLowerCase() !== (base.lsp ?? '').toLowerCase()) change.lsp = lsp;
  if (draft.profile !== base.profile) change.profile = draft.profile;
  if (description !== base.description) change.description = description;
  return { problems, change: Object.keys(change).length > 0 ? change : null };
}

/**
 * What a recipient's offer waits for, in words (the Async card, while no offer is ready): the
 * node's own `waitingFor`, so a node without the chain's tip is not said to wait for its LSP.
 */
export function offerWaitWords(o: Pick<AsyncOfferInfo, 'waitingFor' | 'lspPolicy'>): { readonly badge: string; readonly text: string } {
  switch (o.waitingFor) {
    case 'chain_tip':
      return { badge: 'waiting for the chain', text: 'The static invoice’s payment path counts blocks from the chain’s tip, which this node does not know yet: check the chain on the Wallet page. Then it asks the LSP for offer paths.' };
    case 'lsp':
      return { badge: 'waiting for the LSP', text: 'The LSP is not connected: once it is, this node asks it for offer paths and hands it the static invoice. The offer is published when the LSP confirms it keeps it.' };
    case 'lsp_channel':
      if (o.lspPolicy === 'waiting') return { badge: 'waiting for the LSP’s fees', text: 'The channel with the LSP is in normal operation; the LSP has not yet said what it charges to forward over it.' };
      return { badge: 'waiting for a channel', text: 'The LSP is connected, but no channel with it is in normal operation yet: the payers’ HTLCs reach this node over that channel. Open one, or wait for it to confirm.' };
    default:
      return { badge: 'waiting for the LSP', text: 'Static invoice handed to the LSP: the offer is published once the LSP confirms it keeps it (static_invoice_persisted).' };
  }
}

// ----- the timeline ---------------------------------------------------------------------------

export type Actor = 'P' | 'L1' | 'L2' | 'R';
export const ACTORS: readonly Actor[] = ['P', 'L1', 'L2', 'R'];

export type StepKey = 'static_invoice' | 'htlc_sent' | 'htlc_held' | 'announced' | 'mailbox' | 'release_sent' | 'released' | 'received' | 'paid'
  // Rows only the other roles' nodes report (lib/role-steps.ts: in the sandbox).
  | 'r_offline' | 'r_online' | 'mailbox_delivered' | 'mailbox_expired' | 'forwarded' | 'settled';

/**
 * done: this node saw it (with its time); unseen: another role's step that a later step this node
 * saw implies; expected: not happened as far as this node knows; failed: the payment ended here;
 * skipped: will not happen (the payment ended).
 */
export type StepStatus = 'done' | 'unseen' | 'expected' | 'failed' | 'skipped';

export interface TimelineStep {
  readonly key: StepKey;
  /** Who acts in this step. */
  readonly actor: Actor;
  /** Whom the step's message or HTLC goes to, if anyone. */
  readonly to: Actor | null;
  readonly label: string;
  readonly status: StepStatus;
  /** Unix ms, only for steps this node (or the node in `by`) saw. */
  readonly at: number | null;
  readonly detail: string | null;
  /** The node that reported the step when it is not this one (the sandbox's `lsp`, `friend`); null: this node. */
  readonly by: string | null;
}

export interface AsyncTimeline {
  /** Stable key: `P:<paymentId>`, `L1:<holdId>`, `L2:<recipient>:<offerId>:<n>`, `R:<paymentHash>`. */
  readonly id: string;
  /** The role this node plays in it. */
  readonly as: Actor;
  readonly title: string;
  readonly state: 'in_progress' | 'completed' | 'failed';
  readonly startedAt: number;
  readonly steps: readonly TimelineStep[];
  /** P's timelines: the payment's hash and offer, and when the static invoice came (what the other roles' steps are asked by). */
  readonly payment: { readonly paymentHash: string | null; readonly offerId: string | null; readonly staticInvoiceAt: number | null } | null;
  /** Who plays each role, when known beyond this node (the sandbox's names); null: only this node's steps are shown. */
  readonly players: Readonly<Partial<Record<Actor, string>>> | null;
}

const STEP_ORDER: readonly { key: StepKey; actor: Actor; to: Actor | null; label: string }[] = [
  { key: 'static_invoice', actor: 'L2', to: 'P', label: 'Static invoice served for R’s offer' },
  { key: 'htlc_sent', actor: 'P', to: 'L1', label: 'HTLC sent with hold_htlc' },
  { key: 'htlc_held', actor: 'L1', to: null, label: 'HTLC held at L1' },
  { key: 'announced', actor: 'P', to: 'L2', label: 'held_htlc_available sent to R’s mailbox' },
  { key: 'mailbox', actor: 'L2', to: 'R', label: 'Message waits in L2’s mailbox for R' },
  { key: 'release_sent', actor: 'R', to: 'L1', label: 'R back online: release_held_htlc sent' },
  { key: 'released', actor: 'L1', to: 'R', label: 'HTLC released and forwarded' },
  { key: 'received', actor: 'R', to: null, label: 'R checks and accepts the payment' },
  { key: 'paid', actor: 'P', to: null, label: 'Paid: the preimage is back at P' },
];

interface Seen {
  at: number;
  detail: string | null;
}

type Ev = NodeEvent;

function steps(seen: Partial<Record<StepKey, Seen>>, failedAt: StepKey | null, failure: string | null, self: boolean): TimelineStep[] {
  // The furthest step this node saw: every earlier step happened (maybe elsewhere).
  let furthest = -1;
  STEP_ORDER.forEach((s, i) => {
    if (seen[s.key]) furthest = i;
  });
  const failIndex = failedAt ? STEP_ORDER.findIndex((s) => s.key === failedAt) : -1;
  return STEP_ORDER.map((s, i) => {
    // A payer that holds its own HTLC (mode self): it is P, not L1, that holds and releases.
    const actor: Actor = self && (s.key === 'htlc_held' || s.key === 'released') ? 'P' : s.actor;
    const label = self && s.key === 'htlc_held' ? 'HTLC held at P (P is online)' : self && s.key === 'htlc_sent' ? 'HTLC ready at P' : s.label;
    const to: Actor | null = self && s.key === 'htlc_sent' ? null : s.to;
    const got = seen[s.key];
    const row = { key: s.key, actor, to, label, by: null };
    if (got) return { ...row, status: 'done', at: got.at, detail: got.detail };
    if (failIndex >= 0 && i === failIndex) return { ...row, status: 'failed', at: null, detail: failure };
    if (failIndex >= 0 && i > failIndex) return { ...row, status: 'skipped', at: null, detail: null };
    if (i < furthest) return { ...row, status: 'unseen', at: null, detail: null };
    return { ...row, status: 'expected', at: null, detail: null };
  });
}

export function stateOf(st: readonly TimelineStep[]): AsyncTimeline['state'] {
  if (st.some((s) => s.status === 'failed')) return 'failed';
  return st.find((s) => s.key === 'paid')?.status === 'done' ? 'completed' : 'in_progress';
}

const short = (hex: string): string => (hex.length > 16 ? `${hex.slice(0, 8)}…${hex.slice(-4)}` : hex);

/** Where a failure is put: the step after the furthest one seen (at or after `from`). */
function firstOpen(seen: Partial<Record<StepKey, Seen>>, from: StepKey): StepKey {
  let next = STEP_ORDER.findIndex((s) => s.key === from);
  STEP_ORDER.forEach((s, i) => {
    if (seen[s.key] && i + 1 > next) next = i + 1;
  });
  return STEP_ORDER[Math.min(next, STEP_ORDER.length - 1)]!.key;
}

/**
 * Every async payment this node took part in, newest first, from its events (oldest first, as the
 * bus numbers them). P: by payment id (payment.* of kind async and async.* with that id); L1: by
 * hold id (async.htlc_held … and the forward.held with the same deadline just before it, whose
 * forward.* events then follow); L2: by each static invoice served, with the mailbox events for its
 * recipient after it; R: by payment hash (payment_checked / payment.received), with the
 * release_held_htlc it sent before.
 */
export function asyncTimelines(events: readonly Ev[]): AsyncTimeline[] {
  const out: AsyncTimeline[] = [];

  // ----- P ---------------------------------------------------------------------------------
  interface PState { started: number; seen: Partial<Record<StepKey, Seen>>; holdId: string | null; failed: { at: StepKey; message: string } | null; self: boolean; amount: string | null; hash: string | null; offerId: string | null }
  const payers = new Map<string, PState>();
  const payerByHold = new Map<string, string>();
  const p = (id: string, at: number): PState => {
    let s = payers.get(id);
    if (!s) payers.set(id, (s = { started: at, seen: {}, holdId: null, failed: null, self: false, amount: null, hash: null, offerId: null }));
    return s;
  };
  // ----- L1 --------------------------------------------------------------------------------
  interface HState { started: number; seen: Partial<Record<StepKey, Seen>>; forwardId: string | null; failed: { at: StepKey; message: string } | null }
  const holds = new Map<string, HState>();
  const holdByForward = new Map<string, string>();
  const pendingHeld: { forwardId: string; deadlineHeight: number }[] = [];
  const offered = new Map<string, { at: number; amount: string }>();
  // ----- L2 --------------------------------------------------------------------------------
  interface SState { id: string; recipient: string; started: number; seen: Partial<Record<StepKey, Seen>> }
  const served: SState[] = [];
  const openServed = new Map<string, SState>();
  // ----- R ---------------------------------------------------------------------------------
  interface RState { started: number; seen: Partial<Record<StepKey, Seen>>; failed: { at: StepKey; message: string } | null }
  const received = new Map<string, RState>();
  let lastRelease: Seen | null = null;

  for (const e of events) {
    const at = e.time;
    switch (e.type) {
      case 'payment.started':
        if (e.kind === 'async') {
          const s = p(e.paymentId, at);
          s.amount = e.amountMsat;
          s.hash = e.paymentHash;
        }
        break;
      case 'async.static_invoice_received': {
        const s = p(e.paymentId, at);
        s.seen.static_invoice = { at, detail: `for offer ${short(e.offerId)}` };
        s.offerId = e.offerId;
        break;
      }
      case 'async.held_htlc_announced': {
        const s = p(e.paymentId, at);
        s.holdId = e.holdId;
        payerByHold.set(e.holdId, e.paymentId);
        s.seen.announced = { at, detail: `over ${e.paths} message path${e.paths === 1 ? '' : 's'} to R’s LSP, waiting there while R is away` };
        break;
      }
      case 'payment.part_sent': {
        const s = payers.get(e.paymentId);
        if (s && !s.seen.htlc_sent) s.seen.htlc_sent = { at, detail: `${formatMsat(e.amountMsat)} over channel ${short(e.channelId)}` };
        break;
      }
      case 'payment.succeeded': {
        const s = payers.get(e.paymentId);
        if (s) {
          s.seen.paid = { at, detail: `fee ${formatMsat(e.feeMsat)}` };
          s.hash ??= e.paymentHash;
        }
        break;
      }
      case 'payment.failed': {
        const s = payers.get(e.paymentId);
        if (s) {
          s.failed = { at: firstOpen(s.seen, 'static_invoice'), message: paymentFailureText(e.code, e.message, 'async') };
          s.hash ??= e.paymentHash;
        }
        break;
      }
      case 'forward.offered':
        offered.set(e.forwardId, { at, amount: e.outAmountMsat });
        break;
      case 'forward.held':
        pendingHeld.push({ forwardId: e.forwardId, deadlineHeight: e.deadlineHeight });
        break;
      case 'async.htlc_held': {
        const payerId = payerByHold.get(e.holdId);
        if (payerId) {
          // A payer holding its own HTLC (always online).
          const s = payers.get(payerId)!;
          s.self = true;
          s.seen.htlc_held = { at, detail: `until block ${e.deadlineHeight}, release window until ${formatTimestamp(e.releaseExpiresAt)}` };
          break;
        }
        const h: HState = { started: at, seen: {}, forwardId: null, failed: null };
        const i = pendingHeld.findIndex((x) => x.deadlineHeight === e.deadlineHeight);
        if (i >= 0) {
          h.forwardId = pendingHeld[i]!.forwardId;
          pendingHeld.splice(i, 1);
          holdByForward.set(h.forwardId, e.holdId);
          const o = offered.get(h.forwardId);
          if (o) h.started = o.at;
        }
        h.seen.htlc_held = { at, detail: `fails back at block ${e.deadlineHeight} unless released; release window ends ${formatTimestamp(e.releaseExpiresAt)}` };
        holds.set(e.holdId, h);
        break;
      }
      case 'async.htlc_released': {
        const payerId = payerByHold.get(e.holdId);
        if (payerId) {
          payers.get(payerId)!.seen.released = { at, detail: 'release_held_htlc arrived: the HTLC goes on to R' };
          break;
        }
        const h = holds.get(e.holdId);
        if (h) h.seen.released = { at, detail: 'release_held_htlc arrived from R: forwarded' };
        break;
      }
      case 'async.hold_expired': {
        const h = holds.get(e.holdId);
        if (h) h.failed = { at: 'released', message: e.reason === 'cltv' ? 'Failed back: the HTLC’s CLTV deadline came before R released it.' : 'Failed back: the release window ended before R released it.' };
        break;
      }
      case 'forward.settled': {
        const id = holdByForward.get(e.forwardId);
        if (id) holds.get(id)!.seen.paid = { at, detail: `settled through this node: the preimage went back towards P; fee earned ${formatMsat(e.feeMsat)}` };
        break;
      }
      case 'forward.failed': {
        const id = holdByForward.get(e.forwardId);
        const h = id ? holds.get(id) : undefined;
        if (h && !h.failed) h.failed = { at: firstOpen(h.seen, 'released'), message: e.reason };
        break;
      }
      case 'async.static_invoice_served': {
        const s: SState = { id: `L2:${e.recipient}:${e.offerId}:${served.length}`, recipient: e.recipient, started: at, seen: {} };
        s.seen.static_invoice = { at, detail: `slot ${e.slot} of ${short(e.recipient)}${e.forwarded ? '; the invoice_request also passed on to R' : ''}` };
        served.push(s);
        openServed.set(e.recipient, s);
        break;
      }
      case 'onion.mailbox_stored': {
        const s = openServed.get(e.nodeId);
        if (s && !s.seen.mailbox) s.seen.mailbox = { at, detail: `a ${e.size}-byte message for ${short(e.nodeId)} kept while it is offline` };
        break;
      }
      case 'onion.mailbox_forwarded': {
        const s = openServed.get(e.nodeId);
        if (s?.seen.mailbox && !s.seen.release_sent) {
          // The message left the mailbox: R is back. What R sends next, L2 does not see.
          s.seen.mailbox = { at: s.seen.mailbox.at, detail: `${s.seen.mailbox.detail ?? ''}; delivered when R came back (${formatTimestamp(at)})` };
          openServed.delete(e.nodeId);
        }
        break;
      }
      case 'async.release_sent':
        lastRelease = { at, detail: `for the static invoice in slot ${e.slot}` };
        break;
      case 'async.payment_checked': {
        const r: RState = received.get(e.paymentHash) ?? { started: at, seen: {}, failed: null };
        if (lastRelease) {
          r.seen.release_sent = lastRelease;
          r.started = lastRelease.at;
          lastRelease = null;
        }
        if (e.accepted) r.seen.received = { at, detail: 'the invoice_request in the onion matches R’s offer and amount' };
        else r.failed = { at: 'received', message: e.reason ?? 'refused' };
        received.set(e.paymentHash, r);
        break;
      }
      case 'payment.received': {
        const r = received.get(e.paymentHash);
        if (r && e.kind === 'async') r.seen.received = { at: r.seen.received?.at ?? at, detail: `${formatMsat(e.amountMsat)} claimed` };
        break;
      }
      default:
        break;
    }
  }

  for (const [id, s] of payers) {
    if (!s.seen.static_invoice && !s.seen.announced) continue; // an ordinary payment
    const st = steps(s.seen, s.failed?.at ?? null, s.failed?.message ?? null, s.self);
    const payment = { paymentHash: s.hash, offerId: s.offerId, staticInvoiceAt: s.seen.static_invoice?.at ?? null };
    out.push({ id: `P:${id}`, as: 'P', title: `Payment ${id}${s.amount ? ` · ${formatMsat(s.amount)}` : ''}`, state: stateOf(st), startedAt: s.started, steps: st, payment, players: null });
  }
  for (const [id, h] of holds) {
    const st = steps(h.seen, h.failed?.at ?? null, h.failed?.message ?? null, false);
    const o = h.forwardId ? offered.get(h.forwardId) : undefined;
    out.push({ id: `L1:${id}`, as: 'L1', title: `Held HTLC ${short(id)}${o ? ` · ${formatMsat(o.amount)}` : ''}`, state: stateOf(st), startedAt: h.started, steps: st, payment: null, players: null });
  }
  for (const s of served) {
    const st = steps(s.seen, null, null, false);
    out.push({ id: s.id, as: 'L2', title: `Static invoice served for ${short(s.recipient)}`, state: stateOf(st), startedAt: s.started, steps: st, payment: null, players: null });
  }
  for (const [hash, r] of received) {
    const st = steps(r.seen, r.failed?.at ?? null, r.failed?.message ?? null, false);
    out.push({ id: `R:${hash}`, as: 'R', title: `Payment ${short(hash)}`, state: stateOf(st), startedAt: r.started, steps: st, payment: null, players: null });
  }
  return out.sort((a, b) => b.startedAt - a.startedAt);
}

/** Event types the timeline reads (for `recentEvents` and the live filter). */
export const TIMELINE_EVENT_TYPES: readonly string[] = [
  'payment.started', 'payment.part_sent', 'payment.succeeded', 'payment.failed', 'payment.received',
  'forward.offered', 'forward.held', 'forward.settled', 'forward.failed',
  'async.static_invoice_received', 'async.held_htlc_announced', 'async.htlc_held', 'async.htlc_released', 'async.hold_expired',
  'async.static_invoice_served', 'async.release_sent', 'async.payment_checked',
  'onion.mailbox_stored', 'onion.mailbox_forwarded',
];

/** How a step's status reads, naming the node that saw it when that is not this one. */
export function statusWords(step: Pick<TimelineStep, 'status' | 'by'>): string {
  return step.status === 'done' && step.by ? `seen at ${step.by}` : STATUS_WORDS[step.status];
}

export const STATUS_WORDS: Readonly<Record<StepStatus, string>> = {
  done: 'seen here',
  unseen: 'happened, not seen by this node',
  expected: 'expected',
  failed: 'failed',
  skipped: 'will not happen',
};
