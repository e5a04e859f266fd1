/**
 * BOLT 2 "Message Retransmission" (`channel_reestablish`) as pure functions of the channel
 * state: what to forget when a connection ends, what our `channel_reestablish` says, and what
 * the peer's one asks us to retransmit — or proves about a lost state.
 *
 * Commitment numbers, as BOLT 2 counts them: `localCommit.ctn` is the newest commitment of ours
 * the peer signed, so the next commitment_signed we expect is `localCommit.ctn + 1`. A
 * revoke_and_ack is numbered by the commitment it revokes: the next one we expect revokes the
 * peer's current commitment, `remoteCommit.ctn`.
 */
import { equalBytes, isValidPrivateKey, publicKeyFromPrivate } from '../crypto';
import type { BlindedPath, ChannelReady, ChannelReestablish, ReleaseHeldHtlcPath } from '../wire';
import { ChannelError } from './errors';
import type { CommitmentSigned, RevokeAndAck } from './messages';
import { SHACHAIN_MAX_INDEX, deriveOldSecret } from './shachain';
import type { ChannelSigner } from './signer';
import type { Change, ChannelState, Update } from './state';
import { buildCommitment, signRemoteCommitment } from './transactions';

/** Which of commitment_signed / revoke_and_ack we sent last (their relative order must survive a retransmission). */
export type LastSent = 'none' | 'commitment_signed' | 'revoke_and_ack';

const ZERO_SECRET = new Uint8Array(32);

function reestablishError(code: string, message: string, details?: Record<string, unknown>): ChannelError {
  return new ChannelError(`channel.${code}`, message, details);
}

/** Our update_fulfill_htlc / update_fail_htlc / update_fail_malformed_htlc, not yet in a commitment_signed of ours. */
export function isUnsignedRemoval(c: Change): c is Change & { readonly update: Extract<Update, { id: bigint }> } {
  return c.origin === 'local' && c.list === 'remote_unacked' && c.signedInRemote === null && c.update.kind !== 'add' && c.update.kind !== 'fee';
}

/**
 * BOLT 2, upon disconnection: "MUST reverse any uncommitted updates sent by the other side (i.e.
 * all messages beginning with `update_` for which no `commitment_signed` has been received)."
 * The peer does the same with ours that no commitment_signed of ours covered, so we forget our
 * adds and fee updates too (HTLC ids given to forgotten adds are free again on both sides).
 * Our removals are kept and re-sent once channel_reestablish completes (`ResumePlan.resend`): the
 * HTLC they remove is irrevocably committed and only we may remove it, so they stay valid, and a
 * fulfill carries a preimage we revealed — we must settle the HTLC before it times out.
 */
export function forgetUncommittedUpdates(state: ChannelState): { state: ChannelState; forgotten: Change[] } {
  const forgotten: Change[] = [];
  const kept: Change[] = [];
  const committedIncoming = (id: bigint) => state.localCommit.spec.htlcs.some((h) => h.offerer === 'remote' && h.id === id);
  for (const c of state.changes) {
    const theirsUncommitted = c.origin === 'remote' && c.list === 'local_unacked' && c.inLocal === null;
    const oursUnsigned = c.origin === 'local' && c.list === 'remote_unacked' && c.signedInRemote === null;
    const resendable = isUnsignedRemoval(c) && committedIncoming(c.update.id);
    (theirsUncommitted || (oursUnsigned && !resendable) ? forgotten : kept).push(c);
  }
  if (forgotten.length === 0) return { state, forgotten };
  const firstAddId = (origin: Change['origin']): bigint | null => {
    let min: bigint | null = null;
    for (const c of forgotten) if (c.origin === origin && c.update.kind === 'add' && (min === null || c.update.htlc.id < min)) min = c.update.htlc.id;
    return min;
  };
  const ours = firstAddId('local');
  const theirs = firstAddId('remote');
  return {
    state: {
      ...state,
      changes: kept,
      nextLocalHtlcId: ours ?? state.nextLocalHtlcId,
      nextRemoteHtlcId: theirs ?? state.nextRemoteHtlcId,
      incomingHtlcs: theirs === null ? state.incomingHtlcs : state.incomingHtlcs.filter((h) => h.id < theirs),
    },
    forgotten,
  };
}

