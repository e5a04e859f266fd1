/**
 * Local commands: what this node asks the state machine to send. Each checks the BOLT 2
 * SENDER requirements (conservatively, see limits.ts) and throws ChannelCommandError without
 * changing anything when the protocol forbids the update right now.
 */
import { equalBytes, sha256 } from '../crypto';
import { dustExposureBreach, feeDustExposureBreach } from './dust';
import { ChannelCommandError } from './errors';
import { bounds, changesPendingForRemote, maxFunderCostMsat, offeredBy } from './limits';
import type { ChannelMessage, CommitmentSigned, RevokeAndAck } from './messages';
import type { ReleaseHeldHtlcPath } from '../wire';
import { applyChanges } from './spec';
import type { ChannelEvent, ChannelStep, StepContext } from './step';
import type { Change, ChannelState, Htlc, Side, Update } from './state';
import { isShuttingDown, otherSide } from './state';
import { buildCommitment, signRemoteCommitment } from './transactions';

/** BOLT 2: `cltv_expiry` values at or above 500000000 would be timestamps. */
export const MAX_CLTV_EXPIRY = 500_000_000;
/** BOLT 2 / BOLT 4: `onion_routing_packet` is 1366 bytes. */
export const ONION_PACKET_LENGTH = 1366;
/** BOLT 4: the BADONION bit every update_fail_malformed_htlc failure_code must carry. */
export const BADONION = 0x8000;

function refuse(code: string, message: string, details?: Record<string, unknown>): ChannelCommandError {
  return new ChannelCommandError(`channel_command.${code}`, message, details);
}

export function assertOperational(state: ChannelState): void {
  if (state.status.kind === 'failed') throw refuse('channel_failed', `the channel has failed (${state.status.code})`);
}

/** Appends a change we send to remote_unacked. */
function withSentChange(state: ChannelState, update: Update): ChannelState {
  const change: Change = { seq: state.nextChangeSeq, origin: 'local', list: 'remote_unacked', update, signedInRemote: null, inLocal: null };
  return { ...state, changes: [...state.changes, change], nextChangeSeq: state.nextChangeSeq + 1 };
}

function sent(state: ChannelState, message: ChannelMessage, events: ChannelEvent[] = []): ChannelStep {
  return { state, persist: 'optional', outbound: [message], events };
}

/**
 * A removal of ours is written before it leaves: a reconnection does not forget it (the peer
 * reverses it, we send it again after channel_reestablish), so a preimage we reveal is never lost
 * to a crash while the incoming HTLC could still time out.
 */
function sentRemoval(state: ChannelState, message: ChannelMessage): ChannelStep {
  return { state, persist: 'required', outbound: [message], events: [] };
}

export type HtlcLookup =
  | { readonly kind: 'committed'; readonly htlc: Htlc }
  | { readonly kind: 'unknown' | 'not_committed' | 'already_removed' };

/**
 * BOLT 2: an HTLC may be removed only once "irrevocably committed in both sides' commitment
 * transactions", and only once. An add change leaves the lists exactly when that happens, so:
 * the HTLC is in our commitment, its add is no longer pending, and no removal is pending.
 */
export function lookupRemovableHtlc(state: ChannelState, offerer: Side, id: bigint): HtlcLookup {
  for (const c of state.changes) {
    const u = c.update;
    if (u.kind === 'add' && u.htlc.offerer === offerer && u.htlc.id === id) return { kind: 'not_committed' };
    if ((u.kind === 'fulfill' || u.kind === 'fail' || u.kind === 'fail_malformed') && u.id === id && otherSide(c.origin) === offerer) {
      return { kind: 'already_removed' };
    }
  }
  const htlc = state.localCommit.spec.htlcs.find((h) => h.offerer === offerer && h.id === id);
  return htlc ? { kind: 'committed', htlc } : { kind: 'unknown' };
}

function removableIncoming(state: ChannelState, id: bigint): Htlc {
  const found = lookupRemovableHtlc(state, 'remote', id);
  if (found.kind === 'committed') return found.htlc;
  const why = { unknown: 'no such HTLC', not_committed: 'not irrevocably committed yet', already_removed: 'already being removed' }[found.kind];
  throw refuse(found.kind === 'unknown' ? 'unknown_htlc' : found.kind === 'not_committed' ? 'htlc_not_committed' : 'htlc_already_removed', `incoming HTLC ${id}: ${why}`, { id: id.toString() });
}

