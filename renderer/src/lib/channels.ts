/**
 * Channel view logic: the channel list kept live by `channel.*` events, the balance bar, the
 * HTLC table of both commitments, the four change lists in words, and the message history of a
 * channel merged from `getChannel` and live `channel.message` events.
 *
 * The four lists are DESIGN.md's "The channel state machine": changes for the local commitment
 * (`localUnacked` received, `localAcked` sent and acknowledged by the peer's revoke_and_ack) and
 * for the remote commitment (`remoteUnacked` sent, `remoteAcked` received and acknowledged by our
 * revoke_and_ack); `signedInRemote` / `inLocal` say which commitment first included a change.
 */
import type { NodeEvent } from '../../../core/api/events';
import type { ChangeView, ChannelMessageInfo, ChannelSummary, ChannelView, CommitmentView, HtlcView } from '../../../core/api/channels';
import { formatMsat } from './amount';

export type ListName = keyof ChannelView['lists'];

/** How the UI names an HTLC reference like `local:3` (inspector: "ours 3"; lab: "A3"). */
export type HtlcNamer = (ref: string) => string;

/** The inspector's names, from this node's point of view. */
export const OUR_NAMES: HtlcNamer = (ref) => {
  const [side, id] = ref.split(':');
  return side === 'local' ? `ours ${id}` : side === 'remote' ? `theirs ${id}` : ref;
};

/** The lab's names: HTLCs are named by the party that offered them (`A0`, `B2`). */
export function partyNames(party: 'A' | 'B'): HtlcNamer {
  const other = party === 'A' ? 'B' : 'A';
  return (ref) => {
    const [side, id] = ref.split(':');
    return side === 'local' ? `${party}${id}` : side === 'remote' ? `${other}${id}` : ref;
  };
}

// ----- the list -----------------------------------------------------------------------------

/** Newest channel first. */
export function sortChannels(channels: readonly ChannelSummary[]): ChannelSummary[] {
  return [...channels].sort((a, b) => b.createdAt - a.createdAt || (a.channelId < b.channelId ? -1 : 1));
}

/** The list after an event: `channel.updated` carries the whole summary; `channel.failed` marks it failed. */
export function reduceChannels(channels: readonly ChannelSummary[], event: NodeEvent): readonly ChannelSummary[] {
  if (event.type === 'channel.updated') {
    const i = channels.findIndex((c) => c.channelId === event.channel.channelId);
    if (i === -1) return sortChannels([...channels, event.channel]);
    const next = channels.slice();
    next[i] = event.channel;
    return next;
  }
  if (event.type === 'channel.failed') {
    return channels.map((c) =>
      c.channelId === event.channelId ? { ...c, state: 'failed' as const, failure: { code: event.code, message: event.message }, dataLoss: event.dataLoss ?? c.dataLoss } : c,
    );
  }
  return channels;
}

export interface BalanceShares {
  /** Fractions of the capacity, summing to at most 1. */
  readonly local: number;
  readonly inFlight: number;
  readonly remote: number;
  /** msat in HTLCs (capacity minus both balances; balances are before fees). */
  readonly inFlightMsat: bigint;
}

/** The balance bar: ours | HTLCs in flight | theirs, as fractions of the capacity. */
export function balanceShares(c: Pick<ChannelSummary, 'capacitySat' | 'localBalanceMsat' | 'remoteBalanceMsat'>): BalanceShares {
  const capacity = BigInt(c.capacitySat) * 1000n;
  const local = BigInt(c.localBalanceMsat);
  const remote = BigInt(c.remoteBalanceMsat);
  const inFlightMsat = capacity > local + remote ? capacity - local - remote : 0n;
  if (capacity <= 0n) return { local: 0, inFlight: 0, remote: 0, inFlightMsat };
  const share = (x: bigint) => Number((x * 1_000_000n) / capacity) / 1_000_000;
  return { local: share(local), inFlight: share(inFlightMsat), remote: share(remote), inFlightMsat };
}

