/**
 * The NodeApi: every method a host can call, with its parameter schema (checked by every host
 * before the node sees the call) and its result type.
 */
import type { NodeEvent } from './events';
import type {
  MailboxInfo, MessageLogEntry, MessagePathInfo, MessengerStatsInfo, NodeInfo, PeerInfo, PingResult, SavedPeerInfo, SendOnionMessageResult,
} from './types';
import type { ChannelDetail, ChannelSummary, RunSimulationParams, SimulationResult } from './channels';
import type { OfferMethods } from './offers';
import { OFFER_METHOD_SCHEMAS } from './offers';
import type { SettingsMethods } from './settings';
import { SETTINGS_METHOD_SCHEMAS } from './settings';
import type { DecodeMethods } from './decode';
import { DECODE_METHOD_SCHEMAS } from './decode';
import type { WalletMethods } from './wallet';
import { WALLET_METHOD_SCHEMAS } from './wallet';
import type { PaymentMethods } from './payments';
import { PAYMENT_METHOD_SCHEMAS } from './payments';
import type { ChannelMethods } from './channel-methods';
import { CHANNEL_METHOD_SCHEMAS } from './channel-methods';
import type { GossipMethods } from './gossip';
import { GOSSIP_METHOD_SCHEMAS } from './gossip';
import type { AsyncMethods } from './async';
import { ASYNC_METHOD_SCHEMAS } from './async';
import { s, type Schema } from './schema';