export interface AddHtlcRequest {
  readonly amountMsat: bigint;
  readonly paymentHash: Uint8Array;
  readonly cltvExpiry: number;
  readonly onionRoutingPacket: Uint8Array;
  readonly pathKey?: Uint8Array | null;
  /** Async payments (an often-offline payer): ask our LSP to hold this HTLC until released (`hold_htlc`). */
  readonly holdHtlc?: boolean;
}

/** BOLT 2 update_add_htlc, sender requirements. */
export function addHtlc(state: ChannelState, req: AddHtlcRequest, ctx: StepContext): ChannelStep {
  assertOperational(state);
  // BOLT 2 shutdown: "MUST NOT send an update_add_htlc after a shutdown" (and once the peer's arrives we
  // owe it ours: "shutdown implies ... that no new HTLCs will be added or accepted").
  if (isShuttingDown(state)) throw refuse('shutting_down', 'the channel is closing: no new HTLCs');
  const { params } = state;
  const remote = params.remote.config;
  // "MUST offer amount_msat greater than 0" and "MUST NOT offer amount_msat below the receiving node's htlc_minimum_msat".
  if (req.amountMsat <= 0n) throw refuse('htlc_amount_zero', 'amount_msat must be greater than 0');
  if (req.amountMsat < remote.htlcMinimumMsat) {
    throw refuse('htlc_below_minimum', `amount_msat ${req.amountMsat} is below the peer's htlc_minimum_msat ${remote.htlcMinimumMsat}`);
  }
  // "MUST set cltv_expiry less than 500000000."
  if (!Number.isInteger(req.cltvExpiry) || req.cltvExpiry < 0 || req.cltvExpiry >= MAX_CLTV_EXPIRY) {
    throw refuse('bad_cltv_expiry', `cltv_expiry ${req.cltvExpiry} must be a block height below ${MAX_CLTV_EXPIRY}`);
  }
  if (req.paymentHash.length !== 32) throw refuse('bad_payment_hash', 'payment_hash must be 32 bytes');
  if (req.onionRoutingPacket.length !== ONION_PACKET_LENGTH) throw refuse('bad_onion', `onion_routing_packet must be ${ONION_PACKET_LENGTH} bytes`);

  const b = bounds(state);
  const mine = offeredBy(b, 'local');
  // "if result would be offering more than the remote's max_accepted_htlcs HTLCs ... MUST NOT add an HTLC."
  if (mine.count + 1 > remote.maxAcceptedHtlcs) throw refuse('too_many_htlcs', `the peer accepts at most ${remote.maxAcceptedHtlcs} HTLCs`);
  // "if the total value of offered HTLCs would exceed the remote's max_htlc_value_in_flight_msat: MUST NOT add an HTLC."
  if (mine.valueMsat + req.amountMsat > remote.maxHtlcValueInFlightMsat) {
    throw refuse('htlc_value_in_flight_exceeded', `the peer accepts at most ${remote.maxHtlcValueInFlightMsat} msat in flight`);
  }
  // "MUST NOT offer amount_msat if ... it cannot pay the fee ... while maintaining its channel reserve"
  // (plus the anchors when we are the funder; SHOULD keep a fee-spike buffer).
  const reserveMsat = remote.channelReserveSat * 1000n;
  let cost = 0n;
  if (params.funder === 'local') {
    cost = maxFunderCostMsat(state, b, { feeratePerKw: b.maxFeeratePerKw, extraHtlcs: [req.amountMsat] });
    if (ctx.policy.feeSpikeBuffer) {
      const spike = maxFunderCostMsat(state, b, { feeratePerKw: 2 * b.maxFeeratePerKw, extraHtlcs: [req.amountMsat], extraUntrimmed: 1 });
      if (spike > cost) cost = spike;
    }
  }
  if (b.minBalanceMsat.local - req.amountMsat - cost < reserveMsat) {
    throw refuse('insufficient_balance', `cannot afford ${req.amountMsat} msat while keeping the ${reserveMsat} msat reserve${cost ? ' and the fee' : ''}`);
  }
  // Not the funder: "SHOULD NOT offer amount_msat if, once the remote node adds that HTLC to its
  // commitment transaction, it cannot pay the fee ... while maintaining its channel reserve."
  if (params.funder === 'remote') {
    const fee = maxFunderCostMsat(state, b, { feeratePerKw: b.maxFeeratePerKw, extraHtlcs: [req.amountMsat] });
    if (b.minBalanceMsat.remote - fee < params.local.config.channelReserveSat * 1000n) {
      throw refuse('funder_cannot_afford_fee', 'the peer (funder) could not pay the commitment fee with this HTLC');
    }
  }

  const htlc: Htlc = { offerer: 'local', id: state.nextLocalHtlcId, amountMsat: req.amountMsat, paymentHash: req.paymentHash.slice(), cltvExpiry: req.cltvExpiry };
  const next = { ...withSentChange(state, { kind: 'add', htlc }), nextLocalHtlcId: state.nextLocalHtlcId + 1n };
  // BOLT 2 max_dust_htlc_exposure_msat, "when offering an HTLC: if the HTLC's amount_msat is smaller than
  // the remote dust_limit_satoshis plus the HTLC-success fee [or the holder's dust_limit_satoshis plus the
  // HTLC-timeout fee] ... if the amount_msat plus the dust balance of the remote [local] transaction is
  // greater than max_dust_htlc_exposure_msat: SHOULD NOT send this HTLC".
  const dust = dustExposureBreach(next, htlc, ctx.policy.maxDustHtlcExposureMsat);
  if (dust) {
    throw refuse(
      'dust_exposure_exceeded',
      `trimmed HTLCs on the ${dust.holder} commitment would reach ${dust.exposureMsat} msat, above max_dust_htlc_exposure_msat ${ctx.policy.maxDustHtlcExposureMsat}`,
      { holder: dust.holder, exposureMsat: dust.exposureMsat.toString() },
    );
  }
  return sent(
    next,
    {
      type: 'update_add_htlc',
      channelId: params.channelId,
      id: htlc.id,
      amountMsat: htlc.amountMsat,
      paymentHash: htlc.paymentHash,
      cltvExpiry: htlc.cltvExpiry,
      onionRoutingPacket: req.onionRoutingPacket,
      ...(req.pathKey || req.holdHtlc
        ? { tlvs: { ...(req.pathKey ? { blindedPath: { pathKey: req.pathKey } } : {}), ...(req.holdHtlc ? { holdHtlc: true as const } : {}) } }
        : {}),
    },
    [{ type: 'htlc_offered', htlc }],
  );
}