/** The commitment number of the last revoke_and_ack we sent (the one it revoked), or -1 if none. */
export function lastRevokedLocal(state: ChannelState): number {
  return state.localCommit.ctn - (state.revocationOwed ? 2 : 1);
}

/** The newest commitment number of the peer's we signed (0: the one signed at opening). */
export function lastSignedRemote(state: ChannelState): number {
  return (state.remoteNextCommit ?? state.remoteCommit).ctn;
}

/** Our `channel_reestablish` for this state (BOLT 2 "The sending node" requirements). */
export function buildChannelReestablish(state: ChannelState, signer: ChannelSigner): ChannelReestablish {
  const nextRevocation = state.remoteCommit.ctn;
  return {
    type: 'channel_reestablish',
    channelId: state.params.channelId,
    // "MUST set next_commitment_number to the commitment number of the next commitment_signed it expects to receive."
    nextCommitmentNumber: BigInt(state.localCommit.ctn + 1),
    // "MUST set next_revocation_number to the commitment number of the next revoke_and_ack message it expects to receive."
    nextRevocationNumber: BigInt(nextRevocation),
    // "if next_revocation_number equals 0: MUST set your_last_per_commitment_secret to all zeroes;
    //  otherwise: MUST set your_last_per_commitment_secret to the last per_commitment_secret it received"
    yourLastPerCommitmentSecret:
      nextRevocation === 0 ? ZERO_SECRET.slice() : deriveOldSecret(state.remoteSecrets, SHACHAIN_MAX_INDEX - (nextRevocation - 1)),
    // "MUST set my_current_per_commitment_point to a valid point." (data loss protection: our current commitment's point)
    myCurrentPerCommitmentPoint: signer.perCommitmentPoint(state.localCommit.ctn),
    // No TLVs: `next_funding` only follows an interactive transaction construction, and
    // `my_current_funding_locked` only applies when option_splice was negotiated (neither is supported).
    tlvs: {},
  };
}

/** What the peer's channel_reestablish tells us, when the channel can go on. */
export interface ResumePlan {
  readonly kind: 'resume';
  /** What to retransmit, in the order first sent (BOLT 2: "in the same relative order as initially transmitted"). */
  readonly retransmit: readonly ('revoke_and_ack' | 'commitment_signed')[];
  /** Our updates the retransmitted commitment_signed covers, in the order first sent (they go right before it). */
  readonly updates: readonly Change[];
  /** BOLT 2: both next_commitment_number are 1 — retransmit channel_ready. */
  readonly channelReady: boolean;
  /**
   * Our removals no commitment_signed covered: the peer reversed them on disconnection, we kept
   * them (see forgetUncommittedUpdates) and send them again after everything retransmitted.
   */
  readonly resend: readonly Change[];
}

/**
 * The channel cannot go on: send `error` and fail it (never broadcast: a node that lost data
 * must not, and we have no chain backend anyway).
 * - `protocol`: the numbers or the secret are inconsistent with what we know;
 * - `local_data_loss`: the peer proved it holds a revocation of ours we do not remember (we are behind);
 * - `peer_data_loss`: the peer is behind us (it lost data; we would broadcast our latest commitment).
 */
export interface FailPlan {
  readonly kind: 'fail';
  readonly reason: 'protocol' | 'local_data_loss' | 'peer_data_loss';
  readonly error: ChannelError;
}

export type ReestablishPlan = ResumePlan | FailPlan;

function fail(reason: FailPlan['reason'], code: string, message: string, details?: Record<string, unknown>): FailPlan {
  return { kind: 'fail', reason, error: reestablishError(code, message, details) };
}

/** Whether `secret` is the per-commitment secret of our commitment `n` (checked through its point: no secret is derived). */
function isOurSecret(secret: Uint8Array, n: number, signer: ChannelSigner): boolean {
  if (secret.length !== 32 || !isValidPrivateKey(secret)) return false;
  return equalBytes(publicKeyFromPrivate(secret), signer.perCommitmentPoint(n));
}

/**
 * Handles the peer's channel_reestablish (BOLT 2 "A node" / "A receiving node" requirements).
 * `state` must already have forgotten the uncommitted updates; `lastSent` says which of
 * commitment_signed / revoke_and_ack we sent last.
 */
