/**
 * What the payments layer learns from failed (and successful) attempts, turned into
 * `RoutePenalties` for the next search. Sans-I/O: time comes in as an argument. BOLT 4
 * "Receiving Failure Codes", for an intermediate hop's failure:
 * - "if the NODE bit is set: SHOULD remove all channels connected with the erring node from
 *   consideration" → `node` failures exclude the node (for a while; longer when PERM is set);
 * - "if the PERM bit is NOT set: SHOULD restore the channels as it receives new channel_updates"
 *   → a temporary channel failure is forgotten as soon as the graph holds a channel_update for that
 *   direction newer than the one it had when the failure came, and fades meanwhile;
 * - "if UPDATE is set, AND the channel_update is valid and more recent than the channel_update
 *   used to send the payment: MAY consider the channel_update when calculating routes to retry the
 *   payment" → `policy` failures override the direction's policy (the caller checks the update,
 *   e.g. with GossipManager.checkFailureUpdate; it is never applied to the graph).
 *
 * Two memories, as LDK keeps them (lightning 0.2: a payment's `previously_failed_channels`, and the
 * node's `ProbabilisticScorer`):
 * - `FailureMemory`, the node's: soft. A temporary_channel_failure cannot tell a channel short of
 *   liquidity from a next peer that is reconnecting (both are BOLT 4's "transient error ... in the
 *   outgoing channel"), so it is learned as an upper bound on what the channel can carry that
 *   relaxes towards the channel's maximum with a half-life (LDK `liquidity_offset_half_life`, 30
 *   minutes), and amounts at or above it are made the last resort (LDK
 *   `considered_impossible_penalty_msat`), never excluded: another route is preferred while there is
 *   one, and a later payment is not split small because of an outage that has passed. A success that
 *   carried at least the bound, or a newer channel_update, drops it. An outage the failure says is
 *   one — `channel_disabled`, or a channel_update with BOLT 7's `disable` bit ("temporary
 *   unavailability (e.g. due to a loss of connectivity)") — excludes the direction for any amount
 *   until a newer channel_update or a success restores it, or `outageMemoryMs` passes; it bounds
 *   no liquidity.
 * - `AttemptMemory`, one payment's: hard, for its own retries. A channel that failed an amount is
 *   not asked for that much again in this payment (smaller parts may still use it), and a channel of
 *   ours that refused a part for dust exposure is not given dust parts again.
 */
import { directionOf } from './graph';
import type { RoutingPolicy } from './graph';
import type { RoutePenalties } from './pathfind';

export interface FailureMemoryOptions {
  /**
   * Half-life of a liquidity bound (ms): the amount a channel is believed unable to carry moves halfway to
   * the most the channel can carry each half-life (LDK `liquidity_offset_half_life`). Default 30 minutes.
   */
  readonly liquidityHalfLifeMs?: number;
  /** After this long a liquidity bound is forgotten (ms). Default 6 hours (12 half-lives: 1/4096 of the offset left). */
  readonly liquidityMemoryMs?: number;
  /** How long a channel reported disabled stays out of routes unless a newer channel_update or a success restores it (ms). Default 10 minutes. */
  readonly outageMemoryMs?: number;
  /** How long a temporary node failure excludes the node (ms). Default 10 minutes. */
  readonly nodeMemoryMs?: number;
  /** How long a permanent failure (channel or node) excludes it (ms). Default 24 hours. */
  readonly permanentMemoryMs?: number;
  /** How long a failure's channel_update overrides the graph's policy (ms). Default 10 minutes. */
  readonly policyMemoryMs?: number;
  /** Cost (msat) added to a channel that failed recently, for amounts below its bound; fades with the bound. Default 1,000. */
  readonly failurePenaltyMsat?: bigint;
  /**
   * Cost (msat) added to an amount at or above a channel's bound: such a route is taken only when no other
   * carries the amount (LDK's `considered_impossible_penalty_msat`, 1e11 msat by default). Default 1e11.
   */
  readonly boundPenaltyMsat?: bigint;
}

