/**
 * The ChannelService: the thin adapter between channel links (sans-I/O) and the node. It routes
 * BOLT 2 messages from the peer layer to the channel named by `channel_id`, starts
 * channel_reestablish when a peer's connection is ready, and carries out each link step in one
 * fixed order (#apply):
 *
 *   1. persist the link's snapshot if any queued message depends on it (ChannelStore.saveChannel:
 *      one transaction, synchronous=FULL);
 *   2. publish `channel.updated` (and `channel.failed`), then the step's domain events
 *      (`channel.htlc_*`, `channel.fee_locked_in`, `channel.commitment_*`);
 *   3. hand the queued messages to the peer's connection.
 *
 * The link refuses to release a message before step 1 reported its revision durable, so a
 * commitment_signed or revoke_and_ack cannot leave before the state that commits to it.
 *
 * The store and the peer layer come in as narrow ports (core/channel/store.ts ChannelStore,
 * core/channel/ports.ts ChannelPeers), implemented by core/store's ChannelsRepository and
 * core/runtime/peer's PeerManager; the composition root wires them.
 */
import { toHex, utf8 } from '../../crypto';
import type { Message } from '../../wire';
import { isAllZeroChannelId } from '../../wire';
import type { PeerProtocolMessageEvent } from '../../peer/events';
import type { ChannelDetail, ChannelEventBody, ChannelMessageInfo, ChannelSummary } from '../../channel/events';
import { channelEventBodies } from '../../channel/events';
import type { AddHtlcRequest } from '../../channel/commands';
import { ChannelCommandError } from '../../channel/errors';
import type { LinkPhase, LinkResult, MessageNote, StoredChannel } from '../../channel/link';
import type { ChannelEvent } from '../../channel/step';
import type { Change, ChannelState } from '../../channel/state';
import { ChannelLink } from '../../channel/link';
import type { ChannelKeysOffer, ChannelOpenTerms } from '../../channel/open';
import { initialChannelState, signInitialRemoteCommitment } from '../../channel/open';
import type { ChannelPeer, ChannelPeers } from '../../channel/ports';
import type { ChannelSigner } from '../../channel/signer';
import type { ChannelStore } from '../../channel/store';
import type { ChannelPolicy } from '../../channel/step';
import type { SignatureCheck } from '../../channel/transactions';
import { buildCommitment, checkLocalCommitmentSignatures } from '../../channel/transactions';
import { describeChange, summarize } from '../../channel/summary';
import type { Clock } from '../clock';

export interface ChannelServiceOptions<P extends ChannelPeer = ChannelPeer> {
  readonly store: ChannelStore;
  readonly peers: ChannelPeers<P>;
  /** The signer of the channel keys with this index (derived from the node key). */
  readonly signerFor: (keyIndex: number) => ChannelSigner;
  readonly publish: (event: ChannelEventBody | PeerProtocolMessageEvent) => void;
  readonly policy?: Partial<ChannelPolicy>;
  /** The node's clock (the time). */
  readonly clock: Clock;
  readonly log?: (line: Record<string, unknown>) => void;
  /** Messages kept per channel for the sequence diagram. */
  readonly messageHistory?: number;
  /**
   * Called at the end of every link step, after it was persisted and its messages handed to the
   * connection: the step's domain events (with their onions and preimages, for the payments adapter),
   * the updates a reconnection forgot, and whether the link is active now. May call back into the
   * service (its commands run their own steps).
   */
  readonly onStep?: (report: ChannelStepReport) => void;
}

/** What `onStep` reports of one link step. */
export interface ChannelStepReport {
  readonly channelId: string;
  readonly peerId: string;
  readonly events: readonly ChannelEvent[];
  readonly forgotten: readonly Change[];
  readonly phase: LinkPhase;
}

/** A channel's current state as the payments adapter reads it (never modified by the reader). */
export interface ChannelLinkState {
  readonly channelId: string;
  readonly peerId: string;
  readonly phase: LinkPhase;
  readonly state: ChannelState;
}

const CHANNEL_MESSAGE_TYPES = new Set([
  'channel_reestablish', 'channel_ready', 'update_add_htlc', 'update_fulfill_htlc', 'update_fail_htlc', 'update_fail_malformed_htlc', 'update_fee',
  'commitment_signed', 'revoke_and_ack',
]);

function unknownChannel(channelId: string): ChannelCommandError {
  return new ChannelCommandError('channel_command.unknown_channel', `no channel ${channelId}`, { channelId });
}

