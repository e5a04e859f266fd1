/**
 * The channel layer's data and events as the node publishes them and the NodeApi shows them
 * (plain JSON: msat amounts and HTLC ids are decimal strings, bytes are lowercase hex, times unix
 * ms). The inspector view itself is `ChannelView` (view.ts), JSON-safe by construction and
 * without secrets. Re-exported by core/api.
 */
import type { DataLossRecord, LinkPhase } from './link';
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

export interface ChannelSummary {
  /** BOLT 2 channel_id, hex. */
  readonly channelId: string;
  /** The peer's node id. */
  readonly peer: string;
  readonly state: ChannelConnectionState;
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
  readonly failure: { readonly code: string; readonly message: string } | null;
  /** Set when channel_reestablish showed that one side lost state. */
  readonly dataLoss: ChannelDataLoss | null;
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
    };
