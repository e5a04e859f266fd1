/**
 * The state a channel starts from once both sides agreed on its terms and exchanged the
 * signatures of each other's commitment 0 (what open_channel / accept_channel /
 * funding_created / funding_signed / channel_ready carry). Pure functions: the funding flow
 * (a later issue, with a chain backend) and tests that open channels on an agreed outpoint
 * both end here.
 */
import type { OutPoint } from '../bitcoin';
import { channelIdFromFundingOutpoint } from './channel-id';
import { commitmentObscuringFactor } from './commitment-tx';
import { ChannelCommandError, ChannelError } from './errors';
import type { ChannelBasepoints } from './keys';
import type { ChannelType } from './scripts';
import { emptyShachain } from './shachain';
import type { ChannelSigner } from './signer';
import { balanceAfterFees } from './spec';
import type { ChannelConfig, ChannelParams, ChannelState, CommitmentSpec, Side } from './state';
import { buildCommitment, checkLocalCommitmentSignatures, signRemoteCommitment } from './transactions';

/** Everything both sides agreed on, seen from this node (`local` is us). */
export interface ChannelOpenTerms {
  readonly fundingOutpoint: OutPoint;
  /** BOLT 2 `funding_satoshis` */
  readonly fundingSatoshis: bigint;
  /** BOLT 2 `push_msat`: what the funder gives the other side at opening. */
  readonly pushMsat: bigint;
  /** BOLT 2 `feerate_per_kw` of the initial commitments. */
  readonly feeratePerKw: number;
  readonly channelType: ChannelType;
  /** Who opened the channel (and pays the commitment fees). */
  readonly funder: Side;
  readonly localConfig: ChannelConfig;
  readonly remoteConfig: ChannelConfig;
  readonly remoteBasepoints: ChannelBasepoints;
  /** BOLT 2 `first_per_commitment_point` of the peer (its commitment 0). */
  readonly remoteFirstPerCommitmentPoint: Uint8Array;
  /** BOLT 2 `second_per_commitment_point` of the peer (channel_ready; its commitment 1). */
  readonly remoteSecondPerCommitmentPoint: Uint8Array;
}

function badOpen(message: string): ChannelCommandError {
  return new ChannelCommandError('channel_command.bad_open', message);
}

/** The channel parameters of these terms; throws `channel_command.bad_open` for terms BOLT 2 makes the receiver refuse. */
export function channelParamsFor(terms: ChannelOpenTerms, localBasepoints: ChannelBasepoints): ChannelParams {
  const { fundingSatoshis, pushMsat } = terms;
  if (fundingSatoshis <= 0n || fundingSatoshis > 21_000_000n * 100_000_000n) throw badOpen('funding_satoshis out of range');
  // BOLT 2 open_channel: "push_msat is greater than funding_satoshis * 1000".
  if (pushMsat < 0n || pushMsat > fundingSatoshis * 1000n) throw badOpen('push_msat must be between 0 and funding_satoshis * 1000');
  if (!Number.isInteger(terms.feeratePerKw) || terms.feeratePerKw < 0 || terms.feeratePerKw > 0xffffffff) throw badOpen('feerate_per_kw out of range');
  for (const c of [terms.localConfig, terms.remoteConfig]) {
    // BOLT 2 open_channel: "max_accepted_htlcs is greater than 483" / "dust_limit_satoshis is greater than channel_reserve_satoshis".
    if (c.maxAcceptedHtlcs > 483) throw badOpen('max_accepted_htlcs is greater than 483');
    if (c.dustLimitSat > c.channelReserveSat) throw badOpen('dust_limit_satoshis is greater than channel_reserve_satoshis');
  }
  const opener = terms.funder === 'local' ? localBasepoints : terms.remoteBasepoints;
  const accepter = terms.funder === 'local' ? terms.remoteBasepoints : localBasepoints;
  return {
    channelId: channelIdFromFundingOutpoint(terms.fundingOutpoint),
    channelType: terms.channelType,
    funder: terms.funder,
    fundingOutpoint: { txid: terms.fundingOutpoint.txid.slice(), vout: terms.fundingOutpoint.vout },
    fundingSatoshis,
    // BOLT 3: the obscuring factor hashes the opener's payment_basepoint, then the accepter's.
    obscuringFactor: commitmentObscuringFactor(opener.paymentBasepoint, accepter.paymentBasepoint),
    local: { config: terms.localConfig, basepoints: localBasepoints },
    remote: { config: terms.remoteConfig, basepoints: terms.remoteBasepoints },
  };
}