/** BOLT 2 update_fulfill_htlc for an HTLC the peer offered us. */
export function fulfillHtlc(state: ChannelState, id: bigint, paymentPreimage: Uint8Array): ChannelStep {
  assertOperational(state);
  const htlc = removableIncoming(state, id);
  // BOLT 2 max_dust_htlc_exposure_msat, when receiving an HTLC over the limit: "SHOULD NOT reveal a preimage for this HTLC".
  const failBack = state.incomingHtlcs.find((h) => h.id === id)?.failBack ?? null;
  if (failBack) throw refuse('htlc_must_fail', `incoming HTLC ${id} must be failed back (${failBack}), not fulfilled`, { id: id.toString(), failBack });
  if (paymentPreimage.length !== 32 || !equalBytes(sha256(paymentPreimage), htlc.paymentHash)) {
    throw refuse('preimage_mismatch', `the preimage does not hash to HTLC ${id}'s payment_hash`);
  }
  const preimage = paymentPreimage.slice();
  return sentRemoval(withSentChange(state, { kind: 'fulfill', id, paymentPreimage: preimage }), {
    type: 'update_fulfill_htlc',
    channelId: state.params.channelId,
    id,
    paymentPreimage: preimage,
  });
}

/** BOLT 2 update_fail_htlc for an HTLC the peer offered us. */
export function failHtlc(state: ChannelState, id: bigint, reason: Uint8Array): ChannelStep {
  assertOperational(state);
  removableIncoming(state, id);
  if (reason.length > 0xffff) throw refuse('bad_reason', 'reason is longer than 65535 bytes');
  const r = reason.slice();
  return sentRemoval(withSentChange(state, { kind: 'fail', id, reason: r }), { type: 'update_fail_htlc', channelId: state.params.channelId, id, reason: r });
}

/** BOLT 2 update_fail_malformed_htlc for an HTLC the peer offered us. */
export function failMalformedHtlc(state: ChannelState, id: bigint, sha256OfOnion: Uint8Array, failureCode: number): ChannelStep {
  assertOperational(state);
  removableIncoming(state, id);
  if (!Number.isInteger(failureCode) || failureCode < 0 || failureCode > 0xffff || (failureCode & BADONION) === 0) {
    throw refuse('malformed_without_badonion', `failure_code 0x${failureCode.toString(16)} lacks the BADONION bit`);
  }
  if (sha256OfOnion.length !== 32) throw refuse('bad_onion_hash', 'sha256_of_onion must be 32 bytes');
  const hash = sha256OfOnion.slice();
  return sentRemoval(withSentChange(state, { kind: 'fail_malformed', id, sha256OfOnion: hash, failureCode }), {
    type: 'update_fail_malformed_htlc',
    channelId: state.params.channelId,
    id,
    sha256OfOnion: hash,
    failureCode,
  });
}

