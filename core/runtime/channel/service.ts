/**
 * The ChannelService: the adapter between the channel cores (sans-I/O) and the node. It owns, per
 * peer and channel, the openings (openings.ts: BOLT 2 establishment, both roles), the links (the
 * commitment state machine over connections), their closers (cooperative close) and the channel
 * monitors (monitors.ts: BOLT 5 on-chain enforcement), and routes BOLT 2 messages to them:
 * open_channel / accept_channel / funding_created by temporary_channel_id, funding_signed and — until
 * the hand-off — channel_ready / channel_reestablish to the opening by channel_id, then the link;
 * shutdown and closing_* to the link's closer.
 *
 * Each link step is carried out in one fixed order (#apply):
 *   1. the closer follows the step (`progress`) and any closing transaction it signed is taken;
 *   2. the monitor updates the step produced (new commitments, revealed secrets, preimages, closing
 *      transactions we signed) are applied to the channel's monitor, and written in ONE transaction
 *      with the link's state (synchronous=FULL);
 *   3. events: `channel.updated` (and `channel.failed`, `channel.closing`), the step's domain events;
 *   4. the monitor's actions (watches, broadcasts), then the link's messages, then the closer's.
 * So no commitment_signed, revoke_and_ack or closing signature leaves before the state and the
 * monitor that must enforce it are durable. A channel that fails goes on chain (the monitor
 * broadcasts our newest commitment) — unless channel_reestablish proved we are the side that lost
 * state, when only the peer's commitment may be broadcast (BOLT 2).
 *
 * The store, the peer layer, the chain and the wallet come in as ports (ports.ts), implemented by
 * core/store's repositories, core/runtime/peer's PeerManager, core/runtime/chain and the wallet
 * adapter; the composition root wires them.
 */
import { equalBytes, sha256, toHex, utf8 } from '../../crypto';
import type { BlindedPath, Message } from '../../wire';
import { FeatureVector, isAllZeroChannelId } from '../../wire';
import type { PeerProtocolMessageEvent } from '../../peer/events';
import type { ChainEvent } from '../../chain';
import type {
  ChannelDetail, ChannelEventBody, ChannelLifecycle, ChannelMessageInfo, ChannelOnChainInfo, ChannelSummary, OpeningInfo,
} from '../../channel/events';
import { channelEventBodies, htlcInfo } from '../../channel/events';
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
import type { ChannelPolicy } from '../../channel/step';
import type { ChannelHooks } from '../../channel/channel';
import type { SignatureCheck } from '../../channel/transactions';
import { buildCommitment, checkLocalCommitmentSignatures } from '../../channel/transactions';
import { changesPendingForRemote } from '../../channel/limits';
import { describeChange, summarize } from '../../channel/summary';
import { ChannelCloser, CloseError, isCloseMessage, type CloseEvent, type CloseFeatures, type CloseFeerates, type CloseResult } from '../../channel/close';
import {
  OpenError, negotiated, type AcceptancePolicy, type LocalChannelDefaults, type OpenedChannel,
} from '../../channel/establish';
import type { ChannelOpening } from '../../channel/establish';
import type { MonitorEvent, MonitorSigner, MonitorUpdate, MonitorView } from '../../monitor';
import type { Clock, Timer } from '../clock';
import { LazyChannelSigner } from './lazy-signer';
import { ChannelMonitors } from './monitors';
import { ChannelServiceError, Openings } from './openings';
import type { ChannelChainPort, ChannelStores, ChannelWalletPort, OnChainResolution } from './ports';

export { ChannelServiceError } from './openings';

export interface ChannelServiceOptions<P extends ChannelPeer = ChannelPeer> {
  readonly stores: ChannelStores;
  readonly peers: ChannelPeers<P>;
  /** The signer of the channel keys with this index (derived from the node key). */
  readonly signerFor: (keyIndex: number) => ChannelSigner;
  /** The monitor's signer of those keys (delayed payment, payment basepoint and revocation keys too). */
  readonly monitorSignerFor?: (keyIndex: number) => MonitorSigner;
  readonly publish: (event: ChannelEventBody | PeerProtocolMessageEvent | MonitorEvent) => void;
  readonly policy?: Partial<ChannelPolicy>;
  /**
   * Async payments (L1): the release path to put in our revoke_and_ack for an incoming HTLC that
   * carried `hold_htlc` (core/channel `ChannelHooks.releasePath`); undefined: none.
   */
  readonly releasePath?: (channelId: string, htlcId: bigint) => BlindedPath | undefined;
  /** The node's clock (the time, the timers). */
  readonly clock: Clock;
  readonly log?: (line: Record<string, unknown>) => void;
  /** Messages kept per channel for the sequence diagram. */
  readonly messageHistory?: number;
  /** The chain layer (null: the node follows no chain — channels cannot be opened, monitors sleep). */
  readonly chain?: ChannelChainPort | null;
  /** The on-chain wallet (null: no funding, no sweeps). */
  readonly wallet?: ChannelWalletPort | null;
  /** Our chain's `chain_hash` (BOLT 2 open_channel). */
  readonly chainHash?: Uint8Array;
  /** Our `init` features (what an opening may negotiate). */
  readonly localFeatures?: () => FeatureVector;
  /** What we accept of a peer's open_channel / accept_channel (the user's settings). */
  readonly acceptance?: () => Partial<AcceptancePolicy>;
  readonly defaults?: () => Partial<LocalChannelDefaults>;
  /**
   * Signs the peer's commitment by itself whenever updates wait for it after the peer's
   * commitment_signed or revoke_and_ack, a reestablish, or one of our own updates (default true;
   * test harnesses that step the protocol by hand turn it off).
   */
  readonly autoCommit?: boolean;
  /** Funder: keep the commitment feerate near the chain's estimate with update_fee (default true). */
  readonly autoFee?: boolean;
  /** Whoever claims upstream what the chain resolved (the payments layer). */
  readonly upstream?: (resolution: OnChainResolution) => void;
  /**
   * Called at the end of every link step, after it was persisted and its messages handed to the
   * connection: the step's domain events (with their onions and preimages, for the payments adapter),
   * the updates a reconnection forgot, and whether the link is active now. May call back into the
   * service (its commands run their own steps).
   */
  readonly onStep?: (report: ChannelStepReport) => void;
  /**
   * Called inside the step's SQLite transaction, after the channel's snapshot: writes that must be
   * durable exactly when the step is, never without it (the async payer's record of the release paths
   * a revoke_and_ack carried: a kill between two transactions would leave the channel past that
   * revoke_and_ack, which the peer then never sends again, and the payer without the paths). Only
   * writes: what the step sends and publishes goes in `onStep`, after. `report.events` is the same
   * array `onStep` gets.
   */
  readonly persistWithStep?: (report: Pick<ChannelStepReport, 'channelId' | 'peerId' | 'events'>) => void;
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
  /** The real short_channel_id (block, tx index, output) once the funding is confirmed. */
  readonly shortChannelId?: bigint | null;
}

