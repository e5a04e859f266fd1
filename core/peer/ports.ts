/**
 * What the peer layer needs from storage: the address book (core/store's PeersRepository
 * implements it over SQLite).
 */

/** A peer we know: its addresses, when we last saw it, whether to reconnect, the user's name for it. */
export interface PeerRecord {
  /** Hex node id. */
  readonly nodeId: string;
  /** "host:port" strings, most recently used first. */
  readonly addresses: readonly string[];
  /** Unix ms of the last completed init exchange, or null. */
  readonly lastSeen: number | null;
  readonly reconnect: boolean;
  readonly createdAt: number;
  /** A name the user gave this peer, or null. */
  readonly label: string | null;
}

export interface AddressBook {
  get(nodeId: string): PeerRecord | undefined;
  /** Records the peer (and, if given, `address` as its most recent one). */
  upsert(nodeId: string, address: string | undefined, now: number): PeerRecord;
  markSeen(nodeId: string, now: number): void;
  setReconnect(nodeId: string, reconnect: boolean): void;
  /** "" removes the name. */
  setLabel(nodeId: string, label: string, now: number): void;
  /** Peers marked for reconnection. */
  listReconnect(): PeerRecord[];
}