export const STATE_WORDS: Readonly<Record<string, { label: string; tone: 'good' | 'warn' | 'bad' | 'neutral'; explain: string }>> = {
  active: { label: 'active', tone: 'good', explain: 'channel_reestablish is done: updates flow.' },
  reestablishing: { label: 'reestablishing', tone: 'warn', explain: 'Connected; waiting for the peer’s channel_reestablish.' },
  offline: { label: 'offline', tone: 'neutral', explain: 'The peer is not connected; the channel resumes when it is.' },
  failed: { label: 'failed', tone: 'bad', explain: 'The channel failed and is never signed again.' },
};

export function stateInfo(state: string): { label: string; tone: 'good' | 'warn' | 'bad' | 'neutral'; explain: string } {
  return STATE_WORDS[state] ?? { label: state, tone: 'neutral', explain: '' };
}

// ----- HTLCs of both commitments --------------------------------------------------------------

export interface HtlcRow {
  /** `local:3` (we offered it) or `remote:0` (the peer did). */
  readonly ref: string;
  readonly offerer: 'local' | 'remote';
  readonly id: string;
  readonly amountMsat: string;
  readonly paymentHash: string;
  readonly cltvExpiry: number;
  /** Its place in each commitment: absent, an output, or trimmed (below the holder's dust limit). */
  readonly inLocal: 'output' | 'trimmed' | null;
  readonly inRemote: 'output' | 'trimmed' | null;
  /** Set on an HTLC the peer offered that must be failed back, never fulfilled (see `FAIL_BACK_WORDS`). */
  readonly failBack: HtlcView['failBack'];
}

/** Why an incoming HTLC must be failed back, in words: a badge label and its explanation. */
export const FAIL_BACK_WORDS: Readonly<Record<NonNullable<HtlcView['failBack']>, { label: string; explain: string }>> = {
  dust_exposure: {
    label: 'must fail back (dust exposure)',
    explain:
      'Trimmed HTLCs would exceed max_dust_htlc_exposure_msat with this one (BOLT 2): it is failed back once committed and never fulfilled, so its amount cannot be lost to fees if a commitment is broadcast.',
  },
  shutdown: {
    label: 'must fail back (closing)',
    explain: 'The peer added it after we sent shutdown: BOLT 2 says we SHOULD fail to route any HTLC added after our shutdown, so it is failed back once committed.',
  },
};

const place = (h: HtlcView | undefined): 'output' | 'trimmed' | null => (h ? (h.trimmed ? 'trimmed' : 'output') : null);

/** Every HTLC in either commitment, once, with where it is: offered by us first, then by id. */
export function htlcRows(view: Pick<ChannelView, 'localCommit' | 'remoteCommit'>): HtlcRow[] {
  const key = (h: HtlcView) => `${h.offerer}:${h.id}`;
  const local = new Map(view.localCommit.htlcs.map((h) => [key(h), h]));
  const remote = new Map(view.remoteCommit.htlcs.map((h) => [key(h), h]));
  const refs = new Set([...local.keys(), ...remote.keys()]);
  return [...refs]
    .map((ref): HtlcRow => {
      const h = (local.get(ref) ?? remote.get(ref))!;
      return {
        ref, offerer: h.offerer, id: h.id, amountMsat: h.amountMsat, paymentHash: h.paymentHash, cltvExpiry: h.cltvExpiry,
        inLocal: place(local.get(ref)), inRemote: place(remote.get(ref)),
        failBack: local.get(ref)?.failBack ?? remote.get(ref)?.failBack ?? null,
      };
    })
    .sort((a, b) => (a.offerer === b.offerer ? Number(BigInt(a.id) - BigInt(b.id)) : a.offerer === 'local' ? -1 : 1));
}

// ----- dust exposure --------------------------------------------------------------------------

export interface DustExposure {
  readonly exposureMsat: bigint;
  readonly limitMsat: bigint;
  /** exposure / limit, clamped to [0, 1] (for a bar). */
  readonly share: number;
  /** Above the limit (incoming HTLCs flagged to be failed back are still in the commitment). */
  readonly over: boolean;
  /** `1,500 of 5,000 sat`. */
  readonly amounts: string;
  /** `dust exposure 1,500 of 5,000 sat`. */
  readonly text: string;
}

