/**
 * The channel layer's data and events as the node publishes them and the NodeApi shows them
 * (plain JSON: msat amounts and HTLC ids are decimal strings, bytes are lowercase hex, times unix
 * ms). The inspector view itself is `ChannelView` (view.ts), JSON-safe by construction and
 * without secrets. Re-exported by core/api.
 */
import { toHex } from '../crypto';
import type { DataLossRecord, LinkPhase } from './link';
import type { ChannelEvent } from './step';
import type { FailBackReason, Htlc } from './state';
import type { LastSent } from './reestablish';
import type { ChannelView } from './view';

/**
 * - `active`: channel_reestablish done, updates flow;
 * - `reestablishing`: connected, waiting for the peer's channel_reestablish;
 * - `offline`: the peer is not connected;
 * - `failed`: the channel failed (see `failure`); it is never signed again.
 */
export type ChannelConnectionState = LinkPhase;

/** A side's channel_reestablish numbers, and who was found behind. */
export type ChannelDataLoss = DataLossRecord;

/**
 * Where a channel is in its life, from the node's view (`listchannels`):
 * - `active`: established (both channel_ready exchanged), the funding output unspent;
 * - `closing`: a cooperative close is under way (shutdown sent or received, fees negotiated, the
 *   closing transaction broadcast or confirming);
 * - `force_closing`: a commitment transaction is on chain or on its way, outputs still to resolve;
 * - `failed`: the channel failed and waits for a commitment on chain (ours is not broadcast when we
 *   are the side that lost state: the peer's is awaited);
 * - `closed`: the funding output is spent and everything of ours in the closing is resolved.
 * Openings (`opening`, `awaiting_confirmations`) are `OpeningInfo`s before channel_ready.
 */
export type ChannelLifecycle = 'active' | 'closing' | 'force_closing' | 'failed' | 'closed';

/** What the chain says about a channel's funding output (from its monitor; null without one). */
export interface ChannelOnChainInfo {
  /** The monitor's state: `open` (funding unspent), `force_closing` (our commitment broadcast), `closing`, `closed`. */
  readonly state: 'open' | 'force_closing' | 'closing' | 'closed';
  /** How the funding was spent: `mutual`, `local`, `remote`, `revoked`, `remote_unknown`, `unknown`. */
  readonly kind: string | null;
  readonly closingTxid: string | null;
  readonly confirmations: number;
  /** Ours swept or claimed, ours still to come, taken by the peer (satoshis, decimal). */
  readonly claimedSat: string;
  readonly pendingSat: string;
  readonly lostSat: string;
  /** Outputs of ours not yet irrevocably resolved. */
  readonly pendingOutputs: number;
}

export interface ChannelSummary {
  /** BOLT 2 channel_id, hex. */
  readonly channelId: string;
  /** The peer's node id. */
  readonly peer: string;
  readonly state: ChannelConnectionState;
  /** Where the channel is in its life (set by the node; the link alone says `active` or `failed`). */
  readonly lifecycle: ChannelLifecycle;
  /** BOLT 7 short_channel_id once the funding confirmed ("BLOCKxTXxOUT"), else null. */
  readonly shortChannelId: string | null;
  /** The short_channel_id aliases of channel_ready (ours, the peer's), "BLOCKxTXxOUT". */
  readonly aliases: { readonly local: string | null; readonly remote: string | null };
  /** The funding output's fate, from the channel's monitor (null: no monitor, e.g. a channel opened without a chain). */
  readonly onChain: ChannelOnChainInfo | null;
  /** Who opened the channel and pays the commitment fees. */
  readonly funder: 'local' | 'remote';
  readonly channelType: string;
  /** `txid:vout`, txid in display order. */
  readonly fundingOutpoint: string;
  readonly capacitySat: string;
  /** Balances in our newest commitment, before fees, msat. */
  readonly localBalanceMsat: string;
  readonly remoteBalanceMsat: string;
  /** The newest commitment of ours the peer signed, and the newest of the peer's we signed. */
  readonly localCtn: number;
  readonly remoteCtn: number;
  /** HTLCs in either newest commitment. */
  readonly numHtlcs: number;
  /** The feerate of our newest commitment. */
  readonly feeratePerKw: number;
  /**
   * Blocks our `to_local` (and HTLC second stages) wait after our commitment confirms: the BOLT 2
   * `to_self_delay` the peer asked of us. What a force close costs in time.
   */
  readonly toSelfDelay: number;
  readonly failure: { readonly code: string; readonly message: string } | null;
  /** Set when channel_reestablish showed that one side lost state. */
  readonly dataLoss: ChannelDataLoss | null;
  readonly createdAt: number;
}

