/**
 * The Channel lab's view logic: the built-in scenarios, a script composed step by step (checked
 * as it is edited, turned into `runSimulation` events), and the frames of a played trace — what
 * both parties hold, which messages were sent, delivered or are still in flight at step k.
 */
import type { RunSimulationParams, SimulationEventJson, Trace, TraceMessage, TraceStep } from '../../../core/api/channels';
import { formatMsat, parseAmount } from './amount';
import type { SeqMessageInput } from './sequence';

/**
 * The node's built-in scenarios (core/simulator/scenarios.ts). The NodeApi runs them by
 * name but does not list them, so the names and summaries are repeated here.
 */
export const SCENARIOS: readonly { readonly name: string; readonly title: string; readonly summary: string }[] = [
  { name: 'htlc-cycle', title: 'One HTLC, full cycle', summary: 'A adds an HTLC, both sides commit, B fulfills it, both sides commit again.' },
  { name: 'crossing-commits', title: 'Crossing commitments', summary: 'Both add an HTLC at once and sign while the other’s messages are still in flight.' },
  { name: 'fee-update', title: 'Fee update', summary: 'A, the funder, raises the feerate: it reaches B’s commitment first, then A’s.' },
  { name: 'fail-and-fulfill', title: 'Fail and fulfill', summary: 'Two HTLCs from A: B fulfills one and fails the other in the same commitment.' },
];

export type Party = 'A' | 'B';
export type MessageKind = 'update_add_htlc' | 'update_fulfill_htlc' | 'update_fail_htlc' | 'update_fail_malformed_htlc' | 'update_fee' | 'commitment_signed' | 'revoke_and_ack';
export type DeliverTarget = 'A->B' | 'B->A' | 'all';

/** One step of a composed script, as the editor holds it (text as typed). */
export type DraftStep =
  | { readonly uid: number; readonly kind: 'message'; readonly from: Party; readonly msg: MessageKind; readonly amount: string; readonly htlc: string; readonly feerate: string; readonly deliver: boolean }
  | { readonly uid: number; readonly kind: 'deliver'; readonly target: DeliverTarget };

export const MESSAGE_KINDS: readonly { readonly msg: MessageKind; readonly label: string }[] = [
  { msg: 'update_add_htlc', label: 'add HTLC' },
  { msg: 'update_fulfill_htlc', label: 'fulfill HTLC' },
  { msg: 'update_fail_htlc', label: 'fail HTLC' },
  { msg: 'update_fail_malformed_htlc', label: 'fail HTLC (malformed)' },
  { msg: 'update_fee', label: 'update fee' },
  { msg: 'commitment_signed', label: 'commitment_signed' },
  { msg: 'revoke_and_ack', label: 'revoke_and_ack' },
];

export const MAX_STEPS = 200;

/** The channel a composed script runs on (text as typed). A is always the funder. */
export interface ChannelTerms {
  /** Channel capacity in sat. */
  readonly fundingSat: string;
  /** Sat A gives B at opening. */
  readonly pushSat: string;
  readonly feeratePerKw: string;
  readonly channelType: 'anchors' | 'static_remotekey';
}

/** The simulator's defaults: 1 BTC split evenly, 253 sat/kw, anchors. */
export const DEFAULT_TERMS: ChannelTerms = { fundingSat: '100000000', pushSat: '50000000', feeratePerKw: '253', channelType: 'anchors' };

export type TermsParams = Pick<Extract<RunSimulationParams, { events: unknown }>, 'funding_sat' | 'push_msat' | 'feerate_per_kw' | 'channel_type'>;

/**
 * Checks the channel terms as typed. Only the form's rules are checked here (whole numbers, a push
 * within the capacity, BOLT 2's minimum feerate); whether the parties can then afford what the
 * script does is the simulator's to say, at the step where it happens.
 */