/** A failure, as the payments layer decoded it from the onion (which channel or node, and what). */
export type RouteFailure =
  /**
   * The channel from `from` to `to` could not carry `amountMsat` (e.g. temporary_channel_failure), or never
   * will (`permanent`). `knownUpdate`: the timestamp of the channel_update the graph held for that
   * direction when it failed (a newer one restores the channel).
   */
  | {
      readonly kind: 'channel'; readonly shortChannelId: bigint; readonly from: string; readonly to: string; readonly amountMsat: bigint;
      readonly permanent: boolean; readonly knownUpdate?: number;
    }
  /**
   * The channel from `from` to `to` is out of service for now, whatever the amount: `channel_disabled`, or a
   * failure whose channel_update has the `disable` bit (then `knownUpdate` is that update's timestamp).
   */
  | { readonly kind: 'disabled'; readonly shortChannelId: bigint; readonly from: string; readonly to: string; readonly knownUpdate?: number }
  /**
   * Our own channel (`from` is us) refused `amountMsat` for dust exposure (BOLT 2 max_dust_htlc_exposure_msat):
   * a smaller HTLC is as trimmed and adds to the same dust balance. One payment's lesson (`AttemptMemory`).
   */
  | { readonly kind: 'dust'; readonly shortChannelId: bigint; readonly from: string; readonly to: string; readonly amountMsat: bigint }
  /** The node failed (NODE bit), for now or for good (`permanent`: PERM|NODE). */
  | { readonly kind: 'node'; readonly nodeId: string; readonly permanent: boolean }
  /**
   * A newer policy for the direction from `from` (UPDATE bit, with a checked channel_update); with `to` and
   * `timestamp` (the update's), it is dropped once the graph holds an update at least as new.
   */
  | { readonly kind: 'policy'; readonly shortChannelId: bigint; readonly from: string; readonly policy: RoutingPolicy; readonly to?: string; readonly timestamp?: number };

/** Where the penalties read the graph's channel_update timestamps (BOLT 4: channels are restored "as it receives new channel_updates"). */
export interface UpdateTimestamps {
  policyTimestamp?(shortChannelId: bigint, direction: 0 | 1): number | undefined;
}

interface Bound {
  /** The channel failed to carry this much. */
  readonly failedMsat: bigint;
  readonly atMs: number;
  readonly knownUpdate: number | undefined;
}

interface Outage {
  readonly untilMs: number;
  readonly knownUpdate: number | undefined;
}

const key = (scid: bigint, from: string): string => `${scid}/${from}`;

/**
 * What a `FailureMemory` holds, as plain JSON-able data (amounts as decimal strings, times as the
 * clock's ms): what a node keeps across restarts, as LDK persists its scorer. `v` is the format.
 */
export interface FailureMemorySnapshot {
  readonly v: 1;
  /** [scid/from, failed msat, at ms, known update or null] */
  readonly bounds: readonly (readonly [string, string, number, number | null])[];
  /** [scid/from, until ms, known update or null] */
  readonly outages: readonly (readonly [string, number, number | null])[];
  /** [scid/from, until ms] */
  readonly excludedChannels: readonly (readonly [string, number])[];
  /** [node id, until ms] */
  readonly excludedNodes: readonly (readonly [string, number])[];
  /** [scid/from, policy (amounts as strings), until ms, to or null, timestamp or null] */
  readonly policies: readonly (readonly [string, Record<keyof RoutingPolicy, string | number | boolean>, number, string | null, number | null])[];
}

/** A snapshot that is not one (a corrupt row, a newer format): what is wrong with it. */
export class FailureMemorySnapshotError extends Error {
  override readonly name = 'FailureMemorySnapshotError';
}

