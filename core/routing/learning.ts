/**
 * What the payments layer learns from failed (and successful) attempts, turned into
 * `RoutePenalties` for the next search. Sans-I/O: time comes in as an argument. BOLT 4
 * "Receiving Failure Codes", for an intermediate hop's failure:
 * - "if the NODE bit is set: SHOULD remove all channels connected with the erring node from
 *   consideration" → `node` failures exclude the node (for a while; longer when PERM is set);
 * - "if the PERM bit is NOT set: SHOULD restore the channels as it receives new channel_updates"
 *   → a temporary channel failure only bounds what the channel can carry, and fades;
 * - "if UPDATE is set, AND the channel_update is valid and more recent than the channel_update
 *   used to send the payment: MAY consider the channel_update when calculating routes to retry the
 *   payment" → `policy` failures override the direction's policy (the caller checks the update,
 *   e.g. with GossipManager.checkFailureUpdate; it is never applied to the graph).
 *
 * One memory may serve one payment (its retries) or the whole node; penalties fade with time.
 */
import type { RoutingPolicy } from './graph';
import type { RoutePenalties } from './pathfind';

export interface FailureMemoryOptions {
  /** How long a temporary channel failure bounds the channel's liquidity (ms). Default 1 hour. */
  readonly liquidityMemoryMs?: number;
  /** How long a temporary node failure excludes the node (ms). Default 10 minutes. */
  readonly nodeMemoryMs?: number;
  /** How long a permanent failure (channel or node) excludes it (ms). Default 24 hours. */
  readonly permanentMemoryMs?: number;
  /** How long a failure's channel_update overrides the graph's policy (ms). Default 10 minutes. */
  readonly policyMemoryMs?: number;
  /** Cost (msat) added to a channel that failed recently, for amounts it may still carry; fades to 0. Default 1,000. */
  readonly failurePenaltyMsat?: bigint;
}

/** A failure, as the payments layer decoded it from the onion (which channel or node, and what). */
export type RouteFailure =
  /** The channel from `from` to `to` could not carry `amountMsat` (e.g. temporary_channel_failure), or never will (`permanent`). */
  | { readonly kind: 'channel'; readonly shortChannelId: bigint; readonly from: string; readonly to: string; readonly amountMsat: bigint; readonly permanent: boolean }
  /** The node failed (NODE bit), for now or for good (`permanent`: PERM|NODE). */
  | { readonly kind: 'node'; readonly nodeId: string; readonly permanent: boolean }
  /** A newer policy for the direction from `from` (UPDATE bit, with a checked channel_update). */
  | { readonly kind: 'policy'; readonly shortChannelId: bigint; readonly from: string; readonly policy: RoutingPolicy };

interface Bound {
  /** The channel failed to carry this much: amounts at or above it are excluded. */
  readonly failedMsat: bigint;
  readonly atMs: number;
}

const key = (scid: bigint, from: string): string => `${scid}/${from}`;

export class FailureMemory {
  readonly #liquidityMs: number;
  readonly #nodeMs: number;
  readonly #permanentMs: number;
  readonly #policyMs: number;
  readonly #penalty: bigint;
  readonly #bounds = new Map<string, Bound>();
  readonly #excludedChannels = new Map<string, number>();
  readonly #excludedNodes = new Map<string, number>();
  readonly #policies = new Map<string, { policy: RoutingPolicy; untilMs: number }>();

  constructor(o: FailureMemoryOptions = {}) {
    this.#liquidityMs = o.liquidityMemoryMs ?? 3_600_000;
    this.#nodeMs = o.nodeMemoryMs ?? 600_000;
    this.#permanentMs = o.permanentMemoryMs ?? 86_400_000;
    this.#policyMs = o.policyMemoryMs ?? 600_000;
    this.#penalty = o.failurePenaltyMsat ?? 1_000n;
  }

  reportFailure(f: RouteFailure, nowMs: number): void {
    switch (f.kind) {
      case 'channel': {
        const k = key(f.shortChannelId, f.from);
        if (f.permanent) {
          this.#excludedChannels.set(k, nowMs + this.#permanentMs);
          break;
        }
        const prev = this.#bounds.get(k);
        // Keep the tighter bound of two recent ones.
        if (!prev || nowMs - prev.atMs >= this.#liquidityMs || f.amountMsat < prev.failedMsat) this.#bounds.set(k, { failedMsat: f.amountMsat, atMs: nowMs });
        break;
      }
      case 'node':
        this.#excludedNodes.set(f.nodeId, Math.max(this.#excludedNodes.get(f.nodeId) ?? 0, nowMs + (f.permanent ? this.#permanentMs : this.#nodeMs)));
        break;
      case 'policy':
        this.#policies.set(key(f.shortChannelId, f.from), { policy: f.policy, untilMs: nowMs + this.#policyMs });
        break;
    }
  }

  /**
   * A payment succeeded over these directed channels carrying these amounts: a liquidity bound at
   * or below what just went through is wrong now, and is forgotten.
   */
  reportSuccess(hops: readonly { readonly shortChannelId: bigint; readonly from: string; readonly amountMsat: bigint }[]): void {
    for (const h of hops) {
      const k = key(h.shortChannelId, h.from);
      const b = this.#bounds.get(k);
      if (b && b.failedMsat <= h.amountMsat) this.#bounds.delete(k);
    }
  }

  /** The penalties as of `nowMs`, for `findRoute`. Expired entries are dropped as they are met. */
  penalties(nowMs: number): RoutePenalties {
    return {
      channel: (scid, from, _to, amountMsat) => {
        const k = key(scid, from);
        const until = this.#excludedChannels.get(k);
        if (until !== undefined) {
          if (until > nowMs) return 'exclude';
          this.#excludedChannels.delete(k);
        }
        const b = this.#bounds.get(k);
        if (!b) return 0n;
        const age = nowMs - b.atMs;
        if (age >= this.#liquidityMs) {
          this.#bounds.delete(k);
          return 0n;
        }
        if (amountMsat >= b.failedMsat) return 'exclude';
        // Below the bound the channel may still work: a penalty that fades as the failure ages.
        return (this.#penalty * BigInt(this.#liquidityMs - age)) / BigInt(this.#liquidityMs);
      },
      node: (nodeId) => {
        const until = this.#excludedNodes.get(nodeId);
        if (until === undefined) return 0n;
        if (until > nowMs) return 'exclude';
        this.#excludedNodes.delete(nodeId);
        return 0n;
      },
      policy: (scid, from) => {
        const k = key(scid, from);
        const p = this.#policies.get(k);
        if (!p) return undefined;
        if (p.untilMs > nowMs) return p.policy;
        this.#policies.delete(k);
        return undefined;
      },
    };
  }
}
