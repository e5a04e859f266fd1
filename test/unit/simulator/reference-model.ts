/**
 * An independent model of BOLT 2 bookkeeping for the simulator tests. Where core/channel keeps
 * four change lists and applies them to commitment snapshots, this model keeps one state per
 * HTLC (or fee update) per party, walking the ten-step life of an update that BOLT 2 "Normal
 * Operation" describes, and derives every commitment's contents from those states. It knows
 * nothing about transactions, fees or signatures: it predicts commitment numbers, HTLC sets,
 * balances, feerates, and which steps the protocol forbids.
 */
import type { SimEvent } from '../../../core/simulator';

export type Party = 'A' | 'B';
const OTHER: Record<Party, Party> = { A: 'B', B: 'A' };

/** The life of an update seen by the party that SENT it (offered the HTLC / sent update_fee). */
const OFFERER = [
  'SENT_ADD_HTLC', // sent, in no commitment
  'SENT_ADD_COMMIT', // in the peer's commitment (we signed it)
  'RCVD_ADD_REVOCATION', // the peer revoked the commitment without it
  'RCVD_ADD_ACK_COMMIT', // in our commitment (the peer signed it)
  'SENT_ADD_ACK_REVOCATION', // we revoked ours without it: irrevocably committed
  'RCVD_REMOVE_HTLC', // the peer removes it
  'RCVD_REMOVE_COMMIT', // gone from our commitment
  'SENT_REMOVE_REVOCATION',
  'SENT_REMOVE_ACK_COMMIT', // gone from the peer's commitment
  'RCVD_REMOVE_ACK_REVOCATION', // gone for good
] as const;

/** ... and by the party that RECEIVED it. */
const RECEIVER = [
  'RCVD_ADD_HTLC',
  'RCVD_ADD_COMMIT', // in our commitment
  'SENT_ADD_REVOCATION',
  'SENT_ADD_ACK_COMMIT', // in the peer's commitment
  'RCVD_ADD_ACK_REVOCATION', // irrevocably committed: we may remove it now
  'SENT_REMOVE_HTLC',
  'SENT_REMOVE_COMMIT', // gone from the peer's commitment
  'RCVD_REMOVE_REVOCATION',
  'RCVD_REMOVE_ACK_COMMIT', // gone from our commitment
  'SENT_REMOVE_ACK_REVOCATION',
] as const;

type State = (typeof OFFERER)[number] | (typeof RECEIVER)[number];

/** Which step of its life an update is at, and whether it is in a party's commitments. */
interface Entry {
  readonly name: string; // `A0` for HTLCs, `fee#3` for fee updates
  readonly kind: 'htlc' | 'fee';
  readonly role: 'offerer' | 'receiver';
  state: State;
  readonly amountMsat: bigint;
  readonly feeratePerKw: number;
  outcome: 'fulfilled' | 'failed' | null;
  readonly order: number;
}

function index(e: Entry): number {
  return (e.role === 'offerer' ? OFFERER : RECEIVER).indexOf(e.state as never);
}

/** Whether the add / the removal is part of this party's local (newest held) or remote (newest signed) commitment. */
function addIn(e: Entry, which: 'local' | 'remote'): boolean {
  const i = index(e);
  if (e.role === 'offerer') return which === 'local' ? i >= 3 : i >= 1;
  return which === 'local' ? i >= 1 : i >= 3;
}

function removeIn(e: Entry, which: 'local' | 'remote'): boolean {
  const i = index(e);
  if (e.role === 'offerer') return which === 'local' ? i >= 6 : i >= 8;
  return which === 'local' ? i >= 8 : i >= 6;
}

/** On each of a party's own actions or receipts, the updates in state `from` move to `to`. */
const ON: Record<'sendCommit' | 'recvCommit' | 'sendRevoke' | 'recvRevoke', [State, State][]> = {
  sendCommit: [['SENT_ADD_HTLC', 'SENT_ADD_COMMIT'], ['SENT_ADD_REVOCATION', 'SENT_ADD_ACK_COMMIT'], ['SENT_REMOVE_HTLC', 'SENT_REMOVE_COMMIT'], ['SENT_REMOVE_REVOCATION', 'SENT_REMOVE_ACK_COMMIT']],
  recvCommit: [['RCVD_ADD_HTLC', 'RCVD_ADD_COMMIT'], ['RCVD_ADD_REVOCATION', 'RCVD_ADD_ACK_COMMIT'], ['RCVD_REMOVE_HTLC', 'RCVD_REMOVE_COMMIT'], ['RCVD_REMOVE_REVOCATION', 'RCVD_REMOVE_ACK_COMMIT']],
  sendRevoke: [['RCVD_ADD_COMMIT', 'SENT_ADD_REVOCATION'], ['RCVD_ADD_ACK_COMMIT', 'SENT_ADD_ACK_REVOCATION'], ['RCVD_REMOVE_COMMIT', 'SENT_REMOVE_REVOCATION'], ['RCVD_REMOVE_ACK_COMMIT', 'SENT_REMOVE_ACK_REVOCATION']],
  recvRevoke: [['SENT_ADD_COMMIT', 'RCVD_ADD_REVOCATION'], ['SENT_ADD_ACK_COMMIT', 'RCVD_ADD_ACK_REVOCATION'], ['SENT_REMOVE_COMMIT', 'RCVD_REMOVE_REVOCATION'], ['SENT_REMOVE_ACK_COMMIT', 'RCVD_REMOVE_ACK_REVOCATION']],
};