/** Commitment 0's contents from our point of view (balances are ours / theirs). */
export function initialSpec(terms: ChannelOpenTerms): CommitmentSpec {
  const funderMsat = terms.fundingSatoshis * 1000n - terms.pushMsat;
  return terms.funder === 'local'
    ? { feeratePerKw: terms.feeratePerKw, localMsat: funderMsat, remoteMsat: terms.pushMsat, htlcs: [] }
    : { feeratePerKw: terms.feeratePerKw, localMsat: terms.pushMsat, remoteMsat: funderMsat, htlcs: [] };
}

function checkAffordable(params: ChannelParams, spec: CommitmentSpec): void {
  // BOLT 2 open_channel: "the funder's amount for the initial commitment transaction is not sufficient for full fee payment".
  for (const holder of ['local', 'remote'] as const) {
    if (balanceAfterFees(params, holder, spec, params.funder) < 0n) throw badOpen('the funder cannot pay the initial commitment fee');
  }
  // "both to_local and to_remote amounts for the initial commitment transaction are less than or equal to channel_reserve_satoshis".
  const ourReserve = params.remote.config.channelReserveSat * 1000n;
  const theirReserve = params.local.config.channelReserveSat * 1000n;
  if (spec.localMsat <= ourReserve && spec.remoteMsat <= theirReserve) throw badOpen('both balances are at or below the channel reserve');
}

/**
 * Our signature of the peer's commitment 0: BOLT 2 funding_created / funding_signed `signature`
 * ("the valid signature using its funding_pubkey for the initial commitment transaction").
 */
export function signInitialRemoteCommitment(terms: ChannelOpenTerms, signer: ChannelSigner): Uint8Array {
  const params = channelParamsFor(terms, signer.basepoints);
  const spec = initialSpec(terms);
  checkAffordable(params, spec);
  const built = buildCommitment(params, 'remote', 0, spec, terms.remoteFirstPerCommitmentPoint);
  return signRemoteCommitment(params, built, signer).signature;
}

/**
 * The state after opening, with the peer's signature of our commitment 0 checked: "if signature
 * is incorrect OR non-compliant with LOW-S-standard rule: MUST send a warning and close the
 * connection, or send an error and fail the channel" (ChannelError `channel.bad_funding_signature`).
 */
export function initialChannelState(terms: ChannelOpenTerms, signer: ChannelSigner, remoteSignature: Uint8Array): ChannelState {
  const params = channelParamsFor(terms, signer.basepoints);
  const spec = initialSpec(terms);
  checkAffordable(params, spec);
  const ours = buildCommitment(params, 'local', 0, spec, signer.perCommitmentPoint(0));
  if (remoteSignature.length !== 64 || !checkLocalCommitmentSignatures(params, ours, remoteSignature, []).ok) {
    throw new ChannelError('channel.bad_funding_signature', 'the peer signature of our commitment 0 is invalid');
  }
  return {
    version: 1,
    params,
    status: { kind: 'normal' },
    localCommit: { ctn: 0, spec, signature: remoteSignature.slice(), htlcSignatures: [] },
    revocationOwed: false,
    remoteCommit: { ctn: 0, spec, perCommitmentPoint: terms.remoteFirstPerCommitmentPoint.slice() },
    remoteNextCommit: null,
    remoteNextPerCommitmentPoint: terms.remoteSecondPerCommitmentPoint.slice(),
    changes: [],
    nextChangeSeq: 0,
    nextLocalHtlcId: 0n,
    nextRemoteHtlcId: 0n,
    incomingHtlcs: [],
    remoteSecrets: emptyShachain(),
  };
}

/** Our side of an opening: the keys the peer needs (open_channel / accept_channel / channel_ready fields). */
export interface ChannelKeysOffer {
  readonly keyIndex: number;
  readonly basepoints: ChannelBasepoints;
  readonly firstPerCommitmentPoint: Uint8Array;
  readonly secondPerCommitmentPoint: Uint8Array;
}