/** Whether the graph now holds an update for the direction newer than `known` (the one it had when the failure came). */
function restored(graph: UpdateTimestamps | undefined, scid: bigint, from: string, to: string, known: number | undefined): boolean {
  const now = graph?.policyTimestamp?.(scid, directionOf(from, to));
  return now !== undefined && (known === undefined || now > known);
}

export class FailureMemory {
  readonly #halfLifeMs: number;
  readonly #liquidityMs: number;
  readonly #outageMs: number;
  readonly #nodeMs: number;
  readonly #permanentMs: number;
  readonly #policyMs: number;
  readonly #penalty: bigint;
  readonly #boundPenalty: bigint;
  readonly #bounds = new Map<string, Bound>();
  readonly #outages = new Map<string, Outage>();
  readonly #excludedChannels = new Map<string, number>();
  readonly #excludedNodes = new Map<string, number>();
  readonly #policies = new Map<string, { policy: RoutingPolicy; untilMs: number; to: string | undefined; timestamp: number | undefined }>();
  #changes = 0;

  constructor(o: FailureMemoryOptions = {}) {
    this.#halfLifeMs = o.liquidityHalfLifeMs ?? 1_800_000;
    this.#liquidityMs = o.liquidityMemoryMs ?? 21_600_000;
    this.#outageMs = o.outageMemoryMs ?? 600_000;
    this.#nodeMs = o.nodeMemoryMs ?? 600_000;
    this.#permanentMs = o.permanentMemoryMs ?? 86_400_000;
    this.#policyMs = o.policyMemoryMs ?? 600_000;
    this.#penalty = o.failurePenaltyMsat ?? 1_000n;
    this.#boundPenalty = o.boundPenaltyMsat ?? 100_000_000_000n;
  }

  /** How many times what it holds changed (a failure or success reported, a snapshot restored): a caller saves when it moved. */
  get changes(): number {
    return this.#changes;
  }