export class ChannelService<P extends ChannelPeer = ChannelPeer> {
  readonly #opts: ChannelServiceOptions<P>;
  readonly #now: () => number;
  readonly #links = new Map<string, ChannelLink>();
  readonly #signers = new Map<number, ChannelSigner>();
  readonly #messages = new Map<string, ChannelMessageInfo[]>();
  readonly #unsubscribe: (() => void)[] = [];
  #messageCount = 0;
  #nextKeyIndex: number;
  #closed = false;

  constructor(opts: ChannelServiceOptions<P>) {
    this.#opts = opts;
    this.#now = () => opts.clock.now();
    for (const stored of opts.store.loadChannels()) {
      const link = new ChannelLink(stored, this.#signer(stored.keyIndex), opts.policy);
      this.#links.set(toHex(link.channelId), link);
    }
    this.#nextKeyIndex = opts.store.maxKeyIndex() + 1;
  }

  #signer(keyIndex: number): ChannelSigner {
    let s = this.#signers.get(keyIndex);
    if (!s) {
      s = this.#opts.signerFor(keyIndex);
      this.#signers.set(keyIndex, s);
    }
    return s;
  }

  /** Starts following the peer layer; channels of peers already connected reestablish now. */
  start(): void {
    const { peers } = this.#opts;
    this.#unsubscribe.push(
      peers.onMessage((peer, message) => this.#onMessage(peer, message)),
      peers.onPeerReady((peer) => this.#onPeerReady(peer.nodeId)),
      peers.onPeerClosed((peer) => {
        // BOLT 1: the newest connection wins; if one is already up, its onPeerReady restarted the channels.
        if (!peers.peer(peer.nodeId)) this.#onPeerGone(peer.nodeId);
      }),
    );
    for (const peer of peers.peers()) this.#onPeerReady(peer.nodeId);
  }

  /** Writes what changed since the last write (graceful stop) and forgets the signers. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const u of this.#unsubscribe.splice(0)) u();
    for (const link of this.#links.values()) {
      if (!link.dirty) continue;
      try {
        this.#opts.store.saveChannel(link.snapshot());
        link.markPersisted(link.revision);
      } catch (e) {
        this.#opts.log?.({ event: 'channel_save_failed', channelId: toHex(link.channelId), error: String(e) });
      }
    }
    for (const s of this.#signers.values()) (s as { destroy?: () => void }).destroy?.();
    this.#signers.clear();
  }

  // ----- queries ---------------------------------------------------------------------------------

  list(): ChannelSummary[] {
    return [...this.#links.values()].map((l) => summarize(l));
  }

  detail(channelId: string): ChannelDetail | undefined {
    const link = this.#links.get(channelId);
    if (!link) return undefined;
    return { ...summarize(link), view: link.view, lastSent: link.lastSent, messages: [...(this.#messages.get(channelId) ?? [])] };
  }

  /** Every channel's id, peer, phase and current state (the payments adapter's first hops and forwarding directory). */
  states(): ChannelLinkState[] {
    return [...this.#links.values()].map((l) => ({ channelId: toHex(l.channelId), peerId: l.peerId, phase: l.phase, state: l.state }));
  }

  /** Channels that have not failed. */
  count(): number {
    let n = 0;
    for (const l of this.#links.values()) if (l.state.status.kind === 'normal') n++;
    return n;
  }

  /** The link's durable snapshot and connection phase (node internals and tests). */
  inspect(channelId: string): { stored: StoredChannel; phase: ChannelLink['phase'] } | undefined {
    const link = this.#links.get(channelId);
    return link ? { stored: link.snapshot(), phase: link.phase } : undefined;
  }

  /** Checks the peer's signatures of our newest commitment against the commitment rebuilt from the state. */
  checkLocalSignatures(channelId: string): SignatureCheck {
    const link = this.#get(channelId);
    const s = link.state;
    const built = buildCommitment(s.params, 'local', s.localCommit.ctn, s.localCommit.spec, link.signer.perCommitmentPoint(s.localCommit.ctn));
    return checkLocalCommitmentSignatures(s.params, built, s.localCommit.signature, s.localCommit.htlcSignatures);
  }

  // ----- opening (the funding flow; until it exists, test harnesses) -----------------------------

  /** Reserves the next channel key index and returns the public keys to give the peer. */
  reserveKeys(): ChannelKeysOffer {
    const keyIndex = this.#nextKeyIndex++;
    const signer = this.#signer(keyIndex);
    return { keyIndex, basepoints: signer.basepoints, firstPerCommitmentPoint: signer.perCommitmentPoint(0), secondPerCommitmentPoint: signer.perCommitmentPoint(1) };
  }

  /** Our signature of the peer's commitment 0 (funding_created / funding_signed `signature`). */
  signInitialCommitment(keyIndex: number, terms: ChannelOpenTerms): Uint8Array {
    return signInitialRemoteCommitment(terms, this.#signer(keyIndex));
  }

  /**
   * Adds a channel whose opening completed (the peer's signature of our commitment 0 is checked).
   * It is stored before it exists in memory. If the peer is connected, the opening happened on
   * this connection: normal operation starts at once (channel_ready was just exchanged).
   */
  openChannel(peerId: string, keyIndex: number, terms: ChannelOpenTerms, remoteSignature: Uint8Array): ChannelSummary {
    const signer = this.#signer(keyIndex);
    const state = initialChannelState(terms, signer, remoteSignature);
    const id = toHex(state.params.channelId);
    if (this.#links.has(id)) throw new ChannelCommandError('channel_command.duplicate_channel', `channel ${id} exists already`);
    const stored: StoredChannel = { peerId, keyIndex, createdAt: this.#now(), state, lastSent: 'none', sentUpdates: [], dataLoss: null, revision: 1 };
    this.#opts.store.saveChannel(stored);
    const link = new ChannelLink(stored, signer, this.#opts.policy);
    this.#links.set(id, link);
    if (this.#opts.peers.peer(peerId)) link.openedOnConnection();
    this.#apply(link, { events: [], forgotten: [], failure: null, disconnect: false, incoming: null }, 'opened');
    return summarize(link);
  }

  // ----- commands (the payment logic to come; tests) ---------------------------------------------

  #get(channelId: string): ChannelLink {
    const link = this.#links.get(channelId);
    if (!link) throw unknownChannel(channelId);
    return link;
  }

  #command<T extends LinkResult>(channelId: string, cause: string, run: (link: ChannelLink) => T): T {
    const link = this.#get(channelId);
    const result = run(link);
    this.#apply(link, result, cause);
    return result;
  }

  /** Offers an HTLC; returns its id. */
  addHtlc(channelId: string, req: AddHtlcRequest): { id: bigint } {
    return { id: this.#command(channelId, 'add_htlc', (l) => l.addHtlc(req)).id };
  }

  fulfillHtlc(channelId: string, id: bigint, preimage: Uint8Array): void {
    this.#command(channelId, 'fulfill_htlc', (l) => l.fulfillHtlc(id, preimage));
  }

  failHtlc(channelId: string, id: bigint, reason: Uint8Array): void {
    this.#command(channelId, 'fail_htlc', (l) => l.failHtlc(id, reason));
  }

  failMalformedHtlc(channelId: string, id: bigint, sha256OfOnion: Uint8Array, failureCode: number): void {
    this.#command(channelId, 'fail_malformed_htlc', (l) => l.failMalformedHtlc(id, sha256OfOnion, failureCode));
  }

  updateFee(channelId: string, feeratePerKw: number): void {
    this.#command(channelId, 'update_fee', (l) => l.updateFee(feeratePerKw));
  }

  /** Signs the peer's next commitment (commitment_signed). */
  commit(channelId: string): void {
    this.#command(channelId, 'commit', (l) => l.commit());
  }

  // ----- the peer layer ------------------------------------------------------------------------

  #linksOf(peerId: string): ChannelLink[] {
    return [...this.#links.values()].filter((l) => l.peerId === peerId);
  }

  #onPeerReady(peerId: string): void {
    // A reconnection may replace a connection whose close we have not seen: connected() forgets first.
    for (const link of this.#linksOf(peerId)) this.#apply(link, link.connected(), 'connected');
  }

  #onPeerGone(peerId: string): void {
    for (const link of this.#linksOf(peerId)) this.#apply(link, link.disconnected(), 'disconnected');
  }

  /** The peer sent `error` (BOLT 1: all-zero channel_id means all its channels). */
  peerError(peerId: string, channelIdHex: string, text: string): void {
    const all = /^0{64}$/.test(channelIdHex);
    for (const link of this.#linksOf(peerId)) {
      if (all || toHex(link.channelId) === channelIdHex) this.#apply(link, link.peerFailed(text), 'peer_error');
    }
  }

  #onMessage(peer: P, message: Message): void {
    if (this.#closed || !CHANNEL_MESSAGE_TYPES.has(message.type) || !('channelId' in message)) return;
    // Messages still arriving from a replaced connection belong to a session that is over.
    if (this.#opts.peers.peer(peer.nodeId) !== peer) return;
    const id = toHex(message.channelId);
    const link = this.#links.get(id);
    if (!link || link.peerId !== peer.nodeId || isAllZeroChannelId(message.channelId)) {
      this.#sendRaw(peer.nodeId, { type: 'warning', channelId: message.channelId, data: utf8.encode(`unknown channel ${id}`) });
      return;
    }
    this.#apply(link, link.receive(message, this.#now()), message.type, message);
  }

  // ----- carrying out a step ---------------------------------------------------------------------

  #apply(link: ChannelLink, result: LinkResult, cause: string, incoming?: Message): void {
    const id = toHex(link.channelId);
    if (incoming && result.incoming) this.#record(link, 'in', incoming, result.incoming);
    // 1. Persist first: what the queued messages promise must survive a crash.
    let persisted = false;
    if (link.needsPersist) {
      const snapshot = link.snapshot();
      try {
        this.#opts.store.saveChannel(snapshot);
      } catch (e) {
        this.#storeFailed(link, e);
        throw e;
      }
      link.markPersisted(snapshot.revision);
      persisted = true;
    }
    // 2. Tell the UI (and anyone waiting) what the step did.
    const forgotten = result.forgotten.map(describeChange);
    if (forgotten.length) this.#opts.log?.({ event: 'channel_updates_forgotten', channelId: id, forgotten });
    this.#opts.publish({ type: 'channel.updated', channel: summarize(link), view: link.view, persisted, cause, forgotten });
    if (result.failure) {
      this.#opts.log?.({ event: 'channel_failed', channelId: id, code: result.failure.code, message: result.failure.message });
      this.#opts.publish({ type: 'channel.failed', channelId: id, peer: link.peerId, code: result.failure.code, message: result.failure.message, dataLoss: link.dataLoss });
    }
    // The step's domain events (HTLCs added, locked in, settled; fees; commitments), now that its state is durable.
    for (const e of channelEventBodies(id, link.peerId, result.events)) this.#opts.publish(e);
    // 3. Only now may the messages go out.
    for (const out of link.takeOutbound()) {
      if (!this.#sendRaw(link.peerId, out.message)) continue;
      this.#record(link, 'out', out.message, out.note);
    }
    if (result.disconnect) this.#opts.peers.disconnect(link.peerId, { forget: false });
    this.#opts.onStep?.({ channelId: id, peerId: link.peerId, events: result.events, forgotten: result.forgotten, phase: link.phase });
  }

  #sendRaw(peerId: string, message: Message): boolean {
    const sent = this.#opts.peers.send(peerId, message);
    if (sent && (message.type === 'error' || message.type === 'warning')) {
      this.#opts.publish({
        type: 'peer.protocol_message', kind: message.type, direction: 'out', nodeId: peerId, channelId: toHex(message.channelId),
        text: new TextDecoder().decode(message.data),
      });
    }
    return sent;
  }

  /**
   * The store could not write: nothing was sent. Go back to the last durable state and make the
   * peer reestablish from it, so memory never runs ahead of what a restart would find.
   */
  #storeFailed(link: ChannelLink, e: unknown): void {
    const id = toHex(link.channelId);
    this.#opts.log?.({ event: 'channel_save_failed', channelId: id, error: e instanceof Error ? e.message : String(e) });
    let stored: StoredChannel | undefined;
    try {
      stored = this.#opts.store.loadChannel(id);
    } catch {
      stored = undefined;
    }
    if (stored) this.#links.set(id, new ChannelLink(stored, this.#signer(stored.keyIndex), this.#opts.policy));
    else this.#links.delete(id);
    this.#opts.peers.disconnect(link.peerId, { forget: false });
  }

  #record(link: ChannelLink, direction: 'in' | 'out', message: Message, note: MessageNote): void {
    const channelId = toHex(link.channelId);
    const info: ChannelMessageInfo = {
      n: ++this.#messageCount,
      time: this.#now(),
      channelId,
      peer: link.peerId,
      direction,
      messageType: message.type,
      htlcId: note.htlcId,
      commitmentNumber: note.commitmentNumber,
      signature: message.type === 'commitment_signed' ? toHex(message.signature) : null,
      summary: note.summary,
      retransmission: note.retransmission,
    };
    let list = this.#messages.get(channelId);
    if (!list) this.#messages.set(channelId, (list = []));
    list.push(info);
    const cap = this.#opts.messageHistory ?? 200;
    if (list.length > cap) list.splice(0, list.length - cap);
    this.#opts.publish({ type: 'channel.message', ...info });
  }
}
