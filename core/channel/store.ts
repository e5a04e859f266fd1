/**
 * The channel layer's store ports: durable storage of channels, written before the messages that
 * commit to a state leave (core/store's ChannelsRepository implements it over SQLite), and of
 * channels being opened (core/store's OpeningsRepository).
 */
import type { StoredChannel } from './link';
import type { OpeningRecord } from './establish/record';

export type { StoredChannel } from './link';

/** Durable storage of channels (core/store's ChannelsRepository implements it). */
export interface ChannelStore {
  loadChannels(): StoredChannel[];
  loadChannel(channelId: string): StoredChannel | undefined;
  /** Writes durably (one transaction, synchronous=FULL) before returning; throws if it cannot. */
  saveChannel(channel: StoredChannel): void;
  /** The highest key index a stored channel uses, or -1. */
  maxKeyIndex(): number;
}

/**
 * Durable storage of openings from funding_signed on (core/store's OpeningsRepository): the record
 * a ChannelOpening restores from after a restart. Keyed by peer and temporary_channel_id.
 */
export interface OpeningStore {
  loadOpenings(): OpeningRecord[];
  /** Writes durably before returning (a stale revision is refused); throws if it cannot. */
  saveOpening(record: OpeningRecord): void;
  /** Forgets an opening (BOLT 2 lets a fundee forget a channel whose funding never came). */
  deleteOpening(peerId: string, temporaryChannelId: string): void;
  /** The highest key index an opening record uses, or -1 (key indexes are never reused). */
  maxKeyIndex(): number;
}
