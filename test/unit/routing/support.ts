/**
 * Hand-built routing graphs: named nodes with 33-byte ids (pathfinding never checks them on the
 * curve), channels with a policy per direction, and a brute-force search over every simple path
 * that applies the same rules as findRoute, written independently of it.
 */
import { sha256, toHex } from '../../../core/crypto';
import type { RoutingChannel, RoutingGraph, RoutingPolicy } from '../../../core/routing';

/** A 33-byte node id for a name (0x02 ‖ SHA-256(name)). */
export function id(name: string): Uint8Array {
  const out = new Uint8Array(33);
  out[0] = 2;
  out.set(sha256(new TextEncoder().encode(name)), 1);
  return out;
}

export const hex = (name: string): string => toHex(id(name));

export function policy(p: Partial<RoutingPolicy> = {}): RoutingPolicy {
  return {
    feeBaseMsat: p.feeBaseMsat ?? 0n,
    feeProportionalMillionths: p.feeProportionalMillionths ?? 0n,
    cltvExpiryDelta: p.cltvExpiryDelta ?? 40,
    htlcMinimumMsat: p.htlcMinimumMsat ?? 0n,
    htlcMaximumMsat: p.htlcMaximumMsat ?? 1_000_000_000n,
    disabled: p.disabled ?? false,
  };
}

export class TestGraph implements RoutingGraph {
  readonly channels: RoutingChannel[] = [];
  readonly #byNode = new Map<string, RoutingChannel[]>();
  readonly noForward = new Set<string>();

  /** A channel a–b; `ab` is a's policy (forwarding a → b), `ba` b's. null: no update from that side. */
  add(a: string, b: string, scid: bigint, ab: RoutingPolicy | null, ba: RoutingPolicy | null, capacitySat: bigint | null = 1_000_000n): this {
    const [x, y] = [hex(a), hex(b)];
    const aFirst = x < y;
    const ch: RoutingChannel = {
      shortChannelId: scid, nodeId1: aFirst ? x : y, nodeId2: aFirst ? y : x, capacitySat, policies: aFirst ? [ab, ba] : [ba, ab],
    };
    this.channels.push(ch);
    for (const n of [x, y]) this.#byNode.set(n, [...(this.#byNode.get(n) ?? []), ch]);
    return this;
  }

  channelsOf(nodeId: string): Iterable<RoutingChannel> {
    return this.#byNode.get(nodeId) ?? [];
  }

  canForward(nodeId: string): boolean {
    return !this.noForward.has(nodeId);
  }
}

export interface BruteRequest {
  readonly source: string;
  readonly destination: string;
  readonly amountMsat: bigint;
  readonly finalCltv: number;
  readonly maxFeeMsat: bigint;
  readonly maxCltv: number;
  readonly maxHops: number;
  readonly riskPpb: bigint;
}

/** The cheapest feasible simple path's cost by exhaustive search, or null if none is feasible. */
export function bruteForce(g: TestGraph, r: BruteRequest): bigint | null {
  let best: bigint | null = null;
  const path = [r.source];
  const edges: { ch: RoutingChannel; from: string; to: string }[] = [];
  const visit = (at: string): void => {
    if (at === r.destination) {
      const c = evaluate(edges, r);
      if (c !== null && (best === null || c < best)) best = c;
      return;
    }
    if (edges.length >= r.maxHops) return;
    for (const ch of g.channelsOf(at)) {
      const to = ch.nodeId1 === at ? ch.nodeId2 : ch.nodeId1;
      if (path.includes(to)) continue;
      if (to !== r.destination && !g.canForward(to)) continue;
      path.push(to);
      edges.push({ ch, from: at, to });
      visit(to);
      path.pop();
      edges.pop();
    }
  };
  visit(r.source);
  return best;
}

function evaluate(edges: { ch: RoutingChannel; from: string; to: string }[], r: BruteRequest): bigint | null {
  let amount = r.amountMsat;
  let cltv = r.finalCltv;
  let cost = 0n;
  for (let i = edges.length - 1; i >= 0; i--) {
    const { ch, from } = edges[i]!;
    const p = ch.policies[from === ch.nodeId1 ? 0 : 1];
    const cap = ch.capacitySat === null ? null : ch.capacitySat * 1000n;
    if (p) {
      if (p.disabled || p.htlcMaximumMsat < p.htlcMinimumMsat || (cap !== null && p.htlcMaximumMsat > cap)) return null;
      if (amount < p.htlcMinimumMsat || amount > p.htlcMaximumMsat) return null;
    } else if (i > 0) {
      return null; // a forwarding node without a policy
    }
    if (cap !== null && amount > cap) return null;
    if (i === 0) break; // the source charges itself nothing
    const fee = p!.feeBaseMsat + (amount * p!.feeProportionalMillionths) / 1_000_000n;
    cost += fee + (amount * BigInt(p!.cltvExpiryDelta) * r.riskPpb) / 1_000_000_000n;
    amount += fee;
    cltv += p!.cltvExpiryDelta;
  }
  if (amount - r.amountMsat > r.maxFeeMsat || cltv > r.maxCltv) return null;
  return cost;
}
