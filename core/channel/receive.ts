/**
 * Messages from the peer. Every BOLT 2 receiver requirement is checked here; a violation is a
 * ChannelError (the caller fails the channel), and the state given in is left untouched.
 */
import { equalBytes, isValidPrivateKey, isValidPublicKey, publicKeyFromPrivate, sha256 } from '../crypto';
import { dustExposureBreach, feeDustExposureBreach, pendingSpec } from './dust';
import { ChannelError, ShachainError } from './errors';
import { BADONION, MAX_CLTV_EXPIRY, ONION_PACKET_LENGTH, completionEvents, dropResolvedIncoming, lookupRemovableHtlc, revoke } from './commands';
import { changesPendingForLocal, nextLocalSpec } from './limits';
import type {
  ChannelMessage, CommitmentSigned, RevokeAndAck, UpdateAddHtlc, UpdateFailHtlc, UpdateFailMalformedHtlc, UpdateFee,
  UpdateFulfillHtlc,
} from './messages';
import { SHACHAIN_MAX_INDEX, insertSecret } from './shachain';
import { applyChanges, balanceAfterFees } from './spec';
import type { ChannelEvent, ChannelStep, StepContext } from './step';
import type { Change, ChannelState, Htlc, Update } from './state';
import { buildCommitment, checkLocalCommitmentSignatures } from './transactions';

function violation(code: string, message: string, details?: Record<string, unknown>): ChannelError {
  return new ChannelError(`channel.${code}`, message, details);
}

/** Appends a change the peer sent to local_unacked. */
function withReceivedChange(state: ChannelState, update: Update): ChannelState {
  const change: Change = { seq: state.nextChangeSeq, origin: 'remote', list: 'local_unacked', update, signedInRemote: null, inLocal: null };
  return { ...state, changes: [...state.changes, change], nextChangeSeq: state.nextChangeSeq + 1 };
}

function received(state: ChannelState, events: ChannelEvent[] = []): ChannelStep {
  return { state, persist: 'optional', outbound: [], events };
}

