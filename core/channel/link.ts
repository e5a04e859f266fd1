/**
 * A ChannelLink is one channel as seen over its peer's connections (sans-I/O): the BOLT 2 state
 * machine plus what the connection adds — the channel_reestablish handshake, retransmission,
 * forgetting uncommitted updates, failing with `error` — and the bookkeeping that must be
 * persisted with the state (which of commitment_signed / revoke_and_ack went out last, our
 * unacknowledged update messages for retransmission, a detected data loss).
 *
 * "Persist before you promise" is enforced here: every outgoing message is queued with the
 * state revision it depends on, and `takeOutbound()` refuses to hand out a message whose
 * revision has not been reported durable with `markPersisted()`. The caller (ChannelService)
 * therefore cannot send a commitment_signed or revoke_and_ack before the state that commits to
 * it is in the store.
 */
import { equalBytes, toHex, utf8 } from '../crypto';
import { decodeMessage, encodeMessage } from '../wire';
import type { ChannelReestablish, Message, Shutdown } from '../wire';
import { Channel } from './channel';
import type { ChannelHooks } from './channel';
import type { AddHtlcRequest } from './commands';
import { ChannelCommandError, ChannelError, ChannelLinkError } from './errors';
import { changesPendingForRemote } from './limits';
import type { ChannelMessage } from './messages';
import { isChannelMessage } from './messages';
import type { LastSent } from './reestablish';
import {
  buildChannelReestablish, forgetUncommittedUpdates, lastRevokedLocal, planReestablish, rebuildChannelReady, rebuildCommitmentSigned,
  rebuildRevokeAndAck,
} from './reestablish';
import type { ChannelSigner } from './signer';
import type { ChannelEvent, ChannelPolicy, ChannelStep } from './step';
import type { Change, ChannelClosing, ChannelState } from './state';
import type { ChannelView } from './view';

export type LinkPhase = 'offline' | 'reestablishing' | 'active' | 'failed';

/** Recorded when channel_reestablish shows that one side lost state. Numbers are decimal strings. */
export interface DataLossRecord {
  /** `local`: the peer proved we are behind (we must never broadcast); `remote`: the peer is behind. */
  readonly behind: 'local' | 'remote';
  readonly detectedAt: number;
  readonly code: string;
  readonly message: string;
  readonly ours: { readonly nextCommitmentNumber: string; readonly nextRevocationNumber: string };
  readonly theirs: { readonly nextCommitmentNumber: string; readonly nextRevocationNumber: string };
}

/** One of our update_* messages the peer has not acknowledged yet, as sent (BOLT 1 bytes). */
export interface SentUpdate {
  /** The change's `seq` in the state. */
  readonly seq: number;
  readonly message: Uint8Array;
}

/** What the store keeps per channel (written in one transaction). */
export interface StoredChannel {
  /** Hex node id of the peer. */
  readonly peerId: string;
  /** Which channel keys (derived from the node key) the channel uses. */
  readonly keyIndex: number;
  readonly createdAt: number;
  readonly state: ChannelState;
  readonly lastSent: LastSent;
  readonly sentUpdates: readonly SentUpdate[];
  readonly dataLoss: DataLossRecord | null;
  /** Increases with every change of the above. */
  readonly revision: number;
}

/** What the UI's sequence diagram shows of one message, beyond its type. */
export interface MessageNote {
  /** The HTLC concerned, named from this node's view: `local:3` = the fourth HTLC we offered. */
  readonly htlcId: string | null;
  /** commitment_signed: the commitment it signs; revoke_and_ack: the commitment it revokes. */
  readonly commitmentNumber: number | null;
  readonly summary: string;
  readonly retransmission: boolean;
}

export interface OutboundMessage {
  readonly message: Message;
  readonly note: MessageNote;
}

export interface LinkResult {
  readonly events: readonly ChannelEvent[];
  /** Updates forgotten because the connection ended before they were committed. */
  readonly forgotten: readonly Change[];
  /** Set when the channel failed during this call. */
  readonly failure: { readonly code: string; readonly message: string } | null;
  /** The peer broke the connection rules (not the channel's): close the connection. */
  readonly disconnect: boolean;
  /** The received message, annotated (receive calls only). */
  readonly incoming: MessageNote | null;
}

