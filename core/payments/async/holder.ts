/**
 * L1, the payer's LSP holding an HTLC until the recipient releases it (sans-I/O; LDK 0.2
 * `ln/channelmanager.rs` held HTLCs; lightning/bolts#1149 / #989):
 *
 * 1. An update_add_htlc from P carries `hold_htlc`. When L1 revokes the commitment that holds it,
 *    its revoke_and_ack carries a release path for it (core/channel `StepContext.releasePath` →
 *    `releasePath` here): a blinded path to L1 whose context names the hold (`release_held_htlc`,
 *    hold id = HMAC(key, channel id ‖ htlc id), so it is the same after a restart) and its expiry.
 * 2. Once locked in, HtlcSwitch asks its `HoldPolicy` (this class): an HTLC that carried
 *    `hold_htlc` is parked with key `<hold id>:<release expiry s>` and a deadline height before its
 *    CLTV runs out (`deadlineMarginBlocks` under the outgoing expiry). The switch stores both in the
 *    forward record: held HTLCs survive a restart.
 * 3. `release_held_htlc` over that path (authenticated by the messenger, not expired) →
 *    `release` (adapter: `HtlcSwitch.release(key)`), the HTLC goes on to L2.
 * 4. `tick`: holds whose release context expired → `fail_held` (adapter: `HtlcSwitch.failHeld`);
 *    the CLTV deadline is the switch's own (`setHeight`).
 */
import { concatBytes, hmacSha256, toHex, utf8 } from '../../crypto';
import type { BlindedPath } from '../../wire';
import { ByteWriter } from '../../wire';
import { asyncContextOf, encodeAsyncContext } from './context';
import type { AsyncEventBody } from './events';
import type { AsyncDelivery } from './server';
import type { ForwardCandidate, HoldPolicy } from '../switch';

export interface HtlcHolderPolicy {
  /** How long R has to release a held HTLC (the release context's life). */
  readonly releaseWindowSeconds: number;
  /**
   * Blocks before the outgoing CLTV expiry at which an unreleased HTLC is failed back (BOLT 2's
   * fulfillment deadline, "2R+G+S ... 18 blocks is reasonable"): our incoming HTLC expires our
   * cltv_expiry_delta later still. A release that comes so late that the rest of the route refuses
   * the HTLC only fails it back sooner.
   */
  readonly deadlineMarginBlocks: number;
}

export const DEFAULT_HTLC_HOLDER_POLICY: HtlcHolderPolicy = { releaseWindowSeconds: 24 * 3600, deadlineMarginBlocks: 18 };

export interface HtlcHolderOptions {
  /** A message path to us (L1) whose path_id carries `context` under our messenger tag. */
  readonly pathTo: (context: Uint8Array) => BlindedPath;
  /** Secret key (32 bytes, from the node key) that names holds. */
  readonly holdKey: Uint8Array;
  /** The hold keys of the forwards the switch holds now (adapter: `HtlcSwitch.active()` with status held). */
  readonly heldKeys: () => readonly string[];
  readonly policy?: Partial<HtlcHolderPolicy>;
}

export type HolderAction =
  | { readonly kind: 'release'; readonly holdKey: string }
  | { readonly kind: 'fail_held'; readonly holdKey: string; readonly reason: string };

export interface HolderStep {
  readonly actions: readonly HolderAction[];
  readonly events: readonly AsyncEventBody[];
}

export class HtlcHolder implements HoldPolicy {
  readonly #opts: HtlcHolderOptions;
  #policy: HtlcHolderPolicy;
  /** Release expiries we gave in revoke_and_ack, by hold id (until the HTLC is held). */
  readonly #given = new Map<string, number>();
  /** Releases that came before their HTLC was held (the release racing the HTLC), by hold id. */
  readonly #released = new Set<string>();
  /** Held HTLCs (hold keys) already released: a second release_held_htlc for one does nothing (forgotten once not held). */
  readonly #releasing = new Set<string>();
  readonly #nowMs: () => number;

  constructor(opts: HtlcHolderOptions, nowMs: () => number) {
    this.#opts = opts;
    this.#policy = { ...DEFAULT_HTLC_HOLDER_POLICY, ...opts.policy };
    this.#nowMs = nowMs;
  }

