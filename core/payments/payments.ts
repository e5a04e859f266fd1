/**
 * Payments: the three cores over one store, and the one entry point for what channels report.
 * A channel step's domain events (core/channel `ChannelEvent`) go to `channelEvents`, which sends
 * each to the core that owns the HTLC: an incoming HTLC locked in to the switch (which hands the
 * ones for us to InboundPayments), an outgoing one's fulfill / fail / resolution to the outbound
 * core (a part of our payment) or the switch (a forward). Every method returns a `PaymentsStep`
 * (writes, actions, events) with the contract of step.ts.
 */
import type { Change, ChannelEvent, ChannelState, Htlc } from '../channel';
import type { Bolt11Network } from '../invoices';
import type { AsyncPaymentsProfile } from '../wire';
import type { FailureMemory } from '../routing';
import { awaitingIncomingHtlcs, offeredHtlcs } from './channel-state';
import type { InboundPolicy } from './inbound';
import { InboundPayments } from './inbound';
import type { OutboundPolicy } from './outbound';
import { OutboundPayments } from './outbound';
import type { Bolt11Signer, Bolt12Payee, ChannelDirectory, FailureUpdateChecker, OnionKeys, RouteSource } from './ports';
import type { OutgoingRef, PaymentsStep } from './step';
import { mergeSteps } from './step';
import type { PaymentsReader } from './store';
import type { HoldPolicy, SwitchPolicy } from './switch';
import { HtlcSwitch } from './switch';

export interface PaymentsOptions {
  readonly store: PaymentsReader;
  readonly ourNodeId: Uint8Array;
  readonly network: Bolt11Network;
  /** The chain's best height; null while the node knows none (the switch then refuses incoming HTLCs, `pay` is refused by its caller). */
  readonly height: number | null;
  readonly randomBytes: (length: number) => Uint8Array;
  readonly onion: OnionKeys;
  readonly routes: RouteSource;
  readonly channels: ChannelDirectory;
  readonly signBolt11: Bolt11Signer;
  readonly updates?: FailureUpdateChecker;
  readonly bolt12?: Bolt12Payee;
  readonly hold?: HoldPolicy;
  /** Async payments numbers of our final hops (core/wire async-payments.ts); default LDK's. */
  readonly asyncPayments?: AsyncPaymentsProfile;
  readonly memory?: FailureMemory;
  readonly outboundPolicy?: Partial<OutboundPolicy>;
  readonly inboundPolicy?: Partial<InboundPolicy>;
  readonly switchPolicy?: Partial<SwitchPolicy>;
}

export class Payments {
  readonly outbound: OutboundPayments;
  readonly inbound: InboundPayments;
  readonly switch: HtlcSwitch;

  constructor(opts: PaymentsOptions) {
    this.outbound = new OutboundPayments({
      store: opts.store, ourNodeId: opts.ourNodeId, network: opts.network, routes: opts.routes, randomBytes: opts.randomBytes, height: opts.height ?? 0, onion: opts.onion,
      ...(opts.updates ? { updates: opts.updates } : {}),
      ...(opts.memory ? { memory: opts.memory } : {}),
      ...(opts.asyncPayments ? { asyncPayments: opts.asyncPayments } : {}),
      ...(opts.outboundPolicy ? { policy: opts.outboundPolicy } : {}),
    });
    this.inbound = new InboundPayments({
      store: opts.store, network: opts.network, sign: opts.signBolt11, randomBytes: opts.randomBytes, height: opts.height ?? 0,
      ...(opts.bolt12 ? { bolt12: opts.bolt12 } : {}),
      ...(opts.inboundPolicy ? { policy: opts.inboundPolicy } : {}),
    });
    this.switch = new HtlcSwitch({
      store: opts.store, onion: opts.onion, channels: opts.channels, inbound: this.inbound, height: opts.height,
      ...(opts.hold ? { hold: opts.hold } : {}),
      ...(opts.switchPolicy ? { policy: opts.switchPolicy } : {}),
    });
  }

  /** A new best block (the chain layer's tip). */
  setHeight(height: number, nowMs: number): PaymentsStep {
    this.outbound.setHeight(height);
    this.inbound.setHeight(height);
    return this.switch.setHeight(height, nowMs);
  }

