/**
 * The channel as the UI shows it after every step: the four change lists, both commitment
 * numbers, both commitments' HTLC sets (trimmed, must be failed back) and balances, and each
 * commitment's dust exposure against our limit. JSON-safe by construction: amounts and
 * HTLC ids are decimal strings (msat), bytes are lowercase hex, and nothing secret is included.
 */
import { toHex } from '../crypto';
import { dustBalanceMsat } from './dust';
import { balanceAfterFees, funderCostOn, isUntrimmedOn } from './spec';
import type { Change, ChangeList, ChannelState, CommitmentSpec, FailBackReason, Side } from './state';
import type { ChannelPolicy } from './step';
import { otherSide } from './state';

export interface HtlcView {
  readonly offerer: Side;
  /** Decimal string. */
  readonly id: string;
  /** Decimal string, msat. */
  readonly amountMsat: string;
  readonly paymentHash: string;
  readonly cltvExpiry: number;
  /** True when the HTLC has no output on this commitment (below its holder's dust limit). */
  readonly trimmed: boolean;
  /**
   * Set on an HTLC the peer offered that must be failed back once committed and never fulfilled
   * (`dust_exposure`: BOLT 2 max_dust_htlc_exposure_msat); null otherwise, and always for ours.
   */
  readonly failBack: FailBackReason | null;
}

export interface CommitmentView {
  readonly ctn: number;
  readonly feeratePerKw: number;
  /** Balances before fees, msat, decimal strings. */
  readonly localMsat: string;
  readonly remoteMsat: string;
  /** The funder's base fee plus anchors on this commitment, msat. */
  readonly funderCostMsat: string;
  /** The funder's balance after that cost, msat (may be negative when it cannot pay). */
  readonly funderBalanceAfterFeesMsat: string;
  /** BOLT 2 dust balance of this commitment: the summed amounts of its trimmed HTLCs, both directions, msat. */
  readonly dustExposureMsat: string;
  /** Our policy's `max_dust_htlc_exposure_msat`, msat. */
  readonly maxDustExposureMsat: string;
  readonly htlcs: readonly HtlcView[];
}

export interface ChangeView {
  readonly seq: number;
  readonly origin: Side;
  readonly kind: 'add' | 'fulfill' | 'fail' | 'fail_malformed' | 'fee';
  /** The HTLC concerned (`local:0` = the first HTLC we offered), or null for a fee update. */
  readonly htlc: string | null;
  readonly amountMsat: string | null;
  readonly feeratePerKw: number | null;
  readonly signedInRemote: number | null;
  readonly inLocal: number | null;
}

export interface ChannelView {
  readonly channelId: string;
  readonly channelType: string;
  readonly funder: Side;
  readonly status: string;
  /** The newest commitment of ours the peer signed. */
  readonly localCommit: CommitmentView;
  /** The newest commitment of the peer's we signed. */
  readonly remoteCommit: CommitmentView;
  /** We signed `remoteCommit` and wait for the peer to revoke its predecessor. */
  readonly awaitingRevocation: boolean;
  /** The peer signed `localCommit` and we have not revoked our predecessor yet. */
  readonly revocationOwed: boolean;
  readonly lists: Readonly<Record<'localUnacked' | 'localAcked' | 'remoteUnacked' | 'remoteAcked', readonly ChangeView[]>>;
  readonly nextHtlcId: Readonly<Record<Side, string>>;
}

/** What the view needs of the channel's policy. */
export type ViewPolicy = Pick<ChannelPolicy, 'maxDustHtlcExposureMsat'>;

function commitmentView(state: ChannelState, policy: ViewPolicy, holder: Side, ctn: number, spec: CommitmentSpec): CommitmentView {
  const { params } = state;
  const failBack = (h: CommitmentSpec['htlcs'][number]) =>
    h.offerer === 'remote' ? (state.incomingHtlcs.find((x) => x.id === h.id)?.failBack ?? null) : null;
  return {
    ctn,
    feeratePerKw: spec.feeratePerKw,
    localMsat: spec.localMsat.toString(),
    remoteMsat: spec.remoteMsat.toString(),
    funderCostMsat: funderCostOn(params, holder, spec).toString(),
    funderBalanceAfterFeesMsat: balanceAfterFees(params, holder, spec, params.funder).toString(),
    dustExposureMsat: dustBalanceMsat(params, holder, spec.htlcs, spec.feeratePerKw).toString(),
    maxDustExposureMsat: policy.maxDustHtlcExposureMsat.toString(),
    htlcs: spec.htlcs.map((h) => ({
      offerer: h.offerer,
      id: h.id.toString(),
      amountMsat: h.amountMsat.toString(),
      paymentHash: toHex(h.paymentHash),
      cltvExpiry: h.cltvExpiry,
      trimmed: !isUntrimmedOn(params, holder, h, spec.feeratePerKw),
      failBack: failBack(h),
    })),
  };
}

function changeView(state: ChannelState, c: Change): ChangeView {
  const u = c.update;
  const base = { seq: c.seq, origin: c.origin, kind: u.kind, signedInRemote: c.signedInRemote, inLocal: c.inLocal };
  if (u.kind === 'fee') return { ...base, htlc: null, amountMsat: null, feeratePerKw: u.feeratePerKw };
  if (u.kind === 'add') return { ...base, htlc: `${u.htlc.offerer}:${u.htlc.id}`, amountMsat: u.htlc.amountMsat.toString(), feeratePerKw: null };
  const offerer = otherSide(c.origin);
  const h = [state.localCommit.spec, state.remoteCommit.spec, state.remoteNextCommit?.spec]
    .flatMap((s) => s?.htlcs ?? [])
    .find((x) => x.offerer === offerer && x.id === u.id);
  return { ...base, htlc: `${offerer}:${u.id}`, amountMsat: h ? h.amountMsat.toString() : null, feeratePerKw: null };
}

const LISTS: Record<ChangeList, keyof ChannelView['lists']> = {
  local_unacked: 'localUnacked',
  local_acked: 'localAcked',
  remote_unacked: 'remoteUnacked',
  remote_acked: 'remoteAcked',
};

/** The UI's view of `state`; `policy` gives the dust-exposure limit the commitments are shown against. */
export function channelView(state: ChannelState, policy: ViewPolicy): ChannelView {
  const lists: Record<keyof ChannelView['lists'], ChangeView[]> = { localUnacked: [], localAcked: [], remoteUnacked: [], remoteAcked: [] };
  for (const c of state.changes) lists[LISTS[c.list]].push(changeView(state, c));
  const remote = state.remoteNextCommit ?? state.remoteCommit;
  return {
    channelId: toHex(state.params.channelId),
    channelType: state.params.channelType,
    funder: state.params.funder,
    status: state.status.kind === 'normal' ? 'normal' : `failed: ${state.status.code}`,
    localCommit: commitmentView(state, policy, 'local', state.localCommit.ctn, state.localCommit.spec),
    remoteCommit: commitmentView(state, policy, 'remote', remote.ctn, remote.spec),
    awaitingRevocation: state.remoteNextCommit !== null,
    revocationOwed: state.revocationOwed,
    lists,
    nextHtlcId: { local: state.nextLocalHtlcId.toString(), remote: state.nextRemoteHtlcId.toString() },
  };
}
