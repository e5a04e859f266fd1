/**
 * The peer layer's events: connections, BOLT 1 messages in and out, errors and warnings. The node
 * composes them into its one event union (core/node/events.ts).
 */
import type { Direction, PeerInfo, ReconnectStoppedBy } from './types';

/** A peer sent `error` or `warning`, or we sent one to it. */
export interface PeerProtocolMessageEvent {
  readonly type: 'peer.protocol_message';
  readonly kind: 'error' | 'warning';
  readonly direction: 'in' | 'out';
  readonly nodeId: string;
  readonly channelId: string;
  readonly text: string;
}

export type PeerEventBody =
  /** The init exchange with a peer completed. */
  | { readonly type: 'peer.connected'; readonly peer: PeerInfo }
  /** A peer connection ended (after a completed init exchange). */
  | {
      readonly type: 'peer.disconnected';
      readonly nodeId: string;
      readonly address: string;
      /** Why, in words. */
      readonly reason: string;
      /** Stable code, e.g. `peer.ping_timeout`, `transport.bad_mac`, `peer.replaced`, `peer.closed_by_remote`. */
      readonly code: string;
    }
  /** A connection failed before the init exchange completed (handshake errors, refused init). */
  | {
      readonly type: 'peer.connection_failed';
      readonly address: string;
      readonly nodeId: string | null;
      readonly direction: Direction;
      readonly reason: string;
      readonly code: string;
    }
  /** Something about a connected peer changed (its label). */
  | { readonly type: 'peer.updated'; readonly peer: PeerInfo }
  /** A reconnection attempt is scheduled. */
  | { readonly type: 'peer.reconnect_scheduled'; readonly nodeId: string; readonly address: string; readonly inMs: number; readonly attempt: number }
  /**
   * Reconnecting to a saved peer stopped: on request (disconnect), or by the policy — an address
   * that never answered, after a bounded number of attempts (core/peer/reconnect.ts) — with why.
   */
  | {
      readonly type: 'peer.reconnect_stopped';
      readonly nodeId: string;
      readonly by: ReconnectStoppedBy;
      /** Failed attempts in a row before it stopped (0 on request). */
      readonly attempts: number;
      readonly reason: string;
    }
  /** A saved peer was removed (forgetPeer): its addresses and name are gone. */
  | { readonly type: 'peer.forgotten'; readonly nodeId: string }
  /** A peer's ping was answered. */
  | { readonly type: 'peer.pong'; readonly nodeId: string; readonly rttMs: number }
  /** One Lightning message in or out of a peer connection (after decryption / before encryption). */
  | {
      readonly type: 'wire.message';
      readonly direction: 'in' | 'out';
      readonly nodeId: string;
      /** Spec name (`ping`, `onion_message`, …) or `unknown_<n>`. */
      readonly messageType: string;
      readonly typeNumber: number;
      /** Plaintext size in bytes. */
      readonly size: number;
    }
  | PeerProtocolMessageEvent;
