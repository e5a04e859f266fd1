/**
 * The composition root: opens the data directory, wires the layers together — the only place
 * that builds the concrete store repositories and hands them, with the PeerManager, to the
 * adapters in core/runtime as the ports their domains declare — and owns the one clock (every
 * timer runs on it) and the event bus. The NodeApi every host serves is built on top of it
 * (core/api/node-api.ts).
 */
import { join } from 'node:path';
import type { Database } from '../store';
import {
  DATABASE_FILE, InvoiceRequestsRepository, InvoicesRepository, MailboxRepository, MessageLogRepository, OffersRepository, PeersRepository,
  loadOrCreateIdentity, lockDataDir, openDatabase, runTransaction, type DataDirLock,
} from '../store';
import { ChannelsRepository } from '../store/channels-repository';
import { MonitorRepository } from '../store/monitor-repository';
import { OpeningsRepository } from '../store/openings-repository';
import { ChainRepository } from '../store/chain-repository';
import { WalletRepository } from '../store/wallet-repository';
import { unlockSeed } from '../store/identity';
import { Wallet, WalletKeys, seedFromWords, wordsFromSeed } from '../wallet';
import { FeeUrlSource, createChain, createChainSource, chainClock, type Chain, type ChainSyncEvent, type ChainSyncState } from '../runtime/chain';
import { FEE_TARGETS, WalletService, type WalletChainPort } from '../runtime/wallet';
import { FEATURES, FeatureVector, MESSAGE_TYPES, asyncPaymentsProfile, chainHash, encodeMessage, formatAddress, messageWire, type AddressDescriptor, type Init } from '../wire';
import { cryptoBackendInfo, randomBytes, toHex, zeroize } from '../crypto';
import { PeerError, featureInfos, formatHostPort, parseListenAddress, type SavedPeerInfo } from '../peer';
import { DEFAULT_LOG_CAPACITY, DEFAULT_MAILBOX_QUOTAS, type MailboxQuotas, type MessengerPolicy } from '../messenger';
import { channelSignerFromNodeKey } from '../channel';
import { monitorSignerFromNodeKey } from '../monitor';
import type { OffersStores } from '../offers/manager/records';
import { PeerManager, type Peer } from '../runtime/peer/peer-manager';
import { MessengerService } from '../runtime/messenger/service';
import { OffersService } from '../runtime/offers/service';
import { ChannelService, type ChannelStepReport } from '../runtime/channel/service';
import { channelChainPort } from '../runtime/channel/chain-port';
import type { OnChainResolution } from '../runtime/channel/ports';
import { channelWalletPort } from '../runtime/channel/wallet-port';
import { DEFAULT_ACCEPTANCE_POLICY, DEFAULT_LOCAL_CHANNEL_DEFAULTS, type AcceptancePolicy, type LocalChannelDefaults } from '../channel/establish';
import { DEFAULT_FORWARDING_POLICY, PaymentsService, type PaymentsServiceOptions } from '../runtime/payments/service';
import { PaymentsRepository } from '../store/payments-repository';
import { NodeOnionKeys } from '../payments';
import { SystemClock, type Clock } from '../runtime/clock';
import type { NodeEvent } from './events';
import type { Network, NodeInfo } from './types';
import type { ChainSourceSetting, ChannelSettingsInfo, FeeSourceSetting, SettingName, SettingsInfo, UpdateSettingsParams } from './settings-info';
import {
  CONFIG_FILE, FEE_POLL_MS, SettingsError, announceAddresses, announceAddressesProblem, channelPolicy, channelSettingsProblem, feePollMsProblem, feeUrlProblem,
  mailboxLimits, mailboxQuotas, onionLimits, onionPolicy, readSavedSettings, saveSettings, savedFeeSource, withoutCredentials, feeSourceInForce, sameFeeSource, type FeeSourceConfig, type SavedSettings,
} from './settings';
import { NO_CHAIN, chainEndpoint, checkChainConfig, sameChainConfig, type ChainConfig } from './chain-config';
import { PUBLISHED_CHAIN_EVENTS, type ChainEventBody, type ChainInfo, type ChainStatus, type FeeEstimateInfo } from './chain-info';
import { checkEmptyForRestore, clearRestoreScan, readRestoreScan, writeRestoreScan } from './restore';
import { EventBus } from './event-bus';
import { knownFeatures, localInitFeatures, nodeFeatureNames } from './features';
import { PeerLogThrottle } from './peer-log';
import { announcedAddresses, createGossip, createOwnGossip } from './gossip';
import { forwardingInfo, forwardingProblem, mergeForwarding, type ForwardingPolicyInfo } from './forwarding';
import type { ForwardingPolicy } from '../payments';
import type { OwnGossip } from '../runtime/gossip/own';
import type { GossipService } from '../runtime/gossip/service';
import type { GossipLimits } from '../gossip';
import { AsyncWiring, DEFAULT_ASYNC_SETTINGS, parseAsyncSettings, type AsyncSettings } from './async';
import { AsyncOffersRepository, AsyncPayerRepository, AsyncReleasesRepository, StaticInvoicesRepository } from '../store';

/** The listen address could not be used at start; the node listens on a free port instead. */
export interface ListenFallback {
  /** The address asked for ("host:port"). */
  readonly wanted: string;
  /** Why it could not be used. */
  readonly reason: string;
}