/** Whether any commitment (ours, the peer's, the one it has not revoked for yet) or pending add holds an HTLC. */
function hasAnyHtlc(state: ChannelState): boolean {
  return (
    state.localCommit.spec.htlcs.length > 0 ||
    state.remoteCommit.spec.htlcs.length > 0 ||
    (state.remoteNextCommit?.spec.htlcs.length ?? 0) > 0 ||
    state.changes.some((c) => c.update.kind === 'add')
  );
}

/** BOLT 2 update_fee: only the funder sends it, and only a fee it can afford. */
export function updateFee(state: ChannelState, feeratePerKw: number, ctx: StepContext): ChannelStep {
  assertOperational(state);
  const { params } = state;
  // "The node not responsible for paying the Bitcoin fee: MUST NOT send update_fee."
  if (params.funder !== 'local') throw refuse('not_funder', 'only the funder sends update_fee');
  // BOLT 2 shutdown: "if no HTLCs remain in either commitment transaction (including dust HTLCs) and neither
  // side has a pending revoke_and_ack to send: MUST NOT send any update message after that point."
  if (state.closing?.shutdownLocal && !hasAnyHtlc(state)) throw refuse('shutting_down', 'the channel is closing and holds no HTLC: no more updates');
  if (!Number.isInteger(feeratePerKw) || feeratePerKw < ctx.policy.minFeeratePerKw || feeratePerKw > ctx.policy.maxFeeratePerKw) {
    throw refuse('bad_feerate', `feerate_per_kw must be within ${ctx.policy.minFeeratePerKw}..${ctx.policy.maxFeeratePerKw}`);
  }
  const b = bounds(state);
  const cost = maxFunderCostMsat(state, b, { feeratePerKw, trimFeeratePerKw: feeratePerKw });
  if (b.minBalanceMsat.local - cost < params.remote.config.channelReserveSat * 1000n) {
    throw refuse('fee_unaffordable', `cannot pay the commitment fee at ${feeratePerKw} sat/kw while keeping the reserve`);
  }
  // BOLT 2 update_fee sender, "if option_anchors was not negotiated: if the update_fee increases feerate_per_kw:
  // if the dust balance of the remote [local] transaction at the updated feerate_per_kw is greater than
  // max_dust_htlc_exposure_msat: MAY NOT send update_fee". Taken over every HTLC any commitment may hold.
  const worst = { htlcs: b.htlcs, feeratePerKw: b.maxFeeratePerKw };
  const dust = feeDustExposureBreach(params, { local: worst, remote: worst }, feeratePerKw, ctx.policy.maxDustHtlcExposureMsat);
  if (dust) {
    throw refuse(
      'dust_exposure_exceeded',
      `at ${feeratePerKw} sat/kw trimmed HTLCs on the ${dust.holder} commitment would reach ${dust.exposureMsat} msat, above max_dust_htlc_exposure_msat ${ctx.policy.maxDustHtlcExposureMsat}`,
      { holder: dust.holder, exposureMsat: dust.exposureMsat.toString() },
    );
  }
  return sent(withSentChange(state, { kind: 'fee', feeratePerKw }), { type: 'update_fee', channelId: params.channelId, feeratePerKw });
}

/**
 * BOLT 2 commitment_signed: applies every change the peer's commitment lacks (ours, and the
 * peer's that we acknowledged), signs the result and its HTLC transactions. Persist before
 * sending: from now on the peer may broadcast this commitment.
 */
