/**
 * The protocol simulator: two channel state machines in memory (A opened the channel and pays
 * the fees), joined by two FIFO queues of messages in flight. Each scripted event is one step;
 * after every step it records the messages sent and delivered and both parties' views (the
 * four change lists, commitment numbers, HTLC sets and balances).
 *
 * Revocations are stepped too: a party answers commitment_signed only when the script says
 * `{"from":X,"msg":"revoke_and_ack"}`.
 */
import { GlasswingError } from '../errors';
import { sha256, toHex, utf8 } from '../crypto';
import type { Channel } from '../channel/channel';
import { ChannelCommandError } from '../channel/errors';
import type { ChannelMessage } from '../channel/messages';
import { isChannelMessage } from '../channel/messages';
import { decodeMessage, encodeMessage } from '../wire';
import type { ChannelPolicy, ChannelStep } from '../channel/step';
import type { Side } from '../channel/state';
import type { ChannelView } from '../channel/view';
import type { PartyName, SimEvent, SimScript } from './events';
import { DEFAULT_CLTV_EXPIRY, SimulationError } from './events';
import { openChannelPair } from './pair';

/** One party's commitments in the `--json` line format. */
export interface PartyCommitments {
  /** The newest local commitment this party holds a signature for. */
  readonly local: { readonly ctn: number; readonly htlcs: readonly string[] };
  /** The newest remote commitment this party has signed. */
  readonly remote: { readonly ctn: number; readonly htlcs: readonly string[] };
}

export interface TraceMessage {
  readonly n: number;
  readonly from: PartyName;
  readonly to: PartyName;
  readonly type: ChannelMessage['type'];
  readonly summary: string;
  /** Size on the wire (BOLT 1 message: type + payload + extension), before BOLT 8 framing. */
  readonly bytes: number;
  readonly sentAtStep: number;
  deliveredAtStep: number | null;
}

export interface TraceStep {
  readonly step: number;
  /** The event as written in the script (normalised to its JSON form). */
  readonly event: Record<string, unknown>;
  readonly sent: readonly number[];
  readonly delivered: readonly number[];
  readonly state: Readonly<Record<PartyName, PartyCommitments>>;
  readonly views: Readonly<Record<PartyName, ChannelView>>;
}

export interface Trace {
  readonly params: { readonly fundingSat: string; readonly pushMsat: string; readonly feeratePerKw: number; readonly channelType: string; readonly funder: PartyName };
  readonly steps: TraceStep[];
  readonly messages: TraceMessage[];
  error: { readonly step: number; readonly code: string; readonly message: string } | null;
}

const OTHER: Record<PartyName, PartyName> = { A: 'B', B: 'A' };

/** The simulator's default preimage of an HTLC named like `A0`. */
export function simulatedPreimage(name: string): Uint8Array {
  return sha256(utf8.encode(`glasswing simulator preimage ${name}`));
}

function htlcName(party: PartyName, offerer: Side, id: bigint): string {
  return `${offerer === 'local' ? party : OTHER[party]}${id}`;
}

function sortNames(names: string[]): string[] {
  return names.sort((x, y) => (x[0] !== y[0] ? (x[0]! < y[0]! ? -1 : 1) : Number(BigInt(x.slice(1)) - BigInt(y.slice(1)))));
}

function summarize(party: PartyName, m: ChannelMessage): string {
  switch (m.type) {
    case 'update_add_htlc':
      return `${party}${m.id} ${m.amountMsat} msat`;
    case 'update_fulfill_htlc':
    case 'update_fail_htlc':
      return `${OTHER[party]}${m.id}`;
    case 'update_fail_malformed_htlc':
      return `${OTHER[party]}${m.id} 0x${m.failureCode.toString(16)}`;
    case 'update_fee':
      return `${m.feeratePerKw} sat/kw`;
    case 'commitment_signed':
      return `${m.htlcSignatures.length} htlc sig${m.htlcSignatures.length === 1 ? '' : 's'}`;
    case 'revoke_and_ack':
      return '';
  }
}