export interface NodeOptions {
  readonly datadir: string;
  readonly alias: string;
  /** Addresses to announce instead of the listen address (`--announce-addr`; wins over config.json's). */
  readonly announceAddresses?: readonly string[];
  readonly network: Network;
  /** Where to accept peers; null: do not listen. */
  readonly listen: { host: string; port: number } | null;
  /**
   * When `listen` cannot be used (the port is taken), listen on a free port of the same host for
   * this run instead, and say so (a saved address: the node still starts). Off: the start fails.
   */
  readonly listenFallback?: boolean;
  readonly passphrase?: string | undefined;
  readonly version: string;
  /** Structured log lines (never secrets). */
  readonly log?: (line: Record<string, unknown>) => void;
  /** Peer-layer timing (tests shorten these). */
  readonly peerTiming?: { pingIntervalMs?: number; pingTimeoutMs?: number; handshakeTimeoutMs?: number; initTimeoutMs?: number };
  /** Failed attempts in a row after which a saved peer that never answered is not retried (default 8). */
  readonly maxAttemptsNeverSeen?: number;
  /** Onion messenger DoS policy, mailbox quotas and traffic log size (defaults: core/messenger/constants.ts). */
  readonly messenger?: { policy?: Partial<MessengerPolicy>; mailbox?: Partial<MailboxQuotas>; logCapacity?: number };
  /** Which settings this run took from the command line (shown in Settings; they win at every start). */
  readonly fromCommandLine?: readonly SettingName[];
  /** The node's one clock (default: the system's); tests drive time with a ManualClock. */
  readonly clock?: Clock;
  /**
   * Channel service options: `autoCommit` false leaves signing to the caller (the test harness steps
   * the protocol by hand); `acceptance` / `defaults` override what config.json says.
   */
  readonly channels?: { readonly autoCommit?: boolean; readonly acceptance?: Partial<AcceptancePolicy>; readonly defaults?: Partial<LocalChannelDefaults> };
  /** The chain source (default: none — the node runs without a chain). Checked with checkChainConfig. */
  readonly chain?: ChainConfig;
  /** Time between chain polls (default 1 s on regtest, 10 s elsewhere). */
  readonly chainPollMs?: number;
  /**
   * Fee estimates from a web service in LND's `fee.url` shape instead of the chain source
   * (`--fee-url`), polled every `pollMs` (default 5 minutes); null: the chain source's. Undefined:
   * config.json's `feeUrl` / `feePollMs`.
   */
  readonly feeUrl?: FeeSourceConfig | null;
  /**
   * Restore from the 24 backup words into an empty data directory: the same seed (node id,
   * wallet keys); the wallet scans from `birthday` (default 0, genesis). Channels are not restored.
   */
  readonly restore?: { readonly words: string; readonly birthday?: number };
  /**
   * Payments (paying, being paid, forwarding over our channels): on by default; `false` leaves the
   * channels to their caller (the channel test harness drives HTLCs by hand). Policies override the cores' defaults.
   */
  readonly payments?: false | Pick<PaymentsServiceOptions, 'forwardingPolicy' | 'outboundPolicy' | 'inboundPolicy' | 'switchPolicy'>;
  /** Gossip (BOLT 7) bounds and intervals over core/gossip's defaults (tests shorten the 60 s relay flush). */
  readonly gossip?: { readonly limits?: Partial<GossipLimits> };
  /**
   * Tests only: the block height payments use while the node knows no chain tip (test nodes run
   * without a chain; both ends of a test channel agree on it). Absent: no tip, no payment
   * (`payments.no_chain_tip`).
   */
  readonly heightWithoutChain?: number;
  /**
   * Async payments role, LSP, wire profile and release window (over config.json's `async`;
   * core/node/async.ts). A release window given here wins over the one `updateSettings` saves.
   */
  readonly async?: Partial<AsyncSettings>;
}

/** Default time between chain polls: a local regtest chain is cheap to ask often. */
export function defaultChainPollMs(network: Network): number {
  return network === 'regtest' ? 1_000 : 10_000;
}

export class Node {
  readonly events: EventBus;
  /** The one clock and scheduler every adapter uses: `clock.timers()` lists every timer of the node. */
  readonly clock: Clock;
  readonly nodeId: Uint8Array;
  readonly #opts: NodeOptions;
  readonly #db: Database;
  readonly #lock: DataDirLock;
  readonly #nodeKey: Uint8Array;
  readonly #peers: PeerManager;
  readonly #peersRepo: PeersRepository;
  readonly #messenger: MessengerService;
  readonly #offers: OffersService;
  readonly #channels: ChannelService<Peer>;
  readonly #chainConfig: ChainConfig;
  readonly #chain: Chain | null;
  readonly #wallet: WalletService;
  readonly #payments: PaymentsService | null;
  readonly #gossip: GossipService;
  readonly #ownGossip: OwnGossip;
  #forwarding: ForwardingPolicy;
  readonly #async: AsyncWiring;
  readonly #features: FeatureVector;
  #channelSettings: { acceptance: Partial<AcceptancePolicy>; defaults: Partial<LocalChannelDefaults> };
  #listen: string[] = [];
  #listenFallback: ListenFallback | undefined;
  #alias: string;
  /** What the user set to announce (empty: the listen address). */
  #announce: AddressDescriptor[];
  /** The fee service in use (the host's, else config.json's), or null: the chain source's estimates. Switched by updateSettings. */
  #feeSource: FeeSourceConfig | null;
  #startedAt = 0;
  #stopped = false;