function receiveAdd(state: ChannelState, m: UpdateAddHtlc, ctx: StepContext): ChannelStep {
  const { params } = state;
  const local = params.local.config;
  // BOLT 2 shutdown, sender: "MUST NOT send an update_add_htlc after a shutdown". The peer did.
  if (state.closing?.shutdownRemote) throw violation('htlc_after_shutdown', `update_add_htlc ${m.id} after the peer's shutdown`, { id: m.id.toString() });
  // "if other id violations occur: MAY send a warning ... or send an error and fail the channel."
  // (A repeated id after a reconnection is the retransmission logic's business, not this one's.)
  if (m.id !== state.nextRemoteHtlcId) {
    throw violation('htlc_id_out_of_order', `update_add_htlc id ${m.id}, expected ${state.nextRemoteHtlcId}`, { id: m.id.toString() });
  }
  // "receiving an amount_msat equal to 0, OR less than its own htlc_minimum_msat: SHOULD ... fail the channel."
  if (m.amountMsat <= 0n) throw violation('htlc_amount_zero', 'update_add_htlc with amount_msat 0');
  if (m.amountMsat < local.htlcMinimumMsat) {
    throw violation('htlc_below_minimum', `amount_msat ${m.amountMsat} is below our htlc_minimum_msat ${local.htlcMinimumMsat}`);
  }
  // "if sending node sets cltv_expiry to greater or equal to 500000000: SHOULD ... fail the channel."
  if (m.cltvExpiry >= MAX_CLTV_EXPIRY) throw violation('htlc_cltv_expiry_is_timestamp', `cltv_expiry ${m.cltvExpiry} is not a block height`);
  if (m.paymentHash.length !== 32) throw violation('bad_payment_hash', 'payment_hash must be 32 bytes');
  if (m.onionRoutingPacket.length !== ONION_PACKET_LENGTH) throw violation('bad_onion_length', `onion_routing_packet must be ${ONION_PACKET_LENGTH} bytes`);

  const htlc: Htlc = { offerer: 'remote', id: m.id, amountMsat: m.amountMsat, paymentHash: m.paymentHash.slice(), cltvExpiry: m.cltvExpiry };
  const next = { ...withReceivedChange(state, { kind: 'add', htlc }), nextRemoteHtlcId: m.id + 1n };
  // The checks below look at our commitment as the peer's next commitment_signed must build it.
  const spec = nextLocalSpec(next);
  const theirs = spec.htlcs.filter((h) => h.offerer === 'remote');
  // "if a sending node adds more than receiver max_accepted_htlcs HTLCs to its local commitment transaction ..."
  if (theirs.length > local.maxAcceptedHtlcs) {
    throw violation('too_many_htlcs', `the peer offers ${theirs.length} HTLCs, more than our max_accepted_htlcs ${local.maxAcceptedHtlcs}`);
  }
  // "... OR adds more than receiver max_htlc_value_in_flight_msat worth of offered HTLCs"
  const inFlight = theirs.reduce((s, h) => s + h.amountMsat, 0n);
  if (inFlight > local.maxHtlcValueInFlightMsat) {
    throw violation('htlc_value_in_flight_exceeded', `${inFlight} msat offered exceeds our max_htlc_value_in_flight_msat ${local.maxHtlcValueInFlightMsat}`);
  }
  // "receiving an amount_msat that the sending node cannot afford at the current feerate_per_kw (while
  // maintaining its channel reserve and any to_local_anchor and to_remote_anchor costs)"
  const left = balanceAfterFees(params, 'local', spec, 'remote');
  if (left < local.channelReserveSat * 1000n) {
    throw violation('htlc_unaffordable', `the peer would keep ${left} msat after this HTLC and the fees, below the reserve ${local.channelReserveSat * 1000n} msat`);
  }
  // We are the funder: each untrimmed HTLC the peer adds raises the fee we pay. BOLT 2 update_add_htlc
  // sender (not the funder): "SHOULD NOT offer amount_msat if, once the remote node adds that HTLC to its
  // commitment transaction, it cannot pay the fee for the updated local or remote transaction at the
  // current feerate_per_kw while maintaining its channel reserve." Accepting it anyway would let the peer
  // eat our reserve and then our balance in fees, so we fail the channel (as LDK does).
  // Only an HTLC that costs us something counts (a trimmed one adds no fee), and only below the reserve:
  // a funder may start below it (push_msat), and the peer's HTLCs that leave our balance as it was are fine.
  if (params.funder === 'local') {
    const ours = balanceAfterFees(params, 'local', spec, 'local');
    const before = balanceAfterFees(params, 'local', nextLocalSpec(state), 'local');
    const reserve = params.remote.config.channelReserveSat * 1000n;
    if (ours < reserve && ours < before) {
      throw violation('htlc_funder_fee_unaffordable', `with this HTLC we (the funder) would keep ${ours} msat after fees, below the reserve ${reserve} msat the peer requires`);
    }
  }
  // BOLT 2 max_dust_htlc_exposure_msat, "when receiving an HTLC: if the HTLC's amount_msat is smaller than the
  // remote dust_limit_satoshis plus the HTLC-timeout fee [or the local dust_limit_satoshis plus the HTLC-success
  // fee] ... if the amount_msat plus the dust balance of the remote [local] transaction is greater than
  // max_dust_htlc_exposure_msat: SHOULD fail this HTLC once it's committed; SHOULD NOT reveal a preimage for this
  // HTLC". Not a channel failure: the HTLC is recorded as one to fail back (htlc_locked_in carries it).
  // BOLT 2 shutdown: "SHOULD fail to route any HTLC added after it has sent shutdown" (one that crossed our shutdown).
  const failBack = dustExposureBreach(next, htlc, ctx.policy.maxDustHtlcExposureMsat) ? 'dust_exposure' : state.closing?.shutdownLocal ? 'shutdown' : null;
  const withOnion: ChannelState = {
    ...next,
    incomingHtlcs: [
      ...next.incomingHtlcs,
      {
        id: m.id, onionRoutingPacket: m.onionRoutingPacket.slice(), pathKey: m.tlvs?.blindedPath?.pathKey.slice() ?? null, failBack,
        ...(m.tlvs?.holdHtlc ? { holdHtlc: true } : {}),
      },
    ],
  };
  return received(withOnion, [{ type: 'htlc_received', htlc, failBack }]);
}

