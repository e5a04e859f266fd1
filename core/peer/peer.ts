/** A connected peer as the peer layer hands it to upper layers, and what it reports about bad messages. */
import type { FeatureVector } from '../wire';

/** A connected peer whose init exchange completed. */
export interface Peer {
  readonly nodeId: string;
  readonly address: string;
  readonly direction: 'inbound' | 'outbound';
  readonly features: FeatureVector;
  readonly connectedSince: number;
  lastPingRttMs: number | null;
  messagesIn: number;
  messagesOut: number;
}

/** A whole message of a known type that did not decode and was dropped without closing the connection. */
export interface MalformedMessage {
  readonly typeNumber: number;
  readonly size: number;
  readonly code: string;
  readonly reason: string;
}
