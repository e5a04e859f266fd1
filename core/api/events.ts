/**
 * Events the node reports: one typed union for every host and the renderer, composed by the node
 * (core/node/events.ts) from the events each layer owns, re-exported here.
 */
export type { NodeEvent, NodeEventBody, NodeEventType } from '../node/events';
export type { PeerEventBody, PeerProtocolMessageEvent } from '../peer/events';
export type { OnionMessageEventBody } from '../messenger/events';
export { onionEventParties } from '../messenger/events';