export function planReestablish(state: ChannelState, lastSent: LastSent, theirs: ChannelReestablish, signer: ChannelSigner): ReestablishPlan {
  const nc = theirs.nextCommitmentNumber;
  const nr = theirs.nextRevocationNumber;
  const numbers = { nextCommitmentNumber: nc.toString(), nextRevocationNumber: nr.toString() };
  // "if next_commitment_number is zero: MUST immediately fail the channel and broadcast any relevant latest commitment transaction."
  if (nc === 0n) return fail('protocol', 'reestablish_zero_commitment_number', 'channel_reestablish with next_commitment_number 0', numbers);
  if (nc > BigInt(SHACHAIN_MAX_INDEX) + 1n || nr > BigInt(SHACHAIN_MAX_INDEX) + 1n) {
    return fail('protocol', 'reestablish_bad_numbers', 'channel_reestablish numbers beyond 48 bits', numbers);
  }
  const secret = theirs.yourLastPerCommitmentSecret;
  // "MUST ignore my_current_per_commitment_point, but MAY require it to be a valid point": core/wire
  // only decodes valid points; with option_static_remotekey nothing here needs it.
  // ("if it has sent a previous shutdown: MUST retransmit shutdown": the link does, after the retransmissions.)

  // --- next_revocation_number: the revoke_and_ack the peer expects from us ---
  const lastRevoked = lastRevokedLocal(state);
  const expectedNr = BigInt(lastRevoked + 1);
  let retransmitRevoke = false;
  if (nr > expectedNr) {
    // "if next_revocation_number is greater than expected above, AND your_last_per_commitment_secret is
    //  correct for that next_revocation_number minus 1: MUST NOT broadcast its commitment transaction.
    //  SHOULD send an error to request the peer to fail the channel."
    if (isOurSecret(secret, Number(nr - 1n), signer)) {
      return fail('local_data_loss', 'local_data_loss', `the peer proved we revoked commitment ${nr - 1n}, but our state ends at ${state.localCommit.ctn}: we lost data`, numbers);
    }
    // "if it has not sent revoke_and_ack, AND next_revocation_number is not equal to 0: SHOULD send an error and fail the channel."
    // "if next_revocation_number is not equal to 1 greater than the commitment number of the last
    //  revoke_and_ack the receiving node has sent: SHOULD send an error and fail the channel."
    return fail('protocol', 'reestablish_bad_revocation_number', `next_revocation_number ${nr}, expected ${expectedNr}`, numbers);
  }
  if (nr < expectedNr - (lastRevoked >= 0 ? 1n : 0n)) {
    // Below even a lost revoke_and_ack: the peer has forgotten revocations it acknowledged.
    return fail('peer_data_loss', 'peer_data_loss', `next_revocation_number ${nr}, expected ${expectedNr}: the peer is behind`, numbers);
  }
  // "otherwise: if your_last_per_commitment_secret does not match the expected values: SHOULD send an error and fail the channel."
  const secretOk = nr === 0n ? equalBytes(secret, ZERO_SECRET) : isOurSecret(secret, Number(nr - 1n), signer);
  if (!secretOk) return fail('protocol', 'reestablish_bad_secret', `your_last_per_commitment_secret is not our secret for commitment ${nr - 1n}`, numbers);
  // "if next_revocation_number is equal to the commitment number of the last revoke_and_ack the
  //  receiving node sent ...: MUST re-send the revoke_and_ack."
  if (lastRevoked >= 0 && nr === BigInt(lastRevoked)) retransmitRevoke = true;

  // --- next_commitment_number: the commitment_signed the peer expects from us ---
  const lastSigned = lastSignedRemote(state);
  let retransmitCommit = false;
  // "if next_commitment_number is equal to the commitment number of the last commitment_signed message
  //  the receiving node has sent: MUST reuse the same commitment number for its next commitment_signed."
  // (Only a commitment_signed the peer has not revoked the predecessor of can be unreceived.)
  if (state.remoteNextCommit && nc === BigInt(state.remoteNextCommit.ctn)) retransmitCommit = true;
  // "otherwise: if next_commitment_number is not equal to the commitment number of the next
  //  commitment_signed that the receiving node would send: SHOULD send an error and fail the channel."
  else if (nc !== BigInt(lastSigned + 1)) {
    if (nc <= BigInt(lastSigned)) return fail('peer_data_loss', 'peer_data_loss', `next_commitment_number ${nc}, but we signed commitment ${lastSigned}: the peer is behind`, numbers);
    return fail('protocol', 'reestablish_bad_commitment_number', `next_commitment_number ${nc}, expected ${lastSigned + 1}`, numbers);
  }

  // "if it has previously sent a commitment_signed that needs to be retransmitted: MUST retransmit
  //  revoke_and_ack and commitment_signed in the same relative order as initially transmitted."
  let retransmit: ('revoke_and_ack' | 'commitment_signed')[] = [];
  if (retransmitRevoke && retransmitCommit) {
    retransmit = lastSent === 'revoke_and_ack' ? ['commitment_signed', 'revoke_and_ack'] : ['revoke_and_ack', 'commitment_signed'];
  } else if (retransmitRevoke) retransmit = ['revoke_and_ack'];
  else if (retransmitCommit) retransmit = ['commitment_signed'];
  const signedCtn = state.remoteNextCommit?.ctn;
  const updates = retransmitCommit
    ? state.changes.filter((c) => c.origin === 'local' && c.list === 'remote_unacked' && c.signedInRemote === signedCtn)
    : [];
  return {
    kind: 'resume',
    retransmit,
    updates,
    // "if next_commitment_number is 1 in both the channel_reestablish it sent and received ...: MUST retransmit channel_ready."
    channelReady: nc === 1n && state.localCommit.ctn === 0,
    resend: state.changes.filter(isUnsignedRemoval),
  };
}