  private constructor(
    opts: NodeOptions, db: Database, lock: DataDirLock, nodeKey: Uint8Array, nodeId: Uint8Array, offersSeed: Uint8Array, walletKeys: WalletKeys,
  ) {
    this.#opts = opts;
    this.#alias = opts.alias;
    // config.json, read once here: what the user saved under what the host passed.
    const saved = readSavedSettings(opts.datadir);
    const announce = opts.announceAddresses ?? saved.announceAddresses ?? [];
    const announceProblem = announceAddressesProblem(announce);
    if (announceProblem) throw new SettingsError('settings.malformed', `announce addresses: must be ${announceProblem}`);
    this.#announce = announceAddresses(announce);
    this.#feeSource = feeSourceInForce(opts.feeUrl, saved);
    this.#db = db;
    this.#lock = lock;
    this.#nodeKey = nodeKey;
    this.nodeId = nodeId;
    const clock = (this.clock = opts.clock ?? new SystemClock());
    // Async payments: the role and the wire numbers (profile) every layer below uses (core/node/async.ts).
    const asyncSettings: AsyncSettings = { ...DEFAULT_ASYNC_SETTINGS, ...parseAsyncSettings(saved.async ?? {}), ...opts.async };
    const asyncProfile = asyncPaymentsProfile(asyncSettings.profile);
    const nonDefaultProfile = asyncSettings.profile !== 'ldk' ? asyncProfile : undefined;
    this.events = new EventBus({ now: () => clock.now() });
    this.#peersRepo = new PeersRepository(db);
    const peerLog = new PeerLogThrottle();
    // Channel features only with a chain: without one no channel can be opened or enforced.
    const featureNames = nodeFeatureNames(opts.chain ?? NO_CHAIN, { payments: opts.payments !== false });
    // Async payments: an LSP holds HTLCs that carry hold_htlc and says so with the htlc_hold feature (optional bit: LDK's
    // 153, lightning/bolts#1149's 53 — the profile's); a payer sets hold_htlc only towards a peer that advertises it.
    const features = asyncSettings.role === 'lsp'
      ? localInitFeatures(featureNames).withBit(asyncProfile.htlcHoldFeatureBit + 1)
      : localInitFeatures(featureNames);
    this.#features = features;
    // The acceptance policy and opening defaults: config.json's `channels`, under what the host passes.
    const savedChannels = channelPolicy(saved.channels);
    this.#channelSettings = {
      acceptance: { ...savedChannels.acceptance, ...opts.channels?.acceptance },
      defaults: { ...savedChannels.defaults, ...opts.channels?.defaults },
    };
    const localInit: Init = {
      type: 'init',
      // BOLT 1: SHOULD NOT set features greater than 13 in globalfeatures; older nodes read 0..13 there.
      globalFeatures: FeatureVector.fromBits(features.bits().filter((b) => b <= 13)),
      features,
      // BOLT 1: SHOULD set `networks` to all chains it will gossip or open channels for.
      tlvs: { networks: [chainHash(opts.network)] },
    };
    this.#peers = new PeerManager({
      nodeKey,
      nodeId: toHex(nodeId),
      localInit,
      knownFeatures: knownFeatures(featureNames),
      chainHashes: [chainHash(opts.network)],
      ...(nonDefaultProfile ? { wire: messageWire({ asyncPayments: nonDefaultProfile }) } : {}),
      addressBook: this.#peersRepo,
      clock,
      // The messenger reports every onion_message it is handed (onion.received, or a throttled drop report).
      reportedInbound: [MESSAGE_TYPES.onion_message],
      publish: (e) => {
        const event = this.events.publish(e);
        // A peer that keeps failing is logged once, then in summaries (peer-log.ts).
        if (this.#opts.log) for (const line of peerLog.lines(event, peerLogLine)) this.#opts.log(line);
      },
      ...opts.peerTiming,
      ...(opts.maxAttemptsNeverSeen !== undefined ? { maxAttemptsNeverSeen: opts.maxAttemptsNeverSeen } : {}),
    });
    // The offers layer's store port: its three repositories, written together in one transaction per step.
    const offers: OffersStores = {
      offers: new OffersRepository(db), requests: new InvoiceRequestsRepository(db), invoices: new InvoicesRepository(db),
      atomically: (fn, durability) => runTransaction(db, fn, durability),
    };
    this.#messenger = new MessengerService({
      nodeKey,
      peers: this.#peers,
      mailbox: new MailboxRepository(db, { ...DEFAULT_MAILBOX_QUOTAS, ...opts.messenger?.mailbox }),
      log: new MessageLogRepository(db, opts.messenger?.logCapacity ?? DEFAULT_LOG_CAPACITY),
      addressOf: (id) => this.#peersRepo.get(id)?.addresses[0],
      // A node we never met (an offer's or a static invoice's introduction node, an HTLC holder's release path): through a
      // connected peer the graph shows next to it, else at its node_announcement address (BOLT 7: `addresses` are where
      // the node accepts connections), as LDK 0.2's DefaultMessageRouter dials `first_node_addresses`.
      graph: { neighbours: (id) => this.#graphNeighbours(id), addressOf: (id) => this.#graphAddress(id), relaysOnionMessages: (id) => this.#graphRelaysOnionMessages(id) },
      asyncMessages: { lengthPrefixed: asyncProfile.lengthPrefixedMessages },
      // The paths our offers and refunds published: the messenger hands their record to the offers handler.
      publishedPath: (pathId) => offers.offers.getPath(toHex(pathId)),
      // Blinded paths (LDK's reply paths and offers) name the hop after us by our channel's id or alias.
      channelPeer: (scid) => this.#payments?.channelPeer(scid),
      clock,
      publish: (e) => this.events.publish(e),
      ...(opts.messenger?.policy ? { policy: opts.messenger.policy } : {}),
    });
    this.#offers = new OffersService({
      nodeKey, offersSeed, chain: chainHash(opts.network), messenger: this.#messenger, clock, publish: (e) => this.events.publish(e),
      stores: offers,
      // Our invoices' payment paths go through our channel peers (the payments service, made below).
      paymentForwarders: () => this.#payments?.paymentForwarders() ?? { height: 0, forwarders: [] },
      // Async payments: invoice_requests over a static invoice server's paths are its own.
      intercept: (m, d) => this.#async.interceptOffers(m, d),
    });
    // Async payments (core/node/async.ts): its role cores, before the channels and payments that take its hooks.
    this.#async = new AsyncWiring({
      settings: asyncSettings,
      nodeKey, nodeId, chain: chainHash(opts.network), messenger: this.#messenger, staticInvoices: new StaticInvoicesRepository(db), asyncOffers: new AsyncOffersRepository(db), releases: new AsyncReleasesRepository(db),
      asyncPayments: new AsyncPayerRepository(db), height: () => this.#chain?.tracker.tip?.height ?? opts.heightWithoutChain ?? null,
      payments: () => this.#payments, channelPeers: () => (this.#payments?.paymentForwarders().forwarders ?? []).map((f) => toHex(f.nodeId)),
      connect: (address) => void this.#peers.connect(address, { reconnect: true }).catch((e: unknown) => opts.log?.({ event: 'async_lsp_connect_failed', error: e instanceof Error ? e.message : String(e) })),
      isConnected: (id) => this.#peers.isConnected(id), clock, publish: (e) => this.events.publish(e), ...(opts.log ? { log: opts.log } : {}),
      // R online: a forwarded invoice_request is answered with an ordinary invoice, as for our own offers.
      answerInvoiceRequest: (offer, m, messageId) => this.#offers.answerForwardedInvoiceRequest(offer, m, messageId),
      peerFeatures: (id) => this.#peers.peer(id)?.features,
      channelActive: (id) => this.#channels.states().some((c) => c.peerId === id && c.phase === 'active'),
    });
    zeroize(offersSeed);
    // The chain (when a source is configured) and the wallet it feeds.
    this.#chainConfig = opts.chain ?? NO_CHAIN;
    const walletStore = new WalletRepository(db);
    const wallet = Wallet.open({ keys: walletKeys, store: walletStore });
    let onChainEvent: (e: ChainSyncEvent) => void = () => undefined;
    const chainSource = this.#chainConfig.kind === 'none' ? null : createChainSource(this.#chainConfig, chainClock(clock));
    this.#chain = chainSource === null ? null : createChain({
      store: new ChainRepository(db),
      source: chainSource,
      network: opts.network,
      clock: chainClock(clock),
      onEvent: (e) => onChainEvent(e),
      pollIntervalMs: opts.chainPollMs ?? defaultChainPollMs(opts.network),
      // btcd starts a new regtest chain at each start: follow it instead of halting.
      resetOnDeepReorg: opts.network === 'regtest',
      ...(this.#feeSource ? {
        feeSource: new FeeUrlSource({ url: this.#feeSource.url, clock: chainClock(clock) }),
        feeIntervalMs: this.#feeSource.pollMs,
      } : {}),
      // Also for a fee service switched on later (updateSettings).
      onFeeProblem: (p) => opts.log?.({ event: 'fee_source_failed', code: p.code, message: p.message }),
    });
    const restoring = this.#chain ? readRestoreScan(opts.datadir) : null;
    this.#wallet = new WalletService({
      wallet,
      chain: this.#chain ? walletChainPort(this.#chain) : null,
      clock,
      publish: (e) => this.events.publish(e),
      restore: restoring ? { birthday: restoring.birthday, done: () => clearRestoreScan(opts.datadir) } : null,
      snapshot: () => walletStore.load(),
      ...(opts.log ? { log: opts.log } : {}),
    });
    onChainEvent = (e) => {
      if (PUBLISHED_CHAIN_EVENTS.has(e.type)) {
        this.events.publish(e as ChainEventBody);
        if (e.type === 'chain.sync_state') this.#opts.log?.({ event: 'chain_sync', ...syncLogFields(e.sync) });
      }
      this.#wallet.onChainEvent(e);
      if (e.type === 'chain.spend_seen') this.#gossip.fundingSpent(e.outpoint, e.height);
      // A graph channel's spend in a block that left the chain: the channel is unspent again.
      if (e.type === 'chain.block_disconnected') this.#gossip.blockDisconnected(e.height);
      if (e.type !== 'chain.sync_state') this.#channels.onChainEvent(e);
      if (e.type === 'chain.block_connected' || e.type === 'chain.block_disconnected' || e.type === 'chain.reorg') {
        const tip = this.#chain?.tracker.tip;
        if (tip) {
          this.#payments?.setHeight(tip.height);
          this.#gossip.blockHeight(tip.height);
        }
      }
    };
    // Channels: openings, links, closers and monitors, on the chain and the wallet above.
    const chain = this.#chain;
    let onChannelStep: (r: ChannelStepReport) => void = () => undefined;
    let onChainResolution: (r: OnChainResolution) => void = () => undefined;
    this.#channels = new ChannelService<Peer>({
      stores: {
        channels: new ChannelsRepository(db, { now: () => clock.now() }),
        openings: new OpeningsRepository(db, { now: () => clock.now() }),
        monitors: new MonitorRepository(db, { now: () => clock.now() }),
        atomically: (fn) => db.transaction(fn)(),
      },
      clock,
      peers: this.#peers,
      signerFor: (keyIndex) => channelSignerFromNodeKey(nodeKey, keyIndex),
      monitorSignerFor: (keyIndex) => monitorSignerFromNodeKey(nodeKey, keyIndex),
      chainHash: chainHash(opts.network),
      localFeatures: () => features,
      chain: chain && chainSource ? channelChainPort(chain, chainSource) : null,
      wallet: chain ? channelWalletPort(wallet, opts.network, {
        take: (update) => this.#wallet.adopt(update),
        now: () => clock.now(),
        forget: (txid) => chain.own.forget(txid),
      }) : null,
      acceptance: () => this.#channelSettings.acceptance,
      defaults: () => this.#channelSettings.defaults,
      publish: (e) => this.events.publish(e),
      onStep: (r) => onChannelStep(r),
      // The async payer's release paths (in L1's revoke_and_ack) are written in the same transaction as the channel state.
      persistWithStep: (r) => this.#async.persistWithChannelStep(r),
      upstream: (r) => onChainResolution(r),
      releasePath: (channelId, htlcId) => this.#async.releasePath(channelId, htlcId),
      ...(opts.channels?.autoCommit !== undefined ? { autoCommit: opts.channels.autoCommit } : {}),
      ...(opts.log ? { log: opts.log } : {}),
    });

    // Our forwarding policy: the host's, else config.json's `forwarding` over the default.
    this.#forwarding = (opts.payments === false ? undefined : opts.payments?.forwardingPolicy)
      ?? mergeForwarding(DEFAULT_FORWARDING_POLICY, saved.forwarding);
    // Payments over our channels: every channel step goes to the payment cores (claims, forwards, our parts).
    this.#payments = opts.payments === false ? null : new PaymentsService({
      store: new PaymentsRepository(db),
      channels: this.#channels,
      ourNodeId: nodeId,
      network: opts.network,
      chain: chainHash(opts.network),
      onion: new NodeOnionKeys(nodeKey, nonDefaultProfile),
      ...(nonDefaultProfile ? { asyncPayments: nonDefaultProfile } : {}),
      signBolt11: (u) => u.sign(nodeKey),
      randomBytes,
      clock,
      // The chain's tip; without one (no chain, or not read yet) none, and `pay` says so. Test nodes
      // without a chain give a fixed height both ends of a test channel agree on.
      height: () => chain?.tracker.tip?.height ?? opts.heightWithoutChain ?? null,
      publish: (e) => this.events.publish(e),
      // Routes over the gossip graph, and failures' channel_updates checked by the gossip layer (BOLT 4).
      graph: () => this.#gossip.manager.graph.routingView(),
      updates: {
        checkFailureUpdate: (bytes, erringNode) => this.#gossip.manager.checkFailureUpdate(bytes, erringNode),
        policyTimestamp: (scid, direction) => this.#gossip.manager.graph.channel(scid)?.policies[direction]?.timestamp,
      },
      ownGossip: {
        channelUpdate: (channelId, asScid) => {
          const u = this.#ownGossip.channelUpdate(channelId, asScid);
          return u ? encodeMessage(u) : null;
        },
        peerPolicy: (channelId) => this.#ownGossip.peerPolicy(channelId),
        announced: (channelId) => this.#ownGossip.isAnnounced({ shortChannelId: this.#channels.states().find((c) => c.channelId === channelId)?.shortChannelId ?? null }),
      },
      bolt12: {
        paymentForPath: (pathId, hash, onion) => {
          // A static invoice's path (async payments, R) is the async recipient's: null is its refusal.
          const ours = this.#async.paymentForPath(pathId, hash, onion);
          return ours !== undefined ? (ours ?? undefined) : this.#offers.manager.paymentForPath(pathId, hash);
        },
      },
      ...(this.#async.holdPolicy ? { hold: this.#async.holdPolicy } : {}),
      ...(opts.payments ?? {}),
      forwardingPolicy: this.#forwarding,
      ...(opts.log ? { log: opts.log } : {}),
    });
    const payments = this.#payments;
    if (payments) {
      onChannelStep = (r) => {
        payments.onChannelStep(r);
        this.#async.onChannelStep(r);
      };
      // Preimages and timeouts the chain resolved (the monitor) settle what came in upstream.
      onChainResolution = (r) => payments.onChainResolution(r);
    }
    // Gossip (BOLT 7): the graph from peers, checked against the chain, kept in SQLite.
    this.#gossip = createGossip({
      db, chainHash: chainHash(opts.network), nodeId, peers: this.#peers, chain: chain && chainSource ? { chain, source: chainSource } : null, clock,
      publish: (e) => this.events.publish(e),
      ...(opts.log ? { log: opts.log } : {}),
      ...(opts.gossip?.limits ? { limits: opts.gossip.limits } : {}),
    });
    // Graph channels closed on chain: each block is scanned for spends of their funding outputs.
    chain?.tracker.setSpendFilter((outpoint) => this.#gossip.isFundingOutpoint(outpoint));
    // Our channels in gossip: announcement_signatures, our channel_updates, our node_announcement.
    this.#ownGossip = createOwnGossip({
      gossip: this.#gossip, peers: this.#peers, chainHash: chainHash(opts.network), nodeId, nodeKey, channels: this.#channels, policy: () => this.#forwarding,
      node: () => ({ alias: this.#alias, listen: this.#listen, announce: this.#announce, features: features.encode() }),
      tipHeight: () => chain?.tracker.tip?.height ?? null,
      clock,
      ...(opts.log ? { log: opts.log } : {}),
    });
  }

  /** Opens the data directory (lock, database, identity). Does not touch the network yet. */
  static async open(opts: NodeOptions): Promise<Node> {
    // A restore goes only into an empty data directory, and the words are checked before anything is written.
    let restoreSeed: Uint8Array | undefined;
    if (opts.restore) {
      checkEmptyForRestore(opts.datadir);
      restoreSeed = seedFromWords(opts.restore.words);
    }
    const lock = lockDataDir(opts.datadir);
    let db: Database | undefined;
    try {
      // The scan marker first: once the seed exists the directory is no longer empty.
      if (opts.restore) writeRestoreScan(opts.datadir, opts.restore.birthday ?? 0);
      const identity = await loadOrCreateIdentity(opts.datadir, {
        ...(opts.passphrase !== undefined ? { passphrase: opts.passphrase } : {}),
        ...(restoreSeed ? { restoreSeed } : {}),
      });
      // The seed is the wallet's BIP39 entropy (core/wallet/words.ts).
      const seed = identity.seed();
      const walletKeys = WalletKeys.fromNodeSeed(seed, opts.network);
      zeroize(seed);
      db = openDatabase(join(opts.datadir, DATABASE_FILE));
      return new Node(opts, db, lock, identity.nodeKey, identity.nodeId, identity.derive('offers'), walletKeys);
    } catch (e) {
      db?.close();
      lock.release();
      throw e;
    } finally {
      if (restoreSeed) zeroize(restoreSeed);
    }
  }

  /** Starts listening and reconnecting. */
  async start(): Promise<{ listen: string[]; listenFallback?: ListenFallback }> {
    this.#startedAt = this.clock.now();
    this.#messenger.start();
    this.#offers.start();
    this.#channels.start();
    this.#payments?.start();
    this.#gossip.start();
    this.#ownGossip.start();
    this.#async.start();
    // The wallet's watches first (a restore scans from its birthday from the first round on), then the chain.
    this.#wallet.start();
    this.#chain?.sync.start();
    // BOLT 1: an `error` from the peer fails the channel it names (all of them for channel_id 0).
    this.events.subscribe((e) => {
      if (e.type === 'peer.protocol_message' && e.direction === 'in' && e.kind === 'error') this.#channels.peerError(e.nodeId, e.channelId, e.text);
      // On Esplora, channels a payment goes over or a failure names are checked for a close first.
      if (e.type === 'payment.part_sent' || e.type === 'payment.part_failed') this.#gossip.paymentEvent(e);
    });
    if (this.#opts.listen) this.#listen = [await this.#listenOn(this.#opts.listen.host, this.#opts.listen.port)];
    this.#peers.reconnectAll();
    this.#opts.log?.({ event: 'started', nodeId: toHex(this.nodeId), listen: this.#listen });
    return { listen: this.#listen, ...(this.#listenFallback ? { listenFallback: this.#listenFallback } : {}) };
  }

  /** Listens on host:port; with `listenFallback`, on a free port of the host when that fails. */
  async #listenOn(host: string, port: number): Promise<string> {
    try {
      return await this.#peers.listen(host, port);
    } catch (e) {
      if (!this.#opts.listenFallback || port === 0 || !(e instanceof PeerError) || e.code !== 'peer.listen_failed') throw e;
      let address: string;
      try {
        address = await this.#peers.listen(host, 0);
      } catch {
        throw e;
      }
      this.#listenFallback = { wanted: formatHostPort(host, port), reason: e.message };
      this.#opts.log?.({ event: 'listen_fallback', wanted: this.#listenFallback.wanted, listen: address, reason: e.message });
      return address;
    }
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#wallet.stop();
    // Nothing is written by the chain after this returns (its round in progress ends or is cut off).
    await this.#chain?.sync.stop();
    this.#async.close();
    this.#payments?.close();
    this.#ownGossip.close();
    this.#gossip.close();
    this.#channels.close();
    await this.#peers.close();
    this.#offers.close();
    this.#messenger.close();
    this.#db.close();
    zeroize(this.#nodeKey);
    this.#lock.release();
  }

  get peers(): PeerManager {
    return this.#peers;
  }

  /** Channels: the BOLT 2 links, reestablish and persistence (the payment and funding layers drive it). */
  get channels(): ChannelService<Peer> {
    return this.#channels;
  }

  /** Payments: invoices, paying, forwarding (null when the node was opened with `payments: false`). */
  get payments(): PaymentsService | null {
    return this.#payments;
  }

  /** Gossip: the BOLT 7 channel graph and its sync with peers. */
  get gossip(): GossipService {
    return this.#gossip;
  }

  /** Async payments: the roles this node plays (core/node/async.ts). */
  get async(): AsyncWiring {
    return this.#async;
  }

  /** BOLT 12 offers (the payment layer asks it for the preimages of our invoices). */
  get offers(): OffersService {
    return this.#offers;
  }

  /** Every saved peer, connected or not, with where reconnecting to it stands. */
  savedPeers(): SavedPeerInfo[] {
    return this.#peers.savedPeers();
  }

  /**
   * Disconnects a saved peer, stops reconnecting and removes it (addresses and name). A peer we
   * have channels with is kept: `peer.has_channels`.
   */
  forgetPeer(nodeId: string): { nodeId: string; forgotten: boolean } {
    const channels = this.#channels.list().filter((c) => c.peer === nodeId).length;
    if (channels > 0) {
      throw new PeerError('peer.has_channels', `we have ${channels} channel${channels === 1 ? '' : 's'} with ${nodeId}: it cannot be forgotten`, { channels });
    }
    return { nodeId, forgotten: this.#peers.forget(nodeId) };
  }

  /** The onion messenger (other layers register their handlers on it). */
  get messenger(): MessengerService {
    return this.#messenger;
  }

  /** The on-chain wallet, fed by the chain. */
  get wallet(): WalletService {
    return this.#wallet;
  }

  /** The chain layer (tracker, own transactions, fees, sync loop), or null without a source. */
  get chain(): Chain | null {
    return this.#chain;
  }

  /** The chain source, tip, sync state and fee estimates. */
  chainInfo(): ChainInfo {
    const chain = this.#chain;
    const config = this.#chainConfig;
    const tip = chain?.tracker.tip ?? null;
    const rescan = chain?.tracker.rescan ?? null;
    const server = chain?.sync.info ?? null;
    const fee = (target: number): FeeEstimateInfo => {
      const e = chain!.sync.feeEstimate(target);
      return { target, satPerVb: e.satPerVbyte, origin: e.origin };
    };
    const restore = this.#wallet.restoreBirthday;
    return {
      network: this.#opts.network,
      source: {
        kind: config.kind,
        endpoint: chainEndpoint(config),
        rpcCookie: config.kind === 'bitcoind-rpc' ? (config.rpcCookie ?? null) : null,
        server: server ? { flavor: server.flavor, version: server.version } : null,
      },
      tip: tip ? { height: tip.height, hash: tip.hash, time: tip.time } : null,
      sync: chain ? chain.sync.state : { state: 'none' },
      fees: chain ? { fast: fee(FEE_TARGETS.fast), normal: fee(FEE_TARGETS.normal), slow: fee(FEE_TARGETS.slow) } : null,
      rescan: rescan ? { fromHeight: rescan.fromHeight, toHeight: rescan.toHeight, cursor: rescan.cursor } : null,
      restoreScan: restore === null ? null : { birthday: restore },
    };
  }

  /** The nodes our gossip graph shows with a channel to `nodeId`. */
  #graphNeighbours(nodeId: string): string[] {
    const graph = this.#gossip?.manager.graph;
    const out: string[] = [];
    for (const scid of graph?.node(nodeId)?.channels ?? []) {
      const c = graph!.channel(scid);
      if (c) out.push(c.nodeId1 === nodeId ? c.nodeId2 : c.nodeId1);
    }
    return out;
  }

  /** Whether the node's node_announcement offers option_onion_messages (BOLT 9 bits 38/39); false without one. */
  #graphRelaysOnionMessages(nodeId: string): boolean {
    const info = this.#gossip?.manager.graph.node(nodeId)?.info;
    if (!info || info.unknownRequiredFeatures) return false;
    try {
      return FeatureVector.decode(info.features).has('option_onion_messages', FEATURES);
    } catch {
      return false;
    }
  }

  /** A clearnet address (IPv4, IPv6, DNS: what we can dial without Tor) from the node's node_announcement, if we have one. */
  #graphAddress(nodeId: string): string | undefined {
    const info = this.#gossip?.manager.graph.node(nodeId)?.info;
    const a = info?.addresses.find((x) => x.kind === 'ipv4' || x.kind === 'ipv6' || x.kind === 'dns');
    return a ? formatAddress(a) : undefined;
  }

  #chainStatus(): ChainStatus {
    const chain = this.#chain;
    if (!chain) return { source: 'none', state: 'none', height: null };
    return { source: this.#chainConfig.kind, state: chain.sync.state.state, height: chain.tracker.tip?.height ?? null };
  }

  /**
   * The 24 backup words of the node seed (the wallet's BIP39 words). An encrypted seed is opened
   * again with `passphrase` (`store.locked` without it or with a wrong one). Never logged.
   */
  async backupWords(passphrase: string | undefined): Promise<{ words: string[]; encrypted: boolean }> {
    const { seed, encrypted } = await unlockSeed(this.#opts.datadir, passphrase);
    try {
      return { words: wordsFromSeed(seed).split(' '), encrypted };
    } finally {
      zeroize(seed);
    }
  }

  info(): NodeInfo {
    const features = this.#features;
    return {
      nodeId: toHex(this.nodeId),
      alias: this.#alias,
      network: this.#opts.network,
      features: featureInfos(features),
      listen: this.#listen,
      numPeers: this.#peers.peers().length,
      numChannels: this.#channels.count(),
      version: this.#opts.version,
      datadir: this.#opts.datadir,
      startedAt: this.#startedAt,
      crypto: cryptoBackendInfo(),
      chain: this.#chainStatus(),
      onionMessageBudget: this.#onionMessageBudget(),
      async: this.#async.summary(),
    };
  }

  /** What the messenger's node-wide bucket applies (core/messenger nodeBucket: never below one peer's). */
  #onionMessageBudget(): NodeInfo['onionMessageBudget'] {
    const p = this.#messenger.core.policy;
    return { perSecond: Math.max(p.nodeInboundPerSecond, p.inboundPerSecond), burst: Math.max(p.nodeInboundBurst, p.inboundBurst) };
  }

  settings(): SettingsInfo {
    // config.json, read once for the three "next start" views (null: unreadable now, so no next view).
    let saved: SavedSettings | null;
    try {
      saved = readSavedSettings(this.#opts.datadir);
    } catch {
      saved = null;
    }
    return {
      alias: this.#alias,
      listen: this.#listen[0] ?? null,
      announceAddresses: this.#announce.map(formatAddress),
      announcedAddresses: announcedAddresses(this.#listen, this.#announce).map(formatAddress),
      network: this.#opts.network,
      datadir: this.#opts.datadir,
      onion: onionLimits(this.#messenger.core.policy),
      mailbox: mailboxLimits(this.#messenger.mailbox.limits),
      fromCommandLine: this.#opts.fromCommandLine ?? [],
      configFile: join(this.#opts.datadir, CONFIG_FILE),
      chain: { ...chainSetting(this.#chainConfig), next: saved && this.#nextChain(saved) },
      fee: { ...feeSetting(this.#feeSource), next: saved && this.#nextFee(saved) },
      channels: this.#channelSettingsInfo(),
      async: {
        ...this.#async.settings,
        releaseWindowSeconds: this.#async.releaseWindowSeconds,
        releaseWindowSource: this.#releaseWindowFromHost() ? 'command-line' : this.#async.settings.releaseWindowSeconds !== undefined ? 'saved' : 'default',
        next: saved && this.#nextAsync(saved),
      },
    };
  }

  /** The host set the release window (the daemon's `--async-release-window-seconds`): it wins over config.json's. */
  #releaseWindowFromHost(): boolean {
    return this.#opts.async?.releaseWindowSeconds !== undefined;
  }

  /**
   * The async settings saved for the next start, when their role, LSP, profile or description are
   * not the ones in force (and the command line does not override them). The release window is never
   * "next": a saved one is in force at once, unless the command line's wins.
   */
  #nextAsync(config: SavedSettings): AsyncSettings | null {
    if (this.#opts.fromCommandLine?.includes('async') || !config.async) return null;
    let saved: AsyncSettings;
    try {
      saved = { ...DEFAULT_ASYNC_SETTINGS, ...parseAsyncSettings(config.async) };
    } catch {
      return null;
    }
    const now = this.#async.settings;
    const same = saved.role === now.role && saved.lsp === now.lsp && saved.profile === now.profile && saved.description === now.description;
    return same ? null : saved;
  }

  /** The acceptance policy and opening defaults in force (the policy's defaults where nothing was set). */
  #channelSettingsInfo(): ChannelSettingsInfo {
    const a = { ...DEFAULT_ACCEPTANCE_POLICY, ...this.#channelSettings.acceptance };
    const d = { ...DEFAULT_LOCAL_CHANNEL_DEFAULTS, ...this.#channelSettings.defaults };
    return {
      minFundingSat: a.minFundingSat.toString(),
      maxFundingSat: a.maxFundingSat.toString(),
      maxToSelfDelay: a.maxToSelfDelay,
      toSelfDelay: d.toSelfDelay,
      minimumDepth: d.minimumDepth,
      trustedZeroconfPeers: [...a.trustedZeroconfPeers],
    };
  }

  /** The chain source saved for the next start, when it is not the one running (and the command line does not override it). */
  #nextChain(config: SavedSettings): ChainSourceSetting | null {
    if (this.#opts.fromCommandLine?.includes('chain') || !config.chain) return null;
    let saved: ChainConfig;
    try {
      saved = checkChainConfig(config.chain, this.#opts.network, 'settings.malformed', CHAIN_JSON_NAMES);
    } catch {
      return null;
    }
    return sameChainConfig(saved, this.#chainConfig) ? null : chainSetting(saved);
  }

  /** The fee service saved for the next start, when it is not the one in use (and the command line does not override it). */
  #nextFee(config: SavedSettings): FeeSourceSetting | null {
    if (this.#opts.fromCommandLine?.includes('feeUrl')) return null;
    let saved: ReturnType<typeof savedFeeSource>;
    try {
      saved = savedFeeSource(config);
    } catch {
      return null;
    }
    return sameFeeSource(saved, this.#feeSource) ? null : feeSetting(saved);
  }

  /** The fee service in use, as the wallet and the Settings page show it (the URL without credentials). */
  feeSource(): FeeSourceSetting {
    return feeSetting(this.#feeSource);
  }

  /** Applies settings at once and saves them in config.json (a failed listen changes nothing). */
  async updateSettings(change: UpdateSettingsParams): Promise<SettingsInfo> {
    const changed: SettingName[] = [];
    const saved: { -readonly [K in keyof SavedSettings]: SavedSettings[K] } = {};
    if (change.listen !== undefined && change.listen !== (this.#listen[0] ?? '')) {
      if (change.listen === '') {
        await this.#peers.stopListening();
        this.#listen = [];
      } else {
        const hp = parseListenAddress(change.listen);
        if (!hp) throw new SettingsError('api.invalid_params', `listen: "${change.listen}" is not HOST:PORT`);
        this.#listen = [await this.#peers.replaceListener(hp.host, hp.port)];
      }
      saved.listen = change.listen;
      changed.push('listen');
    }
    if (change.alias !== undefined) {
      if (new TextEncoder().encode(change.alias).length > 32) throw new SettingsError('api.invalid_params', 'alias: at most 32 bytes of UTF-8');
      this.#alias = change.alias;
      saved.alias = change.alias;
      changed.push('alias');
    }
    if (change.announceAddresses !== undefined) {
      const problem = announceAddressesProblem(change.announceAddresses);
      if (problem) throw new SettingsError('api.invalid_params', `params.announceAddresses: must be ${problem}`);
      this.#announce = announceAddresses(change.announceAddresses);
      saved.announceAddresses = this.#announce.map(formatAddress);
      changed.push('announceAddresses');
    }
    if (change.onion) {
      this.#messenger.core.updatePolicy(onionPolicy(change.onion));
      saved.onion = change.onion;
      changed.push('onion');
    }
    if (change.mailbox) {
      this.#messenger.mailbox.setLimits(mailboxQuotas(change.mailbox));
      saved.mailbox = change.mailbox;
      changed.push('mailbox');
    }
    if (change.chain) {
      // Checked now, taken at the next start (the running source is not switched under the wallet).
      const next = checkChainConfig(change.chain, this.#opts.network, 'api.invalid_params', CHAIN_PARAM_NAMES);
      saved.chain = next;
      changed.push('chain');
    }
    if (change.feeUrl !== undefined || change.feePollMs !== undefined) {
      // Checked now, saved, and switched to at once below (unless the host's --fee-url wins for this run).
      if (change.feeUrl !== undefined && change.feeUrl !== '') {
        const problem = feeUrlProblem(change.feeUrl);
        if (problem) throw new SettingsError('api.invalid_params', `params.feeUrl: must be ${problem}, or empty for none`);
      }
      if (change.feePollMs !== undefined) {
        const problem = feePollMsProblem(change.feePollMs);
        if (problem) throw new SettingsError('api.invalid_params', `params.feePollMs: must be ${problem}`);
        saved.feePollMs = change.feePollMs;
      }
      if (change.feeUrl !== undefined) saved.feeUrl = change.feeUrl === '' ? null : new URL(change.feeUrl).href;
      changed.push('feeUrl');
    }
    if (change.channels) {
      const problem = channelSettingsProblem(change.channels);
      if (problem) throw new SettingsError('api.invalid_params', `params.channels.${problem.field}: must be ${problem.want}`);
      const merged = { ...readSavedSettings(this.#opts.datadir).channels, ...change.channels };
      const mergedProblem = channelSettingsProblem(merged);
      if (mergedProblem) throw new SettingsError('api.invalid_params', `params.channels.${mergedProblem.field}: must be ${mergedProblem.want}`);
      const next = channelPolicy(merged);
      this.#channelSettings = {
        acceptance: { ...next.acceptance, ...this.#opts.channels?.acceptance },
        defaults: { ...next.defaults, ...this.#opts.channels?.defaults },
      };
      saved.channels = change.channels;
      changed.push('channels');
    }
    let releaseWindow: number | undefined;
    if (change.async) {
      // Checked as config.json's `async` is, merged with what is saved; the role, LSP, profile and description are taken
      // at the next start (the role's cores are built at open), the release window at once (below).
      const { lsp, ...rest } = change.async;
      const parsed = parseAsyncSettings({ ...rest, ...(lsp !== undefined ? { lsp: lsp === '' ? null : lsp } : {}) }, 'api.invalid_params');
      const merged = { ...DEFAULT_ASYNC_SETTINGS, ...parseAsyncSettings(readSavedSettings(this.#opts.datadir).async ?? {}), ...parsed };
      // R asks its LSP for offer paths (a payer's LSP is whichever channel peer its HTLC goes to; `lsp` only dials it).
      if (merged.role === 'recipient' && !merged.lsp) {
        throw new SettingsError('api.invalid_params', 'params.async.lsp: a recipient needs its LSP (NODEID@HOST:PORT)');
      }
      saved.async = parsed;
      if (Object.keys(parsed).some((k) => k !== 'releaseWindowSeconds')) changed.push('async');
      if (parsed.releaseWindowSeconds !== undefined) changed.push('asyncReleaseWindow');
      // The holder's and payer's policy take a new window for what they hold or begin from now on; the host's (the
      // daemon's --async-release-window-seconds) wins: then it is only saved.
      if (parsed.releaseWindowSeconds !== undefined && !this.#releaseWindowFromHost()) releaseWindow = parsed.releaseWindowSeconds;
    }
    if (changed.length > 0) {
      saveSettings(this.#opts.datadir, saved);
      if (releaseWindow !== undefined) this.#async.setReleaseWindow(releaseWindow);
      if (changed.includes('feeUrl')) this.#switchFeeSource(feeSourceInForce(this.#opts.feeUrl, readSavedSettings(this.#opts.datadir)));
      this.events.publish({ type: 'node.settings_changed', settings: this.settings(), changed });
      this.#opts.log?.({ event: 'settings_changed', changed });
    }
    return this.settings();
  }

  /**
   * The fee service changed while running: the chain layer stops asking the old one and asks the
   * new one at once (null: the chain source's estimates, as at a start without a service).
   */
  #switchFeeSource(next: FeeSourceConfig | null): void {
    if (sameFeeSource(next, this.#feeSource)) return;
    this.#feeSource = next;
    this.#chain?.sync.setFeeSource(next ? new FeeUrlSource({ url: next.url, clock: chainClock(this.clock) }) : undefined, next?.pollMs ?? FEE_POLL_MS.default);
    const shown = feeSetting(next);
    this.#opts.log?.({ event: 'fee_source_switched', url: shown.url, pollMs: shown.pollMs });
  }

  /** Our forwarding policy: the fee and CLTV delta we charge and our channel_updates announce. */
  forwardingPolicy(): ForwardingPolicyInfo {
    return forwardingInfo(this.#forwarding);
  }

  /**
   * Changes our forwarding policy at once and saves it in config.json: forwards are charged the new
   * fee, and our channel_updates are re-signed and sent within seconds (BOLT 7).
   */
  setForwardingPolicy(change: Partial<ForwardingPolicyInfo>): ForwardingPolicyInfo {
    const problem = forwardingProblem(change);
    if (problem) throw new SettingsError('api.invalid_params', `params.${problem.field}: must be ${problem.want}`);
    this.#forwarding = mergeForwarding(this.#forwarding, change);
    this.#payments?.setForwardingPolicy(this.#forwarding);
    saveSettings(this.#opts.datadir, { forwarding: forwardingInfo(this.#forwarding) });
    this.#ownGossip.sync();
    this.#opts.log?.({ event: 'forwarding_policy_changed', ...forwardingInfo(this.#forwarding) });
    return forwardingInfo(this.#forwarding);
  }

  /** Names a peer in the address book ("" removes the name); a connected peer's new info is published. */
  labelPeer(nodeId: string, label: string): string | null {
    this.#peersRepo.setLabel(nodeId, label.trim(), this.clock.now());
    const peer = this.#peers.peer(nodeId);
    if (peer) this.events.publish({ type: 'peer.updated', peer: this.#peers.info(peer) });
    return this.#peersRepo.get(nodeId)?.label ?? null;
  }
}

/** Field names in errors about a chain given in config.json / through updateSettings. */
const CHAIN_JSON_NAMES = { kind: 'chain.kind', rpcUrl: 'chain.rpcUrl', rpcCookie: 'chain.rpcCookie', esploraUrl: 'chain.esploraUrl' } as const;
const CHAIN_PARAM_NAMES = {
  kind: 'params.chain.kind', rpcUrl: 'params.chain.rpcUrl', rpcCookie: 'params.chain.rpcCookie', esploraUrl: 'params.chain.esploraUrl',
} as const;

function feeSetting(source: FeeSourceConfig | null): FeeSourceSetting {
  return source ? { url: withoutCredentials(source.url), pollMs: source.pollMs ?? FEE_POLL_MS.default } : { url: null, pollMs: null };
}

function chainSetting(config: ChainConfig): ChainSourceSetting {
  return { kind: config.kind, endpoint: chainEndpoint(config), rpcCookie: config.kind === 'bitcoind-rpc' ? (config.rpcCookie ?? null) : null };
}

/** The chain layer as the wallet adapter's port. */
function walletChainPort(chain: Chain): WalletChainPort {
  return {
    tip: () => {
      const t = chain.tracker.tip;
      return t ? { height: t.height, hash: t.hash, time: t.time } : null;
    },
    blockTime: (height, hash) => {
      const h = chain.tracker.headerAt(height);
      return h && h.hash === hash ? h.time : null;
    },
    watchIds: (owner) => new Set(chain.tracker.watches.filter((w) => w.owners.includes(owner)).map((w) => w.id)),
    watch: (spec, owner) => chain.sync.watch(spec, owner),
    unwatch: (id, owner) => chain.sync.unwatch(id, owner),
    view: (id) => chain.tracker.view(id),
    txStatus: (txid) => chain.tracker.txStatus(txid),
    rescanning: () => chain.tracker.rescan !== null,
    inSync: () => chain.sync.state.state === 'in_sync',
    broadcast: (raw) => chain.sync.broadcast(raw),
    forget: (txid) => {
      chain.own.forget(txid);
    },
    feeEstimate: (target) => chain.sync.feeEstimate(target),
  };
}

/** A sync state for the log: the state, height and reason (never an endpoint's credentials: the sources leave them out). */
function syncLogFields(sync: ChainSyncState): Record<string, unknown> {
  const out: Record<string, unknown> = { state: sync.state };
  if ('height' in sync) out.height = sync.height;
  if ('reason' in sync) out.reason = sync.reason.code;
  if ('attempts' in sync) out.attempts = sync.attempts;
  return out;
}

/**
 * The stderr line for a peer connection event: who, where and counts — not the peer's feature
 * list, which a peer controls (its `init` may set ~262,000 bits) and the event bus already holds.
 */
export function peerLogLine(event: NodeEvent): Record<string, unknown> {
  if (event.type !== 'peer.connected') return { ...event };
  const { peer, ...rest } = event;
  return {
    ...rest,
    nodeId: peer.nodeId,
    address: peer.address,
    direction: peer.direction,
    featureEntries: peer.features.length,
  };
}
