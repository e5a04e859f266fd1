/**
 * Which changes each commitment is still missing, and the conservative bounds a SENDER uses
 * before proposing an update.
 *
 * Why conservative: the peer checks our update against ITS next commitment, which may lack
 * changes we already count (a fail returning money to us whose acknowledgement is still in
 * flight, for instance). So before sending we take, for each side, the smallest balance any
 * commitment that either of us may hold or build could show, the largest HTLC set, and the
 * highest feerate. An update that passes these bounds passes the peer's exact checks in every
 * interleaving of messages — the property tests rely on this.
 */
import { funderCommitmentCostMsat, htlcTimeoutFeeSat } from './fees';
import { applyChanges } from './spec';
import type { Change, ChannelState, CommitmentSpec, Htlc, Side } from './state';
import { balanceOf } from './state';

/** Changes the peer's next commitment_signed will add to our commitment. */
export function changesPendingForLocal(state: ChannelState): Change[] {
  return state.changes.filter((c) => (c.list === 'local_unacked' || c.list === 'local_acked') && c.inLocal === null);
}

/** Changes our next commitment_signed will add to the peer's commitment. */
export function changesPendingForRemote(state: ChannelState): Change[] {
  return state.changes.filter((c) => (c.list === 'remote_unacked' || c.list === 'remote_acked') && c.signedInRemote === null);
}

/** Our next commitment as the peer's next commitment_signed must sign it. */
export function nextLocalSpec(state: ChannelState): CommitmentSpec {
  return applyChanges(state.localCommit.spec, changesPendingForLocal(state));
}

/** The peer's next commitment as our next commitment_signed will sign it. */
export function nextRemoteSpec(state: ChannelState): CommitmentSpec {
  return applyChanges((state.remoteNextCommit ?? state.remoteCommit).spec, changesPendingForRemote(state));
}

interface KnownSpec {
  readonly spec: CommitmentSpec;
  /** Whether an add change is already part of this spec. */
  readonly includes: (c: Change) => boolean;
}

function knownSpecs(state: ChannelState): KnownSpec[] {
  const remoteCtn = state.remoteCommit.ctn;
  const out: KnownSpec[] = [
    { spec: state.localCommit.spec, includes: (c) => c.inLocal !== null },
    { spec: state.remoteCommit.spec, includes: (c) => c.signedInRemote !== null && c.signedInRemote <= remoteCtn },
  ];
  if (state.remoteNextCommit) out.push({ spec: state.remoteNextCommit.spec, includes: (c) => c.signedInRemote !== null });
  return out;
}

export interface Bounds {
  /** Per side: the smallest balance (before fees) any commitment may show. */
  readonly minBalanceMsat: Readonly<Record<Side, bigint>>;
  /** Every HTLC some commitment may contain (current, signed, or pending). */
  readonly htlcs: readonly Htlc[];
  readonly minFeeratePerKw: number;
  readonly maxFeeratePerKw: number;
}

export function bounds(state: ChannelState): Bounds {
  const specs = knownSpecs(state);
  const adds = state.changes.filter((c): c is Change & { update: { kind: 'add'; htlc: Htlc } } => c.update.kind === 'add');
  const minBalance = (side: Side): bigint => {
    let min: bigint | undefined;
    for (const k of specs) {
      let b = balanceOf(k.spec, side);
      for (const c of adds) if (c.update.htlc.offerer === side && !k.includes(c)) b -= c.update.htlc.amountMsat;
      if (min === undefined || b < min) min = b;
    }
    return min!;
  };
  const seen = new Map<string, Htlc>();
  for (const k of specs) for (const h of k.spec.htlcs) seen.set(`${h.offerer}:${h.id}`, h);
  for (const c of adds) seen.set(`${c.update.htlc.offerer}:${c.update.htlc.id}`, c.update.htlc);
  const feerates = specs.map((k) => k.spec.feeratePerKw);
  for (const c of state.changes) if (c.update.kind === 'fee') feerates.push(c.update.feeratePerKw);
  return {
    minBalanceMsat: { local: minBalance('local'), remote: minBalance('remote') },
    htlcs: [...seen.values()],
    minFeeratePerKw: Math.min(...feerates),
    maxFeeratePerKw: Math.max(...feerates),
  };
}

/** HTLCs offered by `side` that some commitment may still contain: count and total value. */
export function offeredBy(b: Bounds, side: Side): { count: number; valueMsat: bigint } {
  let count = 0;
  let valueMsat = 0n;
  for (const h of b.htlcs) {
    if (h.offerer !== side) continue;
    count++;
    valueMsat += h.amountMsat;
  }
  return { count, valueMsat };
}

/**
 * An upper bound of the funder's cost (base fee + anchors) on either commitment: HTLCs counted
 * as untrimmed at the lowest feerate and lowest dust limit, the fee taken at `feeratePerKw`.
 */
export function maxFunderCostMsat(
  state: ChannelState,
  b: Bounds,
  opts: { feeratePerKw: number; extraHtlcs?: readonly bigint[]; extraUntrimmed?: number; trimFeeratePerKw?: number },
): bigint {
  const { params } = state;
  const dust = params.local.config.dustLimitSat < params.remote.config.dustLimitSat ? params.local.config.dustLimitSat : params.remote.config.dustLimitSat;
  const trimRate = Math.min(opts.trimFeeratePerKw ?? b.minFeeratePerKw, b.minFeeratePerKw);
  // The HTLC-timeout fee is the smaller second-stage fee, so this trims the fewest HTLCs.
  const minSecondStageFee = htlcTimeoutFeeSat(trimRate, params.channelType);
  const amounts = [...b.htlcs.map((h) => h.amountMsat), ...(opts.extraHtlcs ?? [])];
  const untrimmed = amounts.filter((a) => a / 1000n - minSecondStageFee >= dust).length + (opts.extraUntrimmed ?? 0);
  return funderCommitmentCostMsat(opts.feeratePerKw, untrimmed, params.channelType);
}
