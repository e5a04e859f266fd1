/**
 * What the channel service (core/runtime/channel) needs of the peer layer, as a narrow interface
 * (core/runtime/peer's PeerManager implements it). The store port is store.ts.
 */
import type { GlasswingError } from '../errors';
import type { FeatureVector, Message } from '../wire';

export interface ChannelPeer {
  readonly nodeId: string;
  /** The peer's `init` features on this connection (what an opening or a close may negotiate). */
  readonly features: FeatureVector;
}

/** What the service needs of the peer layer (core/peer PeerManager). */
export interface ChannelPeers<P extends ChannelPeer = ChannelPeer> {
  onMessage(handler: (peer: P, message: Message) => void): () => void;
  onPeerReady(handler: (peer: P) => void): () => void;
  onPeerClosed(handler: (peer: P, error: GlasswingError) => void): () => void;
  /** The peer's current connection (null-ish when not connected). */
  peer(nodeId: string): P | undefined;
  peers(): P[];
  send(nodeId: string, message: Message): boolean;
  disconnect(nodeId: string, opts?: { forget?: boolean }): boolean;
}