function eventJson(e: SimEvent): Record<string, unknown> {
  if (!('from' in e)) return { deliver: e.deliver };
  const out: Record<string, unknown> = { from: e.from, msg: e.msg };
  if (e.msg === 'update_add_htlc') {
    if (e.id !== null) out.id = Number(e.id);
    out.amount_msat = e.amountMsat.toString();
    if (e.cltvExpiry !== DEFAULT_CLTV_EXPIRY) out.cltv_expiry = e.cltvExpiry;
    if (e.paymentPreimage) out.payment_preimage = toHex(e.paymentPreimage);
  } else if ('id' in e) out.id = Number(e.id);
  if (e.msg === 'update_fee') out.feerate_per_kw = e.feeratePerKw;
  if (e.msg === 'update_fail_malformed_htlc') out.failure_code = e.failureCode;
  if (!e.deliver) out.deliver = false;
  return out;
}

export class Simulator {
  readonly parties: Readonly<Record<PartyName, Channel>>;
  readonly trace: Trace;
  readonly #queues: Record<'A->B' | 'B->A', { n: number; message: ChannelMessage }[]> = { 'A->B': [], 'B->A': [] };
  readonly #preimages = new Map<string, Uint8Array>();
  #stepNo = 0;

  /**
   * `policy` overrides both parties' ChannelPolicy (revocations stay stepped: autoRevoke is off).
   * By default the simulator plays the protocol, not a node's local risk limits: the bound on
   * trimmed HTLCs (max_dust_htlc_exposure_msat, a BOLT 2 MAY/SHOULD) is set to the channel's
   * capacity, so any sequence the BOLT 2 rules allow plays out.
   */
  constructor(script: Omit<SimScript, 'events'>, policy: Partial<ChannelPolicy> = {}) {
    policy = { maxDustHtlcExposureMsat: script.fundingSat * 1000n, ...policy };
    const pushMsat = script.pushMsat ?? (script.fundingSat * 1000n) / 2n;
    const pair = openChannelPair({
      fundingSat: script.fundingSat,
      pushMsat,
      feeratePerKw: script.feeratePerKw,
      channelType: script.channelType,
      policyA: { ...policy, autoRevoke: false },
      policyB: { ...policy, autoRevoke: false },
    });
    this.parties = { A: pair.a, B: pair.b };
    this.trace = {
      params: { fundingSat: script.fundingSat.toString(), pushMsat: pushMsat.toString(), feeratePerKw: script.feeratePerKw, channelType: script.channelType, funder: 'A' },
      steps: [],
      messages: [],
      error: null,
    };
  }

  /** Messages in flight, oldest first. */
  inFlight(direction: 'A->B' | 'B->A'): readonly ChannelMessage[] {
    return this.#queues[direction].map((q) => q.message);
  }

  /** Both parties' commitments in the `--json` format. */
  commitments(): Record<PartyName, PartyCommitments> {
    const of = (p: PartyName): PartyCommitments => {
      const s = this.parties[p].state;
      const remote = s.remoteNextCommit ?? s.remoteCommit;
      const names = (htlcs: readonly { offerer: Side; id: bigint }[]) => sortNames(htlcs.map((h) => htlcName(p, h.offerer, h.id)));
      return {
        local: { ctn: s.localCommit.ctn, htlcs: names(s.localCommit.spec.htlcs) },
        remote: { ctn: remote.ctn, htlcs: names(remote.spec.htlcs) },
      };
    };
    return { A: of('A'), B: of('B') };
  }

  #send(from: PartyName, step: ChannelStep, sent: number[]): void {
    for (const out of step.outbound) {
      // Messages travel as real BOLT 1 bytes: what arrives is what core/wire decodes.
      const bytes = encodeMessage(out);
      const message = decodeMessage(bytes);
      if (!isChannelMessage(message)) throw new SimulationError('simulator.internal', `${out.type} did not decode as itself`);
      const n = this.trace.messages.length;
      this.trace.messages.push({ n, from, to: OTHER[from], type: message.type, summary: summarize(from, message), bytes: bytes.length, sentAtStep: this.#stepNo, deliveredAtStep: null });
      this.#queues[from === 'A' ? 'A->B' : 'B->A'].push({ n, message });
      sent.push(n);
    }
  }

  #deliverOne(direction: 'A->B' | 'B->A', delivered: number[]): void {
    const q = this.#queues[direction].shift();
    if (!q) throw new SimulationError('simulator.nothing_in_flight', `no message in flight ${direction}`);
    const to: PartyName = direction === 'A->B' ? 'B' : 'A';
    this.trace.messages[q.n]!.deliveredAtStep = this.#stepNo;
    delivered.push(q.n);
    const reply = this.parties[to].receive(q.message);
    // With autoRevoke off a received message never produces an immediate answer.
    if (reply.outbound.length > 0) throw new SimulationError('simulator.internal', 'a received message produced output');
  }

