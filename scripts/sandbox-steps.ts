/**
 * The other roles' steps of one async payment, for your app's timeline (issue 16 item 6): in the
 * sandbox your node is the payer P, the lsp is both L1 (it holds your HTLC) and L2 (it serves the
 * friend's static invoice and keeps its mailbox), and the friend is R. Your node sees only its own
 * steps; the sandbox runs the other two nodes, so it can ask their APIs what they did for a payment
 * and hand that to the app (`POST /sandbox/friend` `{ action: "steps", paymentHash, offerId, since }`,
 * scripts/sandbox-friend.ts).
 *
 * What leaves here is what the events already say in plain JSON — times, amounts, block heights,
 * sizes, reason codes —, never a preimage, a key, a path or a message's bytes. Pure functions over
 * the nodes' answers, plus `collectRoleSteps` that asks them (each question bounded in time).
 *
 * Matching a payment across nodes: the lsp's forwards carry the payment hash (`listForwards`,
 * `listHeldHtlcs`), and its hold follows the `forward.held` of the same HTLC; the static invoice
 * it served is the last one for the payment's offer before P received it; the mailbox messages are
 * the ones stored for the friend from then until the HTLC was released (an onion message's contents
 * are not the lsp's to read: these are the messages for the friend at that time, which in the
 * sandbox are the payment's held_htlc_available). The friend's release is the one it sent before it
 * checked this payment (or, before that, the first after P's static invoice). All the sandbox's
 * nodes run on this machine, so their clocks agree.
 */
import type { NodeApi } from '../core/api';
import type { NodeEvent } from '../core/api/events';
import type { ForwardInfo, HeldHtlcInfo } from '../core/api';
import type { RoleStep, RoleStepsAnswer, RoleStepsQuery } from '../renderer/src/lib/role-steps';

export type SandboxNodeName = 'lsp' | 'friend';

// One step of another role, as the app's timeline shows it: the app's own types (it checks every answer
// field by field, renderer/src/lib/role-steps.ts), so the two ends cannot drift apart.
export type { RoleStep, RoleStepsAnswer, RoleStepsQuery };

/** Event types asked of the lsp. */
export const LSP_STEP_TYPES = [
  'peer.connected', 'peer.disconnected',
  'async.static_invoice_served', 'async.htlc_held', 'async.htlc_released', 'async.hold_expired',
  'forward.held', 'forward.released', 'forward.offered', 'forward.settled', 'forward.failed',
  'onion.mailbox_stored', 'onion.mailbox_forwarded', 'onion.mailbox_expired',
] as const;

/** Event types asked of the friend. */
export const FRIEND_STEP_TYPES = ['async.release_sent', 'async.payment_checked', 'payment.received'] as const;

/** A little slack for "before": the lsp serves the static invoice a moment before P records it. */
const SLACK_MS = 2_000;

/**
 * The lsp's steps (L1 and L2) for a payment: from its events (oldest first), its forwards and the
 * HTLCs it holds now; `friend` is the recipient whose mailbox and static invoice count.
 */
