/**
 * The one typed event union the node's bus carries, composed from the events each layer owns.
 * `chain.*` are the chain layer's (core/node/chain-info.ts says which), `wallet.*` the wallet's, `payment.*` and `forward.*` the payments layer's, `gossip.*` the gossip layer's.
 * Each event has a sequence number (increasing per node run) and a unix-ms time. Re-exported by
 * core/api for hosts and the renderer.
 */
import type { PeerEventBody } from '../peer/events';
import type { OnionMessageEventBody } from '../messenger/events';
import type { ChannelEventBody } from '../channel/events';
import type { OfferEventBody } from '../offers/events';
import type { MonitorEvent } from '../monitor/events';
import type { WalletEventBody } from '../wallet/events';
import type { PaymentEventBody } from '../payments/events';
import type { AsyncEventBody } from '../payments/async/events';
import type { SettingsEventBody } from './settings-info';
import type { ChainEventBody } from './chain-info';
import type { GossipEvent } from '../gossip/events';

export type NodeEventBody =
  | PeerEventBody | OnionMessageEventBody | ChannelEventBody | MonitorEvent | OfferEventBody | SettingsEventBody | ChainEventBody | WalletEventBody | PaymentEventBody | GossipEvent | AsyncEventBody;

export type NodeEvent = NodeEventBody & { readonly seq: number; readonly time: number };

export type NodeEventType = NodeEventBody['type'];
