/**
 * Plain data exchanged over the NodeApi. Everything here survives JSON and structured clone:
 * bytes are lowercase hex strings, millisatoshi amounts are decimal strings, times are unix
 * milliseconds (numbers).
 */

/** A feature bit the node or a peer sets, with its BOLT 9 name. */
export interface FeatureInfo {
  readonly bit: number;
  readonly name: string;
  /** Even bit: the peer must understand it. */
  readonly required: boolean;
}

export type Network = 'mainnet' | 'testnet' | 'signet' | 'regtest';
export const NETWORKS: readonly Network[] = ['mainnet', 'testnet', 'signet', 'regtest'];

export interface NodeInfo {
  readonly nodeId: string;
  readonly alias: string;
  readonly network: Network;
  readonly features: readonly FeatureInfo[];
  /** "host:port" addresses the node listens on. */
  readonly listen: readonly string[];
  readonly numPeers: number;
  readonly numChannels: number;
  /** Glasswing version. */
  readonly version: string;
  readonly datadir: string;
  /** Unix ms when the node started. */
  readonly startedAt: number;
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
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

export interface PingResult {
  readonly nodeId: string;
  readonly rttMs: number;
}
