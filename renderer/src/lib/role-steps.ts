/**
 * The other roles' steps of an async payment (issue 16 item 6). This node sees only its own steps;
 * in the sandbox of `npm start` the lsp (L1: holds the HTLC; L2: serves the static invoice, keeps
 * the mailbox) and the friend (R) are nodes the sandbox runs, and it tells the app what they did
 * for a payment (`POST /sandbox/friend` `{ action: 'steps', … }`, scripts/sandbox-steps.ts). Here:
 * that answer checked (it comes from another process), and merged into this node's timeline by
 * time, each row saying which role and which node saw it; what is happening now in words (who holds
 * the HTLC, what waits in which mailbox); and how often to ask while the payment is pending. Pure.
 */
import { formatMsat } from './amount';
import { formatClock, formatDuration, formatTimestamp } from './format';
import { stateOf, type Actor, type AsyncTimeline, type StepKey, type TimelineStep } from './async';

export type RoleStep = { readonly at: number } & (
  | { readonly role: 'L2'; readonly node: 'lsp'; readonly kind: 'static_invoice_served'; readonly slot: number; readonly forwarded: boolean }
  | { readonly role: 'L1'; readonly node: 'lsp'; readonly kind: 'htlc_held'; readonly deadlineHeight: number; readonly releaseExpiresAt: number | null }
  | { readonly role: 'L2'; readonly node: 'lsp'; readonly kind: 'mailbox_stored'; readonly size: number; readonly expiresAt: number }
  | { readonly role: 'L2'; readonly node: 'lsp'; readonly kind: 'mailbox_delivered'; readonly size: number; readonly storedAt: number }
  | { readonly role: 'L2'; readonly node: 'lsp'; readonly kind: 'mailbox_expired'; readonly size: number; readonly storedAt: number }
  | { readonly role: 'L1'; readonly node: 'lsp'; readonly kind: 'htlc_released' }
  | { readonly role: 'L1'; readonly node: 'lsp'; readonly kind: 'htlc_forwarded'; readonly amountMsat: string; readonly feeMsat: string }
  | { readonly role: 'L1'; readonly node: 'lsp'; readonly kind: 'htlc_settled'; readonly feeMsat: string }
  | { readonly role: 'L1'; readonly node: 'lsp'; readonly kind: 'htlc_failed'; readonly code: string }
  | { readonly role: 'L1'; readonly node: 'lsp'; readonly kind: 'hold_expired'; readonly reason: 'cltv' | 'release_expired' }
  /** Seen at the lsp (R's connection to it) or the sandbox's own switch of the friend. */
  | { readonly role: 'R'; readonly node: 'lsp' | 'friend'; readonly kind: 'offline' }
  | { readonly role: 'R'; readonly node: 'lsp' | 'friend'; readonly kind: 'online' }
  | { readonly role: 'R'; readonly node: 'friend'; readonly kind: 'release_sent' }
  | { readonly role: 'R'; readonly node: 'friend'; readonly kind: 'payment_checked'; readonly accepted: boolean; readonly reason: string | null }
  | { readonly role: 'R'; readonly node: 'friend'; readonly kind: 'payment_received'; readonly amountMsat: string }
);

export interface RoleStepsAnswer {
  readonly nodes: { readonly lsp: string | null; readonly friend: string };
  readonly steps: readonly RoleStep[];
  readonly answered: { readonly lsp: boolean; readonly friend: boolean };
}

export interface RoleStepsQuery {
  readonly paymentHash: string;
  readonly offerId: string | null;
  readonly since: number;
}

