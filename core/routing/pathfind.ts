/**
 * Pathfinding for a payment (BOLT 7 "Recommendations for Routing", BOLT 4 amounts and expiries):
 * a label-setting search from the destination back to us, because "amounts and expiries for HTLCs
 * need to be calculated backward from the destination to the source". Each label at a node says
 * what an HTLC into that node must carry (amount, CLTV delta above the current height) for the
 * rest of the route, and what that rest costs (fees + CLTV risk + learned penalties). Labels that
 * another label at the same node beats on every count (cost, amount, CLTV, hops) are dropped; the
 * first label to reach us is the cheapest route that satisfies every constraint.
 *
 * Constraints: each forwarding node's fee (`fee_base_msat + amount * fee_proportional_millionths
 * / 1000000`, BOLT 7 "HTLC Fees") and `cltv_expiry_delta`, `htlc_minimum_msat` and
 * `htlc_maximum_msat`, disabled directions, capacity, the caller's maximum fee and total CLTV, a
 * hop limit, and nodes that must not forward. The last hops may come from BOLT 11 route hints
 * (extra edges into the destination) or BOLT 12 blinded paths (the route ends at an introduction
 * node and pays its aggregated `blinded_payinfo`); the first hop is one of our channels with its
 * real balance, given by the caller.
 *
 * Exact when no label cap is hit and no `htlc_minimum_msat` binds (a larger amount can pass a
 * minimum a smaller one cannot, which the dominance rule ignores); bounded by `maxWork` labels.
 * Deterministic: the same graph, request and penalties give the same route.
 */
import { fromHex, toHex } from '../crypto';
import { forwardingFee } from '../onion';
import { RoutingError } from './errors';
import type { RoutingGraph, RoutingPolicy } from './graph';
import { MinHeap } from './heap';

/** One of our channels, usable as the first hop with what it can send now. */
export interface FirstHop {
  /** The short_channel_id (or alias) the HTLC goes out on. */
  readonly shortChannelId: bigint;
  readonly peerNodeId: Uint8Array;
  /** What the channel can send now (msat): its spendable balance and HTLC limits already applied. */
  readonly outboundMsat: bigint;
  /** The peer's `htlc_minimum_msat`. */
  readonly htlcMinimumMsat?: bigint;
}

/** One hop of a BOLT 11 route hint (`r` field): the channel from `nodeId` towards the next hop or the destination. */
export interface RouteHintHop {
  readonly nodeId: Uint8Array;
  readonly shortChannelId: bigint;
  readonly feeBaseMsat: bigint;
  readonly feeProportionalMillionths: bigint;
  readonly cltvExpiryDelta: number;
}

/** A BOLT 12 blinded payment path, as the route's last hops. */
export interface BlindedPathTarget {
  /** The introduction node (resolve a short_channel_id introduction before calling). */
  readonly introductionNodeId: Uint8Array;
  /** The path's `blinded_payinfo` (aggregated fees and CLTV delta, which includes the recipient's final delta). */
  readonly payInfo: {
    readonly feeBaseMsat: bigint;
    readonly feeProportionalMillionths: bigint;
    readonly cltvExpiryDelta: number;
    readonly htlcMinimumMsat: bigint;
    readonly htlcMaximumMsat: bigint;
  };
  /** Number of hops in the blinded path, the introduction node included. */
  readonly blindedHops: number;
}

/**
 * What the payments layer learned from failures (see `FailureMemory`). Directed channels are named
 * by short_channel_id and the hex node ids of their two ends.
 */
export interface RoutePenalties {
  /**
   * Extra cost (msat) of sending `amountMsat` from `from` to `to` over the channel, or 'exclude'.
   * `maxMsat`: the most the channel carries as far as the search knows (htlc_maximum_msat, or our
   * balance on a channel of ours), null when unknown (a route hint).
   */
  channel?(shortChannelId: bigint, from: string, to: string, amountMsat: bigint, maxMsat?: bigint | null): bigint | 'exclude';
  /** Extra cost (msat) of a node forwarding, or 'exclude'. */
  node?(nodeId: string): bigint | 'exclude';
  /** A newer policy for the direction from `from` (BOLT 4: a failure's channel_update, "for retries"). */
  policy?(shortChannelId: bigint, from: string): RoutingPolicy | undefined;
}

