/**
 * Cooperative close of one channel (BOLT 2 "Channel Close"), sans-I/O, next to its ChannelLink:
 *
 *   1. `shutdown` both ways (ours once no update of ours is pending on the peer's commitment; the
 *      peer's checked against the allowed script forms and its upfront_shutdown_script). The link
 *      records both (persisted with the channel state), refuses update_add_htlc from then on and
 *      re-sends our shutdown after every channel_reestablish.
 *   2. Pending HTLCs settle as usual over the link.
 *   3. Once the channel is clean (no HTLC in either commitment, nothing pending, no revocation owed):
 *      - `option_simple_close` negotiated: each side sends `closing_complete` for a transaction whose
 *        fee it pays; the other signs it back in `closing_sig`; either may do it again (RBF);
 *      - otherwise the legacy `closing_signed` negotiation (negotiation.ts: fee_range, or "strictly
 *        between" with an old-style peer), the funder first.
 *   The output is the fully signed closing transaction (event `closing_tx`): the node broadcasts it and
 *   watches it to depth.
 *
 * Inputs: the peer's shutdown / closing_signed / closing_complete / closing_sig, `close()` (the user, or
 * our script when the node is asked for one), `progress()` after every link step, `disconnected()`,
 * `tick(nowMs)`. Outputs: messages (after the link's own, which the closer feeds through the link),
 * events, requests, a failure. Every closing transaction we sign is handed out with `takeSignedClosings()`
 * — for the channel monitor, which must recognise it if the peer broadcasts it — and `takeOutbound()`
 * refuses to release our signatures until that was done.
 */
import { equalBytes, toHex, utf8 } from '../../crypto';
import type { ClosingComplete, ClosingSig, ClosingSigned, Message, Shutdown } from '../../wire';
import type { ChannelLink, LinkResult } from '../link';
import { changesPendingForRemote } from '../limits';
import { dustThresholdSat, isValidShutdownScript } from '../shutdown-script';
import type { ShutdownScriptFeatures } from '../shutdown-script';
import type { ChannelEvent } from '../step';
import type { ChannelState, Side } from '../state';
import type { ClosingBalances, ClosingTx, SimpleClosingTerms, SimpleClosingVariant } from './closing-tx';
import {
  buildLegacyClosingTx, buildSimpleClosingTx, closingTxWeight, feeForWeight, finalizeClosingTx, signClosingTx, simpleClosingAmounts,
  verifyClosingSignature,
} from './closing-tx';
import { CloseError } from './errors';
import type { FeeProposal, NegotiationConfig, NegotiationState } from './negotiation';
import { NEW_NEGOTIATION, firstProposal, proposed, respond } from './negotiation';

/** The features of the current connection that change closing (each negotiated = both sides set it in init). */
export type CloseFeatures = ShutdownScriptFeatures;

/** Closing fee rates in sat per 1000 weight, from the node's fee estimates. */
export interface CloseFeerates {
  /** What we consider fair: our first proposal (legacy), our fee (simple close). */
  readonly targetPerKw: number;
  /** The lowest fee rate we accept on a closing transaction. */
  readonly minPerKw: number;
  /** As the funder (legacy), the highest we are prepared to pay. */
  readonly maxPerKw: number;
}

export interface CloserOptions {
  readonly features: CloseFeatures;
  readonly feerates: CloseFeerates;
  /** The best block height: the locktime of our simple-close transactions (default 0). */
  readonly blockHeight?: number;
  /** How long we wait for the peer's closing_signed / closing_sig before failing the channel. */
  readonly responseTimeoutMs?: number;
}

export const DEFAULT_CLOSE_RESPONSE_TIMEOUT_MS = 120_000;

/** A closing transaction we signed: the monitor must know its txid before our signature leaves. */
export interface SignedClosing {
  readonly txid: Uint8Array;
  readonly feeSat: bigint;
}

export type CloseEvent =
  /** The peer sent shutdown: no new HTLCs; the channel closes once the pending ones settle. */
  | { readonly type: 'shutdown_received'; readonly scriptPubKey: Uint8Array }
  /** We sent shutdown. */
  | { readonly type: 'shutdown_sent'; readonly scriptPubKey: Uint8Array }
  /** Both shutdowns exchanged and no HTLC left: closing fees are being negotiated. */
  | { readonly type: 'negotiation_started'; readonly method: 'closing_signed' | 'simple_close' }
  /**
   * A fully signed closing transaction (both signatures): broadcast it and watch it to depth. With
   * option_simple_close there may be several (ours and the peer's, and RBF replacements).
   */
  | { readonly type: 'closing_tx'; readonly txid: Uint8Array; readonly tx: Uint8Array; readonly feeSat: bigint; readonly closer: Side | 'both' };

