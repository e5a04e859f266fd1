/**
 * HtlcSwitch: every incoming HTLC, once irrevocably committed, goes through here (sans-I/O). Its
 * onion is peeled (BOLT 4 Onion Decryption with the reader rules); an HTLC for us goes to
 * InboundPayments; one to forward is checked against our policy on the outgoing channel (BOLT 4
 * forwarding node failures, BOLT 7 fees, BOLT 2 CLTV) and either offered there or failed back with
 * the right failure and our channel_update. Downstream answers come back: a fulfill is passed
 * upstream (its preimage stored first), a failure is wrapped (or, inside a blinded route, replaced
 * by invalid_onion_blinding) once its removal is committed. HTLCs the channel flagged for dust
 * exposure are failed back; a downstream preimage learned on chain settles upstream. Forwards are
 * records (history with fees earned). Held HTLCs (async payments, issue 16) plug in through
 * `HoldPolicy`: a forward can be parked with a release key and a deadline height.
 */
import { equalBytes, fromHex, sha256, toHex } from '../crypto';
import type { FailBackReason } from '../channel';
import type { PaymentHopAction } from '../onion';
import {
  OnionError, blindedAmountToForward, blindedOutgoingCltv, createFailure, encodeOnionPacket, failureForOnionError, failureName, forwardingFee, wrapFailure,
} from '../onion';
import { ByteWriter } from '../wire';
import type { Refusal } from './htlc-failures';
import { failIncoming, failureNameOf, upstreamOf } from './htlc-failures';
import type { InboundPayments } from './inbound';
import type { OfferedHtlc } from './outbound';
import type { ChannelDirectory, ForwardingChannel, OnionKeys } from './ports';
import type { PaymentAction, PaymentsStep } from './step';
import { StepCollector } from './step';
import type { PaymentsReader } from './store';
import type { BlindedRole, ForwardRecord } from './types';

export interface SwitchPolicy {
  /**
   * BOLT 2 `cltv_expiry_delta` Selection: "MUST fail (and not forward) an HTLC whose fulfillment
   * deadline is already past" — the deadline "2R+G+S blocks before cltv_expiry: 18 blocks is reasonable".
   */
  readonly fulfillmentDeadlineBlocks: number;
  /** BOLT 4 `max_htlc_cltv`: "defined as 2016 blocks" (expiry_too_far beyond it). */
  readonly maxHtlcCltvBlocks: number;
}

export const DEFAULT_SWITCH_POLICY: SwitchPolicy = { fulfillmentDeadlineBlocks: 18, maxHtlcCltvBlocks: 2016 };

/** A forward about to be offered, for the hold policy to judge. */
export interface ForwardCandidate {
  readonly forwardId: string;
  readonly inChannelId: string;
  readonly outChannelId: string;
  readonly amountMsat: bigint;
  readonly cltvExpiry: number;
  readonly paymentHash: string;
  readonly blinded: BlindedRole;
  /** The incoming add carried `hold_htlc` (async payments: the payer asks us to hold it until released). */
  readonly holdHtlc: boolean;
}

/**
 * The extension point for held HTLCs (issue 16, LDK's `hold_htlc`): park a forward until
 * `HtlcSwitch.release(key)` or, failing that, fail it back at `deadlineHeight`.
 */
export interface HoldPolicy {
  hold(candidate: ForwardCandidate): { readonly key: string; readonly deadlineHeight: number } | null;
}

export interface SwitchOptions {
  readonly store: PaymentsReader;
  readonly onion: OnionKeys;
  readonly channels: ChannelDirectory;
  readonly inbound: InboundPayments;
  readonly hold?: HoldPolicy;
  readonly policy?: Partial<SwitchPolicy>;
  /** The chain's best height; null while the node knows none (then every incoming HTLC is failed back, see htlcLockedIn). */
  readonly height: number | null;
}

/** An incoming HTLC irrevocably committed (core/channel `htlc_locked_in`). */
export interface LockedInHtlc {
  readonly channelId: string;
  readonly htlcId: bigint;
  readonly amountMsat: bigint;
  readonly cltvExpiry: number;
  readonly paymentHash: Uint8Array;
  readonly onion: Uint8Array;
  readonly pathKey: Uint8Array | null;
  /** core/channel: fail it back once committed, never fulfill it. */
  readonly failBack: FailBackReason | null;
  /** core/channel: the add carried `hold_htlc` (async payments). */
  readonly holdHtlc?: boolean;
}

/** What the next hop sent back: update_fail_htlc's reason, or update_fail_malformed_htlc's code and sha256_of_onion. */
export type DownstreamFailure = { readonly reason: Uint8Array } | { readonly malformedCode: number; readonly sha256OfOnion: Uint8Array };

type ForwardHop = Extract<PaymentHopAction, { kind: 'forward' } | { kind: 'blinded_forward' }>;