interface OutboxEntry extends OutboundMessage {
  /** The state revision that must be durable before this message leaves. */
  readonly requires: number;
}

const NOTHING: LinkResult = { events: [], forgotten: [], failure: null, disconnect: false, incoming: null };

function note(htlcId: string | null, commitmentNumber: number | null, summary: string, retransmission = false): MessageNote {
  return { htlcId, commitmentNumber, summary, retransmission };
}

/** Names the HTLC an update refers to, from this node's view. */
function updateNote(m: ChannelMessage, direction: 'in' | 'out'): MessageNote {
  const sender = direction === 'out' ? 'local' : 'remote';
  const receiver = direction === 'out' ? 'remote' : 'local';
  switch (m.type) {
    case 'update_add_htlc':
      return note(`${sender}:${m.id}`, null, `${m.amountMsat} msat, expiry ${m.cltvExpiry}`);
    case 'update_fulfill_htlc':
      return note(`${receiver}:${m.id}`, null, 'fulfilled');
    case 'update_fail_htlc':
      return note(`${receiver}:${m.id}`, null, 'failed');
    case 'update_fail_malformed_htlc':
      return note(`${receiver}:${m.id}`, null, `malformed 0x${m.failureCode.toString(16)}`);
    case 'update_fee':
      return note(null, null, `${m.feeratePerKw} sat/kw`);
    case 'commitment_signed':
      return note(null, null, `${m.htlcSignatures.length} htlc signature${m.htlcSignatures.length === 1 ? '' : 's'}`);
    case 'revoke_and_ack':
      return note(null, null, '');
  }
}

export class ChannelLink {
  readonly peerId: string;
  readonly keyIndex: number;
  readonly createdAt: number;
  readonly #signer: ChannelSigner;
  readonly #policy: Partial<ChannelPolicy>;
  #channel: Channel;
  #lastSent: LastSent;
  #sentUpdates: Map<number, Uint8Array>;
  #dataLoss: DataLossRecord | null;
  #phase: LinkPhase;
  #revision: number;
  #persisted: number;
  #required: number;
  #outbox: OutboxEntry[] = [];

  readonly #hooks: ChannelHooks;

  constructor(stored: StoredChannel, signer: ChannelSigner, policy: Partial<ChannelPolicy> = {}, hooks: ChannelHooks = {}) {
    this.#hooks = hooks;
    this.peerId = stored.peerId;
    this.keyIndex = stored.keyIndex;
    this.createdAt = stored.createdAt;
    this.#signer = signer;
    this.#policy = policy;
    this.#channel = new Channel(stored.state, signer, policy, hooks);
    this.#lastSent = stored.lastSent;
    this.#sentUpdates = new Map(stored.sentUpdates.map((u) => [u.seq, u.message.slice()]));
    this.#dataLoss = stored.dataLoss;
    this.#phase = stored.state.status.kind === 'failed' ? 'failed' : 'offline';
    this.#revision = this.#persisted = this.#required = stored.revision;
  }

  get state(): ChannelState {
    return this.#channel.state;
  }

  /** The UI's view of the current state (core/channel `channelView`, with this link's policy). */
  get view(): ChannelView {
    return this.#channel.view;
  }

  get channelId(): Uint8Array {
    return this.#channel.state.params.channelId;
  }

  get phase(): LinkPhase {
    return this.#phase;
  }

  get lastSent(): LastSent {
    return this.#lastSent;
  }

  get dataLoss(): DataLossRecord | null {
    return this.#dataLoss;
  }

  get signer(): ChannelSigner {
    return this.#signer;
  }

  // ----- persistence -------------------------------------------------------------------------

  get revision(): number {
    return this.#revision;
  }

  /** A queued message depends on a state not yet reported durable: persist before sending. */
  get needsPersist(): boolean {
    return this.#required > this.#persisted;
  }

  /** Something changed since the last write (optional changes included). */
  get dirty(): boolean {
    return this.#revision > this.#persisted;
  }

