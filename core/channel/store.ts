/**
 * The channel layer's store port: durable storage of channels, written before the messages that
 * commit to a state leave (core/store's ChannelsRepository implements it over SQLite).
 */
import type { StoredChannel } from './link';

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
