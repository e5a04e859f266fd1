/**
 * A retired monitor: a closed channel that nothing on chain can change any more, kept as its final
 * view instead of a live ChannelMonitor (issue 19: a start must not restore every channel ever closed).
 *
 * When: the view is `closed` — the closing transaction is `finalityDepth` (BOLT 5: 100) deep — and
 * every output it follows is `resolved`: spent by a transaction `finalityDepth` deep. BOLT 5 calls
 * such an output "irrevocably resolved"; the monitor itself stops watching it then (monitor.ts). Nothing
 * is left to sweep, no claim is out, no preimage can be wanted, every upstream report was made (they are
 * made at `reasonableDepth`, 6) — and no reorg the monitor is built to follow can reach it. An output
 * left unspent keeps the channel live (an uneconomical one, an expired HTLC: its spend would still
 * change the view), except the peer's main output and the anchors, whose spend changes nothing of ours
 * (LEFT_UNSPENT).
 *
 * What changes after that is only the depth of everything as blocks come: `retiredViewAt` gives the view
 * at a height with those depths, which is what a live monitor fed that block shows.
 */
import type { ClosingKind, OutputRole } from './classify';
import { MonitorError } from './errors';
import type { HtlcInfo, HtlcView, MonitorView, OutputView } from './events';
import type { SpendPath } from './spends';

/**
 * Outputs whose spend changes nothing of ours, left unspent in a final view: the peer's main output
 * (`theirs`) and the two anchors (ours `not_claimed`: 330 sat, not worth a transaction; anyone may take
 * either after 16 blocks). Nobody may ever spend them — a force close would otherwise stay live for
 * good — so once the closing transaction is final they do not keep the monitor (as LDK archives a
 * monitor with no claimable balance left, anchors not counted). Their spend, if it comes, is not shown.
 */
const LEFT_UNSPENT: ReadonlyMap<OutputRole, OutputView['status']> = new Map([
  ['their_main', 'theirs'],
  ['their_anchor', 'theirs'],
  ['our_anchor', 'not_claimed'],
]);

function settled(o: OutputView): boolean {
  if (o.spentBy === null) return LEFT_UNSPENT.get(o.role) === o.status;
  return o.status === 'resolved';
}

/** Whether a monitor with this view can be retired: closed, every output irrevocably resolved or one of LEFT_UNSPENT's. */
export function isRetirable(view: MonitorView): boolean {
  return view.state === 'closed' && view.closing !== null && view.outputs.every(settled);
}

/**
 * The retired view at best height `height` (never below the height it was retired at: the depths a
 * live monitor would show; a lower tip, a chain still catching up, does not undo what is final).
 */
export function retiredViewAt(view: MonitorView, height: number): MonitorView {
  const best = Math.max(view.bestHeight, height);
  if (best === view.bestHeight) return view;
  const depth = (h: number) => best - h + 1;
  return {
    ...view,
    bestHeight: best,
    closing: view.closing ? { ...view.closing, depth: depth(view.closing.height) } : null,
    outputs: view.outputs.map((o) => (o.spentBy ? { ...o, spentBy: { ...o.spentBy, depth: depth(o.spentBy.height) } } : o)),
  };
}

export function encodeRetiredView(view: MonitorView): string {
  if (!isRetirable(view)) throw new MonitorError('monitor.bad_snapshot', `monitor ${view.channelId} is not retirable`);
  return JSON.stringify({ version: 1, view });
}

const HEX32 = /^[0-9a-f]{64}$/;
const OUTPOINT = /^[0-9a-f]{64}:\d{1,10}$/;
const DECIMAL = /^(0|[1-9]\d{0,20})$/;
const KINDS: readonly ClosingKind[] = ['local', 'remote', 'revoked', 'remote_unknown', 'mutual', 'unknown'];
const ROLES: readonly OutputRole[] = [
  'local_to_local', 'local_htlc_offered', 'local_htlc_received', 'local_second_stage', 'to_remote', 'remote_htlc_offered', 'remote_htlc_received',
  'revoked_to_local', 'revoked_htlc', 'revoked_second_stage', 'our_anchor', 'their_anchor', 'their_main',
];
const PATHS: readonly SpendPath[] = ['delayed', 'revocation', 'preimage', 'timeout', 'htlc_success_tx', 'htlc_timeout_tx', 'key', 'anyone', 'unknown'];
const FATES: readonly HtlcView['fate'][] = ['pending', 'fulfilled', 'failed', 'claimed', 'lost'];

/** A JSON reader that names the field it found wrong (`monitor.bad_snapshot`). */
class Reader {
  constructor(readonly channelId: string) {}

  fail(what: string): never {
    throw new MonitorError('monitor.bad_snapshot', `retired monitor ${this.channelId}: ${what}`);
  }

  obj(v: unknown, what: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(`${what} is not an object`);
    return v as Record<string, unknown>;
  }

  arr(v: unknown, what: string): unknown[] {
    if (!Array.isArray(v)) this.fail(`${what} is not a list`);
    return v;
  }