export function checkTerms(terms: ChannelTerms): { readonly problems: ReadonlyMap<keyof ChannelTerms, string>; readonly params: TermsParams | null } {
  const problems = new Map<keyof ChannelTerms, string>();
  const whole = (v: string) => (/^[0-9]{1,16}$/.test(v.trim()) ? BigInt(v.trim()) : null);
  const funding = whole(terms.fundingSat);
  const push = whole(terms.pushSat);
  const feerate = whole(terms.feeratePerKw);
  if (funding === null || funding === 0n) problems.set('fundingSat', 'The capacity in sat, a whole number above 0.');
  else if (funding > 21_000_000n * 100_000_000n) problems.set('fundingSat', 'More than 21 million bitcoin.');
  if (push === null) problems.set('pushSat', 'The sat A gives B at opening, a whole number (0 for none).');
  else if (funding !== null && push > funding) problems.set('pushSat', 'A cannot push more than the capacity.');
  // BOLT 2: "MUST set feerate_per_kw to at least the rate ... of 253".
  if (feerate === null || feerate > 0xffffffffn) problems.set('feeratePerKw', 'A feerate in sat per 1,000 weight, a whole number.');
  else if (feerate < 253n) problems.set('feeratePerKw', 'BOLT 2 puts the lowest feerate at 253 sat/kw.');
  if (problems.size > 0 || funding === null || push === null || feerate === null) return { problems, params: null };
  return { problems, params: { funding_sat: funding.toString(), push_msat: (push * 1000n).toString(), feerate_per_kw: Number(feerate), channel_type: terms.channelType } };
}

/** The terms of a played trace, to edit it and run it again. */
export function termsFromTrace(trace: Trace): ChannelTerms {
  const p = trace.params;
  return {
    fundingSat: p.fundingSat,
    pushSat: (BigInt(p.pushMsat) / 1000n).toString(),
    feeratePerKw: String(p.feeratePerKw),
    channelType: p.channelType === 'static_remotekey' ? 'static_remotekey' : 'anchors',
  };
}

/** HTLC names a party may settle: `A0` is settled by B (HTLCs are removed by the side they were offered to). */
export function htlcOwner(name: string): Party | null {
  const m = /^([AB])(\d{1,9})$/.exec(name.trim().toUpperCase());
  return m ? (m[1] as Party) : null;
}

export interface StepCheck {
  /** Per step uid: what is wrong with it. */
  readonly problems: ReadonlyMap<number, string>;
  /** The `runSimulation` events, when every step is right. */
  readonly events: SimulationEventJson[] | null;
}

/**
 * Checks a composed script. Only what the form can know is checked here (amounts, names, who
 * may settle which HTLC); what the protocol forbids in that order is the simulator's to say, at
 * the step where it happens — that is the point of the lab.
 */
