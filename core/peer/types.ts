/**
 * The peer layer's data as the NodeApi shows it: plain JSON (node ids and bytes as lowercase hex,
 * times as unix milliseconds), re-exported by core/api.
 */

/** A feature bit the node or a peer sets, with its BOLT 9 name. */
export interface FeatureInfo {
  readonly bit: number;
  readonly name: string;
  /** Even bit: the peer must understand it. */
  readonly required: boolean;
}

export type Direction = 'inbound' | 'outbound';

export interface PeerInfo {
  readonly nodeId: string;
  /** "host:port" of the connection. */
  readonly address: string;
  readonly direction: Direction;
  /** Their features from `init`, by name. */
  readonly features: readonly FeatureInfo[];
  /** Unix ms when the init exchange completed. */
  readonly connectedSince: number;
  /** Round-trip of the last answered ping, or null before the first. */
  readonly lastPingRttMs: number | null;
  /** Whether we reconnect to this peer when the connection drops. */
  readonly reconnect: boolean;
  /** The name the user gave this peer (labelPeer), or null. */
  readonly label: string | null;
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/** Who stopped reconnection: the user (disconnect), or the policy (a peer that never answered). */
export type ReconnectStoppedBy = 'request' | 'policy';

/**
 * Where reconnecting to a saved peer stands:
 * - `connected` — connected now;
 * - `connecting` — an attempt is under way;
 * - `waiting` — reconnection is on: the next attempt is at `nextAttemptAt` (null: when it dials us
 *   or the node restarts);
 * - `off` — reconnection is off (connected with --no-reconnect, or stopped with disconnect);
 * - `gave_up` — stopped by itself after the address never answered (`gaveUpReason` says why).
 */
export type ReconnectState = 'connected' | 'connecting' | 'waiting' | 'off' | 'gave_up';

/** A peer in the address book, connected or not. */
export interface SavedPeerInfo {
  readonly nodeId: string;
  /** The name the user gave it, or null. */
  readonly label: string | null;
  /** "host:port", most recently used first. */
  readonly addresses: readonly string[];
  readonly connected: boolean;
  /** Whether it is redialled when the connection drops. */
  readonly reconnect: boolean;
  readonly state: ReconnectState;
  /** Failed attempts in a row since it was last connected (this run of the node). */
  readonly failedAttempts: number;
  /** Unix ms of the next attempt, or null. */
  readonly nextAttemptAt: number | null;
  /** The last failed attempt (this run), or null. */
  readonly lastError: { readonly code: string; readonly message: string; readonly at: number } | null;
  /** Why reconnection stopped by itself (`gave_up`), or null. */
  readonly gaveUpReason: string | null;
  /** Unix ms of the last completed init exchange, or null: it never answered. */
  readonly lastSeen: number | null;
  readonly createdAt: number;
}

export interface PingResult {
  readonly nodeId: string;
  readonly rttMs: number;
}
