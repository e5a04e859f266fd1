/**
 * The channel's state: one plain-data snapshot (no classes, no Maps, no secrets) that holds
 * everything the state machine needs between two steps. The store persists it as is (see
 * state-codec.ts for its JSON form); the Channel class only wraps it.
 *
 * Sides are named from this node's point of view: `local` is us, `remote` the peer. Balances in
 * a CommitmentSpec are always "ours" (localMsat) and "theirs" (remoteMsat), whichever
 * commitment the spec describes.
 */
import type { OutPoint } from '../bitcoin';
import type { ChannelBasepoints } from './keys';
import type { ChannelType } from './scripts';
import type { ShachainStore } from './shachain';

export type Side = 'local' | 'remote';

export function otherSide(s: Side): Side {
  return s === 'local' ? 'remote' : 'local';
}

/** One side's channel parameters from open_channel / accept_channel (BOLT 2). */
export interface ChannelConfig {
  /** BOLT 2 `dust_limit_satoshis`: applies to this side's own commitment. */
  readonly dustLimitSat: bigint;
  /** BOLT 2 `max_htlc_value_in_flight_msat`: cap on HTLCs the OTHER side offers to this one. */
  readonly maxHtlcValueInFlightMsat: bigint;
  /** BOLT 2 `channel_reserve_satoshis`: what the OTHER side must keep. */
  readonly channelReserveSat: bigint;
  /** BOLT 2 `htlc_minimum_msat`: the smallest HTLC this side accepts. */
  readonly htlcMinimumMsat: bigint;
  /** BOLT 2 `to_self_delay`: the CSV delay on the OTHER side's own outputs. */
  readonly toSelfDelay: number;
  /** BOLT 2 `max_accepted_htlcs`: how many HTLCs the OTHER side may offer to this one. */
  readonly maxAcceptedHtlcs: number;
}

/** What is fixed when the channel opens. */
export interface ChannelParams {
  /** BOLT 2 `channel_id` */
  readonly channelId: Uint8Array;
  readonly channelType: ChannelType;
  /** The side that opened the channel and pays the commitment fees. */
  readonly funder: Side;
  readonly fundingOutpoint: OutPoint;
  readonly fundingSatoshis: bigint;
  /** Lower 48 bits of SHA256(opener payment_basepoint || accepter payment_basepoint). */
  readonly obscuringFactor: bigint;
  readonly local: { readonly config: ChannelConfig; readonly basepoints: ChannelBasepoints };
  readonly remote: { readonly config: ChannelConfig; readonly basepoints: ChannelBasepoints };
}

/** An HTLC as commitments carry it. */
export interface Htlc {
  /** Who sent the update_add_htlc. */
  readonly offerer: Side;
  /** BOLT 2 `id` (per offerer). */
  readonly id: bigint;
  readonly amountMsat: bigint;
  readonly paymentHash: Uint8Array;
  readonly cltvExpiry: number;
}

/** The contents of one commitment transaction. */
export interface CommitmentSpec {
  readonly feeratePerKw: number;
  /** Our balance before fees (HTLCs already taken out). */
  readonly localMsat: bigint;
  /** The peer's balance before fees. */
  readonly remoteMsat: bigint;
  /** Sorted by offerer (local first), then id. */
  readonly htlcs: readonly Htlc[];
}

/** The update a change carries. fulfill/fail name an HTLC offered by the OTHER side than the change's origin. */
export type Update =
  | { readonly kind: 'add'; readonly htlc: Htlc }
  | { readonly kind: 'fulfill'; readonly id: bigint; readonly paymentPreimage: Uint8Array }
  | { readonly kind: 'fail'; readonly id: bigint; readonly reason: Uint8Array }
  | { readonly kind: 'fail_malformed'; readonly id: bigint; readonly sha256OfOnion: Uint8Array; readonly failureCode: number }
  | { readonly kind: 'fee'; readonly feeratePerKw: number };

/**
 * The four lists (DESIGN.md "The channel state machine"):
 * - `remote_unacked`: updates we sent that the peer has not acknowledged (revoke_and_ack) yet;
 *   the ones we already signed carry `signedInRemote`.
 * - `local_acked`: updates we sent that the peer acknowledged; they join our commitment with
 *   the peer's next commitment_signed, and are done when we revoke the previous one.
 * - `local_unacked`: updates the peer sent that we have not acknowledged yet; the ones its
 *   latest commitment_signed covered carry `inLocal` until we send revoke_and_ack.
 * - `remote_acked`: updates the peer sent that we acknowledged; they join the peer's commitment
 *   with our next commitment_signed, and are done when the peer revokes the previous one.
 */
export type ChangeList = 'local_unacked' | 'local_acked' | 'remote_unacked' | 'remote_acked';

export interface Change {
  /** Order of arrival/sending across both directions (for display and deterministic replay). */
  readonly seq: number;
  /** Who sent the update. */
  readonly origin: Side;
  readonly list: ChangeList;
  readonly update: Update;
  /** The remote commitment number that first includes it, once we signed one. */
  readonly signedInRemote: number | null;
  /** The local commitment number that first includes it, once the peer signed one. */
  readonly inLocal: number | null;
}