/** Where an opening is (BOLT 2 establishment), before the channel belongs to its link. */
export type OpeningPhaseInfo =
  | 'awaiting_accept'
  | 'awaiting_funding_tx'
  | 'awaiting_funding_signed'
  | 'awaiting_funding_created'
  | 'awaiting_lock_in'
  | 'ready'
  | 'forgotten'
  | 'failed';

/** A channel being opened (`listchannels` lists them next to the established ones). */
export interface OpeningInfo {
  readonly temporaryChannelId: string;
  /** BOLT 2 channel_id once the funding outpoint is known (funding_created), else null. */
  readonly channelId: string | null;
  readonly peer: string;
  /** We fund it (`funder`) or the peer does (`fundee`). */
  readonly role: 'funder' | 'fundee';
  readonly phase: OpeningPhaseInfo;
  /** `opening` before funding_signed, `awaiting_confirmations` after it (until both channel_ready), then `active`; `failed` / `forgotten`. */
  readonly lifecycle: 'opening' | 'awaiting_confirmations' | 'active' | 'failed' | 'forgotten';
  /** e.g. `anchors`, `static_remotekey+scid_alias` (null before it is agreed). */
  readonly channelType: string | null;
  readonly fundingSat: string;
  readonly pushMsat: string;
  readonly announce: boolean;
  /** `txid:vout`, display order, once known. */
  readonly fundingOutpoint: string | null;
  /** Confirmations of the funding transaction, and how many channel_ready waits for. */
  readonly confirmations: number;
  readonly minimumDepth: number;
  readonly shortChannelId: string | null;
  readonly failure: { readonly code: string; readonly message: string } | null;
  readonly createdAt: number;
}

/** One BOLT 2 message of a channel, for the live sequence diagram. */
export interface ChannelMessageInfo {
  /** Counts the channel's messages since the node started. */
  readonly n: number;
  readonly time: number;
  readonly channelId: string;
  readonly peer: string;
  readonly direction: 'in' | 'out';
  /** Spec name: update_add_htlc, commitment_signed, channel_reestablish, error, ... */
  readonly messageType: string;
  /** The HTLC concerned, from this node's view: `local:3` is the fourth HTLC we offered, `remote:0` the peer's first. */
  readonly htlcId: string | null;
  /** commitment_signed: the commitment it signs; revoke_and_ack: the one it revokes. */
  readonly commitmentNumber: number | null;
  /** commitment_signed: the commitment signature (hex). */
  readonly signature: string | null;
  readonly summary: string;
  /** Sent again after a reconnection (BOLT 2 Message Retransmission). */
  readonly retransmission: boolean;
}

/** `getChannel`: the full inspector view. */
export interface ChannelDetail extends ChannelSummary {
  /** Both commitments (numbers, HTLC tables with trimmed flags, balances, fees) and the four change lists. */
  readonly view: ChannelView;
  /** Which of commitment_signed / revoke_and_ack we sent last. */
  readonly lastSent: LastSent;
  /** The channel's recent messages, oldest first. */
  readonly messages: readonly ChannelMessageInfo[];
}

