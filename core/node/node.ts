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
  loadOrCreateIdentity, lockDataDir, openDatabase, type DataDirLock,
} from '../store';
import { ChannelsRepository } from '../store/channels-repository';
import { MonitorRepository } from '../store/monitor-repository';
import { OpeningsRepository } from '../store/openings-repository';
import { FeatureVector, chainHash, type Init } from '../wire';
import { toHex, zeroize } from '../crypto';
import { featureInfos, parseListenAddress } from '../peer';
import { DEFAULT_LOG_CAPACITY, DEFAULT_MAILBOX_QUOTAS, type MailboxQuotas, type MessengerPolicy } from '../messenger';
import { channelSignerFromNodeKey } from '../channel';
import { monitorSignerFromNodeKey } from '../monitor';
import type { OffersStores } from '../offers/manager/records';
import { PeerManager, type Peer } from '../runtime/peer/peer-manager';
import { MessengerService } from '../runtime/messenger/service';
import { OffersService } from '../runtime/offers/service';
import { ChannelService } from '../runtime/channel/service';
import { SystemClock, type Clock } from '../runtime/clock';
import type { NodeEvent } from './events';
import type { Network, NodeInfo } from './types';
import type { SettingName, SettingsInfo, UpdateSettingsParams } from './settings-info';
import { CONFIG_FILE, SettingsError, mailboxLimits, mailboxQuotas, onionLimits, onionPolicy, saveSettings, type SavedSettings } from './settings';
import { EventBus } from './event-bus';
import { knownFeatures, localInitFeatures } from './features';

export interface NodeOptions {
  readonly datadir: string;
  readonly alias: string;
  readonly network: Network;
  /** Where to accept peers; null: do not listen. */
  readonly listen: { host: string; port: number } | null;
  readonly passphrase?: string | undefined;
  readonly version: string;
  /** Structured log lines (never secrets). */
  readonly log?: (line: Record<string, unknown>) => void;
  /** Peer-layer timing (tests shorten these). */
  readonly peerTiming?: { pingIntervalMs?: number; pingTimeoutMs?: number; handshakeTimeoutMs?: number; initTimeoutMs?: number };
  /** Onion messenger DoS policy, mailbox quotas and traffic log size (defaults: core/messenger/constants.ts). */
  readonly messenger?: { policy?: Partial<MessengerPolicy>; mailbox?: Partial<MailboxQuotas>; logCapacity?: number };
  /** Which settings this run took from the command line (shown in Settings; they win at every start). */
  readonly fromCommandLine?: readonly SettingName[];
  /** The node's one clock (default: the system's); tests drive time with a ManualClock. */
  readonly clock?: Clock;
  /** Channel service options: `autoCommit` false leaves signing to the caller (the test harness steps the protocol by hand). */
  readonly channels?: { readonly autoCommit?: boolean };
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
  #listen: string[] = [];
  #alias: string;
  #startedAt = 0;
  #stopped = false;

