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
  /** Set when reconnection stopped by itself (reconnect.ts: a peer that never answered), with why. */
  readonly gaveUp: { readonly reason: string; readonly at: number } | null;
}

export interface AddressBook {
  get(nodeId: string): PeerRecord | undefined;
  /** Records the peer (and, if given, `address` as its most recent one). */
  upsert(nodeId: string, address: string | undefined, now: number): PeerRecord;
  markSeen(nodeId: string, now: number): void;
  /** Turns reconnection on or off (the user's choice: any earlier give-up is cleared). */
  setReconnect(nodeId: string, reconnect: boolean): void;
  /** Turns reconnection off by itself, saying why (kept until the user connects again). */
  giveUp(nodeId: string, reason: string, now: number): void;
  /** "" removes the name. */
  setLabel(nodeId: string, label: string, now: number): void;
  /** Every saved peer, oldest first. */
  list(): PeerRecord[];
  /** Peers marked for reconnection. */
  listReconnect(): PeerRecord[];
  /** Removes the peer (its addresses and name); false if it was not saved. */
  forget(nodeId: string): boolean;
}