/** What `fundChannel` asks (the API's openchannel). */
export interface FundChannelParams {
  readonly nodeId: string;
  readonly amountSat: bigint;
  readonly pushMsat?: bigint;
  /** The funding transaction's fee rate (sat/vB); default: the chain's estimate for 6 blocks. */
  readonly feeRateSatVb?: number;
  /** The initial commitment feerate (sat per 1000 weight); default from the chain's estimates. */
  readonly commitmentFeeratePerKw?: number;
  /** BOLT 2 announce_channel (default false: a private channel). */
  readonly announce?: boolean;
  readonly zeroconf?: boolean;
  readonly channelType?: 'anchors' | 'static_remotekey';
  /** Commit to a wallet script for the cooperative close (default: when both support option_upfront_shutdown_script). */
  readonly upfrontShutdownScript?: boolean;
}

export interface FundChannelResult {
  readonly temporaryChannelId: string;
  readonly channelId: string;
  readonly fundingTxid: string;
  readonly fundingOutputIndex: number;
  readonly channelType: string;
  readonly minimumDepth: number;
}

export interface CloseChannelParams {
  readonly channelId: string;
  readonly force?: boolean;
  /** Closing fee rate (sat/vB) we aim for in the negotiation; default the chain's estimate. */
  readonly feeRateSatVb?: number;
  /** Where our funds go (an address of the node's network); default a wallet address. */
  readonly destination?: string;
}

export interface CloseChannelResult {
  readonly channelId: string;
  readonly kind: 'cooperative' | 'force';
  readonly lifecycle: ChannelLifecycle;
  /** Force: our commitment transaction, broadcast. */
  readonly commitmentTxid: string | null;
}

/** A channel's inspector view, with its on-chain resolution. */
export interface ChannelInspect extends ChannelDetail {
  readonly onChainView: MonitorView | null;
}

/** A closed (or closing) channel: the channel as it was and every output's fate. */
export interface ClosedChannelInfo {
  readonly channel: ChannelSummary;
  readonly onChain: MonitorView;
}

/** The BOLT 2 message types this service routes (besides `error`, which the node feeds through `peerError`). */
const ROUTED = new Set([
  'open_channel', 'accept_channel', 'funding_created', 'funding_signed',
  'channel_reestablish', 'channel_ready', 'update_add_htlc', 'update_fulfill_htlc', 'update_fail_htlc', 'update_fail_malformed_htlc', 'update_fee',
  'commitment_signed', 'revoke_and_ack', 'shutdown', 'closing_signed', 'closing_complete', 'closing_sig',
]);

/** Causes after which updates waiting for our signature are signed at once (autoCommit). */
const COMMIT_AFTER = new Set(['commitment_signed', 'revoke_and_ack', 'channel_reestablish', 'add_htlc', 'fulfill_htlc', 'fail_htlc', 'fail_malformed_htlc', 'update_fee']);

/** BOLT 2 "the deadline for offered HTLCs ... G blocks after the HTLC's cltv_expiry: 1 or 2 blocks is reasonable". */
export const OFFERED_HTLC_GRACE_BLOCKS = 2;
/** BOLT 2 "the deadline for received HTLCs this node has fulfilled ... 2R+G+S blocks before cltv_expiry: 18 blocks is reasonable". */
export const FULFILLED_HTLC_DEADLINE_BLOCKS = 18;
/** Confirmations after which a cooperative close counts as closed. */
export const CLOSED_DEPTH = 6;
/** How often openings and closers check their timeouts. */
const TICK_MS = 5_000;
/** A funder's commitment feerate is moved to the estimate when it is off by more than this share. */
const FEE_UPDATE_THRESHOLD = 0.25;
/** BOLT 2 update_fee: anchors commitments need no more than what relays (LND caps them at 10 sat/vB). */
const ANCHORS_MAX_COMMITMENT_PER_KW = 2_500;

function unknownChannel(channelId: string): ChannelCommandError {
  return new ChannelCommandError('channel_command.unknown_channel', `no channel ${channelId}`, { channelId });
}

interface Entry {
  readonly link: ChannelLink;
  readonly closer: ChannelCloser;
  /** Closing transactions broadcast (txid → fee). */
  readonly closingTxs: Map<string, bigint>;
}

export class ChannelService<P extends ChannelPeer = ChannelPeer> {
  readonly #opts: ChannelServiceOptions<P>;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #signers = new Map<number, ChannelSigner>();
  readonly #messages = new Map<string, ChannelMessageInfo[]>();
  readonly #unsubscribe: (() => void)[] = [];
  readonly #monitors: ChannelMonitors;
  readonly #openings: Openings;
  readonly #upstream: ((r: OnChainResolution) => void)[] = [];
  readonly #log: (line: Record<string, unknown>) => void;
  #chainQueue: ChainEvent[] = [];
  #chainFlush = false;
  #tick: Timer | null = null;
  #messageCount = 0;
  #nextKeyIndex: number;
  #feeKey = '';
  #closed = false;