  /** The domain events of one channel step, in order, after the step is durable. */
  channelEvents(channelId: string, events: readonly ChannelEvent[], nowMs: number): PaymentsStep {
    const steps: PaymentsStep<unknown>[] = [];
    for (const e of events) {
      switch (e.type) {
        case 'htlc_locked_in':
          if (e.htlc.offerer !== 'remote' || e.onionRoutingPacket === null) break;
          steps.push(this.switch.htlcLockedIn({
            channelId, htlcId: e.htlc.id, amountMsat: e.htlc.amountMsat, cltvExpiry: e.htlc.cltvExpiry, paymentHash: e.htlc.paymentHash,
            onion: e.onionRoutingPacket, pathKey: e.pathKey, failBack: e.failBack, ...(e.holdHtlc ? { holdHtlc: true } : {}),
          }, nowMs));
          break;
        case 'htlc_fulfill_received':
          steps.push(this.#ownerOf(channelId, e.htlc).htlcFulfilled(channelId, e.htlc.id, e.paymentPreimage, nowMs));
          break;
        case 'htlc_fail_received': {
          const fail = e.failureCode !== null ? { malformedCode: e.failureCode, sha256OfOnion: e.sha256OfOnion ?? new Uint8Array(32) } : { reason: e.reason ?? new Uint8Array(0) };
          steps.push(this.#ownerOf(channelId, e.htlc).htlcFailReceived(channelId, e.htlc.id, fail, nowMs));
          break;
        }
        case 'htlc_resolved':
          if (e.offerer === 'local') steps.push(this.#ownerOf(channelId, { id: e.id }).htlcResolved(channelId, e.id, e.outcome, nowMs));
          else this.inbound.forgetHtlc(channelId, e.id);
          break;
        default:
          break;
      }
    }
    return mergeSteps(undefined, steps);
  }

  #ownerOf(channelId: string, htlc: Pick<Htlc, 'id'>): OutboundPayments | HtlcSwitch {
    return this.outbound.owns(channelId, htlc.id) ? this.outbound : this.switch;
  }

  /** The adapter added the HTLC of an `add_htlc` action: its id on the channel. */
  htlcAdded(ref: OutgoingRef, channelId: string, htlcId: bigint, nowMs: number): PaymentsStep {
    return ref.kind === 'payment' ? this.outbound.htlcAdded(ref.paymentId, ref.partId, channelId, htlcId, nowMs) : this.switch.htlcAdded(ref.forwardId, channelId, htlcId, nowMs);
  }

  /** The channel refused the add of an `add_htlc` action (a ChannelCommandError's code and message). */
  htlcAddFailed(ref: OutgoingRef, code: string, message: string, nowMs: number): PaymentsStep {
    return ref.kind === 'payment' ? this.outbound.htlcAddFailed(ref.paymentId, ref.partId, code, message, nowMs) : this.switch.htlcAddFailed(ref.forwardId, code, message, nowMs);
  }

  /** Updates a reconnection reversed (ChannelLink's `forgotten`): our adds among them never left. */
  updatesForgotten(channelId: string, forgotten: readonly Change[], nowMs: number): PaymentsStep {
    const steps: PaymentsStep<unknown>[] = [];
    for (const c of forgotten) {
      if (c.origin !== 'local' || c.update.kind !== 'add') continue;
      const id = c.update.htlc.id;
      steps.push(this.#ownerOf(channelId, { id }).htlcForgotten(channelId, id, nowMs));
    }
    return mergeSteps(undefined, steps);
  }

  /** The monitor's `preimage_learned` on one of our channels (on chain). */
  preimageLearned(channelId: string, htlc: Htlc | null, paymentHash: Uint8Array, preimage: Uint8Array, nowMs: number): PaymentsStep {
    if (htlc && htlc.offerer === 'local' && this.outbound.owns(channelId, htlc.id)) return this.outbound.htlcFulfilled(channelId, htlc.id, preimage, nowMs);
    return this.switch.preimageLearned(channelId, htlc && htlc.offerer === 'local' ? htlc.id : null, paymentHash, preimage, nowMs);
  }

  /** The monitor's `htlc_failed`: our HTLC timed out on chain. */
  htlcFailedOnChain(channelId: string, htlc: Htlc, nowMs: number): PaymentsStep {
    return this.#ownerOf(channelId, htlc).htlcFailedOnChain(channelId, htlc.id, nowMs);
  }

  /** Time passes: payment deadlines, multi-part timeouts. */
  tick(nowMs: number): PaymentsStep {
    return mergeSteps(undefined, [this.outbound.tick(nowMs), this.inbound.tick(nowMs)]);
  }

  /**
   * Whenever a channel becomes active (channel_reestablish done: after a restart, and after every
   * reconnection), before its next message is processed: what the channel holds of our HTLCs (parts
   * and forwards: adds not yet confirmed, removals the peer sent, HTLCs gone while we were away) and
   * the incoming HTLCs still waiting for a decision (fed to the switch again: a claimed one is
   * fulfilled again, a decided forward's removal sent again, a new one judged). Idempotent.
   */
  reconcile(channelId: string, state: ChannelState, nowMs: number): PaymentsStep {
    const offered = offeredHtlcs(state);
    const steps: PaymentsStep<unknown>[] = [this.outbound.reconcile(channelId, offered, nowMs, state.nextLocalHtlcId), this.switch.reconcile(channelId, offered, nowMs)];
    for (const a of awaitingIncomingHtlcs(state)) {
      steps.push(this.switch.htlcLockedIn({
        channelId, htlcId: a.id, amountMsat: a.amountMsat, cltvExpiry: a.cltvExpiry, paymentHash: a.paymentHash,
        onion: a.data.onionRoutingPacket, pathKey: a.data.pathKey, failBack: a.data.failBack,
      }, nowMs));
    }
    return mergeSteps(undefined, steps);
  }
}