  reportFailure(f: RouteFailure, nowMs: number): void {
    this.#changes++;
    switch (f.kind) {
      case 'channel': {
        const k = key(f.shortChannelId, f.from);
        if (f.permanent) {
          this.#excludedChannels.set(k, nowMs + this.#permanentMs);
          break;
        }
        const prev = this.#bounds.get(k);
        // A new failure restarts the bound at what failed, unless a fresher one is tighter (LDK failed_at_channel
        // lowers the upper bound only when the amount is below it).
        if (!prev || this.#limit(prev, null, nowMs) > f.amountMsat) this.#bounds.set(k, { failedMsat: f.amountMsat, atMs: nowMs, knownUpdate: f.knownUpdate });
        break;
      }
      case 'disabled':
        this.#outages.set(key(f.shortChannelId, f.from), { untilMs: nowMs + this.#outageMs, knownUpdate: f.knownUpdate });
        break;
      case 'dust':
        // A state of our own channel that the channel itself judges at once: one payment's lesson only.
        break;
      case 'node':
        this.#excludedNodes.set(f.nodeId, Math.max(this.#excludedNodes.get(f.nodeId) ?? 0, nowMs + (f.permanent ? this.#permanentMs : this.#nodeMs)));
        break;
      case 'policy':
        this.#policies.set(key(f.shortChannelId, f.from), { policy: f.policy, untilMs: nowMs + this.#policyMs, to: f.to, timestamp: f.timestamp });
        break;
    }
  }

  /**
   * A payment succeeded over these directed channels carrying these amounts: a liquidity bound at or below
   * what just went through is wrong now, and is forgotten; so is an outage (the channel works).
   */
  reportSuccess(hops: readonly { readonly shortChannelId: bigint; readonly from: string; readonly amountMsat: bigint }[]): void {
    this.#changes++;
    for (const h of hops) {
      const k = key(h.shortChannelId, h.from);
      const b = this.#bounds.get(k);
      if (b && b.failedMsat <= h.amountMsat) this.#bounds.delete(k);
      this.#outages.delete(k);
    }
  }

  /** What it holds now, entries that expired by `nowMs` left out. */
  snapshot(nowMs: number): FailureMemorySnapshot {
    const live = <T extends { untilMs: number }>(m: Map<string, T>) => [...m].filter(([, v]) => v.untilMs > nowMs);
    return {
      v: 1,
      bounds: [...this.#bounds].filter(([, b]) => nowMs - b.atMs < this.#liquidityMs).map(([k, b]) => [k, b.failedMsat.toString(), b.atMs, b.knownUpdate ?? null] as const),
      outages: live(this.#outages).map(([k, o]) => [k, o.untilMs, o.knownUpdate ?? null] as const),
      excludedChannels: [...this.#excludedChannels].filter(([, until]) => until > nowMs),
      excludedNodes: [...this.#excludedNodes].filter(([, until]) => until > nowMs),
      policies: live(this.#policies).map(([k, p]) => [k, {
        feeBaseMsat: p.policy.feeBaseMsat.toString(), feeProportionalMillionths: p.policy.feeProportionalMillionths.toString(),
        cltvExpiryDelta: p.policy.cltvExpiryDelta, htlcMinimumMsat: p.policy.htlcMinimumMsat.toString(), htlcMaximumMsat: p.policy.htlcMaximumMsat.toString(),
        disabled: p.policy.disabled,
      }, p.untilMs, p.to ?? null, p.timestamp ?? null] as const),
    };
  }

  /**
   * Takes what `snapshot` gave (e.g. before a restart), replacing what it holds; entries that
   * expired by `nowMs` are left out. Throws FailureMemorySnapshotError, changing nothing, for data
   * that is not a snapshot of this format.
   */
  restore(data: unknown, nowMs: number): void {
    const snap = checkSnapshot(data);
    this.#bounds.clear();
    this.#outages.clear();
    this.#excludedChannels.clear();
    this.#excludedNodes.clear();
    this.#policies.clear();
    for (const [k, failed, atMs, known] of snap.bounds) {
      if (nowMs - atMs < this.#liquidityMs) this.#bounds.set(k, { failedMsat: BigInt(failed), atMs, knownUpdate: known ?? undefined });
    }
    for (const [k, untilMs, known] of snap.outages) if (untilMs > nowMs) this.#outages.set(k, { untilMs, knownUpdate: known ?? undefined });
    for (const [k, untilMs] of snap.excludedChannels) if (untilMs > nowMs) this.#excludedChannels.set(k, untilMs);
    for (const [id, untilMs] of snap.excludedNodes) if (untilMs > nowMs) this.#excludedNodes.set(id, untilMs);
    for (const [k, p, untilMs, to, timestamp] of snap.policies) {
      if (untilMs <= nowMs) continue;
      const policy: RoutingPolicy = {
        feeBaseMsat: BigInt(p.feeBaseMsat as string), feeProportionalMillionths: BigInt(p.feeProportionalMillionths as string),
        cltvExpiryDelta: p.cltvExpiryDelta as number, htlcMinimumMsat: BigInt(p.htlcMinimumMsat as string), htlcMaximumMsat: BigInt(p.htlcMaximumMsat as string),
        disabled: p.disabled as boolean,
      };
      this.#policies.set(k, { policy, untilMs, to: to ?? undefined, timestamp: timestamp ?? undefined });
    }
    this.#changes++;
  }

  /**
   * The amount at and above which the channel is believed unable to carry it now: the failed amount,
   * relaxing towards `maxMsat` (the most the channel carries; twice the failed amount when unknown) by
   * half each half-life — LDK's `decayed_offset`, on the upper bound only.
   */
  #limit(b: Bound, maxMsat: bigint | null, nowMs: number): bigint {
    const ceiling = maxMsat !== null && maxMsat > b.failedMsat ? maxMsat : b.failedMsat * 2n;
    const left = 0.5 ** (Math.max(0, nowMs - b.atMs) / this.#halfLifeMs);
    return ceiling - BigInt(Math.floor(Number(ceiling - b.failedMsat) * left));
  }

  /**
   * The penalties as of `nowMs`, for `findRoute`; `graph` gives the channel_update timestamps it holds
   * now (a newer one than a failure's restores the channel). Expired entries are dropped as they are met.
   */
  penalties(nowMs: number, graph?: UpdateTimestamps): RoutePenalties {
    return {
      channel: (scid, from, to, amountMsat, maxMsat) => {
        const k = key(scid, from);
        const until = this.#excludedChannels.get(k);
        if (until !== undefined) {
          if (until > nowMs) return 'exclude';
          this.#excludedChannels.delete(k);
        }
        const outage = this.#outages.get(k);
        if (outage) {
          if (outage.untilMs > nowMs && !restored(graph, scid, from, to, outage.knownUpdate)) return 'exclude';
          this.#outages.delete(k);
        }
        const b = this.#bounds.get(k);
        if (!b) return 0n;
        if (nowMs - b.atMs >= this.#liquidityMs || restored(graph, scid, from, to, b.knownUpdate)) {
          this.#bounds.delete(k);
          return 0n;
        }
        // Below the bound the channel may well carry it: a small cost that fades as the bound relaxes.
        const fading = (this.#penalty * BigInt(Math.round(1_000_000 * 0.5 ** (Math.max(0, nowMs - b.atMs) / this.#halfLifeMs)))) / 1_000_000n;
        return amountMsat >= this.#limit(b, maxMsat ?? null, nowMs) ? this.#boundPenalty + fading : fading;
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
        // A graph update at least as new as the failure's makes the override redundant, or stale.
        const inGraph = p.to !== undefined ? graph?.policyTimestamp?.(scid, directionOf(from, p.to)) : undefined;
        if (p.untilMs > nowMs && (inGraph === undefined || p.timestamp === undefined || inGraph < p.timestamp)) return p.policy;
        this.#policies.delete(k);
        return undefined;
      },
    };
  }
}

/**
 * What one payment learned for its own retries, on top of the node's `FailureMemory` (LDK keeps a
 * payment's failed channels in `previously_failed_channels` and never routes that payment over them
 * again). Hard limits, in memory only, gone with the payment:
 * - a channel that failed an amount (temporary_channel_failure, a refusal of ours) is excluded for that
 *   amount and more — a smaller part may still fit, which is how a payment splits around a limit; a
 *   channel that fails twice is excluded for any amount;
 * - a channel reported disabled is excluded for any amount;
 * - a channel of ours that refused a part for dust exposure is excluded for that amount and less (BOLT 2
 *   max_dust_htlc_exposure_msat: a smaller HTLC is as trimmed and adds to the same dust balance), so the
 *   payment does not halve into smaller dust parts the channel refuses again.
 */
export class AttemptMemory {
  /** Amounts at or above are excluded. */
  readonly #ceilings = new Map<string, bigint>();
  /** Amounts at or below are excluded. */
  readonly #floors = new Map<string, bigint>();

  report(f: RouteFailure): void {
    if (f.kind === 'channel' && !f.permanent) {
      const k = key(f.shortChannelId, f.from);
      // A second failure of the same channel in one payment, after it was given a smaller part: halving did not
      // help, so it is not (only) short of liquidity — most likely its next peer is away. It is out for the rest
      // of this payment (as LDK's `previously_failed_channels` after the first), not asked for ever smaller parts.
      this.#lower(k, this.#ceilings.has(k) ? 0n : f.amountMsat);
    }
    else if (f.kind === 'disabled') this.#lower(key(f.shortChannelId, f.from), 0n);
    else if (f.kind === 'dust') {
      const k = key(f.shortChannelId, f.from);
      const prev = this.#floors.get(k);
      if (prev === undefined || f.amountMsat > prev) this.#floors.set(k, f.amountMsat);
    }
  }

  #lower(k: string, amountMsat: bigint): void {
    const prev = this.#ceilings.get(k);
    if (prev === undefined || amountMsat < prev) this.#ceilings.set(k, amountMsat);
  }

  /** The largest amount a channel of ours refused as dust in this payment, if any (for the payment's failure message). */
  get dustFloors(): ReadonlyMap<string, bigint> {
    return this.#floors;
  }

  /** `base` with this payment's exclusions applied first. */
  over(base: RoutePenalties): RoutePenalties {
    return {
      ...base,
      channel: (scid, from, to, amountMsat, maxMsat) => {
        const k = key(scid, from);
        const ceiling = this.#ceilings.get(k);
        if (ceiling !== undefined && amountMsat >= ceiling) return 'exclude';
        const floor = this.#floors.get(k);
        if (floor !== undefined && amountMsat <= floor) return 'exclude';
        return base.channel?.(scid, from, to, amountMsat, maxMsat) ?? 0n;
      },
    };
  }
}

// ----- checking a stored snapshot ----------------------------------------------------------------

const DECIMAL = /^(0|[1-9][0-9]{0,30})$/;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isKey = (v: unknown): v is string => typeof v === 'string' && /^[0-9]{1,20}\/[0-9a-f]{66}$/.test(v);
const isOptTime = (v: unknown): boolean => v === null || isTime(v);

/** `data` as a FailureMemorySnapshot, every field checked, or FailureMemorySnapshotError saying what is wrong. */
function checkSnapshot(data: unknown): FailureMemorySnapshot {
  const fail = (what: string): never => {
    throw new FailureMemorySnapshotError(`not a route memory snapshot: ${what}`);
  };
  if (typeof data !== 'object' || data === null) return fail('not an object');
  const d = data as Record<string, unknown>;
  if (d.v !== 1) return fail(`format ${JSON.stringify(d.v)} (expected 1)`);
  const rows = (name: string, check: (row: unknown[]) => boolean): void => {
    const list = d[name];
    if (!Array.isArray(list)) fail(`${name} is not a list`);
    (list as unknown[]).forEach((row, i) => {
      if (!Array.isArray(row) || !check(row)) fail(`${name}[${i}] is malformed`);
    });
  };
  rows('bounds', (r) => r.length === 4 && isKey(r[0]) && typeof r[1] === 'string' && DECIMAL.test(r[1]) && isTime(r[2]) && isOptTime(r[3]));
  rows('outages', (r) => r.length === 3 && isKey(r[0]) && isTime(r[1]) && isOptTime(r[2]));
  rows('excludedChannels', (r) => r.length === 2 && isKey(r[0]) && isTime(r[1]));
  rows('excludedNodes', (r) => r.length === 2 && typeof r[0] === 'string' && /^[0-9a-f]{66}$/.test(r[0]) && isTime(r[1]));
  rows('policies', (r) => {
    if (r.length !== 5 || !isKey(r[0]) || !isTime(r[2]) || !(r[3] === null || (typeof r[3] === 'string' && /^[0-9a-f]{66}$/.test(r[3]))) || !isOptTime(r[4])) return false;
    const p = r[1] as Record<string, unknown> | null;
    return typeof p === 'object' && p !== null
      && [p.feeBaseMsat, p.feeProportionalMillionths, p.htlcMinimumMsat, p.htlcMaximumMsat].every((v) => typeof v === 'string' && DECIMAL.test(v))
      && typeof p.cltvExpiryDelta === 'number' && Number.isInteger(p.cltvExpiryDelta) && p.cltvExpiryDelta >= 0 && p.cltvExpiryDelta <= 0xffff
      && typeof p.disabled === 'boolean';
  });
  return data as FailureMemorySnapshot;
}