/** A commitment's dust exposure (its trimmed HTLCs, both directions) against our max_dust_htlc_exposure_msat. */
export function dustExposure(
  commit: Pick<CommitmentView, 'dustExposureMsat' | 'maxDustExposureMsat'> & Partial<Pick<CommitmentView, 'localMsat' | 'remoteMsat' | 'htlcs'>>,
): DustExposure {
  const exposureMsat = BigInt(commit.dustExposureMsat);
  const limitMsat = BigInt(commit.maxDustExposureMsat);
  // A limit the whole channel cannot reach (the simulator's: it plays the protocol without it) is no limit.
  if (commit.localMsat !== undefined && commit.remoteMsat !== undefined) {
    const totalMsat = BigInt(commit.localMsat) + BigInt(commit.remoteMsat) + (commit.htlcs ?? []).reduce((n, h) => n + BigInt(h.amountMsat), 0n);
    if (limitMsat >= totalMsat) {
      const amounts = `${formatMsat(exposureMsat)}, no limit`;
      return { exposureMsat, limitMsat, share: 0, over: false, amounts, text: `dust exposure ${amounts}` };
    }
  }
  const share = limitMsat <= 0n ? (exposureMsat > 0n ? 1 : 0) : exposureMsat >= limitMsat ? 1 : Number((exposureMsat * 10_000n) / limitMsat) / 10_000;
  const amounts = `${formatMsat(exposureMsat).replace(/ sat$/, '')} of ${formatMsat(limitMsat)}`;
  return { exposureMsat, limitMsat, share, over: exposureMsat > limitMsat, amounts, text: `dust exposure ${amounts}` };
}

// ----- the four change lists ------------------------------------------------------------------

export interface ListInfo {
  readonly name: ListName;
  readonly title: string;
  /** How changes get into this list, and out of it. */
  readonly explain: string;
}

/** DESIGN.md "The channel state machine", one line per list. */
export const LISTS: readonly ListInfo[] = [
  { name: 'localUnacked', title: 'Local · unacked', explain: 'Updates the peer sent us. Its commitment_signed applies them to our commitment; our revoke_and_ack then moves them to remote · acked.' },
  { name: 'localAcked', title: 'Local · acked', explain: 'Our updates the peer acknowledged with revoke_and_ack; its next commitment_signed puts them in our commitment.' },
  { name: 'remoteUnacked', title: 'Remote · unacked', explain: 'Updates we sent. Our commitment_signed applies them to the peer’s commitment; its revoke_and_ack moves them to local · acked.' },
  { name: 'remoteAcked', title: 'Remote · acked', explain: 'The peer’s updates we acknowledged with revoke_and_ack; our next commitment_signed puts them in the peer’s commitment.' },
];

const KIND_WORDS: Readonly<Record<ChangeView['kind'], string>> = { add: 'add', fulfill: 'fulfill', fail: 'fail', fail_malformed: 'fail (malformed)', fee: 'fee' };

/** A change in a few words: `add ours 0 · 20,000 sat`, `fulfill theirs 1`, `fee → 2,500 sat/kw`. */
export function changeLabel(c: ChangeView, name: HtlcNamer): string {
  if (c.kind === 'fee') return `fee → ${c.feeratePerKw ?? '?'} sat/kw`;
  const what = `${KIND_WORDS[c.kind]} ${c.htlc ? name(c.htlc) : ''}`.trim();
  return c.amountMsat !== null ? `${what} · ${formatMsat(c.amountMsat)}` : what;
}

/** Where a change stands: in which commitments it already is. */
export function changeProgress(c: ChangeView): string[] {
  const out: string[] = [];
  if (c.signedInRemote !== null) out.push(`in theirs #${c.signedInRemote}`);
  if (c.inLocal !== null) out.push(`in ours #${c.inLocal}`);
  return out;
}

/** Total changes in the four lists (0: nothing pending). */
export function pendingChanges(view: Pick<ChannelView, 'lists'>): number {
  return LISTS.reduce((n, l) => n + view.lists[l.name].length, 0);
}

// ----- messages ---------------------------------------------------------------------------------