  private constructor(opts: NodeOptions, db: Database, lock: DataDirLock, nodeKey: Uint8Array, nodeId: Uint8Array, offersSeed: Uint8Array) {
    this.#opts = opts;
    this.#alias = opts.alias;
    this.#db = db;
    this.#lock = lock;
    this.#nodeKey = nodeKey;
    this.nodeId = nodeId;
    const clock = (this.clock = opts.clock ?? new SystemClock());
    this.events = new EventBus({ now: () => clock.now() });
    this.#peersRepo = new PeersRepository(db);
    const features = localInitFeatures();
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
      knownFeatures: knownFeatures(),
      chainHashes: [chainHash(opts.network)],
      addressBook: this.#peersRepo,
      clock,
      publish: (e) => {
        const event = this.events.publish(e);
        if (e.type === 'peer.connected' || e.type === 'peer.disconnected' || e.type === 'peer.connection_failed') this.#opts.log?.(peerLogLine(event));
      },
      ...opts.peerTiming,
    });
    // The offers layer's store port: its three repositories, written together in one transaction per step.
    const offers: OffersStores = {
      offers: new OffersRepository(db), requests: new InvoiceRequestsRepository(db), invoices: new InvoicesRepository(db),
      atomically: (fn) => db.transaction(fn)(),
    };
    this.#messenger = new MessengerService({
      nodeKey,
      peers: this.#peers,
      mailbox: new MailboxRepository(db, { ...DEFAULT_MAILBOX_QUOTAS, ...opts.messenger?.mailbox }),
      log: new MessageLogRepository(db, opts.messenger?.logCapacity ?? DEFAULT_LOG_CAPACITY),
      addressOf: (id) => this.#peersRepo.get(id)?.addresses[0],
      // The paths our offers and refunds published: the messenger hands their record to the offers handler.
      publishedPath: (pathId) => offers.offers.getPath(toHex(pathId)),
      clock,
      publish: (e) => this.events.publish(e),
      ...(opts.messenger?.policy ? { policy: opts.messenger.policy } : {}),
    });
    this.#offers = new OffersService({
      nodeKey, offersSeed, chain: chainHash(opts.network), messenger: this.#messenger, clock, publish: (e) => this.events.publish(e),
      stores: offers,
    });
    zeroize(offersSeed);
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
      publish: (e) => this.events.publish(e),
      ...(opts.channels?.autoCommit !== undefined ? { autoCommit: opts.channels.autoCommit } : {}),
      ...(opts.log ? { log: opts.log } : {}),
    });
  }

  /** Opens the data directory (lock, database, identity). Does not touch the network yet. */
  static async open(opts: NodeOptions): Promise<Node> {
    const lock = lockDataDir(opts.datadir);
    let db: Database | undefined;
    try {
      const identity = await loadOrCreateIdentity(opts.datadir, opts.passphrase !== undefined ? { passphrase: opts.passphrase } : {});
      db = openDatabase(join(opts.datadir, DATABASE_FILE));
      return new Node(opts, db, lock, identity.nodeKey, identity.nodeId, identity.derive('offers'));
    } catch (e) {
      db?.close();
      lock.release();
      throw e;
    }
  }

  /** Starts listening and reconnecting. */
  async start(): Promise<{ listen: string[] }> {
    this.#startedAt = this.clock.now();
    this.#messenger.start();
    this.#offers.start();
    this.#channels.start();
    // BOLT 1: an `error` from the peer fails the channel it names (all of them for channel_id 0).
    this.events.subscribe((e) => {
      if (e.type === 'peer.protocol_message' && e.direction === 'in' && e.kind === 'error') this.#channels.peerError(e.nodeId, e.channelId, e.text);
    });
    if (this.#opts.listen) this.#listen = [await this.#peers.listen(this.#opts.listen.host, this.#opts.listen.port)];
    this.#peers.reconnectAll();
    this.#opts.log?.({ event: 'started', nodeId: toHex(this.nodeId), listen: this.#listen });
    return { listen: this.#listen };
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
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

  /** BOLT 12 offers (the payment layer asks it for the preimages of our invoices). */
  get offers(): OffersService {
    return this.#offers;
  }

  /** The onion messenger (other layers register their handlers on it). */
  get messenger(): MessengerService {
    return this.#messenger;
  }

  info(): NodeInfo {
    const features = localInitFeatures();
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
    };
  }

  settings(): SettingsInfo {
    return {
      alias: this.#alias,
      listen: this.#listen[0] ?? null,
      network: this.#opts.network,
      datadir: this.#opts.datadir,
      onion: onionLimits(this.#messenger.core.policy),
      mailbox: mailboxLimits(this.#messenger.mailbox.limits),
      fromCommandLine: this.#opts.fromCommandLine ?? [],
      configFile: join(this.#opts.datadir, CONFIG_FILE),
    };
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
    if (changed.length > 0) {
      saveSettings(this.#opts.datadir, saved);
      this.events.publish({ type: 'node.settings_changed', settings: this.settings(), changed });
      this.#opts.log?.({ event: 'settings_changed', changed });
    }
    return this.settings();
  }

  /** Names a peer in the address book ("" removes the name); a connected peer's new info is published. */
  labelPeer(nodeId: string, label: string): string | null {
    this.#peersRepo.setLabel(nodeId, label.trim(), this.clock.now());
    const peer = this.#peers.peer(nodeId);
    if (peer) this.events.publish({ type: 'peer.updated', peer: this.#peers.info(peer) });
    return this.#peersRepo.get(nodeId)?.label ?? null;
  }
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