  /**
   * A new release window (Settings, live): release paths given from now on carry it; a path given
   * and an HTLC held keep the window they were given (its expiry is in the path's context and the hold key).
   */
  setReleaseWindow(seconds: number): void {
    this.#policy = { ...this.#policy, releaseWindowSeconds: seconds };
  }

  /** The hold id of an incoming HTLC: stable across restarts. */
  holdId(channelId: string, htlcId: bigint): string {
    const body = concatBytes(utf8.encode(channelId), new ByteWriter().writeU64(htlcId).finish());
    return toHex(hmacSha256(this.#opts.holdKey, body));
  }

  /** The release path for our revoke_and_ack (core/channel `StepContext.releasePath`). */
  releasePath(channelId: string, htlcId: bigint, nowMs: number): BlindedPath {
    const holdId = this.holdId(channelId, htlcId);
    const expiresAt = Math.floor(nowMs / 1000) + this.#policy.releaseWindowSeconds;
    this.#given.set(holdId, expiresAt);
    return this.#opts.pathTo(encodeAsyncContext({ kind: 'release_held_htlc', holdId, expiresAt }));
  }

  /** HtlcSwitch's hold hook: park what carried hold_htlc. */
  hold(candidate: ForwardCandidate): { readonly key: string; readonly deadlineHeight: number } | null {
    if (!candidate.holdHtlc) return null;
    const [channelId, htlcId] = splitForwardId(candidate.forwardId);
    const holdId = this.holdId(channelId, htlcId);
    const expiresAt = this.#given.get(holdId) ?? Math.floor(this.#nowMs() / 1000) + this.#policy.releaseWindowSeconds;
    this.#given.delete(holdId);
    // A release that raced the HTLC is kept under its hold id until tick() sees the hold.
    return { key: `${holdId}:${expiresAt}`, deadlineHeight: candidate.cltvExpiry - this.#policy.deadlineMarginBlocks };
  }

  /** `release_held_htlc` over one of our release paths. */
  handleReleaseHeldHtlc(d: AsyncDelivery, nowMs: number): HolderStep {
    const ctx = asyncContextOf(d.context, 'release_held_htlc', nowMs);
    if (!ctx) return { actions: [], events: [{ type: 'async.refused', role: 'holder', message: 'release_held_htlc', reason: 'bad_context', recipient: null }] };
    const key = this.#opts.heldKeys().find((k) => k.startsWith(`${ctx.holdId}:`));
    // Not held (yet): LDK releases an HTLC whose release raced its lock-in as soon as it is held; we keep the release for hold().
    if (!key) {
      // Only for a path we gave and whose HTLC is not held yet: nothing else may grow this set.
      if (this.#given.has(ctx.holdId)) this.#released.add(ctx.holdId);
      return { actions: [], events: [] };
    }
    // A copy (R answers each held_htlc_available; the mailbox delivers at least once): released once.
    if (this.#releasing.has(key)) return { actions: [], events: [] };
    this.#releasing.add(key);
    return { actions: [{ kind: 'release', holdKey: key }], events: [{ type: 'async.htlc_released', holdId: ctx.holdId }] };
  }

  /**
   * Time passes: holds whose release window ended are failed back, and holds whose release came
   * before they were held (the release racing the HTLC) are released now.
   */
  tick(nowMs: number): HolderStep {
    const actions: HolderAction[] = [];
    const events: AsyncEventBody[] = [];
    const now = Math.floor(nowMs / 1000);
    const held = this.#opts.heldKeys();
    for (const key of this.#releasing) if (!held.includes(key)) this.#releasing.delete(key);
    for (const key of held) {
      const [holdId, exp] = key.split(':');
      if (!holdId || exp === undefined) continue;
      if (this.#releasing.has(key)) continue;
      if (this.#released.delete(holdId)) {
        this.#releasing.add(key);
        actions.push({ kind: 'release', holdKey: key });
        events.push({ type: 'async.htlc_released', holdId });
      } else if (Number(exp) <= now) {
        actions.push({ kind: 'fail_held', holdKey: key, reason: 'the release_held_htlc window ended' });
        events.push({ type: 'async.hold_expired', holdId, reason: 'release_expired' });
      }
    }
    return { actions, events };
  }
}

function splitForwardId(forwardId: string): [string, bigint] {
  const i = forwardId.lastIndexOf(':');
  return [forwardId.slice(0, i), BigInt(forwardId.slice(i + 1))];
}
