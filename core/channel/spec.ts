/**
 * Commitment contents: applying updates to a CommitmentSpec, and the fee a spec costs the
 * funder on either side's commitment transaction (BOLT 3 Fee Calculation / Fee Payment).
 */
import { ChannelError } from './errors';
import { funderCommitmentCostMsat, isHtlcTrimmed } from './fees';
import type { Change, ChannelParams, CommitmentSpec, Htlc, Side } from './state';
import { otherSide } from './state';

function compareHtlcs(a: Htlc, b: Htlc): number {
  if (a.offerer !== b.offerer) return a.offerer === 'local' ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function credit(spec: { localMsat: bigint; remoteMsat: bigint }, side: Side, amount: bigint): void {
  if (side === 'local') spec.localMsat += amount;
  else spec.remoteMsat += amount;
}

/**
 * Applies `changes` (in order) to `spec`: an add moves the amount out of the offerer's balance
 * into the HTLC; a fulfill pays it to the side that fulfilled it; a fail or fail_malformed
 * returns it to the offerer; a fee update replaces the feerate.
 */
export function applyChanges(spec: CommitmentSpec, changes: readonly Change[]): CommitmentSpec {
  const next = { feeratePerKw: spec.feeratePerKw, localMsat: spec.localMsat, remoteMsat: spec.remoteMsat };
  const htlcs = spec.htlcs.slice();
  for (const c of changes) {
    const u = c.update;
    switch (u.kind) {
      case 'add':
        htlcs.push(u.htlc);
        credit(next, u.htlc.offerer, -u.htlc.amountMsat);
        break;
      case 'fulfill':
      case 'fail':
      case 'fail_malformed': {
        const offerer = otherSide(c.origin);
        const i = htlcs.findIndex((h) => h.offerer === offerer && h.id === u.id);
        if (i < 0) throw new ChannelError('channel.internal', `${u.kind} of ${offerer} HTLC ${u.id} that is not in the commitment`);
        const [h] = htlcs.splice(i, 1);
        credit(next, u.kind === 'fulfill' ? c.origin : offerer, h!.amountMsat);
        break;
      }
      case 'fee':
        next.feeratePerKw = u.feeratePerKw;
        break;
    }
  }
  htlcs.sort(compareHtlcs);
  return { ...next, htlcs };
}

/** Whether `htlc` has an output on `holder`'s commitment at `feeratePerKw`. */
export function isUntrimmedOn(params: ChannelParams, holder: Side, htlc: Htlc, feeratePerKw: number): boolean {
  const direction = htlc.offerer === holder ? 'offered' : 'received';
  return !isHtlcTrimmed(direction, htlc.amountMsat, feeratePerKw, params[holder].config.dustLimitSat, params.channelType);
}

/** What the funder pays on `holder`'s commitment with these contents: base fee (+ anchors), msat. */
export function funderCostOn(params: ChannelParams, holder: Side, spec: CommitmentSpec, feeratePerKw = spec.feeratePerKw): bigint {
  const untrimmed = spec.htlcs.filter((h) => isUntrimmedOn(params, holder, h, feeratePerKw)).length;
  return funderCommitmentCostMsat(feeratePerKw, untrimmed, params.channelType);
}

/**
 * A side's balance on `holder`'s commitment after the funder's costs: what the reserve rules of
 * BOLT 2 compare with `channel_reserve_satoshis`.
 */
export function balanceAfterFees(params: ChannelParams, holder: Side, spec: CommitmentSpec, side: Side, feeratePerKw = spec.feeratePerKw): bigint {
  const balance = side === 'local' ? spec.localMsat : spec.remoteMsat;
  return params.funder === side ? balance - funderCostOn(params, holder, spec, feeratePerKw) : balance;
}
