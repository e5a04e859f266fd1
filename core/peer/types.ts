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

export interface PingResult {
  readonly nodeId: string;
  readonly rttMs: number;
}
