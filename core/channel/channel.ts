/**
 * The BOLT 2 commitment state machine (sans-I/O). Inputs: messages from the peer and local
 * commands. Outputs (a ChannelStep): the new plain-data state, messages to send, whether the
 * state must be persisted before they leave, and events for the node and the UI.
 *
 * The Channel only holds the current snapshot and the signer; every transition is a pure
 * function of (state, input) in commands.ts / receive.ts, so a rejected input changes nothing
 * and the same inputs always give the same outputs.
 */
import { ChannelError } from './errors';
import type { AddHtlcRequest } from './commands';
import {
  addHtlc, assertOperational, failHtlc, failMalformedHtlc, fulfillHtlc, revoke, signCommitment, updateFee,
} from './commands';
import type { ChannelMessage } from './messages';
import { receiveMessage } from './receive';
import type { ChannelSigner } from './signer';
import type { ChannelPolicy, ChannelStep, StepContext } from './step';
import { DEFAULT_CHANNEL_POLICY } from './step';
import type { ChannelState } from './state';
import { channelView } from './view';
import type { ChannelView } from './view';

/** A step as the Channel returns it: with the UI's view of the new state (the step record). */
export interface ChannelStepResult extends ChannelStep {
  /** JSON-safe: the four change lists, both commitment numbers, HTLC sets and balances. */
  readonly view: ChannelView;
}

/** What the node adds to a channel's steps (async payments: the release path for an HTLC that carried hold_htlc). */
export type ChannelHooks = Pick<StepContext, 'releasePath'>;

export class Channel {
  #state: ChannelState;
  readonly #ctx: StepContext;

  constructor(state: ChannelState, signer: ChannelSigner, policy: Partial<ChannelPolicy> = {}, hooks: ChannelHooks = {}) {
    this.#state = state;
    this.#ctx = { signer, policy: { ...DEFAULT_CHANNEL_POLICY, ...policy }, ...(hooks.releasePath ? { releasePath: hooks.releasePath } : {}) };
  }

  /** The current snapshot (plain data; persist it when a step says so). */
  get state(): ChannelState {
    return this.#state;
  }

  get policy(): ChannelPolicy {
    return this.#ctx.policy;
  }

  /** The UI's view of the current snapshot (dust exposure shown against this channel's policy). */
  get view(): ChannelView {
    return channelView(this.#state, this.#ctx.policy);
  }

  #adopt(step: ChannelStep): ChannelStepResult {
    this.#state = step.state;
    return { ...step, view: this.view };
  }

  /** Offers an HTLC (update_add_htlc). Its id is `state.nextLocalHtlcId` before the call. */
  addHtlc(req: AddHtlcRequest): ChannelStepResult {
    return this.#adopt(addHtlc(this.#state, req, this.#ctx));
  }

  /** Settles an HTLC the peer offered (update_fulfill_htlc). */
  fulfillHtlc(id: bigint, paymentPreimage: Uint8Array): ChannelStepResult {
    return this.#adopt(fulfillHtlc(this.#state, id, paymentPreimage));
  }

  /** Fails an HTLC the peer offered (update_fail_htlc). */
  failHtlc(id: bigint, reason: Uint8Array): ChannelStepResult {
    return this.#adopt(failHtlc(this.#state, id, reason));
  }

  /** Fails an HTLC whose onion we could not parse (update_fail_malformed_htlc). */
  failMalformedHtlc(id: bigint, sha256OfOnion: Uint8Array, failureCode: number): ChannelStepResult {
    return this.#adopt(failMalformedHtlc(this.#state, id, sha256OfOnion, failureCode));
  }

  /** Changes the commitment feerate (update_fee; funder only). */
  updateFee(feeratePerKw: number): ChannelStepResult {
    return this.#adopt(updateFee(this.#state, feeratePerKw, this.#ctx));
  }

  /** Signs the peer's next commitment (commitment_signed). */
  signCommitment(): ChannelStepResult {
    return this.#adopt(signCommitment(this.#state, this.#ctx));
  }

  /** Revokes our previous commitment (revoke_and_ack) when `autoRevoke` is off. */
  revoke(): ChannelStepResult {
    return this.#adopt(revoke(this.#state, this.#ctx));
  }

  /**
   * Handles a message from the peer. A protocol violation throws ChannelError and marks the
   * channel failed (the node then sends `error`); no other state changes.
   */
  receive(message: ChannelMessage): ChannelStepResult {
    assertOperational(this.#state);
    try {
      return this.#adopt(receiveMessage(this.#state, message, this.#ctx));
    } catch (e) {
      if (e instanceof ChannelError) {
        this.#state = { ...this.#state, status: { kind: 'failed', code: e.code, message: e.message } };
      }
      throw e;
    }
  }
}