  #command(e: Extract<SimEvent, { from: PartyName }>): ChannelStep {
    const ch = this.parties[e.from];
    switch (e.msg) {
      case 'update_add_htlc': {
        const id = ch.state.nextLocalHtlcId;
        // BOLT 2: "MUST increase the value of id by 1 for each successive offer."
        if (e.id !== null && e.id !== id) {
          throw new ChannelCommandError('channel_command.htlc_id_out_of_order', `${e.from}'s next HTLC id is ${id}, not ${e.id}`);
        }
        const name = `${e.from}${id}`;
        const preimage = e.paymentPreimage ?? simulatedPreimage(name);
        const step = ch.addHtlc({ amountMsat: e.amountMsat, paymentHash: sha256(preimage), cltvExpiry: e.cltvExpiry, onionRoutingPacket: new Uint8Array(1366) });
        this.#preimages.set(name, preimage);
        return step;
      }
      case 'update_fulfill_htlc': {
        const name = `${OTHER[e.from]}${e.id}`;
        return ch.fulfillHtlc(e.id, this.#preimages.get(name) ?? simulatedPreimage(name));
      }
      case 'update_fail_htlc':
        return ch.failHtlc(e.id, utf8.encode(`simulated failure of ${OTHER[e.from]}${e.id}`));
      case 'update_fail_malformed_htlc':
        return ch.failMalformedHtlc(e.id, new Uint8Array(32), e.failureCode);
      case 'update_fee':
        return ch.updateFee(e.feeratePerKw);
      case 'commitment_signed':
        return ch.signCommitment();
      case 'revoke_and_ack':
        return ch.revoke();
    }
  }

  /**
   * Runs one event. Throws the typed error of a step the protocol forbids (command refused, or
   * the receiver failing the channel); the trace then records it and the simulation is over.
   */
  step(e: SimEvent): TraceStep {
    if (this.trace.error) throw new SimulationError('simulator.stopped', 'the simulation stopped at an error');
    this.#stepNo++;
    const sent: number[] = [];
    const delivered: number[] = [];
    try {
      if ('from' in e) {
        this.#send(e.from, this.#command(e), sent);
        if (e.deliver) {
          // The transport is ordered: delivering this message delivers everything sent before it.
          const dir = e.from === 'A' ? 'A->B' : 'B->A';
          while (this.#queues[dir].length > 0) this.#deliverOne(dir, delivered);
        }
      } else if (e.deliver === 'all') {
        while (this.#queues['A->B'].length > 0) this.#deliverOne('A->B', delivered);
        while (this.#queues['B->A'].length > 0) this.#deliverOne('B->A', delivered);
      } else this.#deliverOne(e.deliver, delivered);
    } catch (err) {
      if (err instanceof GlasswingError) {
        const details = { ...(err.details ?? {}), step: this.#stepNo };
        this.trace.error = { step: this.#stepNo, code: err.code, message: err.message };
        this.#record(e, sent, delivered);
        const Ctor = err.constructor as new (code: string, message: string, details?: Record<string, unknown>) => GlasswingError;
        throw new Ctor(err.code, `step ${this.#stepNo}: ${err.message}`, details);
      }
      throw err;
    }
    return this.#record(e, sent, delivered);
  }

  #record(e: SimEvent, sent: number[], delivered: number[]): TraceStep {
    const rec: TraceStep = {
      step: this.#stepNo,
      event: eventJson(e),
      sent,
      delivered,
      state: this.commitments(),
      views: { A: this.parties.A.view, B: this.parties.B.view },
    };
    this.trace.steps.push(rec);
    return rec;
  }
}

/**
 * Runs a whole script; `onStep` sees each step as it completes. Stops at the first step the
 * protocol forbids: `error` is that typed error (also summarised in `trace.error`).
 */
export function runSimulation(
  script: SimScript,
  onStep?: (s: TraceStep) => void,
): { trace: Trace; sim: Simulator; error: GlasswingError | null } {
  const sim = new Simulator(script);
  for (const e of script.events) {
    let step: TraceStep;
    try {
      step = sim.step(e);
    } catch (err) {
      if (err instanceof GlasswingError) return { trace: sim.trace, sim, error: err };
      throw err;
    }
    onStep?.(step);
  }
  return { trace: sim.trace, sim, error: null };
}