export function signCommitment(state: ChannelState, ctx: StepContext): ChannelStep {
  assertOperational(state);
  if (state.remoteNextCommit) throw refuse('awaiting_revocation', 'the peer has not revoked its previous commitment yet');
  const pending = changesPendingForRemote(state);
  // "MUST NOT send a commitment_signed message that does not include any updates."
  if (pending.length === 0) throw refuse('nothing_to_sign', 'no update to commit');
  const point = state.remoteNextPerCommitmentPoint;
  if (!point) throw refuse('awaiting_revocation', 'no per_commitment_point for the next remote commitment');
  const ctn = state.remoteCommit.ctn + 1;
  const spec = applyChanges(state.remoteCommit.spec, pending);
  const built = buildCommitment(state.params, 'remote', ctn, spec, point);
  const { signature, htlcSignatures } = signRemoteCommitment(state.params, built, ctx.signer);
  const signedSeqs = new Set(pending.map((c) => c.seq));
  const next: ChannelState = {
    ...state,
    changes: state.changes.map((c) => (signedSeqs.has(c.seq) ? { ...c, signedInRemote: ctn } : c)),
    remoteNextCommit: { ctn, spec, perCommitmentPoint: point },
    remoteNextPerCommitmentPoint: null,
  };
  const message: CommitmentSigned = { type: 'commitment_signed', channelId: state.params.channelId, signature, htlcSignatures };
  return { state: next, persist: 'required', outbound: [message], events: [{ type: 'remote_commitment_signed', ctn }] };
}

/**
 * BOLT 2 revoke_and_ack: reveals the secret of our previous commitment and our point for the
 * one after the next. The peer's changes the new commitment holds become acknowledged
 * (local_unacked → remote_acked); ours it holds are done. Persist before sending.
 */
export function revoke(state: ChannelState, ctx: StepContext): ChannelStep {
  assertOperational(state);
  if (!state.revocationOwed) throw refuse('nothing_to_revoke', 'no commitment_signed is waiting for revoke_and_ack');
  const ctn = state.localCommit.ctn;
  const events: ChannelEvent[] = [{ type: 'commitment_revoked', holder: 'local', ctn: ctn - 1 }];
  const changes: Change[] = [];
  const releasePaths: ReleaseHeldHtlcPath[] = [];
  for (const c of state.changes) {
    if (c.list === 'local_unacked' && c.inLocal !== null && c.update.kind === 'add' && ctx.releasePath) {
      // Async payments: "MUST set release_held_htlc_message_paths" for an add that carried hold_htlc (lightning/bolts#1149, LDK 0.2).
      const id = c.update.htlc.id;
      const path = state.incomingHtlcs.find((h) => h.id === id)?.holdHtlc ? ctx.releasePath(id) : undefined;
      if (path) releasePaths.push({ htlcId: id, path });
    }
    if (c.list === 'local_unacked' && c.inLocal !== null) changes.push({ ...c, list: 'remote_acked' });
    else if (c.list === 'local_acked' && c.inLocal !== null) events.push(...completionEvents(c));
    else changes.push(c);
  }
  const message: RevokeAndAck = {
    type: 'revoke_and_ack',
    channelId: state.params.channelId,
    // "MUST set per_commitment_secret to the secret used to generate keys for the previous commitment transaction."
    perCommitmentSecret: ctx.signer.releasePerCommitmentSecret(ctn - 1),
    // "MUST set next_per_commitment_point to the values for its next commitment transaction."
    nextPerCommitmentPoint: ctx.signer.perCommitmentPoint(ctn + 1),
    ...(releasePaths.length > 0 ? { tlvs: { releaseHeldHtlcMessagePaths: releasePaths } } : {}),
  };
  const next = dropResolvedIncoming({ ...state, changes, revocationOwed: false }, events);
  return { state: next, persist: 'required', outbound: [message], events };
}

/** The events of a change leaving the lists: it is irrevocably committed on both sides. */
export function completionEvents(c: Change): ChannelEvent[] {
  const u = c.update;
  switch (u.kind) {
    case 'add':
      return c.origin === 'local' ? [{ type: 'htlc_locked_in', htlc: u.htlc, onionRoutingPacket: null, pathKey: null, failBack: null }] : [];
    case 'fee':
      return [{ type: 'fee_locked_in', feeratePerKw: u.feeratePerKw }];
    default:
      return [{ type: 'htlc_resolved', offerer: otherSide(c.origin), id: u.id, outcome: u.kind === 'fulfill' ? 'fulfilled' : 'failed' }];
  }
}

/** Forgets the onions of incoming HTLCs whose removal just completed. */
export function dropResolvedIncoming(state: ChannelState, events: readonly ChannelEvent[]): ChannelState {
  const gone = new Set(events.flatMap((e) => (e.type === 'htlc_resolved' && e.offerer === 'remote' ? [e.id] : [])));
  if (gone.size === 0) return state;
  return { ...state, incomingHtlcs: state.incomingHtlcs.filter((h) => !gone.has(h.id)) };
}