/** BOLT 2: "if the id does not correspond to an HTLC in its current commitment transaction" (ours, offered by us). */
function removableOutgoing(state: ChannelState, kind: string, id: bigint): Htlc {
  const found = lookupRemovableHtlc(state, 'local', id);
  if (found.kind === 'committed') return found.htlc;
  const code = found.kind === 'unknown' ? 'unknown_htlc' : found.kind === 'not_committed' ? 'htlc_not_committed' : 'htlc_already_removed';
  throw violation(code, `${kind} for our HTLC ${id}: ${code.replace(/_/g, ' ')}`, { id: id.toString() });
}

function receiveFulfill(state: ChannelState, m: UpdateFulfillHtlc): ChannelStep {
  const htlc = removableOutgoing(state, 'update_fulfill_htlc', m.id);
  // "if the payment_preimage value in update_fulfill_htlc doesn't SHA256 hash to the corresponding HTLC payment_hash"
  if (m.paymentPreimage.length !== 32 || !equalBytes(sha256(m.paymentPreimage), htlc.paymentHash)) {
    throw violation('preimage_mismatch', `the preimage does not hash to the payment_hash of our HTLC ${m.id}`);
  }
  const preimage = m.paymentPreimage.slice();
  return received(withReceivedChange(state, { kind: 'fulfill', id: m.id, paymentPreimage: preimage }), [
    { type: 'htlc_fulfill_received', htlc, paymentPreimage: preimage },
  ]);
}

function receiveFail(state: ChannelState, m: UpdateFailHtlc): ChannelStep {
  const htlc = removableOutgoing(state, 'update_fail_htlc', m.id);
  const reason = m.reason.slice();
  return received(withReceivedChange(state, { kind: 'fail', id: m.id, reason }), [
    { type: 'htlc_fail_received', htlc, reason, failureCode: null, sha256OfOnion: null },
  ]);
}

function receiveFailMalformed(state: ChannelState, m: UpdateFailMalformedHtlc): ChannelStep {
  const htlc = removableOutgoing(state, 'update_fail_malformed_htlc', m.id);
  // "if the BADONION bit in failure_code is not set for update_fail_malformed_htlc"
  if ((m.failureCode & BADONION) === 0) {
    throw violation('malformed_without_badonion', `failure_code 0x${m.failureCode.toString(16)} lacks the BADONION bit`);
  }
  const hash = m.sha256OfOnion.slice();
  return received(withReceivedChange(state, { kind: 'fail_malformed', id: m.id, sha256OfOnion: hash, failureCode: m.failureCode }), [
    { type: 'htlc_fail_received', htlc, reason: null, failureCode: m.failureCode, sha256OfOnion: hash },
  ]);
}

