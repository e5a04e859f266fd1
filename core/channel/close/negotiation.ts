/**
 * BOLT 2 "Legacy Closing Negotiation: closing_signed", the fee part only, as pure functions: which
 * fee to propose first, and what to answer to each `closing_signed` (agree, counter, wait, fail).
 * The modern method (`fee_range`: the funder proposes within its range, the other side picks a fee
 * in the overlap, the funder confirms — at most three messages) is used whenever the peer sends a
 * `fee_range`; otherwise the old "strictly between" rules apply. Signatures and transactions are
 * the closer's business (closer.ts); nothing here knows about them.
 */

/** BOLT 2 `fee_range`: the fees (whole satoshis) the sender accepts. */
export interface FeeRange {
  readonly minFeeSat: bigint;
  readonly maxFeeSat: bigint;
}

/** What one closing_signed says about fees. */
export interface FeeProposal {
  readonly feeSat: bigint;
  /** null: an old-style peer that sends no fee_range. */
  readonly range: FeeRange | null;
}

export interface NegotiationConfig {
  /** We opened the channel, so we pay the closing fee and propose first. */
  readonly funder: boolean;
  /** The fee we consider fair (our estimate of the cost of inclusion in a block). */
  readonly preferredFeeSat: bigint;
  /**
   * The fees we accept. As funder: what we are prepared to pay. As the other side: a fairly low
   * minimum and (BOLT 2: "SHOULD set max_fee_satoshis to at least the max_fee_satoshis received")
   * a maximum that is widened to the funder's.
   */
  readonly range: FeeRange;
}

/** Where a negotiation stands (reset on every reconnection: "negotiation restarts on reconnection"). */
export interface NegotiationState {
  readonly lastSent: FeeProposal | null;
  readonly lastReceived: FeeProposal | null;
}

export const NEW_NEGOTIATION: NegotiationState = { lastSent: null, lastReceived: null };

export type NegotiationStep =
  /** Send closing_signed with this proposal; `agreed`: it is the fee the peer proposed, the negotiation is over. */
  | { readonly kind: 'send'; readonly proposal: FeeProposal; readonly agreed: boolean }
  /** The peer accepted our last fee: sign and broadcast, nothing to send. */
  | { readonly kind: 'agreed'; readonly feeSat: bigint }
  /** No overlap between the ranges: send a warning and wait for a better fee_range (fail after a timeout). */
  | { readonly kind: 'wait'; readonly code: 'closing.fee_range_no_overlap'; readonly message: string }
  /** The negotiation cannot succeed: fail the channel. */
  | { readonly kind: 'fail'; readonly code: NegotiationFailure; readonly message: string };

export type NegotiationFailure =
  | 'closing.fee_outside_own_range'
  | 'closing.fee_not_in_overlap'
  | 'closing.fee_changed'
  | 'closing.fee_not_converging'
  | 'closing.no_agreement'
  | 'closing.bad_config';