/** Each kind's role and node, and its fields with their check. */
const NUM = (x: unknown): boolean => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const MSAT = (x: unknown): boolean => typeof x === 'string' && /^[0-9]{1,20}$/.test(x);
const CODE = (x: unknown): boolean => typeof x === 'string' && /^[a-z0-9_.:-]{1,64}$/i.test(x);
const BOOL = (x: unknown): boolean => typeof x === 'boolean';
const KINDS: Readonly<Record<RoleStep['kind'], { role: Actor; node: 'lsp' | 'friend' | 'either'; fields: Readonly<Record<string, (x: unknown) => boolean>> }>> = {
  static_invoice_served: { role: 'L2', node: 'lsp', fields: { slot: NUM, forwarded: BOOL } },
  htlc_held: { role: 'L1', node: 'lsp', fields: { deadlineHeight: NUM, releaseExpiresAt: (x) => x === null || NUM(x) } },
  mailbox_stored: { role: 'L2', node: 'lsp', fields: { size: NUM, expiresAt: NUM } },
  mailbox_delivered: { role: 'L2', node: 'lsp', fields: { size: NUM, storedAt: NUM } },
  mailbox_expired: { role: 'L2', node: 'lsp', fields: { size: NUM, storedAt: NUM } },
  htlc_released: { role: 'L1', node: 'lsp', fields: {} },
  htlc_forwarded: { role: 'L1', node: 'lsp', fields: { amountMsat: MSAT, feeMsat: MSAT } },
  htlc_settled: { role: 'L1', node: 'lsp', fields: { feeMsat: MSAT } },
  htlc_failed: { role: 'L1', node: 'lsp', fields: { code: CODE } },
  hold_expired: { role: 'L1', node: 'lsp', fields: { reason: (x) => x === 'cltv' || x === 'release_expired' } },
  offline: { role: 'R', node: 'either', fields: {} },
  online: { role: 'R', node: 'either', fields: {} },
  release_sent: { role: 'R', node: 'friend', fields: {} },
  payment_checked: { role: 'R', node: 'friend', fields: { accepted: BOOL, reason: (x) => x === null || CODE(x) } },
  payment_received: { role: 'R', node: 'friend', fields: { amountMsat: MSAT } },
};

/** At most this many steps are taken from an answer. */
export const MAX_ROLE_STEPS = 200;
const NODE_ID = /^0[23][0-9a-f]{64}$/;

/**
 * The sandbox's answer checked before it is shown (it comes from another process): null when it is
 * malformed. A step of a kind this app does not know is left out (a newer sandbox); a known kind
 * with a missing, extra or wrong field makes the whole answer malformed.
 */
export function parseRoleSteps(v: unknown): RoleStepsAnswer | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  const nodes = o.nodes as Record<string, unknown> | null | undefined;
  const answered = o.answered as Record<string, unknown> | null | undefined;
  if (!nodes || typeof nodes !== 'object' || !answered || typeof answered !== 'object' || !Array.isArray(o.steps)) return null;
  if (!(typeof nodes.friend === 'string' && NODE_ID.test(nodes.friend)) || !(nodes.lsp === null || (typeof nodes.lsp === 'string' && NODE_ID.test(nodes.lsp)))) return null;
  if (!BOOL(answered.lsp) || !BOOL(answered.friend)) return null;
  const steps: RoleStep[] = [];
  for (const raw of o.steps.slice(0, MAX_ROLE_STEPS) as unknown[]) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return null;
    const s = raw as Record<string, unknown>;
    if (typeof s.kind !== 'string') return null;
    const spec = Object.hasOwn(KINDS, s.kind) ? KINDS[s.kind as RoleStep['kind']] : undefined;
    if (!spec) continue;
    const nodeOk = spec.node === 'either' ? s.node === 'lsp' || s.node === 'friend' : s.node === spec.node;
    if (s.role !== spec.role || !nodeOk || !NUM(s.at)) return null;
    const extra = Object.keys(s).filter((k) => !['kind', 'role', 'node', 'at'].includes(k));
    if (extra.length !== Object.keys(spec.fields).length || !extra.every((k) => Object.hasOwn(spec.fields, k) && spec.fields[k]!(s[k]))) return null;
    steps.push(s as unknown as RoleStep);
  }
  steps.sort((a, b) => a.at - b.at);
  return { nodes: { lsp: nodes.lsp as string | null, friend: nodes.friend }, steps, answered: { lsp: answered.lsp as boolean, friend: answered.friend as boolean } };
}