  int(v: unknown, what: string): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) this.fail(`${what} is not a height or count`);
    return v;
  }

  str(v: unknown, re: RegExp, what: string): string {
    if (typeof v !== 'string' || !re.test(v)) this.fail(`${what} is malformed`);
    return v;
  }

  oneOf<T extends string>(v: unknown, list: readonly T[], what: string): T {
    if (typeof v !== 'string' || !(list as readonly string[]).includes(v)) this.fail(`${what} is not one of ${list.join(', ')}`);
    return v as T;
  }

  htlc(v: unknown, what: string): HtlcInfo {
    const h = this.obj(v, what);
    return {
      offerer: this.oneOf(h.offerer, ['local', 'remote'] as const, `${what}.offerer`),
      id: this.str(h.id, DECIMAL, `${what}.id`),
      paymentHash: this.str(h.paymentHash, HEX32, `${what}.paymentHash`),
      amountMsat: this.str(h.amountMsat, DECIMAL, `${what}.amountMsat`),
      cltvExpiry: this.int(h.cltvExpiry, `${what}.cltvExpiry`),
    };
  }

  output(v: unknown, i: number): OutputView {
    const what = `output ${i}`;
    const o = this.obj(v, what);
    if (o.maturesAt !== null || o.deadline !== null || o.claim !== null) this.fail(`${what} still has a plan`);
    const role = this.oneOf(o.role, ROLES, `${what}.role`);
    const base = {
      outpoint: this.str(o.outpoint, OUTPOINT, `${what}.outpoint`),
      role,
      valueSat: this.str(o.valueSat, DECIMAL, `${what}.valueSat`),
      maturesAt: null,
      deadline: null,
      claim: null,
      htlc: o.htlc === null ? null : this.htlc(o.htlc, `${what}.htlc`),
      parent: o.parent === null ? null : this.str(o.parent, OUTPOINT, `${what}.parent`),
    };
    if (o.spentBy === null) {
      const status = LEFT_UNSPENT.get(role);
      if (status === undefined || o.status !== status) this.fail(`${what} is not resolved`);
      return { ...base, status, spentBy: null };
    }
    if (o.status !== 'resolved') this.fail(`${what} is not resolved`);
    const s = this.obj(o.spentBy, `${what}.spentBy`);
    return {
      ...base,
      status: 'resolved',
      spentBy: {
        txid: this.str(s.txid, HEX32, `${what}.spentBy.txid`),
        height: this.int(s.height, `${what}.spentBy.height`),
        depth: this.int(s.depth, `${what}.spentBy.depth`),
        by: this.oneOf(s.by, ['us', 'peer', 'anyone'] as const, `${what}.spentBy.by`),
        path: this.oneOf(s.path, PATHS, `${what}.spentBy.path`),
      },
    };
  }
}

/** The stored JSON of a retired monitor → its view; `monitor.bad_snapshot` for anything else. */
export function decodeRetiredView(channelId: string, json: unknown): MonitorView {
  const r = new Reader(channelId);
  const top = r.obj(json, 'the record');
  if (top.version !== 1) r.fail(`unknown version ${String(top.version).slice(0, 20)}`);
  const v = r.obj(top.view, 'view');
  if (v.channelId !== channelId) r.fail('it is another channel\'s');
  if (v.state !== 'closed') r.fail('its state is not closed');
  const c = r.obj(v.closing, 'closing');
  const totals = r.obj(v.totals, 'totals');
  const view: MonitorView = {
    channelId,
    bestHeight: r.int(v.bestHeight, 'bestHeight'),
    state: 'closed',
    closing: {
      kind: r.oneOf(c.kind, KINDS, 'closing.kind'),
      txid: r.str(c.txid, HEX32, 'closing.txid'),
      height: r.int(c.height, 'closing.height'),
      depth: r.int(c.depth, 'closing.depth'),
      commitmentNumber: c.commitmentNumber === null ? null : r.int(c.commitmentNumber, 'closing.commitmentNumber'),
    },
    outputs: r.arr(v.outputs, 'outputs').map((o, i) => r.output(o, i)),
    htlcs: r.arr(v.htlcs, 'htlcs').map((h, i) => {
      const info = r.htlc(h, `htlc ${i}`);
      const hv = r.obj(h, `htlc ${i}`);
      return { ...info, fate: r.oneOf(hv.fate, FATES, `htlc ${i}.fate`), outpoint: hv.outpoint === null ? null : r.str(hv.outpoint, OUTPOINT, `htlc ${i}.outpoint`) };
    }),
    totals: {
      claimedSat: r.str(totals.claimedSat, DECIMAL, 'totals.claimedSat'),
      pendingSat: r.str(totals.pendingSat, DECIMAL, 'totals.pendingSat'),
      lostSat: r.str(totals.lostSat, DECIMAL, 'totals.lostSat'),
    },
  };
  if (view.closing!.depth !== view.bestHeight - view.closing!.height + 1) r.fail('the closing depth does not match its heights');
  return view;
}