export interface RouteRequest {
  readonly graph: RoutingGraph;
  /** Us. */
  readonly source: Uint8Array;
  /** The recipient; not needed when paying over `blindedPaths`. */
  readonly destination?: Uint8Array;
  /** What the recipient gets. */
  readonly amountMsat: bigint;
  /** The recipient's `min_final_cltv_expiry_delta` (BOLT 11 default 18); not used with blinded paths. */
  readonly finalCltvExpiryDelta?: number;
  /** Most the route may cost in fees (msat). Default: no limit. */
  readonly maxFeeMsat?: bigint;
  /** Largest CLTV delta of the first HTLC above the current height. Default 2016. */
  readonly maxTotalCltvExpiryDelta?: number;
  /** Most onion payloads (hops after us, blinded ones included). Default 20. */
  readonly maxHops?: number;
  /** Our channels with their balances. When given, our graph channels are not used. */
  readonly firstHops?: readonly FirstHop[];
  /** BOLT 11 route hints, each ending at the destination. */
  readonly routeHints?: readonly (readonly RouteHintHop[])[];
  /** BOLT 12 blinded paths; the route ends at one of their introduction nodes. */
  readonly blindedPaths?: readonly BlindedPathTarget[];
  readonly penalties?: RoutePenalties;
  /** CLTV risk: cost per block of lock-up, in parts per billion of the amount. Default 15 (as LND). */
  readonly cltvRiskPpb?: bigint;
  /** Labels a node is expanded from (and kept waiting) at most. Default 4. */
  readonly maxLabelsPerNode?: number;
  /** Labels taken from the queue before giving up. Default 1,000,000. */
  readonly maxWork?: number;
}

export type HopSource = 'graph' | 'hint' | 'first_hop';

export interface RouteHop {
  /** The node this hop reaches. */
  readonly nodeId: Uint8Array;
  /** The channel into it. */
  readonly shortChannelId: bigint;
  /** The HTLC amount on that channel (`amt_to_forward` of the previous hop's payload). */
  readonly amountMsat: bigint;
  /** The HTLC's CLTV expiry on that channel, in blocks above the current height. */
  readonly cltvExpiryDelta: number;
  /** What this node keeps for forwarding (0 for the last hop). */
  readonly feeMsat: bigint;
  /** Where the channel came from. */
  readonly source: HopSource;
}

export interface Route {
  /** In payment order: hops[0] is our peer, the last the destination (or introduction node). */
  readonly hops: readonly RouteHop[];
  /** What the recipient gets. */
  readonly amountMsat: bigint;
  /** The first HTLC's amount. */
  readonly totalAmountMsat: bigint;
  readonly totalFeeMsat: bigint;
  /** The first HTLC's CLTV delta above the current height. */
  readonly totalCltvExpiryDelta: number;
  /** The blinded path the route ends in. */
  readonly blindedTail?: {
    readonly pathIndex: number;
    readonly introductionNodeId: Uint8Array;
    /** The aggregated fee paid into the blinded path. */
    readonly feeMsat: bigint;
    /** The payinfo's CLTV delta. */
    readonly cltvExpiryDelta: number;
  };
  /** The search's cost (fees + CLTV risk + penalties), for comparing routes. */
  readonly cost: bigint;
}

interface Edge {
  readonly from: string;
  readonly scid: bigint;
  readonly kind: HopSource;
  /** null: our own channel in the graph without a policy of ours (no fee, no limits). */
  readonly policy: RoutingPolicy | null;
  /** Largest amount the edge can carry (capacity or our balance), if known. */
  readonly maxMsat: bigint | null;
  readonly minMsat: bigint;
}