export type ChannelEventBody =
  /** After every step of a channel (update, commitment, revocation, connection change): its new view. */
  | {
      readonly type: 'channel.updated';
      readonly channel: ChannelSummary;
      readonly view: ChannelView;
      /** Whether this step was written to the store (always before the messages it allows were sent). */
      readonly persisted: boolean;
      /** What caused the step: a message type, a command (`add_htlc`, `commit`, ...), `connected`, `disconnected`. */
      readonly cause: string;
      /**
       * Updates reversed because the connection ended before a commitment_signed covered them (BOLT 2),
       * e.g. `add local:3` (an HTLC we offered is not in the channel any more), `fulfill remote:1`, `fee 2000`.
       */
      readonly forgotten: readonly string[];
    }
  /** A BOLT 2 message of a channel went out or came in. */
  | ({ readonly type: 'channel.message' } & ChannelMessageInfo)
  /** A channel failed; `dataLoss` when channel_reestablish showed that a side lost state. */
  | {
      readonly type: 'channel.failed';
      readonly channelId: string;
      readonly peer: string;
      readonly code: string;
      readonly message: string;
      readonly dataLoss: ChannelDataLoss | null;
    }
  /** An opening moved (a message, the funding transaction built, broadcast, confirmed, channel_ready; a failure). */
  | { readonly type: 'channel.opening'; readonly opening: OpeningInfo; readonly cause: string }
  /**
   * A step of a close: `shutdown_sent` / `shutdown_received` (no new HTLCs), `negotiating` (closing fees),
   * `closing_tx` (a fully signed closing transaction, broadcast), `force_close` (our commitment goes on chain).
   */
  | {
      readonly type: 'channel.closing';
      readonly channelId: string;
      readonly peer: string;
      readonly stage: 'shutdown_sent' | 'shutdown_received' | 'negotiating' | 'closing_tx' | 'force_close';
      readonly txid: string | null;
      readonly feeSat: string | null;
      /** For `negotiating`: `closing_signed` or `simple_close`; for `force_close`: why. */
      readonly detail: string | null;
    }
  /**
   * What the chain resolved that the payment layer must carry upstream (never the preimage itself):
   * the peer claimed an HTLC we offered with its preimage, or an HTLC we offered timed out on chain.
   */
  | {
      readonly type: 'channel.onchain_htlc';
      readonly channelId: string;
      readonly outcome: 'preimage_learned' | 'timed_out';
      readonly paymentHash: string;
      readonly htlc: HtlcInfo | null;
    }
  | ChannelHtlcEventBody;

// ----- the link's domain events, as the bus carries them -------------------------------------------

/** An HTLC as channel events name it (from this node's view), plain JSON. */
export interface HtlcInfo {
  /** `local:3` is the fourth HTLC we offered, `remote:0` the peer's first. */
  readonly htlcId: string;
  readonly offerer: 'local' | 'remote';
  /** BOLT 2 `id`, decimal. */
  readonly id: string;
  readonly amountMsat: string;
  /** Hex. */
  readonly paymentHash: string;
  readonly cltvExpiry: number;
}

/**
 * What a channel's state machine did in one step (core/channel step.ts `ChannelEvent`), published
 * after the step's state is durable, next to `channel.updated`. The payment layer consumes them.
 * No secret: a fulfilled HTLC's preimage is not in `channel.htlc_fulfilled` (the payment layer gets
 * it from the channel service, not from the bus); onion packets are left out.
 */