/** What to ask the sandbox for a timeline: P's payments with their hash, once the static invoice came. */
export function roleQuery(t: AsyncTimeline): RoleStepsQuery | null {
  if (t.as !== 'P' || !t.payment?.paymentHash || !/^[0-9a-f]{64}$/.test(t.payment.paymentHash)) return null;
  const offerId = t.payment.offerId && /^[0-9a-f]{64}$/.test(t.payment.offerId) ? t.payment.offerId : null;
  return { paymentHash: t.payment.paymentHash, offerId, since: t.payment.staticInvoiceAt ?? t.startedAt };
}

/** The sandbox's names for the roles (this node is P). */
export const SANDBOX_PLAYERS: Readonly<Record<Actor, string>> = { P: 'this node', L1: 'lsp', L2: 'lsp', R: 'friend' };

/** Where a row goes among the steps when times are equal or missing (the skeleton's order; extras between). */
const ORDER: Readonly<Record<StepKey, number>> = {
  static_invoice: 0, r_offline: 0.5, htlc_sent: 1, htlc_held: 2, announced: 3, mailbox: 4, r_online: 4.5, mailbox_delivered: 4.6, mailbox_expired: 4.7,
  release_sent: 5, released: 6, forwarded: 6.5, received: 7, settled: 7.5, paid: 8,
};

const EXTRA: Readonly<Partial<Record<StepKey, { actor: Actor; to: Actor | null; label: string }>>> = {
  r_offline: { actor: 'R', to: null, label: 'R offline' },
  r_online: { actor: 'R', to: null, label: 'R back online' },
  mailbox_delivered: { actor: 'L2', to: 'R', label: 'Mailbox emptied: R confirmed it has the messages' },
  mailbox_expired: { actor: 'L2', to: null, label: 'A message expired in L2’s mailbox' },
  forwarded: { actor: 'L1', to: 'R', label: 'HTLC forwarded on to R' },
  settled: { actor: 'L1', to: 'P', label: 'Preimage back at L1, passed on to P' },
};

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const bytes = (n: number): string => `${n.toLocaleString('en-US')} bytes`;

/**
 * This node's timeline with the other roles' steps merged in: a step this node did not see is
 * filled with the time and the node that did; what only they see (R going offline and coming back,
 * the mailbox delivering, the HTLC forwarded and settled at L1) becomes rows of its own; a step
 * still not reported but implied by a later one is "unseen". Rows in time order (the sandbox's
 * nodes share this machine's clock); steps without a time stay after the steps before them.
 */