const ACTIVE: ReadonlySet<ForwardRecord['status']> = new Set(['held', 'offered', 'failing']);
const key = (channelId: string, htlcId: bigint): string => `${channelId}:${htlcId}`;
/** Peel errors that happen inside `encrypted_recipient_data`: the HTLC is in a blinded route. */
const BLINDING_ERRORS = new Set(['onion.blinding_failed', 'onion.bad_encrypted_data', 'onion.unknown_feature']);

export class HtlcSwitch {
  readonly #store: PaymentsReader;
  readonly #onion: OnionKeys;
  readonly #channels: ChannelDirectory;
  readonly #inbound: InboundPayments;
  readonly #hold: HoldPolicy | undefined;
  readonly #policy: SwitchPolicy;
  #height: number | null;
  readonly #active = new Map<string, ForwardRecord>();
  readonly #byOut = new Map<string, string>();

  constructor(opts: SwitchOptions) {
    this.#store = opts.store;
    this.#onion = opts.onion;
    this.#channels = opts.channels;
    this.#inbound = opts.inbound;
    this.#hold = opts.hold;
    this.#policy = { ...DEFAULT_SWITCH_POLICY, ...opts.policy };
    this.#height = opts.height;
    for (const f of this.#store.activeForwards()) {
      this.#active.set(f.forwardId, f);
      if (f.outChannelId !== null && f.outHtlcId !== null) this.#byOut.set(key(f.outChannelId, f.outHtlcId), f.forwardId);
    }
  }

  get policy(): SwitchPolicy {
    return this.#policy;
  }

