/** The monitor's plain-data view (events.ts) built from a resolution and a plan, and its diff as events. */
import { toHex } from '../crypto';
import type { Htlc } from '../channel/state';
import type { HtlcInfo, HtlcView, MonitorEvent, MonitorView, OutputStatus, OutputView } from './events';
import type { HtlcFate, MonitorPolicy, Plan } from './plan';
import type { Resolution, TrackedOutput } from './resolve';
import type { ClaimRecord } from './snapshot';

export interface ViewInput {
  readonly channelId: string;
  readonly bestHeight: number;
  readonly policy: MonitorPolicy;
  readonly forceClose: boolean;
  readonly resolution: Resolution;
  readonly plan: Plan;
  readonly fates: readonly HtlcFate[];
  readonly claims: ReadonlyMap<string, ClaimRecord>;
  readonly uneconomical: ReadonlySet<string>;
}

export function htlcInfo(h: Htlc): HtlcInfo {
  return { offerer: h.offerer, id: h.id.toString(), paymentHash: toHex(h.paymentHash), amountMsat: h.amountMsat.toString(), cltvExpiry: h.cltvExpiry };
}

function outputView(v: ViewInput, t: TrackedOutput): OutputView {
  const { bestHeight, policy } = v;
  const d = t.d;
  const base = { outpoint: d.key, role: d.role, valueSat: d.valueSat.toString(), htlc: d.htlc ? htlcInfo(d.htlc) : null, parent: t.parent };
  if (t.spend) {
    const depth = bestHeight - t.spend.height + 1;
    return {
      ...base,
      status: depth >= policy.finalityDepth ? 'resolved' : 'spent',
      maturesAt: null,
      deadline: null,
      claim: null,
      spentBy: { txid: t.spend.txid, height: t.spend.height, depth, by: t.spend.analysis.by, path: t.spend.analysis.path },
    };
  }
  const plan = v.plan.outputs.get(d.key);
  const record = plan?.claimKey ? v.claims.get(plan.claimKey) : undefined;
  let status: OutputStatus;
  switch (plan?.wait ?? 'theirs') {
    case 'maturing':
      status = 'maturing';
      break;
    case 'awaiting_preimage':
      status = 'awaiting_preimage';
      break;
    case 'theirs':
      status = 'theirs';
      break;
    case 'not_claimed':
      status = 'not_claimed';
      break;
    case 'claimable':
      status = plan?.claimKey && v.uneconomical.has(plan.claimKey) ? 'uneconomical' : record ? 'claiming' : 'claimable';
      break;
  }
  return {
    ...base,
    status,
    maturesAt: plan?.maturesAt ?? null,
    deadline: plan?.deadline ?? null,
    claim: record && plan?.claimKey ? { key: record.key, txid: record.txid, feeratePerKw: record.feeratePerKw, since: record.height } : null,
    spentBy: null,
  };
}

/** Whether an output is ours to wait for (so it counts as pending, and keeps the channel from `closed`). */
function stillOurs(o: OutputView, bestHeight: number, finality: number): boolean {
  if (o.status === 'theirs' || o.status === 'not_claimed' || o.status === 'uneconomical' || o.status === 'resolved') return false;
  // BOLT 5: an HTLC output "NOT otherwise resolved, once the HTLC output has expired, it is considered irrevocably resolved".
  if (o.status === 'awaiting_preimage' && o.deadline !== null && bestHeight - o.deadline + 1 >= finality) return false;
  return true;
}

export function buildView(v: ViewInput): MonitorView {
  const r = v.resolution;
  const outputs = r.outputs.map((t) => outputView(v, t));
  const htlcs: HtlcView[] = v.fates.map((f) => ({ ...htlcInfo(f.htlc), fate: f.fate, outpoint: f.outputKey }));
  let claimed = 0n;
  let pending = 0n;
  let lost = 0n;
  const parents = new Set(outputs.map((o) => o.parent).filter((p): p is string => p !== null));
  for (const o of outputs) {
    const value = BigInt(o.valueSat);
    if (o.spentBy) {
      // An HTLC output turned into a second-stage output is counted there.
      if (parents.has(o.outpoint)) continue;
      if (o.spentBy.by === 'us') claimed += value;
      else if (o.role !== 'their_main' && o.role !== 'their_anchor' && o.role !== 'our_anchor') lost += value;
    } else if (stillOurs(o, v.bestHeight, v.policy.finalityDepth)) pending += value;
  }
  const closing = r.closing
    ? {
        kind: r.closing.classified.kind,
        txid: r.closing.txid,
        height: r.closing.height,
        depth: v.bestHeight - r.closing.height + 1,
        commitmentNumber: r.closing.classified.ctn,
      }
    : null;
  let state: MonitorView['state'] = v.forceClose ? 'force_closing' : 'open';
  if (closing) {
    const done = closing.depth >= v.policy.finalityDepth && outputs.every((o) => !stillOurs(o, v.bestHeight, v.policy.finalityDepth) || o.status === 'resolved');
    state = done ? 'closed' : 'closing';
  }
  return { channelId: v.channelId, bestHeight: v.bestHeight, state, closing, outputs, htlcs, totals: { claimedSat: claimed.toString(), pendingSat: pending.toString(), lostSat: lost.toString() } };
}

/** The events that take a UI from `before` to `after` (output by output; depth alone is not news). */
export function diffViews(before: MonitorView | null, after: MonitorView): MonitorEvent[] {
  const events: MonitorEvent[] = [];
  const channelId = after.channelId;
  if (after.closing && before?.closing?.txid !== after.closing.txid) {
    events.push({ type: 'monitor.closing_detected', channelId, kind: after.closing.kind, txid: after.closing.txid, height: after.closing.height });
  }
  if (before?.closing && before.closing.txid !== after.closing?.txid) events.push({ type: 'monitor.closing_reorged', channelId, txid: before.closing.txid });
  const old = new Map((before?.outputs ?? []).map((o) => [o.outpoint, o]));
  const key = (o: OutputView) => JSON.stringify({ ...o, spentBy: o.spentBy ? { ...o.spentBy, depth: 0 } : null });
  for (const o of after.outputs) {
    const b = old.get(o.outpoint);
    if (!b || key(b) !== key(o)) events.push({ type: 'monitor.output', channelId, output: o });
  }
  const oldHtlcs = new Map((before?.htlcs ?? []).map((h) => [`${h.offerer}:${h.id}`, h]));
  for (const h of after.htlcs) {
    const b = oldHtlcs.get(`${h.offerer}:${h.id}`);
    if (!b || b.fate !== h.fate || b.outpoint !== h.outpoint) events.push({ type: 'monitor.htlc', channelId, htlc: h });
  }
  if (after.state === 'closed' && before?.state !== 'closed') events.push({ type: 'monitor.closed', channelId });
  return events;
}