export function lspSteps(events: readonly NodeEvent[], forwards: readonly ForwardInfo[], held: readonly HeldHtlcInfo[], friend: string, q: RoleStepsQuery): RoleStep[] {
  const ours = new Set<string>([...forwards, ...held].filter((f) => f.paymentHash === q.paymentHash).map((f) => f.forwardId));
  const holds = new Set<string>(held.filter((h) => h.paymentHash === q.paymentHash).map((h) => h.holdId));
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  const out: RoleStep[] = [];
  const lsp = { node: 'lsp' } as const;

  // L2: the last static invoice served for the offer before P had it.
  if (q.offerId) {
    const served = sorted.filter((e): e is Extract<NodeEvent, { type: 'async.static_invoice_served' }> =>
      e.type === 'async.static_invoice_served' && e.offerId === q.offerId && e.recipient === friend && e.time <= q.since + SLACK_MS).at(-1);
    if (served) out.push({ ...lsp, role: 'L2', kind: 'static_invoice_served', at: served.time, slot: served.slot, forwarded: served.forwarded });
  }

  let heldDeadline: number | null = null;
  let releasedAt: number | null = null;
  let forwardReleasedAt: number | null = null;
  const stored = new Set<string>();
  for (const e of sorted) {
    switch (e.type) {
      case 'forward.held':
        if (ours.has(e.forwardId)) heldDeadline = e.deadlineHeight;
        break;
      case 'async.htlc_held':
        // The hold of our forward follows its forward.held (same deadline), or is listed as ours.
        if (holds.has(e.holdId) || (heldDeadline !== null && e.deadlineHeight === heldDeadline && e.time >= q.since - SLACK_MS)) {
          holds.add(e.holdId);
          heldDeadline = null;
          out.push({ ...lsp, role: 'L1', kind: 'htlc_held', at: e.time, deadlineHeight: e.deadlineHeight, releaseExpiresAt: e.releaseExpiresAt });
        }
        break;
      case 'async.htlc_released':
        if (holds.has(e.holdId) && releasedAt === null) {
          releasedAt = e.time;
          out.push({ ...lsp, role: 'L1', kind: 'htlc_released', at: e.time });
        }
        break;
      case 'forward.released':
        // The release arrived no later than the forward it caused (the lsp publishes async.htlc_released
        // first since core/node/async.ts #holderStep does; a lsp from before published it after).
        if (ours.has(e.forwardId)) forwardReleasedAt ??= e.time;
        break;
      case 'async.hold_expired':
        if (holds.has(e.holdId)) out.push({ ...lsp, role: 'L1', kind: 'hold_expired', at: e.time, reason: e.reason });
        break;
      case 'forward.offered':
        if (ours.has(e.forwardId)) out.push({ ...lsp, role: 'L1', kind: 'htlc_forwarded', at: e.time, amountMsat: e.outAmountMsat, feeMsat: e.feeMsat });
        break;
      case 'forward.settled':
        if (ours.has(e.forwardId)) out.push({ ...lsp, role: 'L1', kind: 'htlc_settled', at: e.time, feeMsat: e.feeMsat });
        break;
      case 'forward.failed':
        if (ours.has(e.forwardId)) out.push({ ...lsp, role: 'L1', kind: 'htlc_failed', at: e.time, code: e.code });
        break;
      case 'onion.mailbox_stored':
        // Messages for the friend from P's static invoice until the release.
        if (e.nodeId === friend && e.time >= q.since - SLACK_MS && (releasedAt === null || e.time <= releasedAt)) {
          stored.add(e.messageId);
          out.push({ ...lsp, role: 'L2', kind: 'mailbox_stored', at: e.time, size: e.size, expiresAt: e.expiresAt });
        }
        break;
      case 'onion.mailbox_forwarded':
        if (stored.has(e.messageId)) out.push({ ...lsp, role: 'L2', kind: 'mailbox_delivered', at: e.time, size: e.size, storedAt: e.storedAt });
        break;
      case 'onion.mailbox_expired':
        if (stored.has(e.messageId)) out.push({ ...lsp, role: 'L2', kind: 'mailbox_expired', at: e.time, size: e.size, storedAt: e.storedAt });
        break;
      default:
        break;
    }
  }
  return out.map((s) => (s.kind === 'htlc_released' && forwardReleasedAt !== null && forwardReleasedAt < s.at ? { ...s, at: forwardReleasedAt } : s))
    .sort((a, b) => a.at - b.at || CAUSAL.indexOf(a.kind) - CAUSAL.indexOf(b.kind));
}

/** Steps of equal times in the order one causes the next. */
const CAUSAL: readonly RoleStep['kind'][] = [
  'offline', 'static_invoice_served', 'htlc_held', 'mailbox_stored', 'online', 'mailbox_delivered', 'mailbox_expired', 'release_sent',
  'htlc_released', 'hold_expired', 'htlc_forwarded', 'payment_checked', 'payment_received', 'htlc_settled', 'htlc_failed',
];

/**
 * R going offline and coming back, as R's steps: the last change before the payment and every one
 * after. `node` says who saw it: the lsp (the friend's connection to it, from its peer events) or
 * the friend (the sandbox's switch, kept by FriendControl).
 */
export function switchSteps(history: readonly { readonly state: 'offline' | 'online'; readonly at: number }[], since: number, node: 'lsp' | 'friend' = 'friend'): RoleStep[] {
  const before = history.filter((h) => h.at < since).at(-1);
  const after = history.filter((h) => h.at >= since);
  return [...(before ? [before] : []), ...after].map((h) => ({ role: 'R', node, kind: h.state, at: h.at }) as const);
}

/** The friend's connection to the lsp, from the lsp's peer events (oldest first): each change of state. */
export function connectionHistory(events: readonly NodeEvent[], friend: string): { state: 'offline' | 'online'; at: number }[] {
  const out: { state: 'offline' | 'online'; at: number }[] = [];
  for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
    const state = e.type === 'peer.connected' && e.peer.nodeId === friend ? 'online' : e.type === 'peer.disconnected' && e.nodeId === friend ? 'offline' : null;
    if (state && out.at(-1)?.state !== state) out.push({ state, at: e.time });
  }
  return out;
}