  /** A new block: held forwards past their deadline are failed back. */
  setHeight(height: number, nowMs: number): PaymentsStep {
    this.#height = height;
    const c = new StepCollector();
    for (const f of [...this.#active.values()]) {
      if (f.status !== 'held' || !f.hold || height < f.hold.deadlineHeight) continue;
      this.#failUpstream(f, c, nowMs, { name: 'temporary_channel_failure', data: { channelUpdate: new Uint8Array(0) }, reason: 'the held HTLC was not released in time' });
    }
    return c.finish(undefined);
  }

  /** Whether our outgoing HTLC carries a forward. */
  owns(channelId: string, htlcId: bigint): boolean {
    return this.#byOut.has(key(channelId, htlcId));
  }

  ownsForward(forwardId: string): boolean {
    return this.#active.get(forwardId)?.status === 'offered';
  }

  /** Forwards in flight or held (for views and tests). */
  active(): ForwardRecord[] {
    return [...this.#active.values()];
  }

  // ----- incoming ---------------------------------------------------------------------------------

  /** An incoming HTLC is irrevocably committed: receive it, forward it, or fail it back. */
  htlcLockedIn(htlc: LockedInHtlc, nowMs: number): PaymentsStep {
    const c = new StepCollector();
    const forwardId = key(htlc.channelId, htlc.htlcId);
    const onionHash = sha256(htlc.onion);
    const ref = { channelId: htlc.channelId, htlcId: htlc.htlcId, onionHash };

    // Seen before (a restart replays what the channel still holds): finish what was decided.
    const known = this.#active.get(forwardId) ?? this.#store.getForward(forwardId);
    if (known) {
      this.#resume(known, c);
      return c.finish(undefined);
    }

    let hop: PaymentHopAction;
    try {
      hop = this.#onion.peel({ packet: htlc.onion, paymentHash: htlc.paymentHash, pathKey: htlc.pathKey });
    } catch (e) {
      if (!(e instanceof OnionError)) throw e;
      this.#onionFailure(htlc, ref, e, c, nowMs);
      return c.finish(undefined);
    }
    const role: BlindedRole = htlc.pathKey !== null ? 'inside' : hop.kind === 'blinded_forward' && hop.introduction ? 'introduction' : 'none';

    if (htlc.failBack !== null) {
      // BOLT 2 max_dust_htlc_exposure_msat: "SHOULD fail this HTLC once it's committed / SHOULD NOT reveal a preimage"
      // (core/channel flags it; temporary_channel_failure, as the channel layer asks).
      const action = failIncoming(ref, role, hop.sharedSecret, { name: 'temporary_channel_failure', data: { channelUpdate: new Uint8Array(0) } });
      c.act(action);
      this.#recordRefused(htlc, onionHash, role, hop.sharedSecret, 'temporary_channel_failure', action, c, nowMs, `fail back: ${htlc.failBack}`);
      return c.finish(undefined);
    }

    const isReceive = hop.kind === 'receive' || hop.kind === 'blinded_receive';
    // A claim already stored (a restart before its fulfill was committed) is fulfilled again whatever the height.
    if (this.#height === null && !(isReceive && this.#inbound.claimOf(htlc.channelId, htlc.htlcId, htlc.paymentHash))) {
      // No chain tip yet: the HTLC's expiry cannot be judged (BOLT 4 final node: "if the cltv_expiry value is
      // unreasonably near the present"; forwarding node: expiry_too_soon / expiry_too_far), and at height 0
      // every expiry would look far. A transient failure of this node: the payer may try again later.
      const refusal = { name: 'temporary_node_failure', data: {} } as const;
      const action = failIncoming(ref, role, hop.sharedSecret, refusal);
      c.act(action);
      this.#recordRefused(htlc, onionHash, role, hop.sharedSecret, failureNameOf(role, refusal.name), action, c, nowMs, 'no chain tip yet: the HTLC\'s expiry cannot be checked');
      return c.finish(undefined);
    }

    if (hop.kind === 'receive' || hop.kind === 'blinded_receive') {
      const s = this.#inbound.receive({ ...ref, amountMsat: htlc.amountMsat, cltvExpiry: htlc.cltvExpiry, paymentHash: htlc.paymentHash }, hop, nowMs);
      for (const w of s.writes) c.write(w);
      for (const a of s.actions) c.act(a);
      for (const e of s.events) c.emit(e);
      return c.finish(undefined);
    }
    this.#forward(htlc, hop, role, onionHash, c, nowMs);
    return c.finish(undefined);
  }

  /** The onion did not peel: BADONION failures in update_fail_malformed_htlc, the rest encrypted to the sender. */
  #onionFailure(htlc: LockedInHtlc, ref: { channelId: string; htlcId: bigint; onionHash: Uint8Array }, e: OnionError, c: StepCollector, nowMs: number): void {
    const failure = failureForOnionError(e, htlc.onion, { blinded: htlc.pathKey !== null || BLINDING_ERRORS.has(e.code) });
    const code = (failure[0]! << 8) | failure[1]!;
    const name = failureName(code) ?? 'invalid_onion_payload';
    let action: PaymentAction;
    if (htlc.pathKey !== null) {
      // BOLT 2: "If path_key is set in the incoming update_add_htlc: MUST send an update_fail_malformed_htlc error using invalid_onion_blinding".
      action = failIncoming(ref, 'inside', null, { name: 'invalid_onion_blinding', data: { sha256OfOnion: ref.onionHash } });
    } else if ((code & 0x8000) !== 0 && name !== 'invalid_onion_blinding') {
      // BOLT 2: update_fail_malformed_htlc "for the case where the peer couldn't parse it" (BADONION).
      action = { kind: 'fail_malformed_htlc', channelId: ref.channelId, htlcId: ref.htlcId, sha256OfOnion: ref.onionHash, failureCode: code };
    } else {
      const ss = this.#onion.sharedSecret(htlc.onion);
      action = ss
        ? { kind: 'fail_htlc', channelId: ref.channelId, htlcId: ref.htlcId, reason: createFailure({ sharedSecret: ss, failureMessage: failure }) }
        : { kind: 'fail_malformed_htlc', channelId: ref.channelId, htlcId: ref.htlcId, sha256OfOnion: ref.onionHash, failureCode: 0x8000 | 0x4000 | 6 };
    }
    c.act(action);
    this.#recordRefused(htlc, ref.onionHash, htlc.pathKey !== null ? 'inside' : 'none', null, name, action, c, nowMs, `the onion did not peel: ${e.code}`);
  }

  #forward(htlc: LockedInHtlc, hop: ForwardHop, role: BlindedRole, onionHash: Uint8Array, c: StepCollector, nowMs: number): void {
    const forwardId = key(htlc.channelId, htlc.htlcId);
    const ref = { channelId: htlc.channelId, htlcId: htlc.htlcId, onionHash };
    const refuse = (r: Refusal): void => {
      const action = failIncoming(ref, role, hop.sharedSecret, r);
      c.act(action);
      this.#recordRefused(htlc, onionHash, role, hop.sharedSecret, failureNameOf(role, r.name), action, c, nowMs, r.reason);
    };

    let channel: ForwardingChannel | undefined;
    let amt: bigint;
    let cltv: number;
    if (hop.kind === 'forward') {
      channel = this.#channels.byShortChannelId(hop.shortChannelId);
      amt = hop.amtToForward;
      cltv = hop.outgoingCltvValue;
      // BOLT 4 forwarding node: "if the receiving peer specified by the onion is NOT known: return an unknown_next_peer error".
      if (!channel) return refuse({ name: 'unknown_next_peer', data: {}, reason: `no channel ${hop.shortChannelId}` });
    } else {
      // BOLT 4 reader, blinded non-final node: "MUST use values from encrypted_recipient_data.payment_relay to calculate
      // amt_to_forward and outgoing_cltv_value".
      if (htlc.amountMsat < BigInt(hop.paymentRelay.feeBaseMsat)) return refuse({ name: 'invalid_onion_blinding', data: { sha256OfOnion: onionHash }, reason: 'the HTLC does not cover the base fee' });
      amt = blindedAmountToForward(htlc.amountMsat, hop.paymentRelay);
      cltv = blindedOutgoingCltv(htlc.cltvExpiry, hop.paymentRelay);
      // "If payment_constraints is present: MUST return an error if the expiry is greater than max_cltv_expiry,
      // the amount is below htlc_minimum_msat".
      const pc = hop.paymentConstraints;
      if (pc && htlc.cltvExpiry > pc.maxCltvExpiry) return refuse({ name: 'invalid_onion_blinding', data: { sha256OfOnion: onionHash }, reason: 'past the path\'s max_cltv_expiry' });
      if (pc && htlc.amountMsat < pc.htlcMinimumMsat) return refuse({ name: 'invalid_onion_blinding', data: { sha256OfOnion: onionHash }, reason: 'below the path\'s htlc_minimum_msat' });
      channel = 'nodeId' in hop.next ? this.#channels.toPeer(hop.next.nodeId) : this.#channels.byShortChannelId(hop.next.shortChannelId);
      if (!channel) return refuse({ name: 'unknown_next_peer', data: {}, reason: 'the blinded next hop is not a peer of ours' });
    }
    // Async payments: an HTLC the payer asked us to hold waits for its release even while the next peer is away.
    const holdable = htlc.holdHtlc === true && this.#hold !== undefined;
    const refusal = this.#checkPolicy(htlc, channel, amt, cltv, holdable);
    if (refusal) return refuse(refusal);

    const record: ForwardRecord = {
      forwardId,
      inChannelId: htlc.channelId,
      inHtlcId: htlc.htlcId,
      inAmountMsat: htlc.amountMsat,
      inCltvExpiry: htlc.cltvExpiry,
      paymentHash: toHex(htlc.paymentHash),
      outChannelId: channel.channelId,
      outHtlcId: null,
      outAmountMsat: amt,
      outCltvExpiry: cltv,
      outOnion: toHex(encodeOnionPacket(hop.packet)),
      outPathKey: hop.kind === 'blinded_forward' ? toHex(hop.nextPathKey) : null,
      status: 'offered',
      feeMsat: htlc.amountMsat - amt,
      blinded: role,
      sharedSecret: toHex(hop.sharedSecret),
      onionHash: toHex(onionHash),
      preimage: null,
      failReason: null,
      failMalformedCode: null,
      failure: null,
      upstream: null,
      hold: null,
      receivedAt: nowMs,
      resolvedAt: null,
    };
    const hold = this.#hold?.hold({
      forwardId, inChannelId: htlc.channelId, outChannelId: channel.channelId, amountMsat: amt, cltvExpiry: cltv, paymentHash: record.paymentHash, blinded: role,
      holdHtlc: htlc.holdHtlc === true,
    });
    if (hold) {
      this.#put({ ...record, status: 'held', hold: { key: hold.key, deadlineHeight: hold.deadlineHeight } }, c);
      c.emit({ type: 'forward.held', forwardId, deadlineHeight: hold.deadlineHeight });
      return;
    }
    this.#offer(record, channel, c);
  }

  /**
   * Our policy on the outgoing channel (BOLT 4 forwarding node requirements; BOLT 7 HTLC Fees:
   * "SHOULD accept HTLCs that pay a fee equal to or greater than fee_base_msat + (amount_to_forward *
   * fee_proportional_millionths / 1000000)"), failures carrying our current channel_update.
   */
  #checkPolicy(htlc: LockedInHtlc, ch: ForwardingChannel, amt: bigint, cltv: number, offlineOk = false): Refusal | null {
    const update = ch.channelUpdate ?? new Uint8Array(0);
    const p = ch.policy;
    // "if the channel is disabled: report the current channel setting for the outgoing channel; return a channel_disabled error".
    if (p.disabled) return { name: 'channel_disabled', data: { disabledFlags: 0, channelUpdate: update }, reason: 'the outgoing channel is disabled' };
    // "if the HTLC amount is less than the currently specified minimum amount: report the amount of the outgoing HTLC".
    if (amt < p.htlcMinimumMsat) return { name: 'amount_below_minimum', data: { htlcMsat: amt, channelUpdate: update }, reason: `${amt} msat is below our minimum ${p.htlcMinimumMsat}` };
    // "if the HTLC does NOT pay a sufficient fee: report the amount of the incoming HTLC".
    const fee = forwardingFee(amt, p.feeBaseMsat, p.feeProportionalMillionths);
    if (htlc.amountMsat < amt + fee) return { name: 'fee_insufficient', data: { htlcMsat: htlc.amountMsat, channelUpdate: update }, reason: `the HTLC pays ${htlc.amountMsat - amt} msat, our fee is ${fee}` };
    // "if the incoming cltv_expiry minus the outgoing_cltv_value is below the cltv_expiry_delta for the outgoing
    // channel: report the cltv_expiry of the outgoing HTLC".
    if (htlc.cltvExpiry - cltv < p.cltvExpiryDelta) {
      return { name: 'incorrect_cltv_expiry', data: { cltvExpiry: cltv, channelUpdate: update }, reason: `${htlc.cltvExpiry} − ${cltv} is below our delta ${p.cltvExpiryDelta}` };
    }
    const height = this.#height ?? 0; // never null here: htlcLockedIn refused the HTLC
    // "if the cltv_expiry is unreasonably near the present": our fulfillment deadline is past (BOLT 2).
    if (htlc.cltvExpiry - this.#policy.fulfillmentDeadlineBlocks <= height || cltv <= height) {
      return { name: 'expiry_too_soon', data: { channelUpdate: update }, reason: `the HTLC expires at ${htlc.cltvExpiry}, too close to ${height}` };
    }
    // "if the cltv_expiry is more than max_htlc_cltv in the future: return an expiry_too_far error".
    if (htlc.cltvExpiry > height + this.#policy.maxHtlcCltvBlocks) return { name: 'expiry_too_far', data: {}, reason: `the HTLC expires at ${htlc.cltvExpiry}, more than ${this.#policy.maxHtlcCltvBlocks} blocks ahead` };
    // "if during forwarding to its receiving peer, an otherwise unspecified, transient error occurs in the
    // outgoing channel (e.g. channel capacity reached, too many in-flight HTLCs, etc.)".
    if (!ch.active && !offlineOk) return { name: 'temporary_channel_failure', data: { channelUpdate: update }, reason: 'the next peer is not connected' };
    if (amt > p.htlcMaximumMsat) return { name: 'temporary_channel_failure', data: { channelUpdate: update }, reason: `${amt} msat is above our maximum ${p.htlcMaximumMsat}` };
    if (amt > ch.outboundMsat) return { name: 'temporary_channel_failure', data: { channelUpdate: update }, reason: `the channel can send ${ch.outboundMsat} msat now` };
    return null;
  }

  #offer(record: ForwardRecord, channel: { channelId: string }, c: StepCollector): void {
    const f: ForwardRecord = { ...record, status: 'offered', hold: null, outChannelId: channel.channelId };
    this.#put(f, c);
    c.act({
      kind: 'add_htlc', ref: { kind: 'forward', forwardId: f.forwardId }, channelId: channel.channelId, amountMsat: f.outAmountMsat, cltvExpiry: f.outCltvExpiry,
      paymentHash: fromHex(f.paymentHash), onion: fromHex(f.outOnion!), pathKey: f.outPathKey ? fromHex(f.outPathKey) : null,
    });
    c.emit({
      type: 'forward.offered', forwardId: f.forwardId, inChannelId: f.inChannelId, outChannelId: channel.channelId, inAmountMsat: f.inAmountMsat.toString(),
      outAmountMsat: f.outAmountMsat.toString(), feeMsat: f.feeMsat.toString(), blinded: f.blinded,
    });
  }

  /**
   * Releases the held forwards of `key` (issue 16's release_held_htlc): offered now if the channel
   * still takes them. One whose next peer is not back yet (its channel not reestablished) stays
   * held: the count says how many went on, and the caller asks again.
   */
  release(holdKey: string, nowMs: number): PaymentsStep<number> {
    const c = new StepCollector();
    let n = 0;
    for (const f of [...this.#active.values()]) {
      if (f.status !== 'held' || f.hold?.key !== holdKey) continue;
      const out = f.outChannelId ? this.#channels.byChannelId(f.outChannelId) : undefined;
      if (out && !out.active) continue;
      n++;
      c.emit({ type: 'forward.released', forwardId: f.forwardId });
      const ch = f.outChannelId ? this.#channels.byChannelId(f.outChannelId) : undefined;
      const refusal = ch ? this.#checkPolicy(this.#asLockedIn(f), ch, f.outAmountMsat, f.outCltvExpiry) : { name: 'unknown_next_peer', data: {}, reason: 'the channel is gone' } as Refusal;
      if (refusal) this.#failUpstream(f, c, nowMs, refusal);
      else this.#offer(f, ch!, c);
    }
    return c.finish(n);
  }

  /** Fails back the held forwards of `key` (async payments: the release context expired unreleased). */
  failHeld(holdKey: string, reason: string, nowMs: number): PaymentsStep<number> {
    const c = new StepCollector();
    let n = 0;
    for (const f of [...this.#active.values()]) {
      if (f.status !== 'held' || f.hold?.key !== holdKey) continue;
      n++;
      this.#failUpstream(f, c, nowMs, { name: 'temporary_channel_failure', data: { channelUpdate: new Uint8Array(0) }, reason });
    }
    return c.finish(n);
  }

  #asLockedIn(f: ForwardRecord): LockedInHtlc {
    return { channelId: f.inChannelId, htlcId: f.inHtlcId, amountMsat: f.inAmountMsat, cltvExpiry: f.inCltvExpiry, paymentHash: fromHex(f.paymentHash), onion: new Uint8Array(0), pathKey: null, failBack: null };
  }

  // ----- downstream answers -----------------------------------------------------------------------

  htlcAdded(forwardId: string, channelId: string, htlcId: bigint, nowMs: number): PaymentsStep {
    const c = new StepCollector();
    const f = this.#active.get(forwardId);
    if (f && f.status === 'offered' && f.outHtlcId === null) {
      this.#put({ ...f, outChannelId: channelId, outHtlcId: htlcId, outOnion: null }, c);
      this.#byOut.set(key(channelId, htlcId), forwardId);
    }
    void nowMs;
    return c.finish(undefined);
  }

  /** The outgoing channel refused the add (e.g. dust exposure, too many HTLCs): "SHOULD fail the corresponding incoming HTLC". */
  htlcAddFailed(forwardId: string, code: string, message: string, nowMs: number): PaymentsStep {
    const c = new StepCollector();
    const f = this.#active.get(forwardId);
    if (f && f.status === 'offered' && f.outHtlcId === null) {
      const ch = f.outChannelId ? this.#channels.byChannelId(f.outChannelId) : undefined;
      this.#failUpstream(f, c, nowMs, { name: 'temporary_channel_failure', data: { channelUpdate: ch?.channelUpdate ?? new Uint8Array(0) }, reason: `the outgoing channel refused it: ${code}: ${message}` });
    }
    return c.finish(undefined);
  }

  /** A reconnection forgot the outgoing add before it was committed: it never left; fail upstream. */
  htlcForgotten(channelId: string, htlcId: bigint, nowMs: number): PaymentsStep {
    const c = new StepCollector();
    const f = this.#out(channelId, htlcId);
    if (f && f.status === 'offered') {
      this.#byOut.delete(key(channelId, htlcId));
      this.#failUpstream(f, c, nowMs, { name: 'temporary_channel_failure', data: { channelUpdate: new Uint8Array(0) }, reason: 'the next peer disconnected before the HTLC was committed' });
    }
    return c.finish(undefined);
  }

  /** The next hop fulfilled (or the chain revealed the preimage): store it, then fulfill upstream at once. */
  htlcFulfilled(channelId: string, htlcId: bigint, preimage: Uint8Array, nowMs: number, onChain = false): PaymentsStep {
    const c = new StepCollector();
    const f = this.#out(channelId, htlcId);
    if (f) this.#settle(f, preimage, c, nowMs, onChain);
    return c.finish(undefined);
  }

  /** The monitor's `preimage_learned` on our outgoing channel (the HTLC, or only its payment hash, is known). */
  preimageLearned(channelId: string, htlcId: bigint | null, paymentHash: Uint8Array, preimage: Uint8Array, nowMs: number): PaymentsStep {
    const c = new StepCollector();
    const hash = toHex(paymentHash);
    const matches = [...this.#active.values()].filter(
      (f) => f.outChannelId === channelId && (htlcId === null ? f.paymentHash === hash : f.outHtlcId === htlcId) && f.status !== 'held',
    );
    for (const f of matches) this.#settle(f, preimage, c, nowMs, true);
    return c.finish(undefined);
  }

  #settle(f: ForwardRecord, preimage: Uint8Array, c: StepCollector, nowMs: number, onChain: boolean): void {
    if (!equalBytes(sha256(preimage), fromHex(f.paymentHash))) return;
    if (f.outChannelId && f.outHtlcId !== null) this.#byOut.delete(key(f.outChannelId, f.outHtlcId));
    // Persist before you promise: the preimage is in this step's writes, before the fulfill leaves.
    this.#put({ ...f, status: 'fulfilled', preimage: toHex(preimage), sharedSecret: null, resolvedAt: nowMs }, c);
    c.act({ kind: 'fulfill_htlc', channelId: f.inChannelId, htlcId: f.inHtlcId, preimage });
    c.emit({ type: 'forward.settled', forwardId: f.forwardId, feeMsat: f.feeMsat.toString(), onChain });
  }

  /** The next hop failed it (not committed yet): kept until `htlcResolved`. */
  htlcFailReceived(channelId: string, htlcId: bigint, fail: DownstreamFailure, nowMs: number): PaymentsStep {
    const c = new StepCollector();
    const f = this.#out(channelId, htlcId);
    if (f && f.status === 'offered') {
      const failReason = 'reason' in fail ? toHex(fail.reason) : toHex(fail.sha256OfOnion);
      this.#put({ ...f, status: 'failing', failReason, failMalformedCode: 'malformedCode' in fail ? fail.malformedCode : null }, c);
    }
    void nowMs;
    return c.finish(undefined);
  }

  /** The downstream removal is irrevocably committed: a failure goes upstream now. */
  htlcResolved(channelId: string, htlcId: bigint, outcome: 'fulfilled' | 'failed', nowMs: number): PaymentsStep {
    const c = new StepCollector();
    const f = this.#out(channelId, htlcId);
    if (!f || outcome !== 'failed' || f.status !== 'failing') return c.finish(undefined);
    this.#byOut.delete(key(channelId, htlcId));
    const onionHash = fromHex(f.onionHash);
    const ref = { channelId: f.inChannelId, htlcId: f.inHtlcId, onionHash };
    let action: PaymentAction;
    let name: string;
    if (f.blinded !== 'none') {
      // BOLT 2: "for any local or downstream errors" inside a blinded route: invalid_onion_blinding.
      action = failIncoming(ref, f.blinded, f.sharedSecret ? fromHex(f.sharedSecret) : null, { name: 'invalid_onion_blinding', data: { sha256OfOnion: onionHash } });
      name = 'invalid_onion_blinding';
    } else if (f.failMalformedCode !== null) {
      // BOLT 2: a "node which has an outgoing HTLC canceled by update_fail_malformed_htlc: MUST return an error in the
      // update_fail_htlc sent to the link which originally sent the HTLC, using the failure_code given and setting the
      // data to sha256_of_onion".
      const failureMessage = new ByteWriter(34).writeU16(f.failMalformedCode, 'failure_code').writeBytes(fromHex(f.failReason ?? '00'.repeat(32))).finish();
      action = { kind: 'fail_htlc', channelId: f.inChannelId, htlcId: f.inHtlcId, reason: createFailure({ sharedSecret: fromHex(f.sharedSecret!), failureMessage }) };
      name = failureName(f.failMalformedCode) ?? 'malformed';
    } else {
      // BOLT 4 intermediate node: "Transformation of the return packet" — one more ammag layer.
      action = { kind: 'fail_htlc', channelId: f.inChannelId, htlcId: f.inHtlcId, reason: wrapFailure(fromHex(f.sharedSecret!), fromHex(f.failReason ?? '')) };
      name = 'downstream';
    }
    this.#put({ ...f, status: 'failed', failure: name, upstream: upstreamOf(action), sharedSecret: null, resolvedAt: nowMs }, c);
    c.act(action);
    c.emit({ type: 'forward.failed', forwardId: f.forwardId, code: name, local: false, reason: 'the next hop failed it' });
    return c.finish(undefined);
  }

  /** The chain settled our outgoing HTLC as timed out (the monitor's `htlc_failed`). */
  htlcFailedOnChain(channelId: string, htlcId: bigint, nowMs: number): PaymentsStep {
    const c = new StepCollector();
    const f = this.#out(channelId, htlcId);
    if (f && (f.status === 'offered' || f.status === 'failing')) {
      this.#byOut.delete(key(channelId, htlcId));
      // "if an otherwise unspecified, permanent error occurs during forwarding to its receiving peer (e.g. channel recently closed)".
      this.#failUpstream(f, c, nowMs, { name: 'permanent_channel_failure', data: {}, reason: 'the outgoing channel closed and the HTLC timed out on chain' });
    }
    return c.finish(undefined);
  }

  /**
   * After a restart, what one of our channels holds of the HTLCs we offered: forwards whose add was
   * not confirmed get their HTLC id (matched by hash, amount and expiry) or are failed upstream (the
   * add never left); removals the next hop sent are taken up; a forward whose HTLC left the channel
   * while we were away is failed upstream if its failure was kept — or, with no result kept, failed
   * upstream too (the channel cannot wait for an answer that will not come).
   */
  reconcile(channelId: string, offered: readonly OfferedHtlc[], nowMs: number): PaymentsStep {
    const c = new StepCollector();
    const merge = (s: PaymentsStep<unknown>): void => {
      for (const w of s.writes) c.write(w);
      for (const a of s.actions) c.act(a);
      for (const e of s.events) c.emit(e);
    };
    const taken = new Set([...this.#byOut.keys()].filter((k) => k.startsWith(`${channelId}:`)));
    for (const f of [...this.#active.values()]) {
      if (f.status !== 'offered' || f.outChannelId !== channelId || f.outHtlcId !== null) continue;
      const match = offered.find((h) => !taken.has(key(channelId, h.id)) && h.paymentHash === f.paymentHash && h.amountMsat === f.outAmountMsat && h.cltvExpiry === f.outCltvExpiry);
      if (match) {
        taken.add(key(channelId, match.id));
        merge(this.htlcAdded(f.forwardId, channelId, match.id, nowMs));
      } else {
        this.#failUpstream(f, c, nowMs, { name: 'temporary_channel_failure', data: { channelUpdate: new Uint8Array(0) }, reason: 'the outgoing HTLC was never added' });
      }
    }
    for (const h of offered) {
      if (!this.owns(channelId, h.id) || !h.removal) continue;
      if (h.removal.kind === 'fulfill') merge(this.htlcFulfilled(channelId, h.id, h.removal.preimage, nowMs));
      else if (h.removal.kind === 'fail') merge(this.htlcFailReceived(channelId, h.id, { reason: h.removal.reason }, nowMs));
      else merge(this.htlcFailReceived(channelId, h.id, { malformedCode: h.removal.failureCode, sha256OfOnion: h.removal.sha256OfOnion }, nowMs));
    }
    const present = new Set(offered.map((h) => key(channelId, h.id)));
    for (const [k, forwardId] of [...this.#byOut.entries()]) {
      if (!k.startsWith(`${channelId}:`) || present.has(k)) continue;
      const f = this.#active.get(forwardId);
      if (!f) continue;
      if (f.status === 'failing') merge(this.htlcResolved(channelId, f.outHtlcId!, 'failed', nowMs));
      else {
        this.#byOut.delete(k);
        this.#failUpstream(f, c, nowMs, { name: 'temporary_channel_failure', data: { channelUpdate: new Uint8Array(0) }, reason: 'the outgoing HTLC left the channel without a result we kept' });
      }
    }
    return c.finish(undefined);
  }

  // ----- internals --------------------------------------------------------------------------------

  #out(channelId: string, htlcId: bigint): ForwardRecord | undefined {
    const id = this.#byOut.get(key(channelId, htlcId));
    return id ? this.#active.get(id) : undefined;
  }

  #put(f: ForwardRecord, c: StepCollector): void {
    if (ACTIVE.has(f.status)) this.#active.set(f.forwardId, f);
    else this.#active.delete(f.forwardId);
    c.write({ kind: 'put_forward', forward: f });
  }

  #failUpstream(f: ForwardRecord, c: StepCollector, nowMs: number, r: Refusal): void {
    const ref = { channelId: f.inChannelId, htlcId: f.inHtlcId, onionHash: fromHex(f.onionHash) };
    const action = failIncoming(ref, f.blinded, f.sharedSecret ? fromHex(f.sharedSecret) : null, r);
    const name = failureNameOf(f.blinded, r.name);
    this.#put({ ...f, status: 'failed', failure: name, upstream: upstreamOf(action), sharedSecret: null, outOnion: null, resolvedAt: nowMs }, c);
    c.act(action);
    c.emit({ type: 'forward.failed', forwardId: f.forwardId, code: name, local: true, reason: r.reason });
  }

  #recordRefused(
    htlc: LockedInHtlc, onionHash: Uint8Array, role: BlindedRole, _sharedSecret: Uint8Array | null, name: string, action: PaymentAction,
    c: StepCollector, nowMs: number, reason: string,
  ): void {
    const f: ForwardRecord = {
      forwardId: key(htlc.channelId, htlc.htlcId), inChannelId: htlc.channelId, inHtlcId: htlc.htlcId, inAmountMsat: htlc.amountMsat, inCltvExpiry: htlc.cltvExpiry,
      paymentHash: toHex(htlc.paymentHash), outChannelId: null, outHtlcId: null, outAmountMsat: 0n, outCltvExpiry: 0, outOnion: null, outPathKey: null,
      status: 'refused', feeMsat: 0n, blinded: role, sharedSecret: null, onionHash: toHex(onionHash), preimage: null, failReason: null, failMalformedCode: null,
      failure: name, upstream: upstreamOf(action), hold: null, receivedAt: nowMs, resolvedAt: nowMs,
    };
    this.#put(f, c);
    c.emit({ type: 'forward.failed', forwardId: f.forwardId, code: name, local: true, reason });
  }

  /** A forward we know, met again after a restart: send again what was decided upstream. */
  #resume(f: ForwardRecord, c: StepCollector): void {
    if (f.status === 'fulfilled' && f.preimage) {
      c.act({ kind: 'fulfill_htlc', channelId: f.inChannelId, htlcId: f.inHtlcId, preimage: fromHex(f.preimage) });
    } else if ((f.status === 'failed' || f.status === 'refused') && f.upstream) {
      const u = f.upstream;
      c.act('reason' in u
        ? { kind: 'fail_htlc', channelId: f.inChannelId, htlcId: f.inHtlcId, reason: fromHex(u.reason) }
        : { kind: 'fail_malformed_htlc', channelId: f.inChannelId, htlcId: f.inHtlcId, sha256OfOnion: fromHex(f.onionHash), failureCode: u.malformedCode });
    }
  }
}