/** `nodeid@host:port`, host a name, IPv4 or [IPv6]. */
export const PEER_ADDRESS_PATTERN = /^0[23][0-9a-f]{64}@(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/;

export interface Methods extends OfferMethods, SettingsMethods, DecodeMethods, WalletMethods, PaymentMethods, ChannelMethods, GossipMethods, AsyncMethods {
  getInfo: { params: Record<string, never>; result: NodeInfo };
  connect: { params: { address: string; reconnect?: boolean }; result: PeerInfo };
  disconnect: { params: { nodeId: string; forget?: boolean }; result: { nodeId: string; disconnected: boolean } };
  listPeers: { params: Record<string, never>; result: { peers: PeerInfo[] } };
  /** Every saved peer, connected or not: addresses, name, reconnect state, attempts, next attempt, last error. */
  listSavedPeers: { params: Record<string, never>; result: { peers: SavedPeerInfo[] } };
  /** Disconnects a saved peer, stops reconnecting and removes it (`peer.has_channels` if we have channels with it). */
  forgetPeer: { params: { nodeId: string }; result: { nodeId: string; forgotten: boolean } };
  ping: { params: { nodeId: string; numPongBytes?: number }; result: PingResult };
  /** Names a peer in the address book (shown instead of its node id); "" removes the name. */
  labelPeer: { params: { nodeId: string; label: string }; result: { nodeId: string; label: string | null } };
  /** The most recent events (the node keeps a capped history), oldest first. */
  recentEvents: { params: { limit?: number; types?: string[] }; result: { events: NodeEvent[] } };
  /**
   * Sends an onion message to a node id or a hex `blinded_path` (routing: `via` hops, else a
   * connected peer, else an address-book address dialled first). `waitReplySeconds` attaches a
   * reply path and waits for the reply (error `messenger.reply_timeout` if none comes).
   */
  sendOnionMessage: {
    params: {
      destination: string;
      tlvs: { type: string; value: string }[];
      via?: string[];
      replyPath?: boolean;
      dummyHops?: number;
      waitReplySeconds?: number;
      inReplyTo?: string;
    };
    result: SendOnionMessageResult;
  };
  /** The capped onion-message traffic log, newest `limit` rows, oldest first. */
  listMessages: { params: { limit?: number; peer?: string; tlvType?: string; outcome?: string }; result: { messages: MessageLogEntry[] } };
  /** The mailbox: allow-list, stored messages, totals and quotas. */
  mailboxList: { params: Record<string, never>; result: MailboxInfo };
  mailboxAllow: { params: { nodeId: string }; result: { nodeId: string; allowed: boolean } };
  mailboxDeny: { params: { nodeId: string }; result: { nodeId: string; allowed: boolean } };
  /** Counters by outcome and drop reason, queue sizes, rate limiter state, policy. */
  messengerStats: { params: Record<string, never>; result: MessengerStatsInfo };
  /** Delivers messages of an application TLV type as `onion.delivered` events (counted registrations). */
  registerMessageHandler: { params: { tlvType: string }; result: { tlvType: string; listeners: number } };
  unregisterMessageHandler: { params: { tlvType: string }; result: { tlvType: string; listeners: number } };
  /** A blinded path to this node that others can send onion messages to. */
  createMessagePath: { params: { via?: string[]; dummyHops?: number }; result: MessagePathInfo };
  /** Every channel: id, peer, connection state, capacity, balances, commitment numbers, HTLC count. */
  listChannels: { params: Record<string, never>; result: { channels: ChannelSummary[] } };
  /** One channel's inspector view (error `channel.not_found` if unknown). */
  getChannel: { params: { channelId: string }; result: ChannelDetail };
  /** Runs the protocol simulator (two state machines in memory): its trace and SVG sequence diagram. */
  runSimulation: { params: RunSimulationParams; result: SimulationResult };
}

export type MethodName = keyof Methods;
export type Params<M extends MethodName> = Methods[M]['params'];
export type Result<M extends MethodName> = Methods[M]['result'];

const none = s.object({});

/** A TLV type as a decimal string (up to 2^64 - 1). */
const TLV_TYPE = s.string({ pattern: /^(0|[1-9][0-9]{0,19})$/, describe: 'a TLV type (decimal)' });

/** Outcomes of onion messages (the live `onion.*` events). */
export const MESSAGE_OUTCOMES = [
  'received', 'delivered', 'forwarded', 'sent', 'replied', 'dropped', 'mailbox_stored', 'mailbox_wake', 'mailbox_forwarded', 'mailbox_expired',
] as const;

/**
 * Outcomes the stored traffic log keeps (`listMessages`' filter): all but `received`, which is live
 * only — every received message has its own row (delivered, forwarded, dropped, mailbox_stored)
 * naming its sender.
 */
export const LOGGED_MESSAGE_OUTCOMES = MESSAGE_OUTCOMES.filter((o): o is Exclude<typeof o, 'received'> => o !== 'received');

/** A non-negative amount or id: a JSON number or a decimal string. */
const SIM_AMOUNT = s.oneOf(s.integer({ min: 0 }), s.msat());

/** One simulator event; parseSimScript checks which keys each `msg` allows. */
const SIM_EVENT = s.object(
  {
    from: s.enum('A', 'B'),
    msg: s.enum('update_add_htlc', 'update_fulfill_htlc', 'update_fail_htlc', 'update_fail_malformed_htlc', 'update_fee', 'commitment_signed', 'revoke_and_ack'),
    id: SIM_AMOUNT,
    amount_msat: SIM_AMOUNT,
    cltv_expiry: s.integer({ min: 0, max: 0xffffffff }),
    payment_preimage: s.string({ pattern: /^[0-9a-fA-F]{64}$/, describe: '32 bytes of hex' }),
    failure_code: s.integer({ min: 0, max: 0xffff }),
    feerate_per_kw: s.integer({ min: 0, max: 0xffffffff }),
    deliver: s.oneOf(s.boolean(), s.enum('A->B', 'B->A', 'all')),
  },
  ['from', 'msg', 'id', 'amount_msat', 'cltv_expiry', 'payment_preimage', 'failure_code', 'feerate_per_kw', 'deliver'],
);

/** At most this many simulator events per call (each commitment_signed signs in the node's thread). */
export const MAX_SIMULATION_EVENTS = 1000;

export const METHOD_SCHEMAS: { readonly [M in MethodName]: Schema } = {
  ...OFFER_METHOD_SCHEMAS,
  ...SETTINGS_METHOD_SCHEMAS,
  ...DECODE_METHOD_SCHEMAS,
  ...WALLET_METHOD_SCHEMAS,
  ...PAYMENT_METHOD_SCHEMAS,
  ...ASYNC_METHOD_SCHEMAS,
  ...CHANNEL_METHOD_SCHEMAS,
  ...GOSSIP_METHOD_SCHEMAS,
  getInfo: none,
  connect: s.object(
    { address: s.string({ pattern: PEER_ADDRESS_PATTERN, maxLength: 400, describe: 'NODEID@HOST:PORT' }), reconnect: s.boolean() },
    ['reconnect'],
  ),
  disconnect: s.object({ nodeId: s.nodeId(), forget: s.boolean() }, ['forget']),
  listPeers: none,
  listSavedPeers: none,
  forgetPeer: s.object({ nodeId: s.nodeId() }),
  ping: s.object({ nodeId: s.nodeId(), numPongBytes: s.integer({ min: 0, max: 65531 }) }, ['numPongBytes']),
  labelPeer: s.object({ nodeId: s.nodeId(), label: s.string({ maxLength: 64, describe: 'at most 64 characters' }) }),
  recentEvents: s.object({ limit: s.integer({ min: 1, max: 10000 }), types: s.array(s.string({ maxLength: 64 }), 64) }, ['limit', 'types']),
  sendOnionMessage: s.object(
    {
      destination: s.string({ pattern: /^([0-9a-f]{2})+$/, maxLength: 2 * 65535, describe: 'a node id or a blinded path, in lowercase hex' }),
      tlvs: s.array(s.object({ type: TLV_TYPE, value: s.hex(32768) }), 16),
      via: s.array(s.nodeId(), 20),
      replyPath: s.boolean(),
      dummyHops: s.integer({ min: 0, max: 10 }),
      waitReplySeconds: s.integer({ min: 1, max: 600 }),
      inReplyTo: s.string({ pattern: /^[0-9a-f]{16}$/, describe: 'a message id (16 hex characters)' }),
    },
    ['via', 'replyPath', 'dummyHops', 'waitReplySeconds', 'inReplyTo'],
  ),
  listMessages: s.object(
    { limit: s.integer({ min: 1, max: 10000 }), peer: s.nodeId(), tlvType: TLV_TYPE, outcome: s.enum(...LOGGED_MESSAGE_OUTCOMES) },
    ['limit', 'peer', 'tlvType', 'outcome'],
  ),
  mailboxList: none,
  mailboxAllow: s.object({ nodeId: s.nodeId() }),
  mailboxDeny: s.object({ nodeId: s.nodeId() }),
  messengerStats: none,
  registerMessageHandler: s.object({ tlvType: TLV_TYPE }),
  unregisterMessageHandler: s.object({ tlvType: TLV_TYPE }),
  createMessagePath: s.object({ via: s.array(s.nodeId(), 20), dummyHops: s.integer({ min: 0, max: 10 }) }, ['via', 'dummyHops']),
  listChannels: none,
  getChannel: s.object({ channelId: s.string({ pattern: /^[0-9a-f]{64}$/, describe: 'a channel id (64 hex characters)' }) }),
  runSimulation: s.oneOf(
    s.object({ scenario: s.string({ pattern: /^[a-z0-9-]{1,40}$/, describe: 'a scenario name' }) }),
    s.object(
      {
        events: s.array(SIM_EVENT, MAX_SIMULATION_EVENTS),
        funding_sat: SIM_AMOUNT,
        push_msat: SIM_AMOUNT,
        feerate_per_kw: s.integer({ min: 0, max: 0xffffffff }),
        channel_type: s.enum('anchors', 'static_remotekey'),
      },
      ['funding_sat', 'push_msat', 'feerate_per_kw', 'channel_type'],
    ),
  ),
};

export const METHOD_NAMES = Object.keys(METHOD_SCHEMAS) as MethodName[];

/** The NodeApi as callers see it: one async function per method, plus an event subscription. */
export type NodeApi = { [M in MethodName]: (params: Params<M>) => Promise<Result<M>> } & {
  /** Calls `listener` for every event from now on; returns the unsubscribe function. */
  subscribe(listener: (event: NodeEvent) => void): () => void;
};

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(METHOD_SCHEMAS, name);
}
