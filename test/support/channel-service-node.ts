/**
 * A node's channel machinery in this process, wired the way the composition root wires it but
 * without the rest of the node: a real SQLite file with every repository, a PeerManager over
 * loopback TCP, the chain layer (createChain over btcd's JSON-RPC), the wallet core, and the
 * ChannelService with its chain and wallet ports (core/runtime/channel/chain-port.ts and
 * wallet-port.ts). The wallet is fed by test/support/wallet-feeder.ts (`syncWallet`), as the wallet
 * adapter will feed it from the chain layer. Nothing here is reachable from core/ or main/.
 */
import { join } from 'node:path';
import { publicKeyFromPrivate, randomBytes, sha256, toHex, utf8 } from '../../core/crypto';
import { channelSignerFromNodeKey } from '../../core/channel';
import type { ChannelPolicy } from '../../core/channel';
import type { AcceptancePolicy, LocalChannelDefaults } from '../../core/channel/establish';
import type { ChainSyncEvent } from '../../core/runtime/chain';
import { BitcoindRpcSource, chainClock, createChain, type Chain } from '../../core/runtime/chain';
import { SystemClock } from '../../core/runtime/clock';
import { PeerManager } from '../../core/runtime/peer/peer-manager';
import { ChannelService } from '../../core/runtime/channel/service';
import { channelChainPort } from '../../core/runtime/channel/chain-port';
import { channelWalletPort } from '../../core/runtime/channel/wallet-port';
import type { OnChainResolution } from '../../core/runtime/channel/ports';
import { monitorSignerFromNodeKey } from '../../core/monitor';
import { CHANNEL_OPTIONAL, knownFeatures, localInitFeatures, SUPPORTED_OPTIONAL } from '../../core/node/features';
import { DATABASE_FILE, MonitorRepository, OpeningsRepository, PeersRepository, openDatabase, type Database } from '../../core/store';
import { ChainRepository } from '../../core/store/chain-repository';
import { ChannelsRepository } from '../../core/store/channels-repository';
import { WalletRepository } from '../../core/store/wallet-repository';
import { Wallet, WalletKeys } from '../../core/wallet';
import { FeatureVector, chainHash, type Init } from '../../core/wire';
import type { Btcd } from './btcd';
import { waitFor } from './btcd';
import { tempDir } from './tmp';
import { WalletFeeder } from './wallet-feeder';

/** The channel features a node advertises in these tests (what the node advertises with a chain). */
export const CHANNEL_FEATURES = CHANNEL_OPTIONAL;

export interface ServiceNodeOptions {
  readonly dir?: string;
  /** The 32-byte seed (node key and wallet); random by default. A restart passes the same one. */
  readonly seed?: Uint8Array;
  readonly features?: readonly string[];
  readonly acceptance?: Partial<AcceptancePolicy>;
  readonly defaults?: Partial<LocalChannelDefaults>;
  readonly port?: number;
  /** The funder's automatic update_fee as the chain's estimate moves (ChannelService `autoFee`; default on). */
  readonly autoFee?: boolean;
  /** The channel policy (min/max feerate a peer's update_fee may carry, ...); default DEFAULT_CHANNEL_POLICY. */
  readonly policy?: Partial<ChannelPolicy>;
  /** Sign the peer's commitment by itself after each update (ChannelService `autoCommit`; default on). */
  readonly autoCommit?: boolean;
}

export interface LoggedEvent {
  readonly type: string;
  readonly [k: string]: unknown;
}

export class ServiceNode {
  readonly dir: string;
  readonly seed: Uint8Array;
  readonly nodeKey: Uint8Array;
  readonly nodeId: string;
  readonly db: Database;
  readonly clock = new SystemClock();
  readonly peers: PeerManager;
  readonly chain: Chain;
  readonly wallet: Wallet;
  readonly feeder: WalletFeeder;
  readonly channels: ChannelService;
  readonly events: LoggedEvent[] = [];
  readonly logs: Record<string, unknown>[] = [];
  readonly upstream: OnChainResolution[] = [];
  readonly opts: ServiceNodeOptions;
  address = '';
  acceptance: Partial<AcceptancePolicy>;
  #stopped = false;

