/**
 * What the payment cores read off a channel's state (core/channel `ChannelState`, plain data):
 * an estimate of what an HTLC may carry out of it now, and — after a restart — the HTLCs it holds
 * that the cores must pick up again (`reconcile`).
 */
import { toHex } from '../crypto';
import type { ChannelState, IncomingHtlcData } from '../channel';
import { bounds, lookupRemovableHtlc, maxFunderCostMsat, offeredBy } from '../channel';
import type { OfferedHtlc } from './outbound';

/**
 * A conservative estimate of the largest HTLC we can offer now (BOLT 2 update_add_htlc, sender):
 * our smallest balance on any commitment, less the reserve the peer asks of us, less — when we are
 * the funder — the commitment fee with a fee-spike buffer (twice the feerate, one more HTLC) and
 * the anchors; bounded by the peer's `max_htlc_value_in_flight_msat` and `max_accepted_htlcs`.
 * The channel's own checks stay the judge: an add it refuses comes back as `htlcAddFailed`.
 */
export function estimateOutboundMsat(state: ChannelState): bigint {
  if (state.status.kind === 'failed') return 0n;
  const b = bounds(state);
  const remote = state.params.remote.config;
  let available = b.minBalanceMsat.local - remote.channelReserveSat * 1000n;
  if (state.params.funder === 'local') available -= maxFunderCostMsat(state, b, { feeratePerKw: 2 * b.maxFeeratePerKw, extraUntrimmed: 2 });
  const mine = offeredBy(b, 'local');
  if (mine.count + 1 > remote.maxAcceptedHtlcs) return 0n;
  const room = remote.maxHtlcValueInFlightMsat - mine.valueMsat;
  if (room < available) available = room;
  return available > 0n ? available : 0n;
}

/** The HTLCs we offered that the channel still holds, with any removal the peer sent (for OutboundPayments/HtlcSwitch.reconcile). */
export function offeredHtlcs(state: ChannelState): OfferedHtlc[] {
  const out = new Map<bigint, { id: bigint; paymentHash: string; amountMsat: bigint; cltvExpiry: number; removal: OfferedHtlc['removal'] }>();
  const specs = [state.localCommit.spec, state.remoteCommit.spec, ...(state.remoteNextCommit ? [state.remoteNextCommit.spec] : [])];
  for (const spec of specs) {
    for (const h of spec.htlcs) {
      if (h.offerer === 'local' && !out.has(h.id)) out.set(h.id, { id: h.id, paymentHash: toHex(h.paymentHash), amountMsat: h.amountMsat, cltvExpiry: h.cltvExpiry, removal: null });
    }
  }
  for (const c of state.changes) {
    const u = c.update;
    if (u.kind === 'add' && u.htlc.offerer === 'local' && !out.has(u.htlc.id)) {
      out.set(u.htlc.id, { id: u.htlc.id, paymentHash: toHex(u.htlc.paymentHash), amountMsat: u.htlc.amountMsat, cltvExpiry: u.htlc.cltvExpiry, removal: null });
    }
  }
  for (const c of state.changes) {
    if (c.origin !== 'remote') continue;
    const u = c.update;
    if (u.kind !== 'fulfill' && u.kind !== 'fail' && u.kind !== 'fail_malformed') continue;
    const h = out.get(u.id);
    if (!h) continue;
    h.removal =
      u.kind === 'fulfill'
        ? { kind: 'fulfill', preimage: u.paymentPreimage }
        : u.kind === 'fail'
          ? { kind: 'fail', reason: u.reason }
          : { kind: 'fail_malformed', failureCode: u.failureCode, sha256OfOnion: u.sha256OfOnion };
  }
  return [...out.values()];
}

/** An incoming HTLC irrevocably committed and not being removed: it waits for a decision. */
export interface AwaitingHtlc {
  readonly id: bigint;
  readonly amountMsat: bigint;
  readonly cltvExpiry: number;
  readonly paymentHash: Uint8Array;
  readonly data: IncomingHtlcData;
}

/**
 * The incoming HTLCs that wait for us (BOLT 2: an HTLC may be removed once "irrevocably committed in
 * both sides' commitment transactions", and is removed once): fed to the switch again after a restart.
 */
export function awaitingIncomingHtlcs(state: ChannelState): AwaitingHtlc[] {
  const out: AwaitingHtlc[] = [];
  for (const data of state.incomingHtlcs) {
    const found = lookupRemovableHtlc(state, 'remote', data.id);
    if (found.kind !== 'committed') continue;
    out.push({ id: data.id, amountMsat: found.htlc.amountMsat, cltvExpiry: found.htlc.cltvExpiry, paymentHash: found.htlc.paymentHash, data });
  }
  return out;
}
