/**
 * What every call into a payments core returns: a value, the writes to persist, the actions to
 * carry out on channels, and the events to publish. The adapter's contract, in this order:
 *   1. apply `writes` in one transaction (PaymentsStore.applyPaymentsWrites);
 *   2. carry out `actions` in order (ChannelService addHtlc / fulfillHtlc / failHtlc /
 *      failMalformedHtlc), then sign the touched channels (commit), reporting each add back with
 *      `htlcAdded` or `htlcAddFailed` (a refused add, `channel_command.not_active` included); a
 *      removal (fulfill / fail) for a channel that is not active is dropped — `Payments.reconcile`,
 *      called when the channel is active again, decides it anew from what the store kept;
 *   3. publish `events`.
 * If step 1 fails, nothing of the step may happen: the adapter rebuilds the cores from the store.
 */
import type { PaymentEventBody } from './events';
import type { PaymentsWrite } from './store';

/** Who an outgoing HTLC belongs to: a part of one of our payments, or a forward. */
export type OutgoingRef =
  | { readonly kind: 'payment'; readonly paymentId: string; readonly partId: number }
  | { readonly kind: 'forward'; readonly forwardId: string };

export type PaymentAction =
  /** BOLT 2 update_add_htlc on `channelId` (report the HTLC id back with htlcAdded). */
  | {
      readonly kind: 'add_htlc';
      readonly ref: OutgoingRef;
      readonly channelId: string;
      readonly amountMsat: bigint;
      readonly cltvExpiry: number;
      readonly paymentHash: Uint8Array;
      /** Async payments: ask the peer to hold it until released (update_add_htlc `hold_htlc`). */
      readonly holdHtlc?: boolean;
      /** The 1,366-byte onion_routing_packet. */
      readonly onion: Uint8Array;
      /** BOLT 2 `blinded_path.path_key` for an HTLC relayed inside a blinded route. */
      readonly pathKey: Uint8Array | null;
    }
  /** BOLT 2 update_fulfill_htlc of an incoming HTLC (its claim is in the same step's writes). Secret: `preimage`. */
  | { readonly kind: 'fulfill_htlc'; readonly channelId: string; readonly htlcId: bigint; readonly preimage: Uint8Array }
  /** BOLT 2 update_fail_htlc of an incoming HTLC, `reason` the onion failure packet. */
  | { readonly kind: 'fail_htlc'; readonly channelId: string; readonly htlcId: bigint; readonly reason: Uint8Array }
  /** BOLT 2 update_fail_malformed_htlc (BADONION failures, and inside a blinded route). */
  | { readonly kind: 'fail_malformed_htlc'; readonly channelId: string; readonly htlcId: bigint; readonly sha256OfOnion: Uint8Array; readonly failureCode: number };

export interface PaymentsStep<T = void> {
  readonly value: T;
  readonly writes: readonly PaymentsWrite[];
  readonly actions: readonly PaymentAction[];
  readonly events: readonly PaymentEventBody[];
}

/** Collects one step's outputs (internal to the cores). */
export class StepCollector {
  readonly writes: PaymentsWrite[] = [];
  readonly actions: PaymentAction[] = [];
  readonly events: PaymentEventBody[] = [];

  write(w: PaymentsWrite): void {
    this.writes.push(w);
  }

  act(a: PaymentAction): void {
    this.actions.push(a);
  }

  emit(e: PaymentEventBody): void {
    this.events.push(e);
  }

  finish<T>(value: T): PaymentsStep<T> {
    return { value, writes: this.writes, actions: this.actions, events: this.events };
  }
}

/** Several steps as one, in order (what the facade returns when one input touches several cores). */
export function mergeSteps<T>(value: T, steps: readonly PaymentsStep<unknown>[]): PaymentsStep<T> {
  return {
    value,
    writes: steps.flatMap((s) => s.writes),
    actions: steps.flatMap((s) => s.actions),
    events: steps.flatMap((s) => s.events),
  };
}