export function mergeRoleSteps(t: AsyncTimeline, answer: RoleStepsAnswer): AsyncTimeline {
  const rows = new Map<StepKey, TimelineStep>(t.steps.map((s) => [s.key, s]));
  const names = SANDBOX_PLAYERS;
  const fill = (key: StepKey, at: number, by: string, detail: string, actorSaw = false): void => {
    const s = rows.get(key);
    if (!s) return;
    if (s.status === 'done' && actorSaw) {
      // Seen here too, but done by the other node (L2 serving the static invoice): its time, ours as a note.
      rows.set(key, { ...s, at, by, detail: `${detail}; received here at ${formatClock(s.at!)}${s.detail ? ` (${s.detail})` : ''}` });
      return;
    }
    if (s.status === 'done') {
      // Seen here too: the other node's view as a note.
      rows.set(key, { ...s, detail: [s.detail, `${by} at ${formatClock(at)}: ${detail}`].filter(Boolean).join('; ') });
      return;
    }
    if (s.status === 'failed') return;
    rows.set(key, { ...s, status: 'done', at, by, detail });
  };
  const fail = (key: StepKey, at: number, by: string, detail: string): void => {
    const s = rows.get(key);
    if (!s || s.status === 'done') return;
    rows.set(key, { ...s, status: 'failed', at, by, detail });
  };
  const extra = (key: StepKey, at: number, by: string, detail: string, status: TimelineStep['status'] = 'done'): void => {
    const e = EXTRA[key]!;
    rows.set(key, { key, actor: e.actor, to: e.to, label: e.label, status, at, detail, by });
  };

  const steps = answer.steps;
  // R's switches: the first time back online since the payment, and the last time it went offline before that.
  const online = steps.find((s) => s.kind === 'online' && s.at >= (roleQuery(t)?.since ?? 0));
  const offline = steps.filter((s) => s.kind === 'offline' && s.at < (online?.at ?? Infinity)).at(-1);
  const seenBy = (s: RoleStep) => (s.node === 'lsp' ? names.L2 : names.R);
  if (offline) extra('r_offline', offline.at, seenBy(offline), offline.node === 'lsp' ? `${names.R} disconnected from its LSP: messages for it wait there` : 'its node stopped: messages for it wait at its LSP');
  if (online) extra('r_online', online.at, seenBy(online), `${online.node === 'lsp' ? `${names.R} reconnected to its LSP` : 'its node started'}${offline ? `, after ${formatDuration(online.at - offline.at)} away` : ''}`);

  const stored = steps.filter((s) => s.kind === 'mailbox_stored');
  if (stored[0]) {
    const size = stored.reduce((n, s) => n + s.size, 0);
    fill('mailbox', stored[0].at, names.L2, `${plural(stored.length, 'message')} for ${names.R} (${bytes(size)}): held_htlc_available over each message path, kept while ${names.R} is offline, until ${formatTimestamp(stored[0].expiresAt)} at most`);
  }
  const delivered = steps.filter((s) => s.kind === 'mailbox_delivered');
  if (delivered[0]) extra('mailbox_delivered', delivered[0].at, names.L2, `${plural(delivered.length, 'message')} written to ${names.R}’s connection when it came back and confirmed read (a pong after them), ${formatDuration(delivered[0].at - delivered[0].storedAt)} after they were stored`);
  const expired = steps.filter((s) => s.kind === 'mailbox_expired');
  if (expired[0]) extra('mailbox_expired', expired[0].at, names.L2, `${plural(expired.length, 'message')} for ${names.R} expired before it came back`);

  for (const s of steps) {
    switch (s.kind) {
      case 'static_invoice_served':
        fill('static_invoice', s.at, names.L2, `served from slot ${s.slot}${s.forwarded ? '; the invoice_request also passed on to R' : ''}`, true);
        break;
      case 'htlc_held':
        fill('htlc_held', s.at, names.L1, `held until R releases it: fails back at block ${s.deadlineHeight}${s.releaseExpiresAt !== null ? `, or when the release window ends ${formatTimestamp(s.releaseExpiresAt)}` : ''}`);
        break;
      case 'release_sent':
        fill('release_sent', s.at, names.R, 'it found held_htlc_available in its mailbox and answered over the reply path to L1');
        break;
      case 'htlc_released':
        fill('released', s.at, names.L1, `from ${names.R}, over the reply path L1 gave P in its revoke_and_ack`);
        break;
      case 'htlc_forwarded':
        extra('forwarded', s.at, names.L1, `${formatMsat(s.amountMsat)} to ${names.R}; fee ${formatMsat(s.feeMsat)}`);
        break;
      case 'payment_checked':
        if (s.accepted) fill('received', s.at, names.R, 'the invoice_request in the onion matches its offer and the amount');
        else fail('received', s.at, names.R, `refused: ${s.reason ?? 'no reason given'}`);
        break;
      case 'payment_received': {
        const r = rows.get('received');
        if (r?.status === 'done') rows.set('received', { ...r, detail: `${r.detail ?? ''}; ${formatMsat(s.amountMsat)} claimed` });
        else fill('received', s.at, names.R, `${formatMsat(s.amountMsat)} claimed`);
        break;
      }
      case 'htlc_settled':
        extra('settled', s.at, names.L1, `fee earned ${formatMsat(s.feeMsat)}`);
        break;
      case 'htlc_failed':
        if (rows.get('released')?.status === 'done') extra('settled', s.at, names.L1, `the HTLC failed (${s.code}) and went back to P`, 'failed');
        else fail('released', s.at, names.L1, `failed back to P (${s.code})`);
        break;
      case 'hold_expired':
        fail('released', s.at, names.L1, s.reason === 'cltv' ? 'failed back: its CLTV deadline came before R released it' : 'failed back: the release window ended before R released it');
        break;
      default:
        break;
    }
  }

  // With R's return and L1's forward as rows of their own, two skeleton labels say only their part.
  const relabel = (key: StepKey, when: StepKey, label: string): void => {
    const s = rows.get(key);
    if (s && rows.get(when)?.status === 'done') rows.set(key, { ...s, label });
  };
  relabel('release_sent', 'r_online', 'R answers: release_held_htlc sent');
  relabel('released', 'forwarded', 'release_held_htlc arrives: L1 lets the HTLC go');

  // A step nobody reported, with a later one done: it happened, unseen.
  const list = [...rows.values()];
  const doneOrders = list.filter((s) => s.status === 'done').map((s) => ORDER[s.key]);
  const furthest = doneOrders.length ? Math.max(...doneOrders) : -1;
  const settled = list.map((s) => (s.status === 'expected' && ORDER[s.key] < furthest && Number.isInteger(ORDER[s.key]) ? { ...s, status: 'unseen' as const } : s));
  const ordered = orderRows(settled);
  return { ...t, steps: ordered, state: stateOf(ordered), players: names };
}