export function checkScript(steps: readonly DraftStep[]): StepCheck {
  const problems = new Map<number, string>();
  const events: SimulationEventJson[] = [];
  const nextId: Record<Party, number> = { A: 0, B: 0 };
  if (steps.length > MAX_STEPS) problems.set(steps[MAX_STEPS]!.uid, `At most ${MAX_STEPS} steps.`);
  for (const s of steps.slice(0, MAX_STEPS)) {
    if (s.kind === 'deliver') {
      events.push({ deliver: s.target });
      continue;
    }
    const base = { from: s.from, msg: s.msg, ...(s.deliver ? {} : { deliver: false }) };
    switch (s.msg) {
      case 'update_add_htlc': {
        const a = parseAmount(s.amount, 'sat');
        if (a.kind !== 'valid') problems.set(s.uid, a.kind === 'empty' ? 'Enter the HTLC amount (sat).' : a.reason);
        // BOLT 2 update_add_htlc: the sender "MUST offer amount_msat greater than 0".
        else if (a.msat === 0n) problems.set(s.uid, 'An HTLC of 0 sat: BOLT 2 asks for more than 0 msat, so the peer would refuse it.');
        else events.push({ ...base, id: nextId[s.from], amount_msat: a.msat.toString() });
        nextId[s.from]++;
        break;
      }
      case 'update_fulfill_htlc':
      case 'update_fail_htlc':
      case 'update_fail_malformed_htlc': {
        const owner = htlcOwner(s.htlc);
        const name = s.htlc.trim().toUpperCase();
        const id = Number(name.slice(1));
        if (!owner) problems.set(s.uid, 'Name the HTLC, e.g. A0 (A’s first HTLC).');
        else if (id >= nextId[owner]) problems.set(s.uid, `There is no ${name} at this step: ${addedText(owner, nextId[owner])}.`);
        // BOLT 2: an HTLC is removed by the node it was offered to (update_fulfill_htlc / update_fail_htlc).
        else if (owner === s.from) problems.set(s.uid, `${s.from} cannot ${settleVerb(s.msg)} ${name}: ${s.from} offered it, so only ${owner === 'A' ? 'B' : 'A'} can fulfill or fail it.`);
        else events.push({ ...base, id });
        break;
      }
      case 'update_fee': {
        const f = s.feerate.trim();
        if (!/^[0-9]{1,10}$/.test(f) || Number(f) > 0xffffffff) problems.set(s.uid, 'A feerate in sat per 1,000 weight, a whole number.');
        else events.push({ ...base, feerate_per_kw: Number(f) });
        break;
      }
      default:
        events.push(base);
    }
  }
  return { problems, events: problems.size === 0 ? events : null };
}

/** `A has added 2 HTLCs before it (A0, A1)`. */
function addedText(party: Party, count: number): string {
  if (count === 0) return `${party} has added no HTLC before it`;
  const names = count <= 4 ? Array.from({ length: count }, (_, i) => `${party}${i}`).join(', ') : `${party}0 … ${party}${count - 1}`;
  return `${party} has added ${count === 1 ? 'one HTLC' : `${count} HTLCs`} before it (${names})`;
}

function settleVerb(msg: MessageKind): string {
  return msg === 'update_fulfill_htlc' ? 'fulfill' : 'fail';
}

/** The script of a played trace, as editable steps (so a scenario can be changed and run again). */
export function stepsFromTrace(trace: Trace, nextUid: () => number): DraftStep[] {
  return trace.steps.map((s) => stepFromEvent(s.event, nextUid()));
}

export function stepFromEvent(e: Record<string, unknown>, uid: number): DraftStep {
  if (!('from' in e)) return { uid, kind: 'deliver', target: (e.deliver as DeliverTarget) ?? 'all' };
  const from = e.from === 'B' ? 'B' : 'A';
  const msg = (e.msg as MessageKind) ?? 'commitment_signed';
  const other = from === 'A' ? 'B' : 'A';
  const amountMsat = typeof e.amount_msat === 'string' || typeof e.amount_msat === 'number' ? BigInt(e.amount_msat) : 0n;
  return {
    uid, kind: 'message', from, msg,
    amount: msg === 'update_add_htlc' ? (amountMsat % 1000n === 0n ? (amountMsat / 1000n).toString() : formatMsat(amountMsat).replace(/ sat$/, '').replace(/,/g, '')) : '',
    htlc: typeof e.id === 'number' && msg !== 'update_add_htlc' ? `${other}${e.id}` : '',
    feerate: typeof e.feerate_per_kw === 'number' ? String(e.feerate_per_kw) : '',
    deliver: e.deliver !== false,
  };
}

export function scriptParams(events: SimulationEventJson[]): RunSimulationParams {
  return { events };
}