  constructor(opts: ChannelServiceOptions<P>) {
    this.#opts = opts;
    this.#now = () => opts.clock.now();
    this.#log = opts.log ?? (() => undefined);
    const chain = opts.chain ?? null;
    const wallet = opts.wallet ?? null;
    this.#monitors = new ChannelMonitors({
      stores: opts.stores,
      chain,
      wallet,
      signerFor: (k) => {
        if (!opts.monitorSignerFor) throw new ChannelServiceError('channel.no_monitor_signer', 'no monitor signer');
        return opts.monitorSignerFor(k);
      },
      publish: (e) => opts.publish(e),
      log: this.#log,
      upstream: (r) => this.#onUpstream(r),
      schedule: (name, delayMs, fn) => {
        opts.clock.timeout(name, delayMs, fn);
      },
    });
    this.#openings = new Openings({
      stores: opts.stores,
      chain,
      wallet: opts.monitorSignerFor ? wallet : null,
      monitors: this.#monitors,
      chainHash: opts.chainHash ?? new Uint8Array(32),
      localFeatures: opts.localFeatures ?? (() => FeatureVector.EMPTY),
      policy: opts.acceptance ?? (() => ({})),
      defaults: opts.defaults ?? (() => ({})),
      signerFor: (k) => this.#signer(k),
      reserveKeyIndex: () => this.#nextKeyIndex++,
      clock: opts.clock,
      log: this.#log,
      publish: (opening, cause) => opts.publish({ type: 'channel.opening', opening, cause }),
      host: {
        send: (peerId, m) => this.#sendRaw(peerId, m),
        disconnect: (peerId) => opts.peers.disconnect(peerId, { forget: false }),
        remoteFeatures: (peerId) => opts.peers.peer(peerId)?.features ?? null,
        handOff: (o, opened, connected) => this.#handOff(o, opened, connected),
        failedOnChain: (channelId, code) => this.#forceCloseFailedOpening(channelId, code),
        shortChannelIdChanged: (channelId) => {
          const e = this.#entries.get(channelId);
          if (e) this.#publishUpdated(e, false, 'short_channel_id', []);
        },
      },
    });
    for (const stored of opts.stores.channels.loadChannels()) {
      // A channel whose monitor is retired (closed, every output irrevocably resolved) signs nothing more: its keys are derived only if asked.
      const retired = this.#monitors.retired(toHex(stored.state.params.channelId));
      const signer = retired ? new LazyChannelSigner(() => this.#signer(stored.keyIndex)) : this.#signer(stored.keyIndex);
      const link = new ChannelLink(stored, signer, opts.policy, this.#hooks(stored));
      this.#entries.set(toHex(link.channelId), this.#entry(link));
    }
    this.#openings.load();
    if (opts.monitorSignerFor) {
      for (const [id, e] of this.#entries) {
        if (this.#monitors.restore(id, e.link.keyIndex, e.link.state)) continue;
        // A channel that has no monitor yet (opened before monitors were wired, or without a wallet): one from its state now.
        const pending = this.#monitors.advance(id, e.link.keyIndex, e.link.state);
        if (!pending) continue;
        opts.stores.atomically(() => this.#monitors.write(pending));
        this.#monitors.after(pending);
      }
    }
    this.#nextKeyIndex = Math.max(opts.stores.channels.maxKeyIndex(), opts.stores.openings.maxKeyIndex()) + 1;
  }

  #entry(link: ChannelLink): Entry {
    const closer = new ChannelCloser(link, { features: this.#closeFeatures(link.peerId), feerates: this.#closeFeerates(), blockHeight: this.#opts.chain?.tip()?.height ?? 0 });
    return { link, closer, closingTxs: new Map() };
  }

  /** The link's hooks: the release paths of async payments (L1), named by the channel. */
  #hooks(stored: StoredChannel): ChannelHooks {
    const releasePath = this.#opts.releasePath;
    if (!releasePath) return {};
    const channelId = toHex(stored.state.params.channelId);
    return { releasePath: (htlcId) => releasePath(channelId, htlcId) };
  }

  #signer(keyIndex: number): ChannelSigner {
    let s = this.#signers.get(keyIndex);
    if (!s) {
      s = this.#opts.signerFor(keyIndex);
      this.#signers.set(keyIndex, s);
    }
    return s;
  }

  /** Starts following the peer layer and the chain; channels of peers already connected reestablish now. */
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
    this.#openings.start();
    this.#monitors.start();
    this.#tick = this.#opts.clock.interval('channels.tick', TICK_MS, () => this.#onTick());
    for (const peer of peers.peers()) this.#onPeerReady(peer.nodeId);
  }

  /** Writes what changed since the last write (graceful stop) and forgets the signers. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#tick?.cancel();
    for (const u of this.#unsubscribe.splice(0)) u();
    this.#openings.close();
    this.#monitors.close();
    for (const { link } of this.#entries.values()) {
      if (!link.dirty) continue;
      try {
        this.#opts.stores.channels.saveChannel(link.snapshot());
        link.markPersisted(link.revision);
      } catch (e) {
        this.#log({ event: 'channel_save_failed', channelId: toHex(link.channelId), error: String(e) });
      }
    }
    for (const s of this.#signers.values()) (s as { destroy?: () => void }).destroy?.();
    this.#signers.clear();
  }

  /** Registers who claims upstream what the chain resolved (the payments layer); returns the unregister function. */
  onUpstream(handler: (r: OnChainResolution) => void): () => void {
    this.#upstream.push(handler);
    return () => {
      const i = this.#upstream.indexOf(handler);
      if (i >= 0) this.#upstream.splice(i, 1);
    };
  }

  #onUpstream(r: OnChainResolution): void {
    if (r.kind === 'preimage_wanted') {
      this.#opts.upstream?.(r);
      for (const h of this.#upstream) h(r);
      return;
    }
    const paymentHash = r.kind === 'preimage_learned' ? toHex(r.paymentHash) : toHex(r.htlc.paymentHash);
    const htlc = r.kind === 'preimage_learned' ? r.htlc : r.htlc;
    this.#opts.publish({
      type: 'channel.onchain_htlc', channelId: r.channelId, outcome: r.kind === 'preimage_learned' ? 'preimage_learned' : 'timed_out', paymentHash,
      htlc: htlc ? htlcInfo(htlc) : null,
    });
    this.#opts.upstream?.(r);
    for (const h of this.#upstream) h(r);
  }

  /** Resolves when every transaction asked for so far was handed to the chain (tests, shutdown). */
  async settled(): Promise<void> {
    await this.#monitors.settled();
  }

  // ----- queries ---------------------------------------------------------------------------------

  list(): ChannelSummary[] {
    return [...this.#entries.values()].map((e) => this.#summary(e));
  }

  /** Channels being opened (before channel_ready). */
  listOpenings(): OpeningInfo[] {
    return this.#openings.list();
  }

  /** Channels whose funding output is spent (closing or closed), with every output's fate. */
  listClosed(): ClosedChannelInfo[] {
    const out: ClosedChannelInfo[] = [];
    for (const [id, e] of this.#entries) {
      const view = this.#monitors.view(id);
      if (view && (view.closing || view.state !== 'open')) out.push({ channel: this.#summary(e), onChain: view });
    }
    return out;
  }

  detail(channelId: string): ChannelInspect | undefined {
    const e = this.#entries.get(channelId);
    if (!e) return undefined;
    const { link } = e;
    return {
      ...this.#summary(e), view: link.view, lastSent: link.lastSent, messages: [...(this.#messages.get(channelId) ?? [])],
      onChainView: this.#monitors.view(channelId),
    };
  }

  /** The monitor's view of a channel (or an opening that failed on chain). */
  onChainView(channelId: string): MonitorView | null {
    return this.#monitors.view(channelId);
  }

  /** Channels that have not failed. */
  /** Every channel's id, peer, phase and current state (the payments adapter's first hops and forwarding directory). */
  states(): ChannelLinkState[] {
    return [...this.#entries.values()].map(({ link }) => {
      const channelId = toHex(link.channelId);
      return { channelId, peerId: link.peerId, phase: link.phase, state: link.state, shortChannelId: this.#openings.byChannelId(channelId)?.shortChannelId ?? null };
    });
  }

  /**
   * What the gossip layer needs of each channel (core/runtime/gossip/own.ts): its link state, key
   * index (the funding key signs announcement_signatures), BOLT 2 announce_channel, the real
   * short_channel_id once the funding is confirmed, and its lifecycle (`active`: neither closing nor closed).
   */
  gossipViews(): { channelId: string; peerId: string; phase: LinkPhase; state: ChannelState; keyIndex: number; announce: boolean; shortChannelId: bigint | null; open: boolean }[] {
    return [...this.#entries.values()].map((e) => {
      const id = toHex(e.link.channelId);
      const opening = this.#openings.byChannelId(id);
      return {
        channelId: id, peerId: e.link.peerId, phase: e.link.phase, state: e.link.state, keyIndex: e.link.keyIndex,
        announce: opening ? (this.#openings.info(opening)?.announce ?? false) : false, shortChannelId: opening?.shortChannelId ?? null,
        open: this.#lifecycle(e).lifecycle === 'active',
      };
    });
  }

  count(): number {
    let n = 0;
    for (const e of this.#entries.values()) if (e.link.state.status.kind === 'normal' && this.#lifecycle(e).lifecycle !== 'closed') n++;
    return n;
  }

  /** The link's durable snapshot and connection phase (node internals and tests). */
  inspect(channelId: string): { stored: StoredChannel; phase: ChannelLink['phase'] } | undefined {
    const e = this.#entries.get(channelId);
    return e ? { stored: e.link.snapshot(), phase: e.link.phase } : undefined;
  }

  /** Checks the peer's signatures of our newest commitment against the commitment rebuilt from the state. */
  checkLocalSignatures(channelId: string): SignatureCheck {
    const link = this.#get(channelId).link;
    const s = link.state;
    const built = buildCommitment(s.params, 'local', s.localCommit.ctn, s.localCommit.spec, link.signer.perCommitmentPoint(s.localCommit.ctn));
    return checkLocalCommitmentSignatures(s.params, built, s.localCommit.signature, s.localCommit.htlcSignatures);
  }

  #summary(e: Entry): ChannelSummary {
    const { lifecycle, onChain } = this.#lifecycle(e);
    const id = toHex(e.link.channelId);
    return summarize(e.link, { lifecycle, onChain, shortChannelId: this.#openings.byChannelId(id)?.shortChannelId ?? null });
  }

  #lifecycle(e: Entry): { lifecycle: ChannelLifecycle; onChain: ChannelOnChainInfo | null } {
    const id = toHex(e.link.channelId);
    const view = this.#monitors.view(id);
    const onChain = view ? onChainInfo(view) : null;
    if (view?.closing) {
      if (view.state === 'closed') return { lifecycle: 'closed', onChain };
      if (onChain!.pendingOutputs === 0 && view.closing.depth >= CLOSED_DEPTH) return { lifecycle: 'closed', onChain };
      return { lifecycle: view.closing.kind === 'mutual' ? 'closing' : 'force_closing', onChain };
    }
    if (view?.state === 'force_closing') return { lifecycle: 'force_closing', onChain };
    if (e.link.state.status.kind === 'failed') return { lifecycle: 'failed', onChain };
    if (e.closer.shuttingDown || e.closingTxs.size > 0) return { lifecycle: 'closing', onChain };
    return { lifecycle: 'active', onChain };
  }

  /** The funding output is spent in a block: the link has nothing more to say to the peer. */
  #retired(e: Entry): boolean {
    return this.#monitors.view(toHex(e.link.channelId))?.closing != null;
  }

  // ----- opening a channel (the user) --------------------------------------------------------------

  /**
   * Opens a channel to a connected peer, funded from the wallet: resolves once funding_signed is
   * persisted and the funding transaction handed to the chain, rejects with the opening's failure.
   */
  async fundChannel(params: FundChannelParams): Promise<FundChannelResult> {
    const peer = this.#opts.peers.peer(params.nodeId);
    if (!peer) throw new ChannelServiceError('peer.not_connected', `not connected to ${params.nodeId}`);
    const chain = this.#opts.chain;
    const wallet = this.#opts.wallet;
    if (!chain || !wallet || !this.#opts.monitorSignerFor) throw new ChannelServiceError('channel.no_chain', 'the node runs without a chain: channels need one (start it with --chain)');
    const local = this.#localFeatures();
    const anchors = params.channelType ? params.channelType === 'anchors' : negotiated(local, peer.features, 'option_anchors');
    const upfront = (params.upfrontShutdownScript ?? true) && negotiated(local, peer.features, 'option_upfront_shutdown_script') ? wallet.freshScript() : null;
    const opening = this.#openings.open({
      peerId: params.nodeId,
      fundingSatoshis: params.amountSat,
      pushMsat: params.pushMsat ?? 0n,
      feeratePerKw: params.commitmentFeeratePerKw ?? this.#commitmentFeerate(anchors),
      fundingFeeRateSatVb: params.feeRateSatVb ?? chain.feeEstimate(6).satPerVbyte,
      announce: params.announce ?? false,
      ...(params.zeroconf ? { zeroconf: true } : {}),
      ...(params.channelType ? { channelType: params.channelType } : {}),
      upfrontShutdownScript: upfront,
    });
    const outcome = await this.#openings.waitFunded(opening);
    if (outcome.kind === 'failed') throw new OpenError(outcome.code, outcome.message, { temporaryChannelId: toHex(opening.temporaryChannelId) });
    const record = opening.snapshot();
    return {
      temporaryChannelId: toHex(opening.temporaryChannelId),
      channelId: toHex(opening.channelId!),
      fundingTxid: txidDisplay(record.terms.fundingOutpoint.txid),
      fundingOutputIndex: record.terms.fundingOutpoint.vout,
      channelType: this.#openings.info(opening)?.channelType ?? record.channelType.base,
      minimumDepth: opening.minimumDepth,
    };
  }

  /** The commitment feerate we open with and keep as funder (sat/kw). */
  #commitmentFeerate(anchors: boolean): number {
    const chain = this.#opts.chain;
    const estimate = chain ? chain.feeEstimate(6).satPerKw : 2_500;
    return Math.max(253, anchors ? Math.min(estimate, ANCHORS_MAX_COMMITMENT_PER_KW) : estimate);
  }

  #localFeatures(): FeatureVector {
    return this.#opts.localFeatures?.() ?? FeatureVector.EMPTY;
  }

  #handOff(opening: ChannelOpening, opened: OpenedChannel, connected: boolean): void {
    const id = toHex(opened.stored.state.params.channelId);
    if (this.#entries.has(id)) return;
    const link = new ChannelLink(opened.stored, this.#signer(opened.stored.keyIndex), this.#opts.policy, this.#hooks(opened.stored));
    const e = this.#entry(link);
    this.#entries.set(id, e);
    // The monitor followed the opening's state; the link's first state is what it knows from now on.
    if (connected && opening.peerId === link.peerId) link.openedOnConnection();
    this.#updateAnchorReserve();
    this.#apply(e, { events: [], forgotten: [], failure: null, disconnect: false, incoming: null }, 'opened');
  }

  #forceCloseFailedOpening(channelId: string, code: string): void {
    const done = this.#monitors.forceClose(channelId);
    if (done) this.#log({ event: 'opening_force_closed', channelId, code, commitmentTxid: done.commitmentTxid });
  }

  /** Anchor channels that are open keep coins in the wallet for CPFP (core/wallet's anchor reserve). */
  #updateAnchorReserve(): void {
    const wallet = this.#opts.wallet;
    if (!wallet) return;
    let n = 0;
    for (const e of this.#entries.values()) {
      if (e.link.state.params.channelType === 'anchors' && this.#lifecycle(e).lifecycle !== 'closed') n++;
    }
    try {
      wallet.setAnchorChannels(n);
    } catch (err) {
      this.#log({ event: 'anchor_reserve_failed', message: err instanceof Error ? err.message : String(err) });
    }
  }

  // ----- closing a channel (the user) --------------------------------------------------------------

  /**
   * Closes a channel: cooperatively (shutdown now, or once our pending updates are signed; HTLCs settle
   * first, then the closing fee is negotiated and the transaction broadcast), or by force (our newest
   * commitment on chain; anchors: CPFP from the wallet reserve).
   */
  closeChannel(params: CloseChannelParams): CloseChannelResult {
    const e = this.#get(params.channelId);
    const { link, closer } = e;
    if (this.#retired(e)) throw new ChannelServiceError('channel.already_closed', `channel ${params.channelId} is closed on chain`);
    if (params.force) {
      if (!this.#monitors.has(params.channelId)) throw new ChannelServiceError('channel.no_chain', 'this channel has no monitor (the node follows no chain): it cannot go on chain');
      if (link.dataLoss?.behind === 'local') {
        throw new ChannelServiceError('channel.data_loss', 'this node lost channel state: broadcasting our commitment could be punished; the peer\'s is awaited');
      }
      const result = link.state.status.kind === 'failed' ? null : link.failChannel('channel.force_closed', 'closed unilaterally by the user');
      if (result) this.#apply(e, result, 'force_close');
      else this.#forceClose(e, 'channel.force_closed');
      const view = this.#monitors.view(params.channelId);
      return { channelId: params.channelId, kind: 'force', lifecycle: this.#lifecycle(e).lifecycle, commitmentTxid: this.#lastCommitmentTxid.get(params.channelId) ?? view?.closing?.txid ?? null };
    }
    if (link.state.status.kind === 'failed') throw new ChannelServiceError('channel.failed', 'the channel has failed: it closes on chain (closechannel --force)');
    const wallet = this.#opts.wallet;
    let script: Uint8Array | null = null;
    if (params.destination) {
      if (!wallet) throw new ChannelServiceError('channel.no_chain', 'no wallet to read the destination address');
      script = wallet.scriptOf(params.destination);
    } else if (!link.state.closing?.upfrontLocal) {
      script = wallet ? wallet.freshScript() : null;
    }
    const feerates = params.feeRateSatVb !== undefined ? this.#closeFeerates(Math.round(params.feeRateSatVb * 250)) : this.#closeFeerates();
    let result: CloseResult;
    try {
      result = closer.close({ scriptPubKey: script, feerates }, this.#now());
    } catch (err) {
      if (err instanceof CloseError) throw err;
      throw err;
    }
    this.#apply(e, NOTHING, 'close', undefined, result);
    return { channelId: params.channelId, kind: 'cooperative', lifecycle: this.#lifecycle(e).lifecycle, commitmentTxid: null };
  }

  readonly #lastCommitmentTxid = new Map<string, string>();

  #forceClose(e: Entry, reason: string): void {
    const id = toHex(e.link.channelId);
    // BOLT 2: a node that has fallen behind "MUST NOT broadcast its commitment transaction".
    if (e.link.dataLoss?.behind === 'local') {
      this.#log({ event: 'force_close_refused', channelId: id, reason: 'local_data_loss' });
      return;
    }
    const done = this.#monitors.forceClose(id);
    if (!done) return;
    if (done.commitmentTxid) this.#lastCommitmentTxid.set(id, done.commitmentTxid);
    this.#opts.publish({ type: 'channel.closing', channelId: id, peer: e.link.peerId, stage: 'force_close', txid: done.commitmentTxid, feeSat: null, detail: reason });
  }

  // ----- opening (the test harnesses' path: agreed terms, no funding flow) -------------------------

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
    if (this.#entries.has(id)) throw new ChannelCommandError('channel_command.duplicate_channel', `channel ${id} exists already`);
    const stored: StoredChannel = { peerId, keyIndex, createdAt: this.#now(), state, lastSent: 'none', sentUpdates: [], dataLoss: null, revision: 1 };
    this.#opts.stores.channels.saveChannel(stored);
    const link = new ChannelLink(stored, signer, this.#opts.policy, this.#hooks(stored));
    const e = this.#entry(link);
    this.#entries.set(id, e);
    if (this.#opts.peers.peer(peerId)) link.openedOnConnection();
    this.#apply(e, NOTHING, 'opened');
    return this.#summary(e);
  }

  // ----- commands (the payment logic to come; tests) ---------------------------------------------

  #get(channelId: string): Entry {
    const e = this.#entries.get(channelId);
    if (!e) throw unknownChannel(channelId);
    return e;
  }

  #command<T extends LinkResult>(channelId: string, cause: string, run: (link: ChannelLink) => T): T {
    const e = this.#get(channelId);
    const result = run(e.link);
    this.#apply(e, result, cause);
    return result;
  }

  /** Offers an HTLC; returns its id. */
  addHtlc(channelId: string, req: AddHtlcRequest): { id: bigint } {
    return { id: this.#command(channelId, 'add_htlc', (l) => l.addHtlc(req)).id };
  }

  /**
   * Fulfills an incoming HTLC. While the peer is away (the link is not active) the preimage goes to the
   * channel's monitor instead — written before this returns — and the fulfill is sent once the channel
   * is reestablished; should the peer not come back before the HTLC's fulfillment deadline, the channel
   * goes on chain and the HTLC is claimed there with it (BOLT 2 "Risks With HTLC Timeouts").
   */
  fulfillHtlc(channelId: string, id: bigint, preimage: Uint8Array): void {
    const e = this.#get(channelId);
    // A failed channel (on chain, or about to be) too: the monitor claims the HTLC there with it.
    if (e.link.phase !== 'active' && this.#monitors.has(channelId)) {
      const s = e.link.state;
      const h = [s.localCommit, s.remoteCommit, ...(s.remoteNextCommit ? [s.remoteNextCommit] : [])]
        .flatMap((c) => c.spec.htlcs).find((x) => x.offerer === 'remote' && x.id === id);
      if (!h) throw new ChannelCommandError('channel_command.unknown_htlc', `no incoming HTLC ${id}`);
      if (!equalBytes(sha256(preimage), h.paymentHash)) throw new ChannelCommandError('channel_command.preimage_mismatch', 'the preimage does not hash to the payment hash');
      this.#monitors.recordPreimage(channelId, preimage);
      this.#log({ event: 'fulfill_deferred', channelId, htlc: `remote:${id}` });
      return;
    }
    this.#command(channelId, 'fulfill_htlc', (l) => l.fulfillHtlc(id, preimage));
  }

  /** After a reestablish: incoming HTLCs whose preimage the monitor holds (fulfilled while the peer was away) are fulfilled now. */
  #fulfillDeferred(e: Entry): void {
    const { link } = e;
    if (link.phase !== 'active') return;
    const id = toHex(link.channelId);
    const s = link.state;
    const removing = new Set(s.changes.filter((c) => c.origin === 'local' && c.update.kind !== 'add' && c.update.kind !== 'fee').map((c) => (c.update as { id: bigint }).id));
    for (const h of s.localCommit.spec.htlcs) {
      if (h.offerer !== 'remote' || removing.has(h.id)) continue;
      const preimage = this.#monitors.preimage(id, h.paymentHash);
      if (!preimage) continue;
      try {
        this.#apply(e, link.fulfillHtlc(h.id, preimage), 'fulfill_htlc');
      } catch (err) {
        this.#log({ event: 'deferred_fulfill_failed', channelId: id, htlc: `remote:${h.id}`, code: err instanceof ChannelCommandError ? err.code : 'internal' });
      }
    }
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

  #entriesOf(peerId: string): Entry[] {
    return [...this.#entries.values()].filter((e) => e.link.peerId === peerId);
  }

  #onPeerReady(peerId: string): void {
    const features = this.#opts.peers.peer(peerId)?.features ?? FeatureVector.EMPTY;
    this.#openings.connected(peerId, features);
    for (const e of this.#entriesOf(peerId)) {
      if (this.#retired(e)) continue;
      // A reconnection may replace a connection whose close we have not seen: connected() forgets first.
      e.closer.disconnected();
      e.closer.setFeatures(this.#closeFeatures(peerId));
      this.#apply(e, e.link.connected(), 'connected');
    }
  }

  #onPeerGone(peerId: string): void {
    this.#openings.disconnected(peerId);
    for (const e of this.#entriesOf(peerId)) {
      e.closer.disconnected();
      this.#apply(e, e.link.disconnected(), 'disconnected');
    }
  }

  /** The peer sent `error` (BOLT 1: all-zero channel_id means all its channels). */
  peerError(peerId: string, channelIdHex: string, text: string): void {
    const all = /^0{64}$/.test(channelIdHex);
    this.#openings.peerError(peerId, channelIdHex, text);
    for (const e of this.#entriesOf(peerId)) {
      if (this.#retired(e)) continue;
      if (all || toHex(e.link.channelId) === channelIdHex) this.#apply(e, e.link.peerFailed(text), 'peer_error');
    }
  }

  #onMessage(peer: P, message: Message): void {
    if (this.#closed || !ROUTED.has(message.type)) return;
    // Messages still arriving from a replaced connection belong to a session that is over.
    if (this.#opts.peers.peer(peer.nodeId) !== peer) return;
    if (message.type === 'open_channel') {
      this.#openings.onOpenChannel(peer.nodeId, message);
      return;
    }
    if (message.type === 'accept_channel' || message.type === 'funding_created') {
      if (!this.#openings.receive(peer.nodeId, message)) this.#warnUnknown(peer.nodeId, message.temporaryChannelId);
      return;
    }
    if (!('channelId' in message)) return;
    const id = toHex(message.channelId);
    const e = this.#entries.get(id);
    if (!e || e.link.peerId !== peer.nodeId || isAllZeroChannelId(message.channelId)) {
      if (this.#openings.receive(peer.nodeId, message)) return;
      this.#warnUnknown(peer.nodeId, message.channelId);
      return;
    }
    if (this.#retired(e)) {
      // The funding output is spent: nothing of this channel is negotiated any more.
      if (message.type === 'channel_reestablish') this.#sendRaw(peer.nodeId, { type: 'warning', channelId: message.channelId, data: utf8.encode(`channel ${id} is closed on chain`) });
      return;
    }
    if (isCloseMessage(message)) {
      this.#apply(e, NOTHING, message.type, message, e.closer.receive(message, this.#now()));
      return;
    }
    this.#apply(e, e.link.receive(message, this.#now()), message.type, message);
  }

  #warnUnknown(peerId: string, channelId: Uint8Array): void {
    this.#sendRaw(peerId, { type: 'warning', channelId, data: utf8.encode(`unknown channel ${toHex(channelId)}`) });
  }

  // ----- the chain --------------------------------------------------------------------------------

  /**
   * A chain event (the node forwards the chain layer's). Events of one sync answer arrive together and
   * synchronously (a watch registered now may add more): they are queued and handled in one batch.
   */
  onChainEvent(event: ChainEvent): void {
    if (this.#closed) return;
    this.#chainQueue.push(event);
    if (this.#chainFlush) return;
    this.#chainFlush = true;
    queueMicrotask(() => this.#flushChain());
  }

  #flushChain(): void {
    this.#chainFlush = false;
    while (this.#chainQueue.length > 0 && !this.#closed) {
      const batch = this.#chainQueue.splice(0);
      try {
        this.#openings.onChainEvents(batch);
        this.#monitors.onChainEvents(batch);
        if (batch.some((e) => e.type === 'chain.block_connected' || e.type === 'chain.reorg')) this.#onTip();
        if (batch.some((e) => e.type === 'chain.outpoint_spent' || e.type === 'chain.outpoint_unspent' || e.type === 'chain.block_connected')) this.#publishLifecycles();
      } catch (err) {
        this.#log({ event: 'channel_chain_feed_failed', message: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  /** A new tip: closers' locktime, HTLC deadlines (BOLT 2), the anchor reserve. */
  #onTip(): void {
    const tip = this.#opts.chain?.tip();
    if (!tip) return;
    for (const e of [...this.#entries.values()]) {
      e.closer.setBlockHeight(tip.height);
      this.#checkDeadlines(e, tip.height);
    }
  }

  /** Lifecycle changes the chain caused (a close confirmed, outputs resolved) reach the UI as `channel.updated`. */
  readonly #lastLifecycle = new Map<string, string>();
  #publishLifecycles(): void {
    for (const [id, e] of this.#entries) {
      const { lifecycle, onChain } = this.#lifecycle(e);
      const sig = `${lifecycle}:${onChain?.state}:${onChain?.confirmations}:${onChain?.pendingOutputs}:${onChain?.claimedSat}`;
      if (this.#lastLifecycle.get(id) === sig) continue;
      const first = !this.#lastLifecycle.has(id);
      this.#lastLifecycle.set(id, sig);
      if (!first || onChain?.state !== 'open') this.#publishUpdated(e, false, 'chain', []);
      if (lifecycle === 'closed') this.#updateAnchorReserve();
    }
  }

  /**
   * BOLT 2 "Risks With HTLC Timeouts": an HTLC we offered still in a current commitment G blocks after its
   * cltv_expiry, or one we fulfilled still there 18 blocks before its cltv_expiry, fails the channel (on chain).
   */
  #checkDeadlines(e: Entry, height: number): void {
    const { link } = e;
    const s = link.state;
    if (s.status.kind === 'failed' || this.#retired(e)) return;
    const htlcs = [...s.localCommit.spec.htlcs, ...s.remoteCommit.spec.htlcs, ...(s.remoteNextCommit?.spec.htlcs ?? [])];
    const fulfilled = new Set(s.changes.filter((c) => c.origin === 'local' && c.update.kind === 'fulfill').map((c) => (c.update as { id: bigint }).id));
    const id = toHex(link.channelId);
    // Fulfilled while the peer was away: the monitor holds the preimage.
    for (const h of s.localCommit.spec.htlcs) if (h.offerer === 'remote' && this.#monitors.knowsPreimage(id, h.paymentHash)) fulfilled.add(h.id);
    for (const h of htlcs) {
      // "if an HTLC which it offered is in either node's current commitment transaction, AND is past this timeout deadline: ... MUST fail the channel."
      if (h.offerer === 'local' && height >= h.cltvExpiry + OFFERED_HTLC_GRACE_BLOCKS) {
        this.#apply(e, link.failChannel('channel.htlc_timed_out', `HTLC local:${h.id} expired at ${h.cltvExpiry}; it is timed out on chain`), 'htlc_deadline');
        return;
      }
      // "if an HTLC it has fulfilled is in either node's current commitment transaction, AND is past this fulfillment deadline: ... MUST fail the channel."
      if (h.offerer === 'remote' && fulfilled.has(h.id) && height >= h.cltvExpiry - FULFILLED_HTLC_DEADLINE_BLOCKS) {
        this.#apply(e, link.failChannel('channel.htlc_fulfill_deadline', `HTLC remote:${h.id} we fulfilled expires at ${h.cltvExpiry}; it is claimed on chain`), 'htlc_deadline');
        return;
      }
    }
  }

  #onTick(): void {
    if (this.#closed) return;
    const now = this.#now();
    this.#openings.tick();
    for (const e of [...this.#entries.values()]) {
      if (this.#retired(e)) continue;
      try {
        const r = e.closer.tick(now);
        if (r.events.length || r.failure || r.disconnect || r.channelEvents.length) this.#apply(e, NOTHING, 'close_timeout', undefined, r);
      } catch (err) {
        this.#log({ event: 'closer_tick_failed', channelId: toHex(e.link.channelId), message: err instanceof Error ? err.message : String(err) });
      }
    }
    this.#onFeesMaybeChanged();
  }

  /** The chain's estimates moved: monitors re-bid, closers take the new rates, funders update their commitment feerate. */
  #onFeesMaybeChanged(): void {
    const chain = this.#opts.chain;
    if (!chain) return;
    const key = `${chain.feeEstimate(1).satPerKw}:${chain.feeEstimate(6).satPerKw}`;
    if (key === this.#feeKey) return;
    this.#feeKey = key;
    this.#monitors.refreshFees();
    const feerates = this.#closeFeerates();
    for (const e of this.#entries.values()) e.closer.setFeerates(feerates);
    if (this.#opts.autoFee ?? true) for (const e of [...this.#entries.values()]) this.#maybeUpdateFee(e);
  }

  /** BOLT 2 update_fee: the funder "SHOULD send update_fee to ensure the current fee rate is sufficient". */
  #maybeUpdateFee(e: Entry): void {
    const { link } = e;
    const s = link.state;
    // Only against the chain's own estimates: without a chain there is nothing to follow.
    if (!this.#opts.chain || s.params.funder !== 'local' || link.phase !== 'active' || e.closer.shuttingDown) return;
    const target = this.#commitmentFeerate(s.params.channelType === 'anchors');
    const current = s.localCommit.spec.feeratePerKw;
    if (Math.abs(target - current) <= current * FEE_UPDATE_THRESHOLD) return;
    try {
      this.#apply(e, link.updateFee(target), 'update_fee');
    } catch (err) {
      this.#log({ event: 'fee_update_skipped', channelId: toHex(link.channelId), feeratePerKw: target, code: err instanceof ChannelCommandError ? err.code : 'internal' });
    }
  }

  #closeFeatures(peerId: string): CloseFeatures {
    const local = this.#localFeatures();
    const remote = this.#opts.peers.peer(peerId)?.features ?? FeatureVector.EMPTY;
    return { anySegwit: negotiated(local, remote, 'option_shutdown_anysegwit'), simpleClose: negotiated(local, remote, 'option_simple_close') };
  }

  /** Closing fee rates from the chain's estimates (sat/kw): `target` what we find fair, up to a generous maximum. */
  #closeFeerates(targetPerKw?: number): CloseFeerates {
    const chain = this.#opts.chain;
    const normal = targetPerKw ?? (chain ? chain.feeEstimate(6).satPerKw : 1_000);
    const fast = chain ? chain.feeEstimate(1).satPerKw : normal;
    const target = Math.max(253, normal);
    return { targetPerKw: target, minPerKw: 253, maxPerKw: Math.max(target * 3, fast * 2, 2_500) };
  }

  // ----- carrying out a step ---------------------------------------------------------------------

  #apply(e: Entry, result: LinkResult, cause: string, incoming?: Message, close: CloseResult | null = null): void {
    const { link, closer } = e;
    const id = toHex(link.channelId);
    if (incoming && result.incoming) this.#record(link, 'in', incoming, result.incoming);
    else if (incoming && isCloseMessage(incoming)) this.#record(link, 'in', incoming, { htlcId: null, commitmentNumber: null, summary: '', retransmission: false });
    // 1. The closer follows every step of the link (it may sign pending updates, send shutdown, negotiate).
    const closes: CloseResult[] = close ? [close] : [];
    if (!this.#retired(e) && cause !== 'disconnected') {
      try {
        closes.push(closer.progress(this.#now()));
      } catch (err) {
        this.#log({ event: 'closer_failed', channelId: id, message: err instanceof Error ? err.message : String(err) });
      }
    }
    this.#answerScriptRequests(e, closes);
    // 2. The monitor's updates of this step, then one transaction: monitor log and snapshot, the channel.
    const signed = closer.takeSignedClosings();
    const extra: MonitorUpdate[] = signed.map((s) => ({ kind: 'closing_tx', txid: s.txid }));
    const pending = this.#monitors.advance(id, link.keyIndex, link.state, extra);
    let persisted = false;
    const withStep = this.#opts.persistWithStep && result.events.length > 0 ? this.#opts.persistWithStep : undefined;
    if (link.needsPersist || pending || (link.dirty && extra.length > 0)) {
      const snapshot = link.snapshot();
      try {
        this.#opts.stores.atomically(() => {
          if (pending) this.#monitors.write(pending);
          this.#opts.stores.channels.saveChannel(snapshot);
          withStep?.({ channelId: id, peerId: link.peerId, events: result.events });
        });
      } catch (err) {
        this.#storeFailed(link, err);
        throw err;
      }
      link.markPersisted(snapshot.revision);
      persisted = true;
    } else if (withStep) this.#opts.stores.atomically(() => withStep({ channelId: id, peerId: link.peerId, events: result.events }));
    // 3. Tell the UI (and anyone waiting) what the step did.
    const forgotten = result.forgotten.map(describeChange);
    if (forgotten.length) this.#log({ event: 'channel_updates_forgotten', channelId: id, forgotten });
    this.#publishUpdated(e, persisted, cause, forgotten);
    const failure = result.failure ?? closes.find((c) => c.failure)?.failure ?? null;
    if (failure) {
      this.#log({ event: 'channel_failed', channelId: id, code: failure.code, message: failure.message });
      this.#opts.publish({ type: 'channel.failed', channelId: id, peer: link.peerId, code: failure.code, message: failure.message, dataLoss: link.dataLoss });
    }
    // The step's domain events (HTLCs added, locked in, settled; fees; commitments), now that its state is durable.
    for (const ev of channelEventBodies(id, link.peerId, [...result.events, ...closes.flatMap((c) => c.channelEvents)])) this.#opts.publish(ev);
    // 4. The monitor acts (watches; a closing it must recognise is known), then the messages go: the link's, then the closer's.
    if (pending) this.#monitors.after(pending);
    for (const out of link.takeOutbound()) {
      if (!this.#sendRaw(link.peerId, out.message)) continue;
      this.#record(link, 'out', out.message, out.note);
    }
    for (const m of closer.takeOutbound()) {
      if (!this.#sendRaw(link.peerId, m)) continue;
      this.#record(link, 'out', m, { htlcId: null, commitmentNumber: null, summary: closeSummary(m), retransmission: false });
    }
    for (const c of closes) for (const ev of c.events) this.#onCloseEvent(e, ev);
    // 5. A failed channel goes on chain (BOLT 5 "Failing a Channel").
    if (failure) this.#forceClose(e, failure.code);
    // 6. Updates waiting for our signature are signed now.
    if ((this.#opts.autoCommit ?? true) && COMMIT_AFTER.has(cause)) this.#maybeCommit(e);
    if (cause === 'channel_reestablish' && link.phase === 'active') {
      this.#fulfillDeferred(e);
      if (this.#opts.autoFee ?? true) this.#maybeUpdateFee(e);
    }
    if (result.disconnect || closes.some((c) => c.disconnect)) this.#opts.peers.disconnect(link.peerId, { forget: false });
    this.#opts.onStep?.({ channelId: id, peerId: link.peerId, events: result.events, forgotten: result.forgotten, phase: link.phase });
  }

  #maybeCommit(e: Entry): void {
    const { link } = e;
    const s = link.state;
    if (link.phase !== 'active' || s.status.kind === 'failed' || s.remoteNextCommit || changesPendingForRemote(s).length === 0) return;
    try {
      this.#apply(e, link.commit(), 'commit');
    } catch (err) {
      this.#log({ event: 'auto_commit_failed', channelId: toHex(link.channelId), code: err instanceof ChannelCommandError ? err.code : 'internal' });
    }
  }

  /** The closer asks for a script (the peer's shutdown arrived and we have none): a fresh wallet script. */
  #answerScriptRequests(e: Entry, closes: CloseResult[]): void {
    for (let i = 0; i < closes.length; i++) {
      if (!closes[i]!.requests.some((r) => r.kind === 'shutdown_script')) continue;
      const script = this.#opts.wallet?.freshScript() ?? null;
      if (!script) {
        this.#log({ event: 'no_shutdown_script', channelId: toHex(e.link.channelId) });
        continue;
      }
      try {
        closes.push(e.closer.close({ scriptPubKey: script, feerates: this.#closeFeerates() }, this.#now()));
      } catch (err) {
        this.#log({ event: 'shutdown_script_refused', channelId: toHex(e.link.channelId), message: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  #onCloseEvent(e: Entry, ev: CloseEvent): void {
    const id = toHex(e.link.channelId);
    const peer = e.link.peerId;
    switch (ev.type) {
      case 'shutdown_sent':
      case 'shutdown_received':
        this.#opts.publish({ type: 'channel.closing', channelId: id, peer, stage: ev.type, txid: null, feeSat: null, detail: toHex(ev.scriptPubKey) });
        break;
      case 'negotiation_started':
        this.#opts.publish({ type: 'channel.closing', channelId: id, peer, stage: 'negotiating', txid: null, feeSat: null, detail: ev.method });
        break;
      case 'closing_tx': {
        const txid = txidDisplay(ev.txid);
        e.closingTxs.set(txid, ev.feeSat);
        this.#opts.publish({ type: 'channel.closing', channelId: id, peer, stage: 'closing_tx', txid, feeSat: ev.feeSat.toString(), detail: ev.closer });
        // The monitor already knows this txid (a funding spend by it is a mutual close) and watches the funding output to depth.
        const chain = this.#opts.chain;
        if (chain) {
          void chain.broadcast(ev.tx).then(
            ({ outcome }) => this.#log({ event: 'closing_broadcast', channelId: id, txid, outcome: outcome.kind }),
            (err: unknown) => this.#log({ event: 'closing_broadcast_failed', channelId: id, txid, message: err instanceof Error ? err.message : String(err) }),
          );
        }
        this.#publishUpdated(e, false, 'closing_tx', []);
        break;
      }
    }
  }

  #publishUpdated(e: Entry, persisted: boolean, cause: string, forgotten: readonly string[]): void {
    this.#opts.publish({ type: 'channel.updated', channel: this.#summary(e), view: e.link.view, persisted, cause, forgotten });
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
  #storeFailed(link: ChannelLink, err: unknown): void {
    const id = toHex(link.channelId);
    this.#log({ event: 'channel_save_failed', channelId: id, error: err instanceof Error ? err.message : String(err) });
    let stored: StoredChannel | undefined;
    try {
      stored = this.#opts.stores.channels.loadChannel(id);
    } catch {
      stored = undefined;
    }
    if (stored) this.#entries.set(id, this.#entry(new ChannelLink(stored, this.#signer(stored.keyIndex), this.#opts.policy, this.#hooks(stored))));
    else this.#entries.delete(id);
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

const NOTHING: LinkResult = { events: [], forgotten: [], failure: null, disconnect: false, incoming: null };

function txidDisplay(txid: Uint8Array): string {
  return toHex(txid.slice().reverse());
}

function closeSummary(m: Message): string {
  switch (m.type) {
    case 'closing_signed':
      return `fee ${m.feeSatoshis} sat`;
    case 'closing_complete':
      return `fee ${m.feeSatoshis} sat`;
    case 'shutdown':
      return `${m.scriptpubkey.length}-byte script`;
    default:
      return '';
  }
}

/** What listchannels shows of a monitor's view. */
export function onChainInfo(view: MonitorView): ChannelOnChainInfo {
  const pending = view.outputs.filter(
    (o) => o.status === 'maturing' || o.status === 'awaiting_preimage' || o.status === 'claimable' || o.status === 'claiming' ||
      (o.status === 'spent' && o.spentBy?.by === 'us' && o.spentBy.depth < CLOSED_DEPTH),
  );
  return {
    state: view.state,
    kind: view.closing?.kind ?? null,
    closingTxid: view.closing?.txid ?? null,
    confirmations: view.closing?.depth ?? 0,
    claimedSat: view.totals.claimedSat,
    pendingSat: view.totals.pendingSat,
    lostSat: view.totals.lostSat,
    pendingOutputs: pending.length,
  };
}