export type ChannelHtlcEventBody =
  /** We sent update_add_htlc (not committed yet). */
  | { readonly type: 'channel.htlc_offered'; readonly channelId: string; readonly peer: string; readonly htlc: HtlcInfo }
  /** The peer sent update_add_htlc (not committed yet: do not forward). `failBack`: it must be failed back once committed, never fulfilled. */
  | { readonly type: 'channel.htlc_received'; readonly channelId: string; readonly peer: string; readonly htlc: HtlcInfo; readonly failBack: FailBackReason | null }
  /** An HTLC's addition is irrevocably committed; an incoming one may now be forwarded (unless `failBack`). */
  | { readonly type: 'channel.htlc_locked_in'; readonly channelId: string; readonly peer: string; readonly htlc: HtlcInfo; readonly failBack: FailBackReason | null }
  /** The peer fulfilled one of our HTLCs (the preimage is ours now). */
  | { readonly type: 'channel.htlc_fulfilled'; readonly channelId: string; readonly peer: string; readonly htlc: HtlcInfo }
  /** The peer failed one of our HTLCs (fail upstream only once `channel.htlc_resolved`). */
  | {
      readonly type: 'channel.htlc_failed';
      readonly channelId: string;
      readonly peer: string;
      readonly htlc: HtlcInfo;
      /** update_fail_malformed_htlc's failure code, or null for update_fail_htlc (its reason is an onion only the origin reads). */
      readonly failureCode: number | null;
    }
  /** An HTLC's removal is irrevocably committed on both commitments. */
  | { readonly type: 'channel.htlc_resolved'; readonly channelId: string; readonly peer: string; readonly htlcId: string; readonly outcome: 'fulfilled' | 'failed' }
  /** A fee update is irrevocably committed. */
  | { readonly type: 'channel.fee_locked_in'; readonly channelId: string; readonly peer: string; readonly feeratePerKw: number }
  /** A commitment was signed: ours by the peer (`local`), or the peer's by us (`remote`). */
  | { readonly type: 'channel.commitment_signed'; readonly channelId: string; readonly peer: string; readonly holder: 'local' | 'remote'; readonly ctn: number }
  /** A commitment was revoked: ours (we sent revoke_and_ack) or the peer's. */
  | { readonly type: 'channel.commitment_revoked'; readonly channelId: string; readonly peer: string; readonly holder: 'local' | 'remote'; readonly ctn: number };

export function htlcInfo(h: Htlc): HtlcInfo {
  return { htlcId: `${h.offerer}:${h.id}`, offerer: h.offerer, id: h.id.toString(), amountMsat: h.amountMsat.toString(), paymentHash: toHex(h.paymentHash), cltvExpiry: h.cltvExpiry };
}

/** The bus events of a step's domain events, in order. */
export function channelEventBodies(channelId: string, peer: string, events: readonly ChannelEvent[]): ChannelHtlcEventBody[] {
  const on = { channelId, peer };
  return events.flatMap((e): ChannelHtlcEventBody[] => {
    switch (e.type) {
      case 'htlc_offered':
        return [{ type: 'channel.htlc_offered', ...on, htlc: htlcInfo(e.htlc) }];
      case 'htlc_received':
        return [{ type: 'channel.htlc_received', ...on, htlc: htlcInfo(e.htlc), failBack: e.failBack }];
      case 'htlc_locked_in':
        return [{ type: 'channel.htlc_locked_in', ...on, htlc: htlcInfo(e.htlc), failBack: e.failBack }];
      case 'htlc_fulfill_received':
        return [{ type: 'channel.htlc_fulfilled', ...on, htlc: htlcInfo(e.htlc) }];
      case 'htlc_fail_received':
        return [{ type: 'channel.htlc_failed', ...on, htlc: htlcInfo(e.htlc), failureCode: e.failureCode }];
      case 'htlc_resolved':
        return [{ type: 'channel.htlc_resolved', ...on, htlcId: `${e.offerer}:${e.id}`, outcome: e.outcome }];
      case 'fee_locked_in':
        return [{ type: 'channel.fee_locked_in', ...on, feeratePerKw: e.feeratePerKw }];
      case 'local_commitment_signed':
        return [{ type: 'channel.commitment_signed', ...on, holder: 'local', ctn: e.ctn }];
      case 'remote_commitment_signed':
        return [{ type: 'channel.commitment_signed', ...on, holder: 'remote', ctn: e.ctn }];
      case 'commitment_revoked':
        return [{ type: 'channel.commitment_revoked', ...on, holder: e.holder, ctn: e.ctn }];
      case 'release_paths_received':
        return []; // the async payments wiring takes them (core/node/async.ts)
      case 'channel_failed':
        return []; // the service publishes `channel.failed` from the link's failure
    }
  });
}