type Msg =
  | { type: 'add'; name: string; amountMsat: bigint }
  | { type: 'remove'; name: string; outcome: 'fulfilled' | 'failed' }
  | { type: 'fee'; name: string; feeratePerKw: number }
  | { type: 'commit' }
  | { type: 'revoke' };

class PartyModel {
  entries: Entry[] = [];
  localCtn = 0;
  remoteCtn = 0;
  awaitingRevoke = false;
  owesRevoke = false;
  nextHtlcId = 0;

  constructor(
    readonly me: Party,
    readonly initialMsat: Record<Party, bigint>,
    readonly initialFeerate: number,
  ) {}

  #move(on: keyof typeof ON): void {
    for (const e of this.entries) {
      const t = ON[on].find(([from]) => from === e.state);
      if (t) e.state = t[1];
    }
  }

  hasChangesToSign(): boolean {
    return this.entries.some((e) => ON.sendCommit.some(([from]) => from === e.state));
  }

  sendCommit(): void {
    this.#move('sendCommit');
    this.remoteCtn++;
    this.awaitingRevoke = true;
  }

  recvCommit(): void {
    this.#move('recvCommit');
    this.localCtn++;
    this.owesRevoke = true;
  }

  sendRevoke(): void {
    this.#move('sendRevoke');
    this.owesRevoke = false;
  }

  recvRevoke(): void {
    this.#move('recvRevoke');
    this.awaitingRevoke = false;
  }

  find(name: string): Entry | undefined {
    return this.entries.find((e) => e.name === name);
  }

  commitment(which: 'local' | 'remote'): { ctn: number; htlcs: string[]; msat: Record<Party, bigint>; feeratePerKw: number } {
    const msat = { ...this.initialMsat };
    const htlcs: string[] = [];
    let feeratePerKw = this.initialFeerate;
    for (const e of [...this.entries].sort((x, y) => x.order - y.order)) {
      if (!addIn(e, which)) continue;
      if (e.kind === 'fee') {
        feeratePerKw = e.feeratePerKw;
        continue;
      }
      const offerer = e.name[0] as Party;
      msat[offerer] -= e.amountMsat;
      if (removeIn(e, which)) msat[e.outcome === 'fulfilled' ? OTHER[offerer] : offerer] += e.amountMsat;
      else htlcs.push(e.name);
    }
    htlcs.sort((x, y) => (x[0] !== y[0] ? (x[0]! < y[0]! ? -1 : 1) : Number(x.slice(1)) - Number(y.slice(1))));
    return { ctn: which === 'local' ? this.localCtn : this.remoteCtn, htlcs, msat, feeratePerKw };
  }
}

export interface ModelCommitment {
  readonly ctn: number;
  readonly htlcs: string[];
  readonly msat: Record<Party, bigint>;
  readonly feeratePerKw: number;
}

/** Two parties and two FIFO queues, driven by the simulator's events. */
export class ReferenceModel {
  readonly parties: Record<Party, PartyModel>;
  readonly queues: Record<Party, Msg[]> = { A: [], B: [] }; // keyed by sender
  #order = 0;

  constructor(fundingSat: bigint, pushMsat: bigint, feeratePerKw: number) {
    const initial = { A: fundingSat * 1000n - pushMsat, B: pushMsat };
    this.parties = { A: new PartyModel('A', initial, feeratePerKw), B: new PartyModel('B', initial, feeratePerKw) };
  }

  commitments(p: Party): { local: ModelCommitment; remote: ModelCommitment } {
    return { local: this.parties[p].commitment('local'), remote: this.parties[p].commitment('remote') };
  }