function receiveFee(state: ChannelState, m: UpdateFee, ctx: StepContext): ChannelStep {
  const { params } = state;
  // "if the sender is not responsible for paying the Bitcoin fee: MUST ... fail the channel."
  if (params.funder !== 'remote') throw violation('update_fee_from_non_funder', 'update_fee from the side that does not pay the fee');
  // "if the update_fee is too low for timely processing, OR is unreasonably large: MUST ... fail the channel."
  if (m.feeratePerKw < ctx.policy.minFeeratePerKw) throw violation('feerate_too_low', `feerate_per_kw ${m.feeratePerKw} is below ${ctx.policy.minFeeratePerKw}`);
  if (m.feeratePerKw > ctx.policy.maxFeeratePerKw) throw violation('feerate_too_high', `feerate_per_kw ${m.feeratePerKw} is above ${ctx.policy.maxFeeratePerKw}`);
  const next = withReceivedChange(state, { kind: 'fee', feeratePerKw: m.feeratePerKw });
  // BOLT 2 update_fee receiver: "if the sender cannot afford the new fee rate on the receiving node's
  // current commitment transaction" — taken on our commitment as the peer's next commitment_signed must
  // build it: every pending update (the funder's unsigned HTLCs too) at the new rate.
  const left = balanceAfterFees(params, 'local', nextLocalSpec(next), 'remote');
  const reserve = params.local.config.channelReserveSat * 1000n;
  if (left < reserve) throw violation('fee_unaffordable', `at ${m.feeratePerKw} sat/kw the funder would keep ${left} msat, below the reserve ${reserve} msat`);
  // BOLT 2 update_fee receiver, "if option_anchors was not negotiated: if the update_fee increases feerate_per_kw:
  // if the dust balance of the remote [local] transaction at the updated feerate_per_kw is greater than
  // max_dust_htlc_exposure_msat: MAY fail the channel". We do (as LDK does): those HTLCs are committed and
  // cannot be failed back in time. Only an increase that trims more HTLCs counts (see dust.ts).
  const specs = { local: pendingSpec(state, 'local'), remote: pendingSpec(state, 'remote') };
  const dust = feeDustExposureBreach(params, specs, m.feeratePerKw, ctx.policy.maxDustHtlcExposureMsat);
  if (dust) {
    throw violation(
      'fee_dust_exposure_exceeded',
      `at ${m.feeratePerKw} sat/kw trimmed HTLCs on the ${dust.holder} commitment reach ${dust.exposureMsat} msat, above our max_dust_htlc_exposure_msat ${ctx.policy.maxDustHtlcExposureMsat}`,
      { holder: dust.holder, exposureMsat: dust.exposureMsat.toString() },
    );
  }
  return received(next);
}

function receiveCommitmentSigned(state: ChannelState, m: CommitmentSigned, ctx: StepContext): ChannelStep {
  if (state.revocationOwed) throw violation('unexpected_commitment_signed', 'commitment_signed before our revoke_and_ack for the previous one');
  const pending = changesPendingForLocal(state);
  // The sender "MUST NOT send a commitment_signed message that does not include any updates."
  if (pending.length === 0) throw violation('commitment_signed_without_updates', 'commitment_signed that commits no update');
  const ctn = state.localCommit.ctn + 1;
  const spec = applyChanges(state.localCommit.spec, pending);
  const built = buildCommitment(state.params, 'local', ctn, spec, ctx.signer.perCommitmentPoint(ctn));
  // "once all pending updates are applied: if signature is not valid for its local commitment transaction
  // OR non-compliant with LOW-S-standard rule ... if num_htlcs is not equal to the number of HTLC outputs
  // ... if any htlc_signature is not valid for the corresponding HTLC transaction"
  const check = checkLocalCommitmentSignatures(state.params, built, m.signature, m.htlcSignatures);
  if (!check.ok) {
    if (check.reason === 'commitment') throw violation('bad_commitment_signature', `invalid signature for our commitment ${ctn}`);
    if (check.reason === 'htlc_count') {
      throw violation('htlc_signature_count_mismatch', `${check.got} htlc_signatures for ${check.expected} HTLC outputs`, { expected: check.expected, got: check.got });
    }
    throw violation('bad_htlc_signature', `invalid htlc_signature #${check.index} for our commitment ${ctn}`, { index: check.index });
  }
  // No affordability check here: BOLT 2 (update_fee rationale) — "the recipient can add new HTLCs before it
  // receives the update_fee ... the sender may not be able to afford the fee ... In this case, the fee will
  // be less than the fee rate, as described in BOLT #3". Each update was checked when it arrived.
  const included = new Set(pending.map((c) => c.seq));
  const next: ChannelState = {
    ...state,
    localCommit: { ctn, spec, signature: m.signature.slice(), htlcSignatures: m.htlcSignatures.map((s) => s.slice()) },
    revocationOwed: true,
    changes: state.changes.map((c) => (included.has(c.seq) ? { ...c, inLocal: ctn } : c)),
  };
  const events: ChannelEvent[] = [{ type: 'local_commitment_signed', ctn }];
  // "Otherwise: MUST respond with a revoke_and_ack message."
  if (ctx.policy.autoRevoke) {
    const r = revoke(next, ctx);
    return { ...r, events: [...events, ...r.events] };
  }
  // The peer's signature must survive a crash before we may revoke.
  return { state: next, persist: 'required', outbound: [], events };
}

