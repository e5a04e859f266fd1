/**
 * BOLT 2 "Bounding exposure to trimmed in-flight HTLCs: max_dust_htlc_exposure_msat".
 *
 * A trimmed HTLC has no output: if either commitment is broadcast, its amount goes to the miners.
 * The "dust balance" of a commitment is the sum of the amounts of its trimmed HTLCs, both
 * directions. Trimming is BOLT 3's (spec.ts `isUntrimmedOn`): below the holder's dust limit plus the
 * HTLC-timeout/-success fee at the feerate, which with option_anchors is the dust limit alone
 * (zero-fee HTLC transactions).
 */
import { applyChanges, isUntrimmedOn } from './spec';
import { bounds } from './limits';
import type { Bounds } from './limits';
import type { ChannelParams, ChannelState, CommitmentSpec, Htlc, Side } from './state';

/** The summed amount of the HTLCs in `htlcs` that `holder`'s commitment trims at `feeratePerKw`. */
export function dustBalanceMsat(params: ChannelParams, holder: Side, htlcs: readonly Htlc[], feeratePerKw: number): bigint {
  let sum = 0n;
  for (const h of htlcs) if (!isUntrimmedOn(params, holder, h, feeratePerKw)) sum += h.amountMsat;
  return sum;
}

/**
 * The worst dust balance `holder`'s commitments may reach: every HTLC any commitment may contain
 * (current, signed, or pending in either direction; an HTLC being removed counts until no commitment
 * holds it),
 * trimmed at `feeratePerKw` (default: the highest feerate any commitment may have, which trims the
 * most). Used before we offer an HTLC or a fee, and to decide whether to fail an incoming HTLC back.
 */
export function maxDustExposureMsat(state: ChannelState, holder: Side, b: Bounds = bounds(state), feeratePerKw = b.maxFeeratePerKw): bigint {
  return dustBalanceMsat(state.params, holder, b.htlcs, feeratePerKw);
}

/**
 * `holder`'s next commitment with every pending update of both sides applied (what the next
 * commitment_signed of each side will eventually build): the exact dust balance a fee update
 * changes.
 */
export function pendingSpec(state: ChannelState, holder: Side): CommitmentSpec {
  if (holder === 'local') return applyChanges(state.localCommit.spec, state.changes.filter((c) => c.inLocal === null));
  return applyChanges((state.remoteNextCommit ?? state.remoteCommit).spec, state.changes.filter((c) => c.signedInRemote === null));
}

/**
 * BOLT 2 update_add_htlc dust rules, for an HTLC already counted in `state` (offered by us: "SHOULD NOT
 * send this HTLC"; received: "SHOULD fail this HTLC once it's committed"): the commitment on which
 * `htlc` is trimmed and "the amount_msat plus the dust balance" is over `maxMsat`, or null.
 */
export function dustExposureBreach(state: ChannelState, htlc: Htlc, maxMsat: bigint): { holder: Side; exposureMsat: bigint } | null {
  const b = bounds(state);
  for (const holder of ['local', 'remote'] as const) {
    // "if the HTLC's amount_msat is smaller than the [holder's] dust_limit_satoshis plus the HTLC-timeout
    // [HTLC-success] fee at feerate_per_kw" — i.e. trimmed on that commitment (at the highest feerate it may carry).
    if (isUntrimmedOn(state.params, holder, htlc, b.maxFeeratePerKw)) continue;
    // "if the amount_msat plus the dust balance of the [holder's] transaction is greater than max_dust_htlc_exposure_msat"
    const exposureMsat = maxDustExposureMsat(state, holder, b);
    if (exposureMsat > maxMsat) return { holder, exposureMsat };
  }
  return null;
}

/**
 * BOLT 2 update_fee, without option_anchors: "if the update_fee increases feerate_per_kw: if the dust
 * balance of the remote [local] transaction at the updated feerate_per_kw is greater than
 * max_dust_htlc_exposure_msat". Only an increase that trims more HTLCs counts: a balance already over
 * the limit (incoming HTLCs waiting to be failed back) does not block a fee the channel may need.
 */
export function feeDustExposureBreach(
  params: ChannelParams,
  specs: Readonly<Record<Side, { htlcs: readonly Htlc[]; feeratePerKw: number }>>,
  newFeeratePerKw: number,
  maxMsat: bigint,
): { holder: Side; exposureMsat: bigint } | null {
  // "if option_anchors was not negotiated": with zero-fee HTLC transactions the feerate trims nothing.
  if (params.channelType === 'anchors') return null;
  for (const holder of ['local', 'remote'] as const) {
    const { htlcs, feeratePerKw } = specs[holder];
    if (newFeeratePerKw <= feeratePerKw) continue;
    const before = dustBalanceMsat(params, holder, htlcs, feeratePerKw);
    const after = dustBalanceMsat(params, holder, htlcs, newFeeratePerKw);
    if (after > maxMsat && after > before) return { holder, exposureMsat: after };
  }
  return null;
}