function clamp(x: bigint, lo: bigint, hi: bigint): bigint {
  return x < lo ? lo : x > hi ? hi : x;
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function checkConfig(cfg: NegotiationConfig): NegotiationStep | null {
  const { minFeeSat, maxFeeSat } = cfg.range;
  if (minFeeSat < 0n || maxFeeSat < minFeeSat) return { kind: 'fail', code: 'closing.bad_config', message: `our fee range ${minFeeSat}..${maxFeeSat} is empty` };
  return null;
}

/**
 * The funder's first closing_signed: "SHOULD set the initial fee_satoshis according to its estimate of
 * cost of inclusion in a block" and "SHOULD set fee_range according to the minimum and maximum fees it
 * is prepared to pay".
 */
export function firstProposal(cfg: NegotiationConfig): FeeProposal {
  return { feeSat: clamp(cfg.preferredFeeSat, cfg.range.minFeeSat, cfg.range.maxFeeSat), range: cfg.range };
}

/** The range we send (or sent): the non-funder widens its maximum to the funder's. */
function ourRange(state: NegotiationState, cfg: NegotiationConfig, theirs: FeeRange | null): FeeRange {
  if (state.lastSent?.range) return state.lastSent.range;
  if (cfg.funder || !theirs) return cfg.range;
  // BOLT 2, not the funder: "SHOULD set max_fee_satoshis to at least the max_fee_satoshis received".
  return { minFeeSat: cfg.range.minFeeSat, maxFeeSat: max(cfg.range.maxFeeSat, theirs.maxFeeSat) };
}

function strictlyBetween(x: bigint, a: bigint, b: bigint): boolean {
  return (x > a && x < b) || (x > b && x < a);
}

/**
 * Our answer to the peer's closing_signed fees (BOLT 2 closing_signed, "The receiving node"). `reconnected`
 * is never needed here: the state is new after a reconnection, so the "strictly between" rule only ever
 * compares messages of the same connection.
 */
export function respond(state: NegotiationState, cfg: NegotiationConfig, received: FeeProposal): { state: NegotiationState; step: NegotiationStep } {
  const bad = checkConfig(cfg);
  if (bad) return { state, step: bad };
  const next = (step: NegotiationStep, sent: FeeProposal | null = state.lastSent): { state: NegotiationState; step: NegotiationStep } => ({
    state: { lastSent: sent, lastReceived: received },
    step,
  });
  const fee = received.feeSat;
  const theirs = received.range;

  if (theirs) {
    if (fee < theirs.minFeeSat || fee > theirs.maxFeeSat) {
      return next({ kind: 'fail', code: 'closing.fee_outside_own_range', message: `fee_satoshis ${fee} is outside the sender's own fee_range ${theirs.minFeeSat}..${theirs.maxFeeSat}` });
    }
    // "if fee_satoshis is equal to its previously sent fee_satoshis: SHOULD sign and broadcast the final closing transaction."
    if (state.lastSent && fee === state.lastSent.feeSat) return next({ kind: 'agreed', feeSat: fee });
    const range = ourRange(state, cfg, theirs);
    const lo = max(range.minFeeSat, theirs.minFeeSat);
    const hi = min(range.maxFeeSat, theirs.maxFeeSat);
    // "if there is no overlap between that and its own fee_range: SHOULD send a warning; MUST fail the channel
    //  if it doesn't receive a satisfying fee_range after a reasonable amount of time"
    if (lo > hi) {
      return next({ kind: 'wait', code: 'closing.fee_range_no_overlap', message: `fee ranges do not overlap: ours ${range.minFeeSat}..${range.maxFeeSat}, theirs ${theirs.minFeeSat}..${theirs.maxFeeSat}` });
    }
    if (cfg.funder) {
      // "if fee_satoshis is not in the overlap between the sent and received fee_range: MUST fail the channel;
      //  otherwise: MUST reply with the same fee_satoshis."
      if (fee < lo || fee > hi) return next({ kind: 'fail', code: 'closing.fee_not_in_overlap', message: `fee_satoshis ${fee} is not in the overlap ${lo}..${hi}` });
      const reply = { feeSat: fee, range };
      return next({ kind: 'send', proposal: reply, agreed: true }, reply);
    }
    // Not the funder. "if it has already sent a closing_signed: if fee_satoshis is not the same as the value it sent: MUST fail the channel"
    if (state.lastSent) return next({ kind: 'fail', code: 'closing.fee_changed', message: `fee_satoshis ${fee} differs from the ${state.lastSent.feeSat} we sent` });
    // "otherwise: MUST propose a fee_satoshis in the overlap between received and (about-to-be) sent fee_range."
    // Theirs when it is in the overlap (then we agree), else the overlap's fee closest to it.
    const pick = clamp(fee, lo, hi);
    const reply = { feeSat: pick, range };
    return next({ kind: 'send', proposal: reply, agreed: pick === fee }, reply);
  }

  // Old style: the peer sent no fee_range.
  if (state.lastSent && fee === state.lastSent.feeSat) return next({ kind: 'agreed', feeSat: fee });
  // "otherwise, if fee_satoshis is not strictly between its last-sent fee_satoshis and its previously-received
  //  fee_satoshis, UNLESS it has since reconnected: SHOULD send a warning and close the connection, or send an error and fail the channel."
  if (state.lastSent && state.lastReceived && !strictlyBetween(fee, state.lastSent.feeSat, state.lastReceived.feeSat)) {
    return next({ kind: 'fail', code: 'closing.fee_not_converging', message: `fee_satoshis ${fee} is not strictly between ${state.lastSent.feeSat} and ${state.lastReceived.feeSat}` });
  }
  const range = ourRange(state, cfg, null);
  // "otherwise, if the receiver agrees with the fee: SHOULD reply with a closing_signed with the same fee_satoshis value."
  if (fee >= range.minFeeSat && fee <= range.maxFeeSat) {
    const reply = { feeSat: fee, range };
    return next({ kind: 'send', proposal: reply, agreed: true }, reply);
  }
  // "otherwise: MUST propose a value strictly between the received fee_satoshis and its previously-sent fee_satoshis."
  // The nearest fee we accept; first answer: no previous fee of ours to stay strictly inside of.
  const target = fee > range.maxFeeSat ? range.maxFeeSat : range.minFeeSat;
  if (state.lastSent && !strictlyBetween(target, fee, state.lastSent.feeSat)) {
    return next({ kind: 'fail', code: 'closing.no_agreement', message: `the peer wants ${fee} sat, we accept ${range.minFeeSat}..${range.maxFeeSat} and already offered ${state.lastSent.feeSat}` });
  }
  const reply = { feeSat: target, range };
  return next({ kind: 'send', proposal: reply, agreed: false }, reply);
}

/** Records our first proposal as sent. */
export function proposed(state: NegotiationState, proposal: FeeProposal): NegotiationState {
  return { ...state, lastSent: proposal };
}