export const MESSAGE_KEEP = 400;

/**
 * Adds messages to a channel's history once each, in the order the node recorded them. `n`
 * counts the node's channel messages since it started, so it identifies a message within one
 * connection to the node (the live event's `time` is the event's, not the record's; it may differ).
 */
export function mergeChannelMessages(list: readonly ChannelMessageInfo[], added: readonly ChannelMessageInfo[], keep = MESSAGE_KEEP): readonly ChannelMessageInfo[] {
  if (added.length === 0) return list;
  const seen = new Set(list.map((m) => m.n));
  const fresh = added.filter((m) => !seen.has(m.n) && (seen.add(m.n), true));
  if (fresh.length === 0) return list;
  const all = [...list, ...fresh].sort((a, b) => a.n - b.n);
  return all.length > keep ? all.slice(all.length - keep) : all;
}

/** The channel message an event carries, if it is one. */
export function channelMessageOf(event: NodeEvent): ChannelMessageInfo | null {
  if (event.type !== 'channel.message') return null;
  const { type: _type, seq: _seq, ...info } = event;
  return info;
}

/**
 * A channel message as the inspector's diagram labels it, from this node's side, short enough
 * to sit on an arrow: `ours 0 · 10,000 sat`, `signs theirs #4`, `revokes ours #3`.
 */
export function channelMessageLabel(m: Pick<ChannelMessageInfo, 'direction' | 'messageType' | 'htlcId' | 'commitmentNumber' | 'summary'>): string {
  const parts: string[] = [];
  if (m.htlcId) parts.push(OUR_NAMES(m.htlcId));
  const add = /^(\d+) msat, expiry (\d+)$/.exec(m.summary);
  if (m.messageType === 'commitment_signed' && m.commitmentNumber !== null) {
    parts.push(`signs ${m.direction === 'out' ? 'theirs' : 'ours'} #${m.commitmentNumber}`);
  } else if (m.messageType === 'revoke_and_ack' && m.commitmentNumber !== null) {
    parts.push(`revokes ${m.direction === 'out' ? 'ours' : 'theirs'} #${m.commitmentNumber}`);
  }
  if (add) parts.push(formatMsat(add[1]!));
  else if (m.messageType !== 'commitment_signed' && m.summary && !['fulfilled', 'failed'].includes(m.summary)) parts.push(m.summary);
  return parts.join(' · ');
}

/** What caused a step, in words: a command of ours, a message from the peer, or the connection. */
export function causeText(cause: string): string {
  const words: Record<string, string> = {
    add_htlc: 'we added an HTLC',
    fulfill_htlc: 'we fulfilled an HTLC',
    fail_htlc: 'we failed an HTLC',
    fail_malformed_htlc: 'we failed an HTLC (malformed)',
    update_fee: 'we updated the fee',
    commit: 'we signed their commitment',
    connected: 'the peer reconnected',
    disconnected: 'the peer went offline',
    opened: 'the channel opened',
    peer_error: 'the peer sent an error',
    loaded: 'loaded',
  };
  return words[cause] ?? `${cause} received`;
}

/** Which of commitment_signed / revoke_and_ack we sent last, from the message history (else `fallback`). */
export function lastSentOf(messages: readonly Pick<ChannelMessageInfo, 'direction' | 'messageType'>[], fallback: string): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.direction === 'out' && (m.messageType === 'commitment_signed' || m.messageType === 'revoke_and_ack')) return m.messageType;
  }
  return fallback;
}

/**
 * How a commitment card names the funder's fee (BOLT 3: the funder pays the commitment fee and the
 * anchors): balances are shown before it. `name` is a party as the card says it: `us`, `them`, `A`.
 */
export function funderWords(name: string): { readonly basis: string; readonly pays: string; readonly after: string } {
  const subject = name === 'us' ? 'we' : name === 'them' ? 'they' : name;
  const verb = subject === 'we' || subject === 'they' ? 'pay' : 'pays';
  return {
    basis: `Balances before fees, which ${subject} ${verb} as the funder.`,
    pays: `fee paid by ${name}`,
    after: `to ${name} after fees`,
  };
}