/** Our commitment: the newest one the peer has signed for us. */
export interface LocalCommitment {
  readonly ctn: number;
  readonly spec: CommitmentSpec;
  /** The peer's signature of it (compact) and its HTLC signatures in output order. */
  readonly signature: Uint8Array;
  readonly htlcSignatures: readonly Uint8Array[];
}

/** A commitment of the peer's that we signed. */
export interface RemoteCommitment {
  readonly ctn: number;
  readonly spec: CommitmentSpec;
  /** The peer's per_commitment_point for it. */
  readonly perCommitmentPoint: Uint8Array;
}

/**
 * Why an incoming HTLC must be failed back once committed and never fulfilled: `dust_exposure`, BOLT 2
 * max_dust_htlc_exposure_msat "SHOULD fail this HTLC once it's committed / SHOULD NOT reveal a preimage";
 * `shutdown`, BOLT 2 shutdown "SHOULD fail to route any HTLC added after it has sent shutdown".
 */
export type FailBackReason = 'dust_exposure' | 'shutdown';

/** Extra data of HTLCs the peer offered us, kept until the HTLC is gone from both commitments. */
export interface IncomingHtlcData {
  readonly id: bigint;
  /** BOLT 2 `onion_routing_packet` */
  readonly onionRoutingPacket: Uint8Array;
  /** BOLT 2 `blinded_path.path_key`, when set. */
  readonly pathKey: Uint8Array | null;
  /** Set when this HTLC must be failed back once committed (never fulfilled). */
  readonly failBack: FailBackReason | null;
  /** Async payments: the add carried `hold_htlc` (hold it until released; give release paths in our revoke_and_ack). */
  readonly holdHtlc?: boolean;
}

/**
 * BOLT 2 closing, as far as the commitment state machine must remember it: the scripts committed to
 * at opening (`upfront_shutdown_script`) and the ones exchanged in `shutdown`. Once either side sent
 * `shutdown`, no update_add_htlc is sent; ours is sent again after every channel_reestablish.
 */
export interface ChannelClosing {
  /** The `upfront_shutdown_script` we sent in open_channel / accept_channel (null: none). */
  readonly upfrontLocal: Uint8Array | null;
  /** The peer's `upfront_shutdown_script` (null: none or empty): its shutdown must use it. */
  readonly upfrontRemote: Uint8Array | null;
  /** The `scriptpubkey` of the shutdown we sent (null: not sent). */
  readonly shutdownLocal: Uint8Array | null;
  /** The peer's shutdown `scriptpubkey` (null: not received); with option_simple_close its latest `closer_scriptpubkey`. */
  readonly shutdownRemote: Uint8Array | null;
}

export type ChannelStatus =
  | { readonly kind: 'normal' }
  | { readonly kind: 'failed'; readonly code: string; readonly message: string };

export interface ChannelState {
  readonly version: 1;
  readonly params: ChannelParams;
  readonly status: ChannelStatus;
  readonly localCommit: LocalCommitment;
  /** We received commitment_signed for `localCommit` and have not revoked the previous one. */
  readonly revocationOwed: boolean;
  /** The peer's current commitment (its predecessor is revoked). */
  readonly remoteCommit: RemoteCommitment;
  /** A newer remote commitment we signed; non-null until the peer's revoke_and_ack. */
  readonly remoteNextCommit: RemoteCommitment | null;
  /** The peer's point for the next commitment we will sign (null while awaiting revoke_and_ack). */
  readonly remoteNextPerCommitmentPoint: Uint8Array | null;
  /** The four change lists, as one list in `seq` order. */
  readonly changes: readonly Change[];
  readonly nextChangeSeq: number;
  /** The `id` of the next HTLC we offer. */
  readonly nextLocalHtlcId: bigint;
  /** The `id` the peer's next update_add_htlc must carry. */
  readonly nextRemoteHtlcId: bigint;
  readonly incomingHtlcs: readonly IncomingHtlcData[];
  /** Per-commitment secrets the peer revealed (BOLT 3 compact storage). */
  readonly remoteSecrets: ShachainStore;
  /** Closing scripts (absent on channels opened before closing existed, and in test openings: nothing agreed). */
  readonly closing?: ChannelClosing;
  /**
   * BOLT 2 channel_ready `short_channel_id` aliases (option_scid_alias): `local` is the one we sent (and
   * send again with a retransmitted channel_ready), `remote` the peer's (for BOLT 11 route hints).
   * Absent on channels opened before establishment existed.
   */
  readonly aliases?: { readonly local: bigint | null; readonly remote: bigint | null };
}

/** Whether either side has sent `shutdown` (no new HTLCs from then on). */
export function isShuttingDown(state: ChannelState): boolean {
  return !!state.closing && (state.closing.shutdownLocal !== null || state.closing.shutdownRemote !== null);
}

/** `local` or `remote` balance of a spec. */
export function balanceOf(spec: CommitmentSpec, side: Side): bigint {
  return side === 'local' ? spec.localMsat : spec.remoteMsat;
}

export function sameHtlc(a: { offerer: Side; id: bigint }, b: { offerer: Side; id: bigint }): boolean {
  return a.offerer === b.offerer && a.id === b.id;
}