interface Label {
  readonly node: string;
  readonly amount: bigint;
  readonly cltv: number;
  readonly cost: bigint;
  readonly hops: number;
  /** Towards the destination, and the edge from this node to it. */
  readonly next: Label | null;
  readonly edge: Edge | null;
  /** Blinded path index when the label is an introduction node's start, else -1. */
  readonly tail: number;
  readonly seq: number;
  dead: boolean;
  settled: boolean;
}

const U64_MAX = (1n << 64n) - 1n;
const BILLION = 1_000_000_000n;

function nodeHex(key: Uint8Array, what: string): string {
  if (!(key instanceof Uint8Array) || key.length !== 33) throw new RoutingError('routing.bad_request', `${what} must be a 33-byte node id`);
  return toHex(key);
}

/**
 * The cheapest route that satisfies every constraint, or RoutingError `routing.no_route` /
 * `routing.search_limit` / `routing.bad_request`.
 */
export function findRoute(req: RouteRequest): Route {
  const source = nodeHex(req.source, 'source');
  const amount = req.amountMsat;
  if (typeof amount !== 'bigint' || amount <= 0n) throw new RoutingError('routing.bad_request', 'amountMsat must be a positive bigint');
  const blinded = req.blindedPaths ?? [];
  const destination = req.destination ? nodeHex(req.destination, 'destination') : null;
  if (!destination && blinded.length === 0) throw new RoutingError('routing.bad_request', 'a destination or blinded paths are needed');
  if (destination === source && blinded.length === 0) throw new RoutingError('routing.bad_request', 'the destination is us');
  const maxFee = req.maxFeeMsat ?? U64_MAX;
  const maxCltv = req.maxTotalCltvExpiryDelta ?? 2016;
  const maxHops = req.maxHops ?? 20;
  const riskPpb = req.cltvRiskPpb ?? 15n;
  const maxLabels = req.maxLabelsPerNode ?? 4;
  const maxWork = req.maxWork ?? 1_000_000;
  const penalties = req.penalties ?? {};
  const graph = req.graph;

  // Edges that are not in the graph: our channels (into our peers) and route hints (into their next hop).
  const firstHops = req.firstHops ? new Map<string, Edge[]>() : null;
  for (const h of req.firstHops ?? []) {
    const peer = nodeHex(h.peerNodeId, 'firstHops[].peerNodeId');
    const list = firstHops!.get(peer) ?? [];
    list.push({ from: source, scid: h.shortChannelId, kind: 'first_hop', policy: null, maxMsat: h.outboundMsat, minMsat: h.htlcMinimumMsat ?? 0n });
    firstHops!.set(peer, list);
  }
  const hintEdges = new Map<string, Edge[]>();
  if (destination) {
    for (const hint of req.routeHints ?? []) {
      hint.forEach((h, i) => {
        const from = nodeHex(h.nodeId, 'routeHints[].nodeId');
        const to = i + 1 < hint.length ? nodeHex(hint[i + 1]!.nodeId, 'routeHints[].nodeId') : destination;
        if (from === to || (from === source && firstHops)) return;
        // BOLT 4: a failure's newer channel_update for a hint's channel ("MAY consider the
        // channel_update when calculating routes to retry the payment") replaces the hint's policy.
        const policy: RoutingPolicy = penalties.policy?.(h.shortChannelId, from) ?? {
          feeBaseMsat: h.feeBaseMsat, feeProportionalMillionths: h.feeProportionalMillionths, cltvExpiryDelta: h.cltvExpiryDelta,
          htlcMinimumMsat: 0n, htlcMaximumMsat: U64_MAX, disabled: false,
        };
        if (policy.disabled) return;
        const list = hintEdges.get(to) ?? [];
        list.push({ from, scid: h.shortChannelId, kind: 'hint', policy, maxMsat: null, minMsat: 0n });
        hintEdges.set(to, list);
      });
    }
  }

  /** The edges into `v` that can carry anything at all, built once per node and search. */
  const edgeCache = new Map<string, Edge[]>();
  function incoming(v: string): readonly Edge[] {
    const cached = edgeCache.get(v);
    if (cached) return cached;
    const out: Edge[] = [];
    for (const ch of graph.channelsOf(v)) {
      const from = ch.nodeId1 === v ? ch.nodeId2 : ch.nodeId1;
      if (from === v || (from === source && firstHops)) continue;
      const direction = from === ch.nodeId1 ? 0 : 1;
      const policy = penalties.policy?.(ch.shortChannelId, from) ?? ch.policies[direction];
      const capacity = ch.capacitySat === null ? null : ch.capacitySat * 1000n;
      if (!policy) {
        // Without our own direction's update we may still use our own channel (no fee to ourselves).
        if (from === source) out.push({ from, scid: ch.shortChannelId, kind: 'graph', policy: null, maxMsat: capacity, minMsat: 0n });
        continue;
      }
      if (policy.disabled) continue;
      // BOLT 7: "if htlc_maximum_msat < htlc_minimum_msat: SHOULD ignore this channel during route
      // considerations"; "if htlc_maximum_msat is greater than channel capacity: ... SHOULD ignore this channel".
      if (policy.htlcMaximumMsat < policy.htlcMinimumMsat) continue;
      if (capacity !== null && policy.htlcMaximumMsat > capacity) continue;
      out.push({ from, scid: ch.shortChannelId, kind: 'graph', policy, maxMsat: policy.htlcMaximumMsat, minMsat: policy.htlcMinimumMsat });
    }
    out.push(...(hintEdges.get(v) ?? []));
    if (firstHops) out.push(...(firstHops.get(v) ?? []));
    edgeCache.set(v, out);
    return out;
  }

  let seq = 0;
  const heap = new MinHeap<Label>((a, b) =>
    a.cost !== b.cost ? a.cost < b.cost : a.cltv !== b.cltv ? a.cltv < b.cltv : a.hops !== b.hops ? a.hops < b.hops : a.seq < b.seq);
  /** Labels at each node still in play: taken from the queue (settled) or waiting in it. */
  const labels = new Map<string, Label[]>();
  /** How many labels each node has been expanded from: at most `maxLabels`. */
  const settled = new Map<string, number>();

  /**
   * A label for `node` unless one there beats it on every count (cost, CLTV, amount, hops); the
   * waiting labels it beats are dropped. Nothing is allocated for a label that is not kept.
   */
  function offer(node: string, amt: bigint, cltv: number, cost: bigint, hops: number, next: Label | null, edge: Edge | null, tail: number): void {
    if (cltv > maxCltv || hops > maxHops || amt - amount > maxFee) return;
    if ((settled.get(node) ?? 0) >= maxLabels) return;
    const here = labels.get(node);
    if (here) {
      for (const m of here) if (m.cost <= cost && m.cltv <= cltv && m.amount <= amt && m.hops <= hops) return;
      let kept = 0;
      for (const m of here) {
        // A settled label is never beaten (it was cheaper); a waiting one may be.
        if (!m.settled && cost <= m.cost && cltv <= m.cltv && amt <= m.amount && hops <= m.hops) m.dead = true;
        else here[kept++] = m;
      }
      here.length = kept;
      if (here.length >= maxLabels) {
        // Full: the new label replaces the most expensive waiting one if it is cheaper.
        let worst = -1;
        for (let i = 0; i < here.length; i++) if (!here[i]!.settled && (worst < 0 || here[i]!.cost > here[worst]!.cost)) worst = i;
        if (worst < 0 || here[worst]!.cost <= cost) return;
        here[worst]!.dead = true;
        here.splice(worst, 1);
      }
    }
    const l: Label = { node, amount: amt, cltv, cost, hops, next, edge, tail, seq: seq++, dead: false, settled: false };
    if (here) here.push(l);
    else labels.set(node, [l]);
    heap.push(l);
  }

  // The starting labels: the destination with the amount and final delta, or each blinded path's
  // introduction node with the amount plus the path's aggregated fee and its CLTV delta.
  if (destination && blinded.length === 0) {
    offer(destination, amount, req.finalCltvExpiryDelta ?? 18, 0n, 0, null, null, -1);
  }
  blinded.forEach((p, i) => {
    const intro = nodeHex(p.introductionNodeId, 'blindedPaths[].introductionNodeId');
    const fee = forwardingFee(amount, p.payInfo.feeBaseMsat, p.payInfo.feeProportionalMillionths);
    const total = amount + fee;
    // The path's minimum on what the recipient gets, its maximum on what enters it (the stricter reading of each).
    if (amount < p.payInfo.htlcMinimumMsat || total > p.payInfo.htlcMaximumMsat) return;
    const node = penalties.node?.(intro);
    if (node === 'exclude') return;
    offer(intro, total, p.payInfo.cltvExpiryDelta, fee + (node ?? 0n), Math.max(0, p.blindedHops - 1), null, null, i);
  });

  const inPath = (l: Label, node: string): boolean => {
    for (let x: Label | null = l; x; x = x.next) if (x.node === node) return true;
    return false;
  };

  let work = 0;
  for (let l = heap.pop(); l; l = heap.pop()) {
    if (l.dead) continue;
    if (l.node === source) return buildRoute(l, amount);
    l.settled = true;
    settled.set(l.node, (settled.get(l.node) ?? 0) + 1);
    if (++work > maxWork) throw new RoutingError('routing.search_limit', `no route found within ${maxWork} labels`, { work });
    for (const e of incoming(l.node)) {
      const u = e.from;
      if (inPath(l, u)) continue;
      // The channel carries l.amount from u to l.node.
      if (l.amount < e.minMsat || (e.maxMsat !== null && l.amount > e.maxMsat)) continue;
      let extra = 0n;
      const cp = penalties.channel?.(e.scid, u, l.node, l.amount, e.maxMsat);
      if (cp === 'exclude') continue;
      extra += cp ?? 0n;
      if (u === source) {
        // We pay ourselves no fee and add no delta of our own.
        offer(u, l.amount, l.cltv, l.cost + extra, l.hops + 1, l, e, -1);
        continue;
      }
      if (graph.canForward && !graph.canForward(u)) continue;
      const np = penalties.node?.(u);
      if (np === 'exclude') continue;
      extra += np ?? 0n;
      const p = e.policy!;
      const fee = forwardingFee(l.amount, p.feeBaseMsat, p.feeProportionalMillionths);
      const risk = riskPpb === 0n || p.cltvExpiryDelta === 0 ? 0n : (l.amount * BigInt(p.cltvExpiryDelta) * riskPpb) / BILLION;
      offer(u, l.amount + fee, l.cltv + p.cltvExpiryDelta, l.cost + fee + risk + extra, l.hops + 1, l, e, -1);
    }
  }
  throw new RoutingError('routing.no_route', 'no route satisfies the constraints', { work });
}

function buildRoute(start: Label, amount: bigint): Route {
  const hops: RouteHop[] = [];
  let tail: Route['blindedTail'];
  let l: Label = start;
  while (l.next) {
    const n: Label = l.next;
    hops.push({
      nodeId: fromHex(n.node), shortChannelId: l.edge!.scid, amountMsat: n.amount, cltvExpiryDelta: n.cltv,
      feeMsat: n.next ? n.amount - n.next.amount : 0n, source: l.edge!.kind,
    });
    l = n;
  }
  // `l` is the label the search started from: the destination, or an introduction node.
  if (l.tail >= 0) {
    tail = { pathIndex: l.tail, introductionNodeId: fromHex(l.node), feeMsat: l.amount - amount, cltvExpiryDelta: l.cltv };
  }
  return {
    hops,
    amountMsat: amount,
    totalAmountMsat: start.amount,
    totalFeeMsat: start.amount - amount,
    totalCltvExpiryDelta: start.cltv,
    ...(tail ? { blindedTail: tail } : {}),
    cost: start.cost,
  };
}