/**
 * The revoke_and_ack we sent last, rebuilt (per-commitment secrets and points are deterministic).
 * With `releasePath` (an HTLC holder): the release paths again, for every add of the peer's with
 * hold_htlc that we acknowledged and that is not yet committed on both sides — the peer may never
 * have read the first copy (it went away before it), and without them it cannot tell the recipient
 * where to send release_held_htlc (lightning/bolts#1149 "MUST set release_held_htlc_message_paths";
 * LDK 0.2 `get_last_revoke_and_ack` puts them in every copy while the HTLC is not committed).
 */
export function rebuildRevokeAndAck(state: ChannelState, signer: ChannelSigner, releasePath?: (htlcId: bigint) => BlindedPath | undefined): RevokeAndAck {
  const revoked = lastRevokedLocal(state);
  const releasePaths: ReleaseHeldHtlcPath[] = [];
  for (const c of releasePath ? state.changes : []) {
    if (c.list !== 'remote_acked' || c.update.kind !== 'add') continue;
    const id = c.update.htlc.id;
    const path = state.incomingHtlcs.find((h) => h.id === id)?.holdHtlc ? releasePath!(id) : undefined;
    if (path) releasePaths.push({ htlcId: id, path });
  }
  return {
    type: 'revoke_and_ack',
    channelId: state.params.channelId,
    perCommitmentSecret: signer.releasePerCommitmentSecret(revoked),
    nextPerCommitmentPoint: signer.perCommitmentPoint(revoked + 2),
    ...(releasePaths.length > 0 ? { tlvs: { releaseHeldHtlcMessagePaths: releasePaths } } : {}),
  };
}

/** The commitment_signed we sent last, rebuilt: same commitment, same (deterministic, RFC 6979) signatures. */
export function rebuildCommitmentSigned(state: ChannelState, signer: ChannelSigner): CommitmentSigned {
  const next = state.remoteNextCommit;
  if (!next) throw reestablishError('nothing_to_retransmit', 'no unrevoked commitment_signed to retransmit');
  const built = buildCommitment(state.params, 'remote', next.ctn, next.spec, next.perCommitmentPoint);
  const { signature, htlcSignatures } = signRemoteCommitment(state.params, built, signer);
  return { type: 'commitment_signed', channelId: state.params.channelId, signature, htlcSignatures };
}

/** The channel_ready BOLT 2 asks us to retransmit when no commitment was exchanged yet. */
export function rebuildChannelReady(state: ChannelState, signer: ChannelSigner): ChannelReady {
  // BOLT 2 channel_ready: "if option_scid_alias was negotiated: MUST set short_channel_id alias" (the one we sent).
  const alias = state.aliases?.local ?? null;
  return {
    type: 'channel_ready',
    channelId: state.params.channelId,
    secondPerCommitmentPoint: signer.perCommitmentPoint(1),
    ...(alias !== null ? { tlvs: { shortChannelId: alias } } : {}),
  };
}