function receiveRevokeAndAck(state: ChannelState, m: RevokeAndAck): ChannelStep {
  const pendingCommit = state.remoteNextCommit;
  if (!pendingCommit) throw violation('unexpected_revoke_and_ack', 'revoke_and_ack without an unrevoked commitment_signed');
  const revoked = state.remoteCommit;
  // "if per_commitment_secret is not a valid secret key or does not generate the previous per_commitment_point"
  if (m.perCommitmentSecret.length !== 32 || !isValidPrivateKey(m.perCommitmentSecret) ||
      !equalBytes(publicKeyFromPrivate(m.perCommitmentSecret), revoked.perCommitmentPoint)) {
    throw violation('bad_revocation_secret', `per_commitment_secret does not match the point of commitment ${revoked.ctn}`);
  }
  // "if the per_commitment_secret was not generated by the protocol in BOLT #3: MAY ... fail the channel."
  let remoteSecrets;
  try {
    remoteSecrets = insertSecret(state.remoteSecrets, SHACHAIN_MAX_INDEX - revoked.ctn, m.perCommitmentSecret);
  } catch (e) {
    if (e instanceof ShachainError) throw violation('revocation_secret_not_from_seed', `secret of commitment ${revoked.ctn}: ${e.message}`);
    throw e;
  }
  if (!isValidPublicKey(m.nextPerCommitmentPoint)) throw violation('invalid_per_commitment_point', 'next_per_commitment_point is not a valid point');

  const events: ChannelEvent[] = [{ type: 'commitment_revoked', holder: 'remote', ctn: revoked.ctn }];
  // lightning/bolts#1149 (LDK 0.2): release paths for the HTLCs we offered with hold_htlc, for the payer to hand to the recipient.
  const releasePaths = m.tlvs?.releaseHeldHtlcMessagePaths;
  if (releasePaths && releasePaths.length > 0) events.push({ type: 'release_paths_received', paths: releasePaths });
  const changes: Change[] = [];
  for (const c of state.changes) {
    if (c.signedInRemote === null) changes.push(c);
    // Ours that the peer now acknowledged: they go to our commitment next (remote_unacked → local_acked).
    else if (c.list === 'remote_unacked') changes.push({ ...c, list: 'local_acked' });
    // Theirs, now in both commitments with both predecessors revoked: done.
    else if (c.list === 'remote_acked') {
      if (c.update.kind === 'add') {
        const id = c.update.htlc.id;
        const data = state.incomingHtlcs.find((h) => h.id === id);
        events.push({
          type: 'htlc_locked_in',
          htlc: c.update.htlc,
          onionRoutingPacket: data?.onionRoutingPacket ?? null,
          pathKey: data?.pathKey ?? null,
          failBack: data?.failBack ?? null,
          ...(data?.holdHtlc ? { holdHtlc: true } : {}),
        });
      } else events.push(...completionEvents(c));
    } else changes.push(c);
  }
  const next: ChannelState = {
    ...state,
    remoteCommit: pendingCommit,
    remoteNextCommit: null,
    remoteNextPerCommitmentPoint: m.nextPerCommitmentPoint.slice(),
    remoteSecrets,
    changes,
  };
  // Persist first: the secret lets us punish a revoked broadcast, and locked-in HTLCs get forwarded.
  return { state: dropResolvedIncoming(next, events), persist: 'required', outbound: [], events };
}

/** Dispatches one message from the peer. */
export function receiveMessage(state: ChannelState, m: ChannelMessage, ctx: StepContext): ChannelStep {
  if (!equalBytes(m.channelId, state.params.channelId)) throw violation('wrong_channel_id', `${m.type} for another channel`);
  switch (m.type) {
    case 'update_add_htlc':
      return receiveAdd(state, m, ctx);
    case 'update_fulfill_htlc':
      return receiveFulfill(state, m);
    case 'update_fail_htlc':
      return receiveFail(state, m);
    case 'update_fail_malformed_htlc':
      return receiveFailMalformed(state, m);
    case 'update_fee':
      return receiveFee(state, m, ctx);
    case 'commitment_signed':
      return receiveCommitmentSigned(state, m, ctx);
    case 'revoke_and_ack':
      return receiveRevokeAndAck(state, m);
  }
}