/** Rows by time; a row without a time after the timed rows that come before it in the skeleton's order. */
export function orderRows(rows: readonly TimelineStep[]): TimelineStep[] {
  const key = rows.map((r) => {
    if (r.at !== null) return r.at;
    let t = -Infinity;
    for (const o of rows) if (o.at !== null && ORDER[o.key] < ORDER[r.key]) t = Math.max(t, o.at);
    return t;
  });
  return rows.map((r, i) => ({ r, k: key[i]! })).sort((a, b) => a.k - b.k || ORDER[a.r.key] - ORDER[b.r.key]).map((x) => x.r);
}

/**
 * Who holds what, now, in words (a payment in progress with the other roles' steps): the HTLC at
 * L1, the messages in L2's mailbox, R away or back. Empty when nothing waits.
 */
export function holdingNow(t: AsyncTimeline): string[] {
  if (t.state !== 'in_progress' || !t.players) return [];
  const at = (k: StepKey) => t.steps.find((s) => s.key === k);
  const done = (k: StepKey) => at(k)?.status === 'done';
  const n = t.players;
  const out: string[] = [];
  if (done('htlc_held') && !done('released') && !done('forwarded')) out.push(`${n.L1} (L1) holds the HTLC until ${n.R} releases it.`);
  else if (done('released') && !done('received')) out.push(`${n.L1} (L1) released the HTLC: it is on its way to ${n.R}.`);
  if (done('mailbox') && !done('mailbox_delivered') && !done('release_sent')) out.push(`held_htlc_available waits in ${n.L2}’s mailbox (L2) for ${n.R}.`);
  const off = at('r_offline');
  if (off?.status === 'done' && !done('r_online')) out.push(`${n.R} (R) is offline since ${formatClock(off.at!)}: bring it online to complete the payment.`);
  if (done('r_online') && !done('release_sent')) out.push(`${n.R} (R) is back and reads its mailbox.`);
  if (done('received') && !done('paid')) out.push(`${n.R} has the payment; the preimage is on its way back to you.`);
  return out;
}

/** Ask again soon while things move, less often while nothing changes. */
export const ROLE_POLL = { firstMs: 1_000, maxMs: 8_000 } as const;

/** The next wait before asking again: back to the first after a change, else doubled up to the most. */
export function nextPollDelay(previousMs: number, changed: boolean): number {
  if (changed) return ROLE_POLL.firstMs;
  return Math.min(ROLE_POLL.maxMs, Math.max(ROLE_POLL.firstMs, previousMs * 2));
}

/** Two answers say the same (a poll that changed nothing backs off). */
export function sameAnswer(a: RoleStepsAnswer | undefined, b: RoleStepsAnswer): boolean {
  return a !== undefined && a.answered.lsp === b.answered.lsp && a.answered.friend === b.answered.friend && JSON.stringify(a.steps) === JSON.stringify(b.steps);
}