/** What the closer needs from the node to go on. */
export type CloseRequest =
  /** The peer's shutdown arrived and we have no script yet (no upfront script): answer with `close({ scriptPubKey })`. */
  { readonly kind: 'shutdown_script' };

export interface CloseResult {
  readonly events: readonly CloseEvent[];
  /** Events of the link steps the closer ran (commitment_signed, the channel failing): publish them as usual. */
  readonly channelEvents: readonly ChannelEvent[];
  readonly requests: readonly CloseRequest[];
  /** Set when the channel failed (the link queued our `error`): it must now be closed on chain. */
  readonly failure: { readonly code: string; readonly message: string } | null;
  /** The peer broke a closing rule: we queued a `warning`; close the connection (negotiation restarts on reconnection). */
  readonly disconnect: boolean;
}

export type CloseMessage = Shutdown | ClosingSigned | ClosingComplete | ClosingSig;

const CLOSE_MESSAGE_TYPES: readonly string[] = ['shutdown', 'closing_signed', 'closing_complete', 'closing_sig'] satisfies CloseMessage['type'][];

export function isCloseMessage(m: { readonly type: string }): m is CloseMessage {
  return CLOSE_MESSAGE_TYPES.includes(m.type);
}

/** The channel holds no HTLC and nothing is pending either way: closing negotiation may begin. */
export function isClean(s: ChannelState): boolean {
  return (
    s.localCommit.spec.htlcs.length === 0 &&
    s.remoteCommit.spec.htlcs.length === 0 &&
    s.remoteNextCommit === null &&
    !s.revocationOwed &&
    s.changes.length === 0
  );
}

function wholeSat(msat: bigint): bigint {
  return msat > 0n ? msat / 1000n : 0n;
}

function balancesOf(s: ChannelState): ClosingBalances {
  return { localMsat: s.localCommit.spec.localMsat, remoteMsat: s.localCommit.spec.remoteMsat };
}

/** Our legacy proposal or the peer's, with the transaction its signature covers. */
interface SignedProposal {
  readonly feeSat: bigint;
  readonly tx: ClosingTx;
  readonly signature: Uint8Array;
}

/** Our outstanding closing_complete (option_simple_close), until its closing_sig. */
interface SentComplete {
  readonly message: ClosingComplete;
  readonly txs: ReadonlyMap<SimpleClosingVariant, { readonly tx: ClosingTx; readonly signature: Uint8Array }>;
}

const TLV_OF: Record<SimpleClosingVariant, 'closerOutputOnly' | 'closeeOutputOnly' | 'closerAndCloseeOutputs'> = {
  closer_output_only: 'closerOutputOnly',
  closee_output_only: 'closeeOutputOnly',
  closer_and_closee_outputs: 'closerAndCloseeOutputs',
};

export class ChannelCloser {
  readonly link: ChannelLink;
  #features: CloseFeatures;
  #feerates: CloseFeerates;
  #blockHeight: number;
  readonly #timeoutMs: number;
  /** The script we will send in shutdown (set by `close()`, or the upfront script). */
  #script: Uint8Array | null = null;
  /** We asked for the shutdown (the user), as opposed to answering the peer's. */
  #initiated = false;
  #scriptRequested = false;
  #negotiation: NegotiationState = NEW_NEGOTIATION;
  /** Our first closing_signed / closing_complete of this connection went out. */
  #started = false;
  #sentComplete: SentComplete | null = null;
  /** Waiting for the peer's answer since (ms), for the timeout. */
  #waitingSince: number | null = null;
  /** A legacy negotiation ended with a signed transaction (until the next connection). */
  #agreed = false;
  #outbox: Message[] = [];
  #signed: SignedClosing[] = [];

  constructor(link: ChannelLink, opts: CloserOptions) {
    this.link = link;
    this.#features = opts.features;
    this.#feerates = opts.feerates;
    this.#blockHeight = opts.blockHeight ?? 0;
    this.#timeoutMs = opts.responseTimeoutMs ?? DEFAULT_CLOSE_RESPONSE_TIMEOUT_MS;
    const closing = link.state.closing;
    this.#script = closing?.shutdownLocal ?? closing?.upfrontLocal ?? null;
  }

  get state(): ChannelState {
    return this.link.state;
  }

  /** Whether either side sent shutdown. */
  get shuttingDown(): boolean {
    const c = this.state.closing;
    return !!c && (c.shutdownLocal !== null || c.shutdownRemote !== null);
  }