  snapshot(): StoredChannel {
    return {
      peerId: this.peerId,
      keyIndex: this.keyIndex,
      createdAt: this.createdAt,
      state: this.#channel.state,
      lastSent: this.#lastSent,
      sentUpdates: [...this.#sentUpdates].map(([seq, message]) => ({ seq, message })),
      dataLoss: this.#dataLoss,
      revision: this.#revision,
    };
  }

  /** The store wrote `snapshot()` of this revision durably. */
  markPersisted(revision: number): void {
    if (revision > this.#revision) throw new ChannelLinkError('channel_link.bad_revision', `revision ${revision} was never produced`);
    if (revision > this.#persisted) this.#persisted = revision;
  }

  /**
   * The messages to hand to the peer's connection now, in order. Throws ChannelLinkError
   * `channel_link.not_persisted` (and keeps them) if one depends on a state not yet durable.
   */
  takeOutbound(): OutboundMessage[] {
    const blocked = this.#outbox.find((e) => e.requires > this.#persisted);
    if (blocked) {
      throw new ChannelLinkError('channel_link.not_persisted', `${blocked.message.type} needs state revision ${blocked.requires}, only ${this.#persisted} is durable`);
    }
    return this.#outbox.splice(0).map(({ message, note: n }) => ({ message, note: n }));
  }

  // ----- connection ----------------------------------------------------------------------------

  /** A connection to the peer completed `init`: send channel_reestablish (or our error again). */
  connected(): LinkResult {
    this.#outbox = [];
    const forgotten = this.#forget();
    if (this.#phase === 'failed' || this.state.status.kind === 'failed') {
      this.#phase = 'failed';
      // A peer that is behind us (it lost data) can only learn so from our channel_reestablish
      // (option_data_loss_protect: my_current_per_commitment_point lets it recover its funds). If our
      // first one was lost with a replaced connection, the error alone would tell it nothing: send
      // channel_reestablish again, before the error, as Core Lightning does for closed channels.
      if (this.#dataLoss?.behind === 'remote') {
        const ours = buildChannelReestablish(this.state, this.#signer);
        this.#queue({ message: ours, note: note(null, null, reestablishSummary(ours), true) }, false);
      }
      // "if a channel is in an error state: SHOULD retransmit the error packet and ignore any other packets for that channel."
      this.#queue({ message: this.#errorMessage(), note: note(null, null, this.#failureText(), true) }, false);
      return { ...NOTHING, forgotten };
    }
    this.#phase = 'reestablishing';
    // "otherwise: MUST transmit channel_reestablish for each channel."
    const ours = buildChannelReestablish(this.state, this.#signer);
    this.#queue({ message: ours, note: note(null, null, reestablishSummary(ours)) }, false);
    return { ...NOTHING, forgotten };
  }

  /**
   * The opening completed on the current connection (channel_ready exchanged both ways): normal
   * operation starts without a channel_reestablish.
   */
  openedOnConnection(): void {
    if (this.#phase === 'offline' && this.state.status.kind === 'normal') this.#phase = 'active';
  }

  /** The connection ended. */
  disconnected(): LinkResult {
    this.#outbox = [];
    const forgotten = this.#forget();
    if (this.#phase !== 'failed') this.#phase = 'offline';
    return { ...NOTHING, forgotten };
  }

  /** The peer sent `error` for this channel (or for all channels): BOLT 1 "MUST fail the channel". */
  peerFailed(text: string): LinkResult {
    if (this.state.status.kind === 'failed') return NOTHING;
    const failure = { code: 'channel.peer_error', message: `the peer failed the channel: ${text.slice(0, 200)}` };
    this.#fail(failure.code, failure.message, false);
    return { ...NOTHING, failure };
  }

  // ----- messages from the peer ------------------------------------------------------------------

  /** A message for this channel from the peer's current connection. */
  receive(message: Message, now: number): LinkResult {
    if (this.#phase === 'failed') return NOTHING;
    if (message.type === 'channel_reestablish') return this.#onReestablish(message, now);
    if (message.type === 'channel_ready') {
      // "upon reconnection: MUST ignore any redundant channel_ready it receives."
      return { ...NOTHING, incoming: note(null, null, 'redundant, ignored') };
    }
    if (!isChannelMessage(message)) return NOTHING;
    if (this.#phase !== 'active') {
      // "MUST wait to receive the other node's channel_reestablish message before sending any other
      // messages for that channel": the peer did not. Warn and close the connection; nothing changes.
      this.#queue({ message: this.#warning(`${message.type} before channel_reestablish`), note: note(null, null, 'message before channel_reestablish') }, false);
      return { ...NOTHING, disconnect: true, incoming: updateNote(message, 'in') };
    }
    const before = this.state;
    let step: ChannelStep;
    try {
      step = this.#channel.receive(message);
    } catch (e) {
      if (e instanceof ChannelError) {
        const failure = { code: e.code, message: e.message };
        this.#fail(e.code, e.message, true);
        return { ...NOTHING, failure, incoming: updateNote(message, 'in') };
      }
      throw e;
    }
    const incoming = this.#incomingNote(message, before);
    this.#adopt(step);
    return { ...NOTHING, events: step.events, incoming };
  }

  #incomingNote(m: ChannelMessage, before: ChannelState): MessageNote {
    const n = updateNote(m, 'in');
    if (m.type === 'commitment_signed') return { ...n, commitmentNumber: before.localCommit.ctn + 1 };
    if (m.type === 'revoke_and_ack') return { ...n, commitmentNumber: before.remoteCommit.ctn };
    return n;
  }

  #onReestablish(theirs: ChannelReestablish, now: number): LinkResult {
    const incoming = note(null, null, reestablishSummary(theirs));
    if (this.#phase !== 'reestablishing') {
      this.#queue({ message: this.#warning('unexpected channel_reestablish'), note: note(null, null, 'unexpected channel_reestablish') }, false);
      return { ...NOTHING, incoming };
    }
    const plan = planReestablish(this.state, this.#lastSent, theirs, this.#signer);
    if (plan.kind === 'fail') {
      if (plan.reason !== 'protocol') {
        const ours = buildChannelReestablish(this.state, this.#signer);
        this.#dataLoss = {
          behind: plan.reason === 'local_data_loss' ? 'local' : 'remote',
          detectedAt: now,
          code: plan.error.code,
          message: plan.error.message,
          ours: { nextCommitmentNumber: ours.nextCommitmentNumber.toString(), nextRevocationNumber: ours.nextRevocationNumber.toString() },
          theirs: { nextCommitmentNumber: theirs.nextCommitmentNumber.toString(), nextRevocationNumber: theirs.nextRevocationNumber.toString() },
        };
      }
      this.#fail(plan.error.code, plan.error.message, true);
      return { ...NOTHING, failure: { code: plan.error.code, message: plan.error.message }, incoming };
    }
    this.#phase = 'active';
    if (plan.channelReady) this.#queue({ message: rebuildChannelReady(this.state, this.#signer), note: note(null, null, 'retransmitted', true) }, false);
    for (const what of plan.retransmit) {
      if (what === 'revoke_and_ack') {
        const raa = rebuildRevokeAndAck(this.state, this.#signer, this.#hooks.releasePath);
        this.#queue({ message: raa, note: note(null, lastRevokedLocal(this.state), 'retransmitted', true) }, false);
        continue;
      }
      for (const c of plan.updates) this.#queue(this.#loggedUpdate(c), false);
      const cs = rebuildCommitmentSigned(this.state, this.#signer);
      this.#queue({ message: cs, note: { ...updateNote(cs, 'out'), commitmentNumber: this.state.remoteNextCommit!.ctn, retransmission: true } }, false);
    }
    // "upon reconnection: if it has sent a previous shutdown: MUST retransmit shutdown." In the order first sent:
    // after the commitment that signed every update before it, before the removals sent since.
    const shutdown = this.state.closing?.shutdownLocal;
    if (shutdown) this.#queue({ message: this.#shutdownMessage(shutdown), note: note(null, null, 'retransmitted', true) }, false);
    // Our removals the peer reversed on disconnection ("MUST reverse any uncommitted updates sent by the
    // other side"): the HTLC is still committed and ours to settle, so they go again, after the retransmissions.
    for (const c of plan.resend) this.#queue(this.#loggedUpdate(c), false);
    return { ...NOTHING, incoming };
  }

  /** One of our updates as first sent, from the updates log, to send again. */
  #loggedUpdate(c: Change): OutboundMessage {
    const bytes = this.#sentUpdates.get(c.seq);
    if (!bytes) throw new ChannelLinkError('channel_link.missing_update', `update ${c.seq} to retransmit is not in the updates log`);
    const m = decodeMessage(bytes);
    if (!isChannelMessage(m)) throw new ChannelLinkError('channel_link.missing_update', `update ${c.seq} in the log is a ${m.type}`);
    return { message: m, note: { ...updateNote(m, 'out'), retransmission: true } };
  }

  // ----- local commands (the node's payment logic; tests) ----------------------------------------

  #active(): void {
    if (this.#phase === 'failed' || this.state.status.kind === 'failed') {
      throw new ChannelCommandError('channel_command.channel_failed', `the channel has failed (${this.#failureText()})`);
    }
    if (this.#phase !== 'active') {
      throw new ChannelCommandError('channel_command.not_active', this.#phase === 'offline' ? 'the peer is not connected' : 'waiting for the peer\'s channel_reestablish');
    }
  }

  #command(run: () => ChannelStep): LinkResult {
    this.#active();
    const step = run();
    this.#adopt(step);
    return { ...NOTHING, events: step.events };
  }

  addHtlc(req: AddHtlcRequest): LinkResult & { readonly id: bigint } {
    const id = this.state.nextLocalHtlcId;
    return { ...this.#command(() => this.#channel.addHtlc(req)), id };
  }

  fulfillHtlc(id: bigint, preimage: Uint8Array): LinkResult {
    return this.#command(() => this.#channel.fulfillHtlc(id, preimage));
  }

  failHtlc(id: bigint, reason: Uint8Array): LinkResult {
    return this.#command(() => this.#channel.failHtlc(id, reason));
  }

  failMalformedHtlc(id: bigint, sha256OfOnion: Uint8Array, failureCode: number): LinkResult {
    return this.#command(() => this.#channel.failMalformedHtlc(id, sha256OfOnion, failureCode));
  }

  updateFee(feeratePerKw: number): LinkResult {
    return this.#command(() => this.#channel.updateFee(feeratePerKw));
  }

  /** Signs the peer's next commitment (commitment_signed). */
  commit(): LinkResult {
    return this.#command(() => this.#channel.signCommitment());
  }

  // ----- closing (core/channel/close drives these) ----------------------------------------------

  /**
   * Sends our `shutdown` (BOLT 2 "Closing Initiation"; core/channel/close checks the script and decides
   * when). Recorded in the state and persisted before it leaves: from then on no update_add_htlc is
   * sent, and the shutdown is sent again after every channel_reestablish.
   */
  sendShutdown(scriptpubkey: Uint8Array): LinkResult {
    this.#active();
    const closing = this.#closing();
    // "MUST NOT send multiple shutdown messages."
    if (closing.shutdownLocal) throw new ChannelCommandError('channel_command.shutdown_already_sent', 'our shutdown was already sent');
    // "if there are updates pending on the receiving node's commitment transaction: MUST NOT send a shutdown."
    if (changesPendingForRemote(this.state).length > 0) {
      throw new ChannelCommandError('channel_command.updates_pending', 'updates are pending on the peer\'s commitment: sign them first');
    }
    // "if it sent a non-zero-length shutdown_scriptpubkey in open_channel or accept_channel: MUST send the same value in scriptpubkey."
    if (closing.upfrontLocal && !equalBytes(closing.upfrontLocal, scriptpubkey)) {
      throw new ChannelCommandError('channel_command.upfront_script_mismatch', 'the shutdown script must be the upfront_shutdown_script sent at opening');
    }
    this.#setClosing({ ...closing, shutdownLocal: scriptpubkey.slice() }, true);
    this.#queue({ message: this.#shutdownMessage(scriptpubkey), note: note(null, null, `${scriptpubkey.length}-byte script`) }, true);
    return NOTHING;
  }

  /**
   * Records the peer's `shutdown` script (checked by core/channel/close), or its newer one (option_simple_close
   * `closer_scriptpubkey`). From then on neither side adds an HTLC; an update_add_htlc from the peer fails the channel.
   */
  recordRemoteShutdown(scriptpubkey: Uint8Array): LinkResult {
    if (this.#phase === 'failed' || this.state.status.kind === 'failed') return NOTHING;
    const closing = this.#closing();
    if (closing.shutdownRemote && equalBytes(closing.shutdownRemote, scriptpubkey)) return NOTHING;
    // Not required before anything leaves: the peer sends its shutdown again after a reconnection.
    this.#setClosing({ ...closing, shutdownRemote: scriptpubkey.slice() }, false);
    return NOTHING;
  }

  /**
   * A higher layer (core/channel/close: a closing negotiation that cannot succeed) fails the channel: the
   * failure is persisted before our `error` leaves, as for any failure.
   */
  failChannel(code: string, message: string): LinkResult {
    if (this.#phase === 'failed' || this.state.status.kind === 'failed') return NOTHING;
    this.#fail(code, message, true);
    return { ...NOTHING, failure: { code, message } };
  }

  #closing(): ChannelClosing {
    return this.state.closing ?? { upfrontLocal: null, upfrontRemote: null, shutdownLocal: null, shutdownRemote: null };
  }

  #setClosing(closing: ChannelClosing, required: boolean): void {
    this.#channel = new Channel({ ...this.state, closing }, this.#signer, this.#policy, this.#hooks);
    this.#bump(required);
  }

  #shutdownMessage(scriptpubkey: Uint8Array): Shutdown {
    return { type: 'shutdown', channelId: this.channelId, scriptpubkey: scriptpubkey.slice() };
  }

  // ----- internals -------------------------------------------------------------------------------

  #queue(entry: OutboundMessage, required: boolean): void {
    this.#outbox.push({ ...entry, requires: required ? this.#required : 0 });
  }

  #bump(required: boolean): void {
    this.#revision++;
    if (required) this.#required = this.#revision;
  }

  /** Adopts a state-machine step: new revision, outbound queued behind it, bookkeeping updated. */
  #adopt(step: ChannelStep): void {
    const required = step.persist === 'required';
    this.#bump(required);
    for (const m of step.outbound) {
      let n = updateNote(m, 'out');
      if (m.type === 'commitment_signed') {
        this.#lastSent = 'commitment_signed';
        n = { ...n, commitmentNumber: step.state.remoteNextCommit?.ctn ?? null };
      } else if (m.type === 'revoke_and_ack') {
        this.#lastSent = 'revoke_and_ack';
        n = { ...n, commitmentNumber: step.state.localCommit.ctn - 1 };
      } else {
        // Our update: keep its bytes until the peer acknowledges it, for retransmission.
        this.#sentUpdates.set(step.state.nextChangeSeq - 1, encodeMessage(m));
      }
      this.#queue({ message: m, note: n }, required);
    }
    this.#pruneSentUpdates();
  }

  /** Keeps the log to our updates still unacknowledged (list remote_unacked). */
  #pruneSentUpdates(): void {
    const live = new Set(this.state.changes.filter((c) => c.origin === 'local' && c.list === 'remote_unacked').map((c) => c.seq));
    for (const seq of [...this.#sentUpdates.keys()]) if (!live.has(seq)) this.#sentUpdates.delete(seq);
  }

  #forget(): Change[] {
    const { state, forgotten } = forgetUncommittedUpdates(this.state);
    if (forgotten.length === 0) return [];
    this.#channel = new Channel(state, this.#signer, this.#policy, this.#hooks);
    this.#pruneSentUpdates();
    this.#bump(false);
    return forgotten;
  }

  /** Fails the channel for good: persisted before anything else is sent; `notify` queues our `error`. */
  #fail(code: string, message: string, notify: boolean): void {
    const state: ChannelState = { ...this.state, status: { kind: 'failed', code, message } };
    this.#channel = new Channel(state, this.#signer, this.#policy, this.#hooks);
    this.#phase = 'failed';
    this.#bump(true);
    this.#outbox = [];
    if (notify) this.#queue({ message: this.#errorMessage(), note: note(null, null, `${code}: ${message}`) }, true);
  }

  #failureText(): string {
    const s = this.state.status;
    return s.kind === 'failed' ? `${s.code}: ${s.message}` : 'failed';
  }

  #errorMessage(): Message {
    return { type: 'error', channelId: this.channelId, data: utf8.encode(this.#failureText().slice(0, 1000)) };
  }

  #warning(text: string): Message {
    return { type: 'warning', channelId: this.channelId, data: utf8.encode(text) };
  }
}

function reestablishSummary(m: ChannelReestablish): string {
  return `next_commitment_number ${m.nextCommitmentNumber}, next_revocation_number ${m.nextRevocationNumber}`;
}

/** Hex of a channel id (the key channels are listed by). */
export function channelIdHex(link: ChannelLink): string {
  return toHex(link.channelId);
}
