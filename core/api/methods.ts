/**
 * The NodeApi: every method a host can call, with its parameter schema (checked by every host
 * before the node sees the call) and its result type.
 */
import type { NodeEvent } from './events';
import type { NodeInfo, PeerInfo, PingResult } from './types';
import { s, type Schema } from './schema';

/** `nodeid@host:port`, host a name, IPv4 or [IPv6]. */
export const PEER_ADDRESS_PATTERN = /^0[23][0-9a-f]{64}@(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/;

export interface Methods {
  getInfo: { params: Record<string, never>; result: NodeInfo };
  connect: { params: { address: string; reconnect?: boolean }; result: PeerInfo };
  disconnect: { params: { nodeId: string; forget?: boolean }; result: { nodeId: string; disconnected: boolean } };
  listPeers: { params: Record<string, never>; result: { peers: PeerInfo[] } };
  ping: { params: { nodeId: string; numPongBytes?: number }; result: PingResult };
  /** The most recent events (the node keeps a capped history), oldest first. */
  recentEvents: { params: { limit?: number; types?: string[] }; result: { events: NodeEvent[] } };
}

export type MethodName = keyof Methods;
export type Params<M extends MethodName> = Methods[M]['params'];
export type Result<M extends MethodName> = Methods[M]['result'];

const none = s.object({});

export const METHOD_SCHEMAS: { readonly [M in MethodName]: Schema } = {
  getInfo: none,
  connect: s.object(
    { address: s.string({ pattern: PEER_ADDRESS_PATTERN, maxLength: 400, describe: 'NODEID@HOST:PORT' }), reconnect: s.boolean() },
    ['reconnect'],
  ),
  disconnect: s.object({ nodeId: s.nodeId(), forget: s.boolean() }, ['forget']),
  listPeers: none,
  ping: s.object({ nodeId: s.nodeId(), numPongBytes: s.integer({ min: 0, max: 65531 }) }, ['numPongBytes']),
  recentEvents: s.object({ limit: s.integer({ min: 1, max: 10000 }), types: s.array(s.string({ maxLength: 64 }), 64) }, ['limit', 'types']),
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
