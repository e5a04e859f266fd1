/** What every state-machine step returns, the events it reports, and the policy it follows. */
import type { BlindedPath } from '../wire';
import type { ChannelMessage } from './messages';
import type { ChannelSigner } from './signer';
import type { ChannelState, FailBackReason, Htlc, Side } from './state';

/**
 * - `required`: write `state` durably BEFORE sending `outbound` or acting on `events`
 *   (DESIGN.md "Persist before you promise": commitment_signed and revoke_and_ack commit to a
 *   state; a received revoke_and_ack hands over a secret and locks HTLCs in; our
 *   update_fulfill_htlc / update_fail_htlc / update_fail_malformed_htlc, which we re-send after a
 *   reconnection until they are committed).
 * - `optional`: nothing was promised (other uncommitted updates are forgotten on reconnection by
 *   both sides, BOLT 2 Message Retransmission); persisting is allowed but not needed.
 */
export type PersistRequirement = 'required' | 'optional';

export type ChannelEvent =
  /** We sent update_add_htlc. */
  | { readonly type: 'htlc_offered'; readonly htlc: Htlc }
  /**
   * The peer sent update_add_htlc (not committed yet: do not forward). `failBack` is set when it must
   * be failed back once committed, never fulfilled (BOLT 2 `max_dust_htlc_exposure_msat`).
   */
  | { readonly type: 'htlc_received'; readonly htlc: Htlc; readonly failBack: FailBackReason | null }
  /**
   * An HTLC's addition is irrevocably committed; for an incoming one it may now be forwarded — unless
   * `failBack` is set: then fail it (update_fail_htlc, temporary_channel_failure) and never fulfill it.
   */
  | {
      readonly type: 'htlc_locked_in';
      readonly htlc: Htlc;
      readonly onionRoutingPacket: Uint8Array | null;
      readonly pathKey: Uint8Array | null;
      readonly failBack: FailBackReason | null;
      /** Async payments: the add carried `hold_htlc`. */
      readonly holdHtlc?: boolean;
    }
  /** The peer fulfilled one of our HTLCs: the preimage is ours now (settle upstream at once). */
  | { readonly type: 'htlc_fulfill_received'; readonly htlc: Htlc; readonly paymentPreimage: Uint8Array }
  /** The peer failed one of our HTLCs (fail upstream only once `htlc_resolved`). */
  | {
      readonly type: 'htlc_fail_received';
      readonly htlc: Htlc;
      readonly reason: Uint8Array | null;
      readonly failureCode: number | null;
      readonly sha256OfOnion: Uint8Array | null;
    }
  /** An HTLC's removal is irrevocably committed on both commitments. */
  | { readonly type: 'htlc_resolved'; readonly offerer: Side; readonly id: bigint; readonly outcome: 'fulfilled' | 'failed' }
  /** A fee update is irrevocably committed. */
  | { readonly type: 'fee_locked_in'; readonly feeratePerKw: number }
  /** We signed the peer's commitment number `ctn`. */
  | { readonly type: 'remote_commitment_signed'; readonly ctn: number }
  /** The peer signed our commitment number `ctn`. */
  | { readonly type: 'local_commitment_signed'; readonly ctn: number }
  /** A commitment was revoked: ours (we sent revoke_and_ack) or the peer's. */
  | { readonly type: 'commitment_revoked'; readonly holder: Side; readonly ctn: number }
  /**
   * Async payments: the peer's revoke_and_ack gave release paths for HTLCs we offered with
   * `hold_htlc` (`release_htlc_message_paths`; `htlcId` null in the draft profile, which names none).
   */
  | { readonly type: 'release_paths_received'; readonly paths: readonly { readonly htlcId: bigint | null; readonly path: BlindedPath }[] }
  /** The channel failed: send `error` to the peer. */
  | { readonly type: 'channel_failed'; readonly code: string; readonly message: string };

export interface ChannelStep {
  /** The new state (already adopted by the Channel). */
  readonly state: ChannelState;
  readonly persist: PersistRequirement;
  /** Messages for the peer, in order. */
  readonly outbound: readonly ChannelMessage[];
  readonly events: readonly ChannelEvent[];
}

export interface ChannelPolicy {
  /** Answer commitment_signed with revoke_and_ack in the same step (a node does; the simulator steps it). */
  readonly autoRevoke: boolean;
  /** Fee updates below this are "too low for timely processing" (BOLT 2 update_fee). */
  readonly minFeeratePerKw: number;
  /** ... and above this "unreasonably large". */
  readonly maxFeeratePerKw: number;
  /** As funder, keep a fee-spike buffer (twice the feerate, one more HTLC) when offering HTLCs. */
  readonly feeSpikeBuffer: boolean;
  /**
   * BOLT 2 `max_dust_htlc_exposure_msat`: the most we let trimmed HTLCs (both directions) sum to on
   * either commitment. We do not offer an HTLC or a fee increase above it, an incoming dust HTLC above
   * it is failed back once committed, and a peer's fee increase above it fails the channel.
   */
  readonly maxDustHtlcExposureMsat: bigint;
}

export const DEFAULT_CHANNEL_POLICY: ChannelPolicy = {
  autoRevoke: true,
  minFeeratePerKw: 253,
  maxFeeratePerKw: 100_000,
  feeSpikeBuffer: true,
  // A fixed 5,000 sat, as LDK's former fixed default (it now scales with the feerate estimate, which a
  // sans-I/O channel does not have). About 9 HTLCs just below a 546-sat dust limit.
  maxDustHtlcExposureMsat: 5_000_000n,
};

export interface StepContext {
  readonly signer: ChannelSigner;
  readonly policy: ChannelPolicy;
  /**
   * Async payments (L1): the path `release_held_htlc` reaches us over for an incoming HTLC that
   * carried `hold_htlc`, put in our revoke_and_ack (`release_htlc_message_paths`). Undefined: none.
   */
  readonly releasePath?: (htlcId: bigint) => BlindedPath | undefined;
}
