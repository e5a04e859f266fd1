/**
 * Plain data exchanged over the NodeApi, re-exported from the layers that own it. Everything
 * survives JSON and structured clone: bytes are lowercase hex strings, millisatoshi amounts are
 * decimal strings, times are unix milliseconds (numbers).
 */
export type { Direction, FeatureInfo, PeerInfo, PingResult, ReconnectState, ReconnectStoppedBy, SavedPeerInfo } from '../peer/types';
export type { CryptoBackendName, CryptoPrimitive, CryptoPrimitiveInfo } from '../crypto/backend';
export type { CryptoBackendInfo, CryptoBackendRequest } from '../crypto/info';
export type { Network, NodeInfo } from '../node/types';
export { NETWORKS } from '../node/types';
export type {
  MailboxInfo, MailboxMessageInfo, MessageLogEntry, MessagePathInfo, MessengerStatsInfo, OnionHandlerKind, OnionRecordInfo, OnionReply,
  OnionRouteKind, SendOnionMessageResult,
} from '../messenger/types';