  /** The features negotiated on a new connection. */
  setFeatures(features: CloseFeatures): void {
    this.#features = features;
  }

  setFeerates(feerates: CloseFeerates): void {
    this.#feerates = feerates;
  }

  setBlockHeight(height: number): void {
    this.#blockHeight = height;
  }

  // ----- outputs ---------------------------------------------------------------------------------

  /** Closing transactions we signed since the last call: record them with the channel monitor, then take the outbound messages. */
  takeSignedClosings(): SignedClosing[] {
    return this.#signed.splice(0);
  }

  /** Our closing messages, in order (after the link's outbound). Throws `channel_close.not_recorded` while signed closings wait to be taken. */
  takeOutbound(): Message[] {
    if (this.#signed.length > 0) {
      throw new CloseError('channel_close.not_recorded', `${this.#signed.length} closing transaction(s) we signed must be recorded before our signatures leave`);
    }
    return this.#outbox.splice(0);
  }

  // ----- inputs ----------------------------------------------------------------------------------

  /**
   * Starts a cooperative close (the user), or gives the script the closer asked for (`shutdown_script`).
   * `scriptPubKey` is where our funds go; with an upfront_shutdown_script it must be that one (or null).
   */
  close(opts: { readonly scriptPubKey?: Uint8Array | null; readonly feerates?: CloseFeerates } = {}, nowMs = 0): CloseResult {
    const r = this.#result();
    if (this.state.status.kind === 'failed') throw new CloseError('channel_close.channel_failed', 'the channel has failed: it closes on chain');
    if (opts.feerates) this.#feerates = opts.feerates;
    const closing = this.state.closing;
    const upfront = closing?.upfrontLocal ?? null;
    const given = opts.scriptPubKey ?? null;
    if (closing?.shutdownLocal) {
      // Already sent: nothing to change (the peer holds our script).
      this.#initiated = true;
      return this.#finish(r, nowMs);
    }
    if (upfront && given && !equalBytes(upfront, given)) {
      throw new CloseError('channel_close.upfront_script_mismatch', 'we committed to an upfront_shutdown_script: the close must pay it');
    }
    const script = upfront ?? given;
    if (!script) throw new CloseError('channel_close.no_script', 'a shutdown script is needed (no upfront_shutdown_script was committed)');
    if (!isValidShutdownScript(script, this.#features)) {
      throw new CloseError('channel_close.bad_script', `script ${toHex(script)} is not a shutdown form the peer accepts`);
    }
    this.#script = script.slice();
    this.#initiated = true;
    this.#scriptRequested = false;
    return this.#finish(r, nowMs);
  }

  /** Call after every step of the link (and once its channel_reestablish completed): sends what became possible. */
  progress(nowMs = 0): CloseResult {
    return this.#finish(this.#result(), nowMs);
  }

  /** The connection ended: "negotiation restarts on reconnection". */
  disconnected(): void {
    this.#negotiation = NEW_NEGOTIATION;
    this.#started = false;
    this.#sentComplete = null;
    this.#waitingSince = null;
    this.#agreed = false;
    this.#outbox = [];
  }

  /** Fails the channel when the peer does not answer a closing message in time (BOLT 2: "MUST fail the channel"). */
  tick(nowMs: number): CloseResult {
    const r = this.#result();
    if (this.#waitingSince !== null && nowMs - this.#waitingSince > this.#timeoutMs && this.link.phase === 'active') {
      this.#waitingSince = null;
      this.#failChannel(r, 'closing.timeout', `no answer to our closing message within ${Math.round(this.#timeoutMs / 1000)} s`);
    }
    return this.#done(r);
  }

  /** A closing message from the peer (route shutdown, closing_signed, closing_complete, closing_sig here). */
  receive(m: CloseMessage, nowMs = 0): CloseResult {
    const r = this.#result();
    if (this.link.phase === 'failed') return this.#done(r);
    if (this.link.phase !== 'active') return this.#warn(r, `${m.type} before channel_reestablish`);
    switch (m.type) {
      case 'shutdown':
        this.#onShutdown(r, m);
        break;
      case 'closing_signed':
        this.#onClosingSigned(r, m, nowMs);
        break;
      case 'closing_complete':
        this.#onClosingComplete(r, m);
        break;
      case 'closing_sig':
        this.#onClosingSig(r, m);
        break;
    }
    if (r.disconnect || r.failure) return this.#done(r);
    return this.#finish(r, nowMs);
  }

  /**
   * option_simple_close: offers a new closing transaction at `targetPerKw` (RBF of ours). BOLT 2: "MUST
   * wait until it has received closing_sig first."
   */
  bump(feerates: CloseFeerates, nowMs = 0): CloseResult {
    this.#feerates = feerates;
    const r = this.#result();
    if (!this.#features.simpleClose) throw new CloseError('channel_close.not_simple_close', 'RBF of a closing transaction needs option_simple_close');
    if (this.#sentComplete) throw new CloseError('channel_close.awaiting_closing_sig', 'our previous closing_complete has no closing_sig yet');
    if (!this.#ready()) throw new CloseError('channel_close.not_ready', 'the channel is not ready for closing negotiation');
    this.#sendClosingComplete(nowMs);
    return this.#done(r);
  }

  // ----- shutdown --------------------------------------------------------------------------------

  #onShutdown(r: MutableResult, m: Shutdown): void {
    const script = m.scriptpubkey;
    const closing = this.state.closing;
    // "if the scriptpubkey is not in one of the above forms: SHOULD send a warning."
    if (!isValidShutdownScript(script, this.#features)) {
      this.#warnInto(r, `shutdown scriptpubkey ${toHex(script)} is not an allowed form`);
      return;
    }
    // "if both nodes advertised the option_upfront_shutdown_script feature, and the receiving node received a
    //  non-zero-length shutdown_scriptpubkey in open_channel or accept_channel, and that shutdown_scriptpubkey
    //  is not equal to scriptpubkey: MAY send a warning. MUST fail the connection."
    if (closing?.upfrontRemote && !equalBytes(closing.upfrontRemote, script)) {
      this.#warnInto(r, 'shutdown scriptpubkey differs from the upfront_shutdown_script');
      return;
    }
    const first = !closing?.shutdownRemote;
    this.#linkStep(r, this.link.recordRemoteShutdown(script));
    if (first) r.events.push({ type: 'shutdown_received', scriptPubKey: script.slice() });
  }

  /** Sends our shutdown when it is wanted (ours, or owed to the peer's) and allowed. */
  #maybeSendShutdown(r: MutableResult): void {
    const s = this.state;
    const closing = s.closing;
    if (closing?.shutdownLocal) return;
    if (!this.#initiated && !closing?.shutdownRemote) return;
    if (!this.#script) {
      // The peer's shutdown needs ours: the node gives the script with close({ scriptPubKey }).
      if (!this.#scriptRequested) {
        this.#scriptRequested = true;
        r.requests.push({ kind: 'shutdown_script' });
      }
      return;
    }
    // "if there are updates pending on the receiving node's commitment transaction: MUST NOT send a shutdown"
    // ("the sender always sends a commitment_signed first"): sign them now if we may, else wait for the revocation.
    if (changesPendingForRemote(s).length > 0) {
      if (s.remoteNextCommit !== null) return;
      this.#linkStep(r, this.link.commit());
      if (r.failure) return;
    }
    // "once there are no outstanding updates on the peer, UNLESS it has already sent a shutdown: MUST reply to a shutdown message with a shutdown"
    this.#linkStep(r, this.link.sendShutdown(this.#script));
    r.events.push({ type: 'shutdown_sent', scriptPubKey: this.#script.slice() });
  }

  // ----- negotiation -----------------------------------------------------------------------------

  /** Both shutdowns exchanged and nothing left in the channel. */
  #ready(): boolean {
    const c = this.state.closing;
    return this.link.phase === 'active' && !!c?.shutdownLocal && !!c.shutdownRemote && isClean(this.state);
  }

  #finish(r: MutableResult, nowMs: number): CloseResult {
    if (this.link.phase === 'active' && !r.failure && !r.disconnect) {
      this.#maybeSendShutdown(r);
      if (!r.failure && this.#ready() && !this.#started) {
        if (this.#features.simpleClose) {
          // "After a shutdown has been sent and received, AND no HTLCs remain in either commitment transaction: SHOULD send a closing_complete message."
          this.#started = true;
          r.events.push({ type: 'negotiation_started', method: 'simple_close' });
          this.#sendClosingComplete(nowMs);
        } else if (this.state.params.funder === 'local' && !this.#agreed) {
          // "The funding node: after shutdown has been received, AND no HTLCs remain in either commitment transaction: SHOULD send a closing_signed message."
          this.#started = true;
          r.events.push({ type: 'negotiation_started', method: 'closing_signed' });
          this.#sendFirstClosingSigned(nowMs);
        }
      }
    }
    return this.#done(r);
  }

  /** The legacy negotiation's fee bounds for this channel and these scripts. */
  #legacyConfig(): NegotiationConfig {
    const s = this.state;
    const params = s.params;
    const weight = closingTxWeight(params, [s.closing!.shutdownLocal!, s.closing!.shutdownRemote!]);
    const funderSat = wholeSat(params.funder === 'local' ? s.localCommit.spec.localMsat : s.localCommit.spec.remoteMsat);
    const f = this.#feerates;
    const lo = feeForWeight(f.minPerKw, weight);
    if (params.funder === 'local') {
      let hi = feeForWeight(Math.max(f.maxPerKw, f.targetPerKw), weight);
      if (hi > funderSat) hi = funderSat;
      return { funder: true, preferredFeeSat: feeForWeight(f.targetPerKw, weight), range: { minFeeSat: lo < hi ? lo : hi, maxFeeSat: hi } };
    }
    // Not paying: any fee the funder can pay is fine above our minimum (LDK does the same).
    return { funder: false, preferredFeeSat: feeForWeight(f.targetPerKw, weight), range: { minFeeSat: lo < funderSat ? lo : funderSat, maxFeeSat: funderSat } };
  }

  #scripts(): { local: Uint8Array; remote: Uint8Array } {
    const c = this.state.closing!;
    return { local: c.shutdownLocal!, remote: c.shutdownRemote! };
  }

  /** Our variant of the legacy closing transaction at `feeSat`, signed. */
  #signOurLegacy(feeSat: bigint): SignedProposal {
    const s = this.state;
    const tx = buildLegacyClosingTx(s.params, balancesOf(s), this.#scripts(), feeSat, { dustLimitSat: s.params.local.config.dustLimitSat });
    return { feeSat, tx, signature: signClosingTx(s.params, tx, this.link.signer) };
  }

  #queueClosingSigned(signed: SignedProposal, proposal: FeeProposal, nowMs: number): void {
    this.#signed.push({ txid: signed.tx.txid, feeSat: signed.feeSat });
    this.#outbox.push({
      type: 'closing_signed',
      channelId: this.state.params.channelId,
      feeSatoshis: signed.feeSat,
      signature: signed.signature,
      ...(proposal.range ? { tlvs: { feeRange: { minFeeSatoshis: proposal.range.minFeeSat, maxFeeSatoshis: proposal.range.maxFeeSat } } } : {}),
    });
    this.#waitingSince = nowMs;
  }

  #sendFirstClosingSigned(nowMs: number): void {
    const cfg = this.#legacyConfig();
    const proposal = firstProposal(cfg);
    this.#negotiation = proposed(this.#negotiation, proposal);
    this.#queueClosingSigned(this.#signOurLegacy(proposal.feeSat), proposal, nowMs);
  }

  /**
   * The transactions a valid signature of the peer at `feeSat` may cover (BOLT 2: "if the signature is not
   * valid for either variant of closing transaction"): the peer's dust limit applied (outputs below it removed,
   * or at it, as some implementations do), and the same with the peer's own output eliminated ("MAY eliminate
   * its own output"). An output of ours is only ever dropped when the peer's dust limit allows it.
   */
  #theirLegacyCandidates(feeSat: bigint): ClosingTx[] {
    const s = this.state;
    const dust = s.params.remote.config.dustLimitSat;
    const build = (opts: { dropAtDustLimit?: boolean; omit?: Side }): ClosingTx =>
      buildLegacyClosingTx(s.params, balancesOf(s), this.#scripts(), feeSat, { dustLimitSat: dust, ...opts });
    const out: ClosingTx[] = [];
    for (const c of [build({}), build({ dropAtDustLimit: true }), build({ omit: 'remote' })]) {
      if (c.outputs.length > 0 && !out.some((o) => equalBytes(o.txid, c.txid))) out.push(c);
    }
    return out;
  }

  #onClosingSigned(r: MutableResult, m: ClosingSigned, nowMs: number): void {
    const s = this.state;
    if (this.#features.simpleClose) return this.#warnInto(r, 'closing_signed while option_simple_close is negotiated');
    if (!s.closing?.shutdownLocal || !s.closing.shutdownRemote) return this.#warnInto(r, 'closing_signed before both shutdowns');
    if (!isClean(s)) return this.#warnInto(r, 'closing_signed while HTLCs or updates are pending');
    if (this.#agreed) return this.#warnInto(r, 'closing_signed after the closing fee was agreed');
    const funderSat = wholeSat(s.params.funder === 'local' ? s.localCommit.spec.localMsat : s.localCommit.spec.remoteMsat);
    if (m.feeSatoshis > funderSat) return this.#warnInto(r, `fee_satoshis ${m.feeSatoshis} is more than the funder's ${funderSat} sat`);
    // "if the signature is not valid for either variant of closing transaction ... OR non-compliant with LOW-S-standard rule:
    //  MUST send a warning and close the connection, or send an error and fail the channel."
    const theirTx = this.#theirLegacyCandidates(m.feeSatoshis).find((c) => verifyClosingSignature(s.params, c, m.signature));
    if (!theirTx) return this.#warnInto(r, `closing_signed signature at ${m.feeSatoshis} sat is not valid for any variant of the closing transaction`);
    // "if one of the outputs in the closing transaction is below the dust limit for its scriptpubkey: MUST fail the channel"
    const dusty = theirTx.outputs.find((o) => o.valueSat < dustThresholdSat(o.scriptPubKey));
    if (dusty) return this.#failChannel(r, 'closing.dust_output', `the ${dusty.side} output of ${dusty.valueSat} sat is below the dust threshold of its script`);
    this.#waitingSince = null;
    const received: FeeProposal = {
      feeSat: m.feeSatoshis,
      range: m.tlvs?.feeRange ? { minFeeSat: m.tlvs.feeRange.minFeeSatoshis, maxFeeSat: m.tlvs.feeRange.maxFeeSatoshis } : null,
    };
    const { state, step } = respond(this.#negotiation, this.#legacyConfig(), received);
    this.#negotiation = state;
    if (!this.#started) {
      this.#started = true;
      r.events.push({ type: 'negotiation_started', method: 'closing_signed' });
    }
    switch (step.kind) {
      case 'agreed':
        // "if fee_satoshis is equal to its previously sent fee_satoshis: SHOULD sign and broadcast the final closing transaction."
        this.#complete(r, theirTx, m.signature);
        return;
      case 'send':
        if (step.agreed) {
          // Their fee: sign the very transaction they signed, so both signatures cover one transaction.
          const ours: SignedProposal = { feeSat: m.feeSatoshis, tx: theirTx, signature: signClosingTx(s.params, theirTx, this.link.signer) };
          this.#queueClosingSigned(ours, step.proposal, nowMs);
          this.#waitingSince = null;
          this.#complete(r, theirTx, m.signature, ours.signature);
        } else {
          this.#queueClosingSigned(this.#signOurLegacy(step.proposal.feeSat), step.proposal, nowMs);
        }
        return;
      case 'wait':
        // "if there is no overlap ...: SHOULD send a warning" (and wait: the timer fails the channel).
        this.#outbox.push(this.#warning(step.message));
        this.#waitingSince = nowMs;
        return;
      case 'fail':
        this.#failChannel(r, step.code, step.message);
        return;
    }
  }

  /** A legacy negotiation ended: the transaction both signed. */
  #complete(r: MutableResult, tx: ClosingTx, theirSignature: Uint8Array, ourSignature?: Uint8Array): void {
    const s = this.state;
    const ours = ourSignature ?? signClosingTx(s.params, tx, this.link.signer);
    if (!ourSignature) this.#signed.push({ txid: tx.txid, feeSat: tx.feeSat });
    this.#agreed = true;
    this.#waitingSince = null;
    r.events.push({ type: 'closing_tx', txid: tx.txid, tx: finalizeClosingTx(s.params, tx, ours, theirSignature), feeSat: tx.feeSat, closer: 'both' });
  }

  // ----- option_simple_close -----------------------------------------------------------------------

  #sendClosingComplete(nowMs: number): void {
    const s = this.state;
    const params = s.params;
    const closing = s.closing!;
    const closerScript = closing.shutdownLocal!;
    // "MUST set closee_scriptpubkey to the last script it received from its peer (from closing_complete or from the initial shutdown)."
    const closeeScript = closing.shutdownRemote!;
    const balances = balancesOf(s);
    const ourSat = wholeSat(balances.localMsat);
    const weight = closingTxWeight(params, [closerScript, closeeScript]);
    const feeSat = feeForWeight(this.#feerates.targetPerKw, weight);
    // "MUST set fee_satoshis to a fee less than or equal to its outstanding balance": with less, the peer closes.
    if (ourSat === 0n || feeSat > ourSat) return;
    const terms: SimpleClosingTerms = { closer: 'local', closerScript, closeeScript, feeSat, locktime: this.#blockHeight };
    const amounts = simpleClosingAmounts(balances, terms);
    const ourDust = amounts.closer < dustThresholdSat(closerScript);
    const theirDust = amounts.closee < dustThresholdSat(closeeScript);
    let variants: SimpleClosingVariant[];
    if (balances.localMsat < balances.remoteMsat) {
      // "MUST NOT set closer_output_only. MUST set closee_output_only if the local output amount is dust."
      variants = ourDust ? ['closee_output_only'] : ['closer_and_closee_outputs'];
    } else {
      // "MUST NOT set closee_output_only. If the closee's output amount is dust: MUST set closer_output_only;
      //  MUST NOT set closer_and_closee_outputs. Otherwise: MUST set both closer_output_only and closer_and_closee_outputs."
      variants = theirDust ? ['closer_output_only'] : ['closer_output_only', 'closer_and_closee_outputs'];
    }
    // "MUST set fee_satoshis so that at least one output is not dust."
    if (ourDust && theirDust) return;
    const txs = new Map<SimpleClosingVariant, { tx: ClosingTx; signature: Uint8Array }>();
    const tlvs: Record<string, Uint8Array> = {};
    for (const v of variants) {
      const tx = buildSimpleClosingTx(params, balances, terms, v);
      const signature = signClosingTx(params, tx, this.link.signer);
      txs.set(v, { tx, signature });
      tlvs[TLV_OF[v]] = signature;
      this.#signed.push({ txid: tx.txid, feeSat: tx.feeSat });
    }
    const message: ClosingComplete = {
      type: 'closing_complete',
      channelId: params.channelId,
      closerScriptpubkey: closerScript.slice(),
      closeeScriptpubkey: closeeScript.slice(),
      feeSatoshis: feeSat,
      locktime: terms.locktime,
      tlvs,
    };
    this.#sentComplete = { message, txs };
    this.#outbox.push(message);
    this.#waitingSince = nowMs;
  }

  #onClosingComplete(r: MutableResult, m: ClosingComplete): void {
    const s = this.state;
    const params = s.params;
    if (!this.#features.simpleClose) return this.#warnInto(r, 'closing_complete without option_simple_close');
    if (!s.closing?.shutdownLocal || !s.closing.shutdownRemote || !isClean(s)) return this.#warnInto(r, 'closing_complete before both shutdowns and a clean channel');
    const balances = balancesOf(s);
    // "If fee_satoshis is greater than the closer's outstanding balance: MUST either send a warning and close the connection, or ..."
    if (m.feeSatoshis > wholeSat(balances.remoteMsat)) return this.#warnInto(r, `fee_satoshis ${m.feeSatoshis} is more than the closer's balance`);
    // "If closee_scriptpubkey does not match the last script it sent: SHOULD ignore closing_complete. SHOULD send a warning. SHOULD close the connection."
    if (!equalBytes(m.closeeScriptpubkey, s.closing.shutdownLocal)) return this.#warnInto(r, 'closing_complete closee_scriptpubkey is not our script');
    // "If closer_scriptpubkey is invalid (as detailed in the shutdown requirements): SHOULD ignore ..."
    if (!isValidShutdownScript(m.closerScriptpubkey, this.#features)) return this.#warnInto(r, 'closing_complete closer_scriptpubkey is not an allowed form');
    if (s.closing.upfrontRemote && !equalBytes(m.closerScriptpubkey, s.closing.upfrontRemote)) {
      return this.#warnInto(r, 'closing_complete closer_scriptpubkey differs from the upfront_shutdown_script');
    }
    const terms: SimpleClosingTerms = { closer: 'remote', closerScript: m.closerScriptpubkey, closeeScript: m.closeeScriptpubkey, feeSat: m.feeSatoshis, locktime: m.locktime };
    const amounts = simpleClosingAmounts(balances, terms);
    // Select a signature: "If the local output amount is dust: MUST use closer_output_only. ... Otherwise, if
    // closer_and_closee_outputs is present: MUST use closer_and_closee_outputs. Otherwise: MUST use closee_output_only."
    const tl = m.tlvs ?? {};
    const variant: SimpleClosingVariant =
      amounts.closee < dustThresholdSat(m.closeeScriptpubkey) ? 'closer_output_only' : tl.closerAndCloseeOutputs ? 'closer_and_closee_outputs' : 'closee_output_only';
    const theirSignature = tl[TLV_OF[variant]];
    // "If the selected signature field does not exist: MUST either send a warning and close the connection, or ..."
    if (!theirSignature) return this.#warnInto(r, `closing_complete lacks the ${variant} signature`);
    const tx = buildSimpleClosingTx(params, balances, terms, variant);
    if (tx.outputs.length === 0) return this.#warnInto(r, 'closing_complete leaves no output');
    // "If the signature field is not valid ... / non-compliant with LOW-S-standard rule: MUST either send a warning and close the connection, or ..."
    if (!verifyClosingSignature(params, tx, theirSignature)) return this.#warnInto(r, `closing_complete ${variant} signature is invalid`);
    // "MUST sign and broadcast the corresponding closing transaction."
    const ours = signClosingTx(params, tx, this.link.signer);
    this.#signed.push({ txid: tx.txid, feeSat: tx.feeSat });
    r.events.push({ type: 'closing_tx', txid: tx.txid, tx: finalizeClosingTx(params, tx, ours, theirSignature), feeSat: tx.feeSat, closer: 'remote' });
    // "MUST send closing_sig with a single valid signature in the same TLV field as the closing_complete."
    this.#outbox.push({
      type: 'closing_sig',
      channelId: params.channelId,
      closerScriptpubkey: m.closerScriptpubkey.slice(),
      closeeScriptpubkey: m.closeeScriptpubkey.slice(),
      feeSatoshis: m.feeSatoshis,
      locktime: m.locktime,
      tlvs: { [TLV_OF[variant]]: ours },
    });
    // "MUST use closer_scriptpubkey for its own future closing_complete messages."
    this.#linkStep(r, this.link.recordRemoteShutdown(m.closerScriptpubkey));
  }

  #onClosingSig(r: MutableResult, m: ClosingSig): void {
    const params = this.state.params;
    const sent = this.#sentComplete;
    if (!this.#features.simpleClose || !sent) return this.#warnInto(r, 'closing_sig without a closing_complete of ours');
    const c = sent.message;
    // "If closer_scriptpubkey, closee_scriptpubkey, fee_satoshis or locktime don't match what was sent in closing_complete: MUST either send a warning ..."
    if (
      !equalBytes(m.closerScriptpubkey, c.closerScriptpubkey) || !equalBytes(m.closeeScriptpubkey, c.closeeScriptpubkey) ||
      m.feeSatoshis !== c.feeSatoshis || m.locktime !== c.locktime
    ) {
      return this.#warnInto(r, 'closing_sig does not match our closing_complete');
    }
    const tl = m.tlvs ?? {};
    const present = (Object.keys(TLV_OF) as SimpleClosingVariant[]).filter((v) => tl[TLV_OF[v]] !== undefined);
    // "If tlvs does not contain exactly one signature" / "does not contain one of the TLV fields sent in closing_complete"
    if (present.length !== 1) return this.#warnInto(r, `closing_sig carries ${present.length} signatures, not one`);
    const variant = present[0]!;
    const ours = sent.txs.get(variant);
    if (!ours) return this.#warnInto(r, `closing_sig signs ${variant}, which our closing_complete did not offer`);
    const theirSignature = tl[TLV_OF[variant]]!;
    if (!verifyClosingSignature(params, ours.tx, theirSignature)) return this.#warnInto(r, 'closing_sig signature is invalid');
    this.#sentComplete = null;
    this.#waitingSince = null;
    // "otherwise: MUST broadcast the corresponding closing transaction."
    r.events.push({ type: 'closing_tx', txid: ours.tx.txid, tx: finalizeClosingTx(params, ours.tx, ours.signature, theirSignature), feeSat: ours.tx.feeSat, closer: 'local' });
  }

  // ----- helpers ---------------------------------------------------------------------------------

  #result(): MutableResult {
    return { events: [], channelEvents: [], requests: [], failure: null, disconnect: false };
  }

  #done(r: MutableResult): CloseResult {
    return r;
  }

  #linkStep(r: MutableResult, step: LinkResult): void {
    r.channelEvents.push(...step.events);
    if (step.failure) r.failure = step.failure;
    if (step.disconnect) r.disconnect = true;
  }

  #warning(text: string): Message {
    return { type: 'warning', channelId: this.state.params.channelId, data: utf8.encode(text) };
  }

  /** "SHOULD send a warning and close the connection": nothing changes; the negotiation restarts on reconnection. */
  #warnInto(r: MutableResult, text: string): void {
    this.#outbox.push(this.#warning(text));
    r.disconnect = true;
  }

  #warn(r: MutableResult, text: string): CloseResult {
    this.#warnInto(r, text);
    return this.#done(r);
  }

  #failChannel(r: MutableResult, code: string, message: string): void {
    this.#outbox = [];
    this.#linkStep(r, this.link.failChannel(code, message));
    r.failure = { code, message };
  }
}

interface MutableResult {
  events: CloseEvent[];
  channelEvents: ChannelEvent[];
  requests: CloseRequest[];
  failure: { code: string; message: string } | null;
  disconnect: boolean;
}