/** A step in a few words: `A · update_add_htlc A0 10,000 sat (kept in flight)`, `deliver all`. */
export function stepText(event: Record<string, unknown>): string {
  if (!('from' in event)) return event.deliver === 'all' ? 'deliver all in flight' : `deliver ${String(event.deliver).replace('->', ' → ')}`;
  const from = String(event.from);
  const other = from === 'A' ? 'B' : 'A';
  let what = String(event.msg);
  if (event.msg === 'update_add_htlc') what += ` ${from}${String(event.id ?? '')} ${formatMsat(String(event.amount_msat))}`;
  else if (typeof event.id === 'number') what += ` ${other}${event.id}`;
  if (event.msg === 'update_fee') what += ` ${String(event.feerate_per_kw)} sat/kw`;
  return `${from} · ${what}${event.deliver === false ? ' (kept in flight)' : ''}`;
}

/** A short row label for the diagram gutter. */
export function stepShort(event: Record<string, unknown>): string {
  if (!('from' in event)) return event.deliver === 'all' ? 'deliver all' : `deliver ${String(event.deliver).replace('->', '→')}`;
  const names: Record<string, string> = {
    update_add_htlc: 'add', update_fulfill_htlc: 'fulfill', update_fail_htlc: 'fail', update_fail_malformed_htlc: 'fail malformed',
    update_fee: 'fee', commitment_signed: 'sign', revoke_and_ack: 'revoke',
  };
  const from = String(event.from);
  const htlc = event.msg === 'update_add_htlc' ? ` ${from}${String(event.id ?? '')}` : typeof event.id === 'number' ? ` ${from === 'A' ? 'B' : 'A'}${event.id}` : '';
  return `${from} ${names[String(event.msg)] ?? String(event.msg)}${htlc}${event.deliver === false ? ' (in flight)' : ''}`;
}

export interface LabFrame {
  /** 1-based step number shown (0: before the first step). */
  readonly step: number;
  readonly record: TraceStep | null;
  readonly sent: readonly TraceMessage[];
  readonly delivered: readonly TraceMessage[];
  /** Messages sent by this step and not delivered yet. */
  readonly inFlight: readonly TraceMessage[];
  /** The trace stopped at this step with a typed error. */
  readonly error: Trace['error'];
}

/** What the lab shows at step `k` (1-based; 0 = the channel as opened). */
export function labFrame(trace: Trace, k: number): LabFrame {
  const step = Math.max(0, Math.min(k, trace.steps.length));
  const record = step > 0 ? trace.steps[step - 1]! : null;
  const byN = (ns: readonly number[]) => ns.map((n) => trace.messages[n]!).filter(Boolean);
  return {
    step,
    record,
    sent: record ? byN(record.sent) : [],
    delivered: record ? byN(record.delivered) : [],
    inFlight: trace.messages.filter((m) => m.sentAtStep <= step && (m.deliveredAtStep === null || m.deliveredAtStep > step)),
    error: trace.error && trace.error.step === step ? trace.error : null,
  };
}

/** The trace's messages as diagram arrows (rows are steps: step s is row s - 1). */
export function traceArrows(trace: Trace): SeqMessageInput[] {
  return trace.messages.map((m) => ({
    key: `m${m.n}`,
    from: m.from === 'A' ? 0 : 1,
    type: m.type,
    label: m.summary.replace(/(\d+) msat/, (_, n: string) => formatMsat(n)),
    sentRow: m.sentAtStep - 1,
    arriveRow: m.deliveredAtStep === null ? null : m.deliveredAtStep - 1,
    title: `${m.from} → ${m.to}: ${m.type}${m.summary ? ` (${m.summary})` : ''}, ${m.bytes} bytes, sent at step ${m.sentAtStep}${m.deliveredAtStep === null ? ', never delivered' : `, delivered at step ${m.deliveredAtStep}`}`,
  }));
}

/** A file name for the exported diagram: `glasswing-crossing-commits.svg`. */
export function svgFileName(source: string | null): string {
  const base = source ? source.replace(/[^a-z0-9-]+/gi, '-').replace(/^-+|-+$/g, '').toLowerCase() : 'script';
  return `glasswing-${base || 'script'}.svg`;
}
