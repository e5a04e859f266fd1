/**
 * The MessageRouter: chooses the first hop and the unblinded hops of an onion message without
 * gossip. We know only our connected peers and the address book, so the rules are, in order:
 *
 * 1. `via` hops given by the caller: the route is us → via[0] → … → via[n-1] → target;
 * 2. the target (a node, or a blinded path's introduction node) is a connected peer: direct;
 * 3. the address book knows the target's address: connect to it first, then direct;
 * 4. the gossip graph (when the view has one): the shortest chain of channels from a connected
 *    peer to the target, at most `MAX_GRAPH_HOPS` relays, each relay a node that offers
 *    option_onion_messages (a peer by its init, others by their node_announcement), carries it
 *    (`via` those relays) — no new connection, our address stays with our peers; else the
 *    target's node_announcement address: connect to it first;
 * 5. otherwise: `messenger.no_route`.
 *
 * The reply path must start at a node the recipient can reach: for a node destination, the
 * last hop before it (a peer of the destination; we ourselves when the route is direct); for a
 * blinded path, its introduction node (the recipient chose it). From there it runs back along
 * the route's unblinded hops to us. Pure functions over a read-only view of the peers.
 */
import type { BlindedPath } from '../wire';
import { toHex } from '../crypto';
import { MessengerError } from './errors';

/** What the router may know: connected peers and the address book. */
export interface RoutingView {
  /** Hex node id of our node. */
  readonly ourNodeId: string;
  isConnected(nodeId: string): boolean;
  /** A "host:port" to dial, if the address book has one. */
  addressOf(nodeId: string): string | undefined;
  /** The gossip graph: the nodes with a channel to `nodeId` (hex). */
  graphNeighbours?(nodeId: string): readonly string[];
  /** The gossip graph: a "host:port" from the node's node_announcement (BOLT 7 `addresses`). */
  graphAddressOf?(nodeId: string): string | undefined;
  /** Whether the node relays onion messages (BOLT 9 option_onion_messages); without it every node is taken to. */
  relaysOnionMessages?(nodeId: string): boolean;
}

/** Relays at most on a route found in the gossip graph (us → relay… → target). */
export const MAX_GRAPH_HOPS = 4;

/**
 * The relays from a connected peer to `end` over the graph's channels, first hop first: the
 * shortest such chain (breadth-first from the target), or null. We are never a relay.
 */
function graphRelays(end: string, view: RoutingView, maxHops = MAX_GRAPH_HOPS): string[] | null {
  const neighbours = view.graphNeighbours;
  if (!neighbours) return null;
  const relays = (id: string) => id !== view.ourNodeId && id !== end && (view.relaysOnionMessages?.(id) ?? true);
  // next[n]: the node after n on the way to the target.
  const next = new Map<string, string>([[end, end]]);
  let frontier = [end];
  for (let depth = 1; depth <= maxHops && frontier.length; depth++) {
    const found: string[] = [];
    for (const at of frontier) {
      for (const n of neighbours(at)) {
        if (next.has(n) || !relays(n)) continue;
        next.set(n, at);
        if (view.isConnected(n)) {
          const chain = [n];
          for (let x = at; x !== end; x = next.get(x)!) chain.push(x);
          return chain;
        }
        found.push(n);
      }
    }
    frontier = found;
  }
  return null;
}

/** A target the router can reach: a node id, or a blinded path whose introduction node is a node id. */
export type RouteTarget =
  | { readonly kind: 'node'; readonly nodeId: string }
  | { readonly kind: 'blinded'; readonly introductionNodeId: string; readonly path: BlindedPath };

export type RouteKind = 'via' | 'direct' | 'connect_first';

export interface RoutePlan {
  readonly kind: RouteKind;
  /** The peer the `onion_message` is handed to. */
  readonly firstHop: string;
  /** Set when the first hop must be dialled first. */
  readonly connectTo?: { readonly nodeId: string; readonly address: string };
  /** Unblinded hops after us and before the target (the `via` list; empty otherwise). */
  readonly intermediates: readonly string[];
  readonly target: RouteTarget;
}

function targetNodeId(target: RouteTarget): string {
  return target.kind === 'node' ? target.nodeId : target.introductionNodeId;
}

/** Plans a route to `target`, optionally through explicit `via` hops (first hop first). */
export function planRoute(target: RouteTarget, via: readonly string[], view: RoutingView): RoutePlan {
  const end = targetNodeId(target);
  if (via.includes(view.ourNodeId)) throw new MessengerError('messenger.no_route', 'a via hop is our own node');
  if (via.length > 0) {
    const first = via[0]!;
    if (view.isConnected(first)) return { kind: 'via', firstHop: first, intermediates: [...via], target };
    const address = view.addressOf(first);
    if (address) return { kind: 'via', firstHop: first, connectTo: { nodeId: first, address }, intermediates: [...via], target };
    throw new MessengerError('messenger.no_route', `the first via hop ${first} is not connected and has no known address`, { nodeId: first });
  }
  if (view.isConnected(end)) return { kind: 'direct', firstHop: end, intermediates: [], target };
  const address = view.addressOf(end);
  if (address) return { kind: 'connect_first', firstHop: end, connectTo: { nodeId: end, address }, intermediates: [], target };
  // BOLT 4 (onion messages) lets any node relay to its peers: a chain of relays the graph shows from a peer of ours to the target.
  const relays = graphRelays(end, view);
  if (relays) return { kind: 'via', firstHop: relays[0]!, intermediates: relays, target };
  const announced = view.graphAddressOf?.(end);
  if (announced) return { kind: 'connect_first', firstHop: end, connectTo: { nodeId: end, address: announced }, intermediates: [], target };
  const what = target.kind === 'node' ? 'the destination' : "the blinded path's introduction node";
  // Said apart: the graph has a chain of relays, but a longer one than we build (each node is visited once: it ends).
  const longer = graphRelays(end, view, Number.POSITIVE_INFINITY);
  if (longer) {
    throw new MessengerError(
      'messenger.no_route',
      `the shortest route over the gossip graph to ${what} ${end} has ${longer.length} relays, more than the ${MAX_GRAPH_HOPS} we use; give --via hops`,
      { nodeId: end, relays: longer.length, maxRelays: MAX_GRAPH_HOPS },
    );
  }
  throw new MessengerError('messenger.no_route', `${what} ${end} is not a connected peer and has no known address; give --via hops`, { nodeId: end });
}

/**
 * The nodes of a reply path for `plan`, introduction node first and ourselves last: the
 * blinded path's introduction node (if any), then the route's unblinded hops reversed.
 */
export function replyPathNodes(plan: RoutePlan, ourNodeId: string): string[] {
  const back = [...plan.intermediates].reverse().concat(ourNodeId);
  const nodes = plan.target.kind === 'blinded' ? [plan.target.introductionNodeId, ...back] : back;
  // A via list that ends at the introduction node would name it twice in a row.
  return nodes.filter((id, i) => i === 0 || nodes[i - 1] !== id);
}

/** Hex node id of a blinded path's introduction node, when it is given as a node id. */
export function introductionNodeId(path: BlindedPath): string | undefined {
  return path.firstNodeId.kind === 'node_id' ? toHex(path.firstNodeId.nodeId) : undefined;
}