  /**
   * The error code the protocol (as the simulator reports it) gives for `e` now, or null when the
   * step is legal. Does not change anything.
   */
  forbidden(e: SimEvent): string | null {
    if (!('from' in e)) {
      if (e.deliver === 'all') return null;
      return this.queues[e.deliver === 'A->B' ? 'A' : 'B'].length === 0 ? 'simulator.nothing_in_flight' : null;
    }
    const me = this.parties[e.from];
    switch (e.msg) {
      case 'update_add_htlc':
        return e.id !== null && e.id !== BigInt(me.nextHtlcId) ? 'channel_command.htlc_id_out_of_order' : null;
      case 'update_fulfill_htlc':
      case 'update_fail_htlc':
      case 'update_fail_malformed_htlc': {
        const h = me.find(`${OTHER[e.from]}${e.id}`);
        if (!h) return 'channel_command.unknown_htlc';
        const i = index(h);
        if (i < 4) return 'channel_command.htlc_not_committed';
        if (i === 4) return null;
        return i === 9 ? 'channel_command.unknown_htlc' : 'channel_command.htlc_already_removed';
      }
      case 'update_fee':
        return e.from === 'A' ? null : 'channel_command.not_funder';
      case 'commitment_signed':
        if (me.awaitingRevoke) return 'channel_command.awaiting_revocation';
        return me.hasChangesToSign() ? null : 'channel_command.nothing_to_sign';
      case 'revoke_and_ack':
        return me.owesRevoke ? null : 'channel_command.nothing_to_revoke';
    }
  }

  #deliverOne(from: Party): void {
    const m = this.queues[from].shift()!;
    const to = this.parties[OTHER[from]];
    switch (m.type) {
      case 'add':
        to.entries.push({ name: m.name, kind: 'htlc', role: 'receiver', state: 'RCVD_ADD_HTLC', amountMsat: m.amountMsat, feeratePerKw: 0, outcome: null, order: this.#order++ });
        break;
      case 'fee':
        to.entries.push({ name: m.name, kind: 'fee', role: 'receiver', state: 'RCVD_ADD_HTLC', amountMsat: 0n, feeratePerKw: m.feeratePerKw, outcome: null, order: this.#order++ });
        break;
      case 'remove': {
        const h = to.find(m.name)!;
        h.state = 'RCVD_REMOVE_HTLC';
        h.outcome = m.outcome;
        break;
      }
      case 'commit':
        to.recvCommit();
        break;
      case 'revoke':
        to.recvRevoke();
        break;
    }
  }

  /** Applies a legal event (check `forbidden` first). */
  apply(e: SimEvent): void {
    if (!('from' in e)) {
      if (e.deliver === 'all') {
        while (this.queues.A.length) this.#deliverOne('A');
        while (this.queues.B.length) this.#deliverOne('B');
      } else this.#deliverOne(e.deliver === 'A->B' ? 'A' : 'B');
      return;
    }
    const me = this.parties[e.from];
    const q = this.queues[e.from];
    switch (e.msg) {
      case 'update_add_htlc': {
        const name = `${e.from}${me.nextHtlcId++}`;
        me.entries.push({ name, kind: 'htlc', role: 'offerer', state: 'SENT_ADD_HTLC', amountMsat: e.amountMsat, feeratePerKw: 0, outcome: null, order: this.#order++ });
        q.push({ type: 'add', name, amountMsat: e.amountMsat });
        break;
      }
      case 'update_fulfill_htlc':
      case 'update_fail_htlc':
      case 'update_fail_malformed_htlc': {
        const h = me.find(`${OTHER[e.from]}${e.id}`)!;
        h.state = 'SENT_REMOVE_HTLC';
        h.outcome = e.msg === 'update_fulfill_htlc' ? 'fulfilled' : 'failed';
        q.push({ type: 'remove', name: h.name, outcome: h.outcome });
        break;
      }
      case 'update_fee': {
        const name = `fee#${this.#order}`;
        me.entries.push({ name, kind: 'fee', role: 'offerer', state: 'SENT_ADD_HTLC', amountMsat: 0n, feeratePerKw: e.feeratePerKw, outcome: null, order: this.#order++ });
        q.push({ type: 'fee', name, feeratePerKw: e.feeratePerKw });
        break;
      }
      case 'commitment_signed':
        me.sendCommit();
        q.push({ type: 'commit' });
        break;
      case 'revoke_and_ack':
        me.sendRevoke();
        q.push({ type: 'revoke' });
        break;
    }
    if (e.deliver) while (q.length) this.#deliverOne(e.from);
  }
}