  private constructor(btcd: Btcd, opts: ServiceNodeOptions, feeder: WalletFeeder | null) {
    this.opts = opts;
    this.dir = opts.dir ?? tempDir('glasswing-svc-node-');
    this.seed = opts.seed ?? randomBytes(32);
    this.nodeKey = sha256(utf8.encode(`service node key ${toHex(this.seed)}`));
    this.nodeId = toHex(publicKeyFromPrivate(this.nodeKey));
    this.acceptance = opts.acceptance ?? {};
    this.db = openDatabase(join(this.dir, DATABASE_FILE));
    const optional = [...SUPPORTED_OPTIONAL, ...(opts.features ?? CHANNEL_FEATURES)];
    const features = localInitFeatures(optional);
    const localInit: Init = { type: 'init', globalFeatures: FeatureVector.fromBits(features.bits().filter((b) => b <= 13)), features, tlvs: { networks: [chainHash('regtest')] } };
    const publish = (e: { type: string }) => {
      this.events.push(e as LoggedEvent);
      // As the node does: BOLT 1 `error` from the peer fails the channel it names.
      const p = e as { type: string; kind?: string; direction?: string; nodeId?: string; channelId?: string; text?: string };
      if (p.type === 'peer.protocol_message' && p.direction === 'in' && p.kind === 'error') this.channels.peerError(p.nodeId!, p.channelId!, p.text!);
    };
    this.peers = new PeerManager({
      nodeKey: this.nodeKey, nodeId: this.nodeId, localInit, knownFeatures: knownFeatures(optional), chainHashes: [chainHash('regtest')],
      addressBook: new PeersRepository(this.db), clock: this.clock, publish,
    });
    const source = new BitcoindRpcSource({ url: btcd.rpcUrl, clock: chainClock(this.clock) });
    let onChain: (e: ChainSyncEvent) => void = () => undefined;
    this.chain = createChain({
      store: new ChainRepository(this.db), source, network: 'regtest', clock: chainClock(this.clock), onEvent: (e) => onChain(e), pollIntervalMs: 100,
      fees: { fallbackSatPerKw: 2_500 }, resetOnDeepReorg: true,
    });
    this.wallet = Wallet.open({ keys: WalletKeys.fromNodeSeed(this.seed, 'regtest'), store: new WalletRepository(this.db) });
    this.feeder = feeder ?? new WalletFeeder(btcd, this.wallet, 0);
    this.feeder.wallet = this.wallet;
    const log = (line: Record<string, unknown>) => this.logs.push(line);
    this.channels = new ChannelService({
      stores: {
        channels: new ChannelsRepository(this.db),
        openings: new OpeningsRepository(this.db),
        monitors: new MonitorRepository(this.db),
        atomically: (fn) => this.db.transaction(fn)(),
      },
      peers: this.peers,
      signerFor: (k) => channelSignerFromNodeKey(this.nodeKey, k),
      monitorSignerFor: (k) => monitorSignerFromNodeKey(this.nodeKey, k),
      publish,
      clock: this.clock,
      log,
      chain: channelChainPort(this.chain, source),
      wallet: channelWalletPort(this.wallet, 'regtest', { take: () => undefined, now: () => this.clock.now(), forget: (txid) => (this.chain.own as { forget?: (t: string) => void }).forget?.(txid) }),
      chainHash: chainHash('regtest'),
      localFeatures: () => features,
      acceptance: () => this.acceptance,
      defaults: () => opts.defaults ?? {},
      ...(opts.autoFee === undefined ? {} : { autoFee: opts.autoFee }),
      ...(opts.policy === undefined ? {} : { policy: opts.policy }),
      ...(opts.autoCommit === undefined ? {} : { autoCommit: opts.autoCommit }),
      upstream: (r) => this.upstream.push(r),
    });
    onChain = (e) => {
      publish(e);
      if (e.type !== 'chain.sync_state') this.channels.onChainEvent(e);
    };
  }

  static async start(btcd: Btcd, opts: ServiceNodeOptions = {}, feeder: WalletFeeder | null = null): Promise<ServiceNode> {
    const node = new ServiceNode(btcd, opts, feeder);
    if (!feeder) {
      const tip = await btcd.height();
      const f = await WalletFeeder.atTip(btcd, node.wallet);
      (node as { feeder: WalletFeeder }).feeder = f;
      void tip;
    }
    node.channels.start();
    node.chain.sync.start();
    const listen = await node.peers.listen('127.0.0.1', opts.port ?? 0);
    node.address = `${node.nodeId}@${listen}`;
    await node.caughtUp(btcd);
    return node;
  }

  /** The chain layer has reached btcd's tip, and the wallet has been fed up to it. */
  async caughtUp(btcd: Btcd): Promise<void> {
    const height = await btcd.height();
    await waitFor(() => ((this.chain.tracker.tip?.height ?? -1) >= height ? true : undefined), `the chain layer at ${height}`);
    await this.feeder.sync();
    // Let the batched chain events reach the channel service.
    await new Promise((r) => setImmediate(r));
  }

  /** Sends `amountSat` from btcd's faucet to a fresh wallet address and confirms it. */
  async fund(btcd: Btcd, amountSat: bigint): Promise<void> {
    await btcd.fund(this.wallet.newAddress().address, amountSat);
    await btcd.mine(1);
    await this.caughtUp(btcd);
  }

  async connect(other: ServiceNode): Promise<void> {
    await this.peers.connect(other.address, { reconnect: true });
    await waitFor(() => (other.peers.peer(this.nodeId) && this.peers.peer(other.nodeId) ? true : undefined), 'the connection');
  }

  /** A process that dies: nothing is written after this (the SQLite file stays as it is). */
  async crash(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.chain.sync.stop();
    await this.peers.close();
    this.db.close();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.channels.close();
    await this.chain.sync.stop();
    await this.peers.close();
    this.db.close();
  }

  /** The same node (seed and directory) again, its wallet fed by the same feeder. */
  async restart(btcd: Btcd): Promise<ServiceNode> {
    await this.stop();
    return await ServiceNode.start(btcd, { ...this.opts, dir: this.dir, seed: this.seed }, this.feeder);
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  eventsOf(type: string): LoggedEvent[] {
    return this.events.filter((e) => e.type === type);
  }
}