/** The friend's own steps for a payment (R), from its events (oldest first). */
export function friendSteps(events: readonly NodeEvent[], q: RoleStepsQuery): RoleStep[] {
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  const friend = { role: 'R', node: 'friend' } as const;
  const out: RoleStep[] = [];
  const checked = sorted.find((e) => e.type === 'async.payment_checked' && e.paymentHash === q.paymentHash);
  const releases = sorted.filter((e) => e.type === 'async.release_sent' && e.time >= q.since - SLACK_MS);
  // The release for this payment: the last before R checked it, or (not checked yet) the first since P's static invoice.
  const release = checked ? releases.filter((e) => e.seq < checked.seq).at(-1) : releases[0];
  if (release) out.push({ ...friend, kind: 'release_sent', at: release.time });
  for (const e of sorted) {
    if (e.type === 'async.payment_checked' && e.paymentHash === q.paymentHash) out.push({ ...friend, kind: 'payment_checked', at: e.time, accepted: e.accepted, reason: e.reason });
    if (e.type === 'payment.received' && e.paymentHash === q.paymentHash) out.push({ ...friend, kind: 'payment_received', at: e.time, amountMsat: e.amountMsat });
  }
  return out;
}

/** Steps of one node merged with those remembered from earlier answers (the same step once), oldest first. */
export function mergeSteps(known: readonly RoleStep[], fresh: readonly RoleStep[]): RoleStep[] {
  const key = (s: RoleStep) => `${s.kind}:${s.at}`;
  const seen = new Set(fresh.map(key));
  return [...fresh, ...known.filter((s) => !seen.has(key(s)))].sort((a, b) => a.at - b.at);
}

/** `p`, or undefined if it has not settled within `ms` (a failure is undefined too). */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([p.catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** How many of each node's newest events of those types are read (its history keeps 5,000 of all kinds). */
const EVENTS_LIMIT = 5_000;
/** The payments remembered (the friend's steps are gone from its node once it restarts). */
const REMEMBERED = 64;

/**
 * Asks the lsp and the friend what they did for a payment. The friend's steps are remembered per
 * payment, since a friend switched offline (or restarted) no longer has them; the lsp runs all
 * along and is asked every time.
 */
export class RoleStepsCollector {
  readonly #friendSteps = new Map<string, RoleStep[]>();
  readonly #lspSteps = new Map<string, RoleStep[]>();

  constructor(
    private readonly friend: { readonly nodeId: string; api(): NodeApi | null; history(): readonly { readonly state: 'offline' | 'online'; readonly at: number }[] },
    private readonly lsp: { readonly nodeId: string; readonly api: NodeApi } | null,
    private readonly waitMs = 3_000,
  ) {}

  async collect(q: RoleStepsQuery): Promise<RoleStepsAnswer> {
    const friendApi = this.friend.api();
    const [lspAnswer, friendEvents] = await Promise.all([
      this.lsp ? within(Promise.all([
        this.lsp.api.recentEvents({ limit: EVENTS_LIMIT, types: [...LSP_STEP_TYPES] }),
        this.lsp.api.listForwards({ limit: 1_000 }),
        this.lsp.api.listHeldHtlcs({}),
      ]), this.waitMs) : Promise.resolve(undefined),
      friendApi ? within(friendApi.recentEvents({ limit: EVENTS_LIMIT, types: [...FRIEND_STEP_TYPES] }), this.waitMs) : Promise.resolve(undefined),
    ]);
    const remember = (map: Map<string, RoleStep[]>, fresh: RoleStep[] | undefined): RoleStep[] => {
      const merged = mergeSteps(map.get(q.paymentHash) ?? [], fresh ?? []);
      map.delete(q.paymentHash);
      map.set(q.paymentHash, merged);
      while (map.size > REMEMBERED) map.delete(map.keys().next().value!);
      return merged;
    };
    const lsp = remember(this.#lspSteps, lspAnswer && this.lsp ? lspSteps(lspAnswer[0].events, lspAnswer[1].forwards, lspAnswer[2].held, this.friend.nodeId, q) : undefined);
    const friend = remember(this.#friendSteps, friendEvents ? friendSteps(friendEvents.events, q) : undefined);
    // R's comings and goings as the lsp saw them (its connection), else as the sandbox switched the friend.
    const connection = lspAnswer ? connectionHistory(lspAnswer[0].events, this.friend.nodeId) : [];
    const switches = connection.length ? switchSteps(connection, q.since, 'lsp') : switchSteps(this.friend.history(), q.since, 'friend');
    const steps = [...lsp, ...friend, ...switches].sort((a, b) => a.at - b.at || CAUSAL.indexOf(a.kind) - CAUSAL.indexOf(b.kind));
    return {
      nodes: { lsp: this.lsp?.nodeId ?? null, friend: this.friend.nodeId },
      steps,
      answered: { lsp: lspAnswer !== undefined, friend: friendEvents !== undefined },
    };
  }
}
