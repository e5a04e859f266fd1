/**
 * Two nodes' channel cores joined by an in-memory connection, run the way a node runs them: a
 * ChannelOpening per channel being opened (its record persisted in a real SQLite file before any
 * action that needs it), then the channel's ChannelLink (ChannelsRepository, the same file) and its
 * ChannelCloser. Every message crosses as BOLT 1 bytes through core/wire. The chain is whatever the
 * test makes it: `seen` / `confirmed` / `unconfirmed` / `tip` dispatch the funding transaction's fate to
 * the openings watching it (test/unit uses a model chain, test/integration a real btcd).
 */
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { decodeTx, encodeTx, txid as computeTxid, txidToHex } from '../../core/bitcoin';
import { publicKeyFromPrivate, randomBytes, sha256, toHex, utf8 } from '../../core/crypto';
import { ChannelLink } from '../../core/channel/link';
import type { LinkResult, StoredChannel } from '../../core/channel/link';
import { channelSignerFromNodeKey } from '../../core/channel/node-keys';
import type { ChannelSigner } from '../../core/channel/signer';
import { ChannelCloser, isCloseMessage } from '../../core/channel/close';
import type { CloseEvent, CloseFeatures, CloseFeerates, CloseResult } from '../../core/channel/close';
import { ChannelOpening, decodeOpeningRecord, encodeOpeningRecord } from '../../core/channel/establish';
import type {
  AcceptOptions, AcceptancePolicy, LocalChannelDefaults, OpenChannelRequest, OpeningAction, OpeningContext, OpeningEvent, OpeningResult,
} from '../../core/channel/establish';
import { isChannelMessage } from '../../core/channel/messages';
import { DATABASE_FILE, openDatabase } from '../../core/store';
import type { Database } from '../../core/store';
import { ChannelsRepository } from '../../core/store/channels-repository';
import { FeatureVector, chainHash, decodeMessage, encodeMessage } from '../../core/wire';
import type { Message } from '../../core/wire';
import { tempDir } from './tmp';

export type PartyName = 'A' | 'B';

export const ONION = new Uint8Array(1366);

/** Features a node sets in init; every one of these is optional (odd bits). */
export function nodeFeatures(opts: { anchors?: boolean; scidAlias?: boolean; zeroconf?: boolean; upfront?: boolean; anySegwit?: boolean; simpleClose?: boolean } = {}): FeatureVector {
  const f: Record<string, 'optional' | 'required'> = { option_static_remotekey: 'required', option_channel_type: 'required' };
  if (opts.anchors ?? true) f.option_anchors = 'optional';
  if (opts.scidAlias ?? true) f.option_scid_alias = 'optional';
  if (opts.zeroconf ?? false) f.option_zeroconf = 'optional';
  if (opts.upfront ?? true) f.option_upfront_shutdown_script = 'optional';
  if (opts.anySegwit ?? true) f.option_shutdown_anysegwit = 'optional';
  if (opts.simpleClose ?? false) f.option_simple_close = 'optional';
  return FeatureVector.fromFeatures(f);
}

/** A P2WPKH script of a fresh key (where a party's closing funds go). */
export function randomP2wpkh(): Uint8Array {
  const key = publicKeyFromPrivate(sha256(randomBytes(32)));
  return Uint8Array.of(0x00, 0x14, ...sha256(key).slice(0, 20));
}

/** Durable openings: a table next to the node's own in the party's SQLite file (the store for openings is not written yet). */
class OpeningStore {
  readonly #db: BetterSqlite3.Database;

  constructor(path: string) {
    this.#db = new BetterSqlite3(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.exec('CREATE TABLE IF NOT EXISTS test_openings (temporary_channel_id TEXT PRIMARY KEY, record TEXT NOT NULL)');
  }

  save(o: ChannelOpening): void {
    const snap = o.snapshot();
    this.#db.prepare('INSERT OR REPLACE INTO test_openings (temporary_channel_id, record) VALUES (?, ?)').run(toHex(o.temporaryChannelId), JSON.stringify(encodeOpeningRecord(snap)));
    o.markPersisted(snap.revision);
  }

  delete(o: ChannelOpening): void {
    this.#db.prepare('DELETE FROM test_openings WHERE temporary_channel_id = ?').run(toHex(o.temporaryChannelId));
  }

  load(): ReturnType<typeof decodeOpeningRecord>[] {
    return (this.#db.prepare('SELECT record FROM test_openings').all() as { record: string }[]).map((r) => decodeOpeningRecord(JSON.parse(r.record)));
  }

  close(): void {
    this.#db.close();
  }
}

export interface PartyOptions {
  readonly features?: FeatureVector;
  readonly policy?: Partial<AcceptancePolicy>;
  readonly defaults?: Partial<LocalChannelDefaults>;
  readonly accept?: AcceptOptions;
  /** Where our closing funds go when the close asks for a script. */
  readonly closeScript?: Uint8Array;
  readonly feerates?: CloseFeerates;
}

/** What a party did, for assertions. */
export interface PartyLog {
  readonly sent: Message[];
  readonly received: Message[];
  readonly openingEvents: OpeningEvent[];
  readonly closeEvents: CloseEvent[];
  readonly actions: OpeningAction[];
  /** Closing transactions we signed, as the monitor would have recorded them (txid hex). */
  readonly signedClosings: string[];
  readonly failures: { code: string; message: string }[];
}

export class Party {
  readonly name: PartyName;
  readonly nodeKey: Uint8Array;
  readonly nodeId: string;
  readonly dir: string;
  features: FeatureVector;
  readonly opts: PartyOptions;
  /** The acceptance policy (tests trust the other party for zero-conf here). */
  policy: Partial<AcceptancePolicy>;
  db!: Database;
  channels!: ChannelsRepository;
  openings!: OpeningStore;
  opening: ChannelOpening | null = null;
  link: ChannelLink | null = null;
  closer: ChannelCloser | null = null;
  net!: EstablishNet;
  #nextKeyIndex = 0;
  nowMs = 1_000;
  height = 100;
  /** Builds the funding transaction for a `build_funding` action (a wallet); the default makes one by hand. */
  buildFunding: (a: Extract<OpeningAction, { kind: 'build_funding' }>) => { tx: Uint8Array; outputIndex: number } = handMadeFunding;
  /** Called for `broadcast_funding` (after the wallet released it). */
  broadcast: (tx: Uint8Array) => void = () => undefined;
  /** Called for `release_funding`. */
  released: string[] = [];
  /** Watched funding txids (display hex). */
  readonly watching = new Set<string>();
  readonly log: PartyLog = { sent: [], received: [], openingEvents: [], closeEvents: [], actions: [], signedClosings: [], failures: [] };
  /** Broadcastable closing transactions (both signatures). */
  readonly closingTxs: { txid: string; tx: Uint8Array; feeSat: bigint; closer: string }[] = [];

  constructor(name: PartyName, opts: PartyOptions = {}) {
    this.name = name;
    this.opts = opts;
    this.nodeKey = sha256(utf8.encode(`establish-net node ${name} ${toHex(randomBytes(8))}`));
    this.nodeId = toHex(publicKeyFromPrivate(this.nodeKey));
    this.features = opts.features ?? nodeFeatures();
    this.policy = opts.policy ?? {};
    this.dir = tempDir(`glasswing-establish-${name}-`);
    this.#openStores();
  }

  #openStores(): void {
    this.db = openDatabase(join(this.dir, DATABASE_FILE));
    this.channels = new ChannelsRepository(this.db);
    this.openings = new OpeningStore(join(this.dir, DATABASE_FILE));
  }

  signer(keyIndex: number): ChannelSigner {
    return channelSignerFromNodeKey(this.nodeKey, keyIndex);
  }

  get other(): Party {
    return this.net.other(this);
  }

  context(keyIndex = this.#nextKeyIndex++): OpeningContext {
    return {
      chainHash: chainHash('regtest'),
      localFeatures: this.features,
      remoteFeatures: this.other.features,
      keyIndex,
      signer: this.signer(keyIndex),
      policy: this.policy,
      defaults: this.opts.defaults,
      randomBytes,
      nowMs: this.nowMs,
      blockHeight: this.height,
    };
  }

  get closeFeatures(): CloseFeatures {
    const both = (n: string) => this.features.has(n) && this.other.features.has(n);
    return { anySegwit: both('option_shutdown_anysegwit'), simpleClose: both('option_simple_close') };
  }

  // ----- opening ---------------------------------------------------------------------------------

  /** Opens a channel to the other party (this one funds). */
  open(req: Omit<OpenChannelRequest, 'peerId'> & { peerId?: string }): ChannelOpening {
    this.opening = ChannelOpening.funder({ peerId: this.other.nodeId, ...req }, this.context());
    this.runOpening({ events: [], failure: null, disconnect: false });
    return this.opening;
  }

  /** Persists the opening if it must be, then carries out its actions. */
  runOpening(result: OpeningResult): OpeningResult {
    const o = this.opening;
    if (!o) return result;
    this.log.openingEvents.push(...result.events);
    if (result.failure) this.log.failures.push(result.failure);
    if (o.persistable && o.dirty && o.phase !== 'forgotten') this.openings.save(o);
    const actions = o.takeActions();
    for (const a of actions) {
      this.log.actions.push(a);
      switch (a.kind) {
        case 'send':
          this.send(a.message);
          break;
        case 'build_funding': {
          const built = this.buildFunding(a);
          this.runOpening(o.fundingBuilt(built, this.nowMs));
          break;
        }
        case 'broadcast_funding':
          this.broadcast(a.tx);
          break;
        case 'release_funding':
          this.released.push(a.txid);
          break;
        case 'watch_funding':
          this.watching.add(a.txid);
          break;
        case 'unwatch_funding':
          this.watching.delete(a.txid);
          break;
        case 'forget':
          this.openings.delete(o);
          break;
      }
    }
    for (const e of result.events) if (e.type === 'channel_ready') this.#handOff(e.channel.stored);
    if (result.disconnect) this.net.disconnect();
    return result;
  }

  #handOff(stored: StoredChannel): void {
    this.channels.saveChannel(stored);
    this.link = new ChannelLink(stored, this.signer(stored.keyIndex));
    if (this.net.connected) this.link.openedOnConnection();
    this.#newCloser();
  }

  #newCloser(): void {
    this.closer = new ChannelCloser(this.link!, {
      features: this.closeFeatures,
      feerates: this.opts.feerates ?? { targetPerKw: 1_000, minPerKw: 253, maxPerKw: 5_000 },
      blockHeight: this.height,
    });
  }

  // ----- link and closer ---------------------------------------------------------------------------

  /** Persists the link if it must be, sends its messages, then the closer's. */
  runLink(result: LinkResult | null, close: CloseResult | null = null): void {
    const link = this.link!;
    if (result?.failure) this.log.failures.push(result.failure);
    if (close) {
      this.log.closeEvents.push(...close.events);
      if (close.failure) this.log.failures.push(close.failure);
      for (const e of close.events) if (e.type === 'closing_tx') this.closingTxs.push({ txid: txidToHex(e.txid), tx: e.tx, feeSat: e.feeSat, closer: e.closer });
      for (const req of close.requests) if (req.kind === 'shutdown_script') return this.runLink(null, this.closer!.close({ scriptPubKey: this.opts.closeScript ?? randomP2wpkh() }, this.nowMs));
    }
    if (link.needsPersist || link.dirty) {
      const snap = link.snapshot();
      this.channels.saveChannel(snap);
      link.markPersisted(snap.revision);
    }
    for (const out of link.takeOutbound()) this.send(out.message);
    if (this.closer) {
      // The monitor learns every closing transaction we signed before our signature leaves.
      for (const s of this.closer.takeSignedClosings()) this.log.signedClosings.push(txidToHex(s.txid));
      for (const m of this.closer.takeOutbound()) this.send(m);
    }
    if (result?.disconnect || close?.disconnect) this.net.disconnect();
  }

  /** A link step followed by the closer's progress (as the channel service would run them). */
  step(result: LinkResult): void {
    this.runLink(result, this.closer?.progress(this.nowMs) ?? null);
  }

  addHtlc(amountMsat: bigint, name = 'x'): bigint {
    const id = this.link!.state.nextLocalHtlcId;
    this.step(this.link!.addHtlc({ amountMsat, paymentHash: sha256(preimageOf(name)), cltvExpiry: 500, onionRoutingPacket: ONION }));
    return id;
  }

  commit(): void {
    this.step(this.link!.commit());
  }

  /** Starts a cooperative close. */
  close(scriptPubKey: Uint8Array | null = null, feerates?: CloseFeerates): void {
    this.runLink(null, this.closer!.close({ scriptPubKey: scriptPubKey ?? this.opts.closeScript ?? randomP2wpkh(), ...(feerates ? { feerates } : {}) }, this.nowMs));
  }

  // ----- transport ---------------------------------------------------------------------------------

  send(m: Message): void {
    this.log.sent.push(m);
    if (this.net.connected) this.net.queue(this, encodeMessage(m));
  }

  /** One message from the peer. */
  receive(bytes: Uint8Array): void {
    const m = decodeMessage(bytes);
    this.log.received.push(m);
    if (m.type === 'open_channel') {
      this.opening = ChannelOpening.fundee(this.other.nodeId, m, this.context(), this.opts.accept ?? {});
      this.runOpening({ events: [], failure: this.opening.failure, disconnect: false });
      return;
    }
    if (m.type === 'error') {
      const text = new TextDecoder().decode(m.data);
      if (this.link) this.runLink(this.link.peerFailed(text));
      else if (this.opening) this.runOpening(this.opening.peerError(text));
      return;
    }
    if (m.type === 'warning') return;
    const toOpening = ['accept_channel', 'funding_created', 'funding_signed'].includes(m.type) || (!this.link && (m.type === 'channel_ready' || m.type === 'channel_reestablish'));
    if (toOpening) {
      if (this.opening) this.runOpening(this.opening.receive(m, this.nowMs));
      return;
    }
    if (!this.link) return;
    if (isCloseMessage(m)) {
      this.runLink(null, this.closer!.receive(m, this.nowMs));
      return;
    }
    if (m.type === 'channel_reestablish' || m.type === 'channel_ready' || isChannelMessage(m)) {
      const r = this.link.receive(m, this.nowMs);
      this.step(r);
    }
  }

  // ----- chain ---------------------------------------------------------------------------------------

  /** The funding transaction was seen (mempool or block). */
  seen(raw: Uint8Array): void {
    const id = txidToHex(computeTxid(decodeTx(raw)));
    if (this.opening && this.watching.has(id)) this.runOpening(this.opening.fundingTransaction(raw));
  }

  confirmed(id: string, c: { height: number; txIndex: number; blockHash: string }): void {
    if (this.opening && this.watching.has(id)) this.runOpening(this.opening.fundingConfirmed(c));
  }

  unconfirmed(id: string): void {
    if (this.opening && this.watching.has(id)) this.runOpening(this.opening.fundingUnconfirmed());
  }

  tip(height: number): void {
    this.height = height;
    if (this.opening) this.runOpening(this.opening.bestBlock(height));
    this.closer?.setBlockHeight(height);
  }

  // ----- crashes --------------------------------------------------------------------------------------

  /** The process dies: memory is gone, the SQLite file stays; the node restarts from it (offline). */
  crash(): void {
    if (this.net.connected) this.net.disconnect();
    this.db.close();
    this.openings.close();
    this.#openStores();
    const records = this.openings.load();
    this.opening = null;
    this.watching.clear();
    const rec = records[records.length - 1];
    if (rec) {
      const { keyIndex: _k, ...ctx } = this.context(rec.keyIndex);
      this.opening = ChannelOpening.restore(rec, ctx);
      this.runOpening({ events: [], failure: null, disconnect: false });
    }
    const stored = this.channels.loadChannels();
    this.link = stored[0] ? new ChannelLink(stored[0], this.signer(stored[0].keyIndex)) : null;
    this.closer = null;
    if (this.link) this.#newCloser();
  }

  closeStores(): void {
    this.db.close();
    this.openings.close();
  }
}

export function preimageOf(name: string): Uint8Array {
  return sha256(utf8.encode(`establish-net preimage ${name}`));
}

/**
 * A funding transaction made by hand for unit tests: one segwit input from nowhere, the funding output at a
 * random index next to a change output. Nothing validates it but the cores (the btcd test uses the real wallet).
 */
export function handMadeFunding(a: Extract<OpeningAction, { kind: 'build_funding' }>): { tx: Uint8Array; outputIndex: number } {
  const change = { value: 50_000n, scriptPubKey: randomP2wpkh() };
  const funding = { value: a.amountSat, scriptPubKey: a.scriptPubKey };
  const first = randomBytes(1)[0]! % 2 === 0;
  const tx = {
    version: 2,
    inputs: [{ prevout: { txid: randomBytes(32), vout: 0 }, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [randomBytes(71), randomBytes(33)] }],
    outputs: first ? [funding, change] : [change, funding],
    locktime: 0,
  };
  return { tx: encodeTx(tx), outputIndex: first ? 0 : 1 };
}

export class EstablishNet {
  readonly a: Party;
  readonly b: Party;
  connected = true;
  readonly #queues = new Map<Party, Uint8Array[]>();

  constructor(a: Party, b: Party) {
    this.a = a;
    this.b = b;
    a.net = this;
    b.net = this;
    this.#queues.set(a, []);
    this.#queues.set(b, []);
  }

  other(p: Party): Party {
    return p === this.a ? this.b : this.a;
  }

  queue(from: Party, bytes: Uint8Array): void {
    this.#queues.get(from)!.push(bytes);
  }

  inFlight(from: Party): Message[] {
    return this.#queues.get(from)!.map((b) => decodeMessage(b));
  }

  /** Takes the next message from `from` off the wire without delivering it. */
  take(from: Party): Message | null {
    const bytes = this.#queues.get(from)!.shift();
    return bytes ? decodeMessage(bytes) : null;
  }

  /** Delivers one message from `from`; false when none is waiting. */
  deliverOne(from: Party): boolean {
    const bytes = this.#queues.get(from)!.shift();
    if (!bytes) return false;
    this.other(from).receive(bytes);
    return true;
  }

  /** Delivers until both directions are empty (A→B first each round). */
  deliverAll(limit = 10_000): void {
    for (let i = 0; i < limit; i++) {
      const moved = this.deliverOne(this.a) || this.deliverOne(this.b);
      if (!moved) return;
    }
    throw new Error('messages kept flowing');
  }

  disconnect(): void {
    if (!this.connected) return;
    this.connected = false;
    this.#queues.set(this.a, []);
    this.#queues.set(this.b, []);
    for (const p of [this.a, this.b]) {
      if (p.opening) p.runOpening(p.opening.disconnected());
      if (p.link) {
        p.closer?.disconnected();
        p.runLink(p.link.disconnected());
      }
    }
  }

  /** A new connection: openings and links send channel_reestablish. */
  reconnect(): void {
    this.connected = true;
    for (const p of [this.a, this.b]) {
      if (p.opening && p.opening.phase === 'awaiting_lock_in') p.runOpening(p.opening.connected({ local: p.features, remote: p.other.features }));
      if (p.link) {
        p.closer?.setFeatures(p.closeFeatures);
        p.runLink(p.link.connected());
      }
    }
  }

  close(): void {
    this.a.closeStores();
    this.b.closeStores();
  }
}

/** Two parties joined by a connection: A and B. */
export function establishNet(a: PartyOptions = {}, b: PartyOptions = {}): EstablishNet {
  return new EstablishNet(new Party('A', a), new Party('B', b));
}

/** A chain for unit tests: blocks of transactions, a mempool, reorgs. It tells both parties what happens to what they watch. */
export class ModelChain {
  readonly blocks: { hash: string; txs: Uint8Array[] }[] = [];
  mempool: Uint8Array[] = [];
  readonly net: EstablishNet;
  readonly base: number;

  constructor(net: EstablishNet, base = 100) {
    this.net = net;
    this.base = base;
    net.a.broadcast = (tx) => this.broadcast(tx);
    net.b.broadcast = (tx) => this.broadcast(tx);
    net.a.height = base;
    net.b.height = base;
  }

  get height(): number {
    return this.base + this.blocks.length;
  }

  broadcast(tx: Uint8Array): void {
    if (this.mempool.some((t) => toHex(t) === toHex(tx)) || this.blocks.some((b) => b.txs.some((t) => toHex(t) === toHex(tx)))) return;
    this.mempool.push(tx);
    for (const p of [this.net.a, this.net.b]) p.seen(tx);
  }

  /** Mines `n` blocks (the mempool goes into the first, after a coinbase stand-in at index 0). */
  mine(n = 1): void {
    for (let i = 0; i < n; i++) {
      const txs = [randomBytes(60), ...this.mempool];
      this.mempool = [];
      const block = { hash: toHex(randomBytes(32)), txs };
      this.blocks.push(block);
      const height = this.height;
      for (const p of [this.net.a, this.net.b]) {
        txs.forEach((raw, txIndex) => {
          if (txIndex === 0) return;
          const id = txidToHex(computeTxid(decodeTx(raw)));
          p.seen(raw);
          p.confirmed(id, { height, txIndex, blockHash: block.hash });
        });
        p.tip(height);
      }
    }
  }

  /** Disconnects the blocks above `height`: their transactions go back to the mempool. */
  reorgTo(height: number): void {
    const removed = this.blocks.splice(height - this.base);
    const back = removed.flatMap((b) => b.txs.slice(1));
    this.mempool.push(...back);
    for (const p of [this.net.a, this.net.b]) {
      for (const raw of back) p.unconfirmed(txidToHex(computeTxid(decodeTx(raw))));
      p.tip(this.height);
    }
  }
}

/** Commits on whichever side has something to sign until nothing is pending anywhere. */
export function settle(net: EstablishNet): void {
  for (let i = 0; i < 20; i++) {
    net.deliverAll();
    let signed = false;
    for (const p of [net.a, net.b]) {
      const link = p.link;
      if (!link || link.phase !== 'active') continue;
      const s = link.state;
      const pending = s.changes.some((c) => (c.list === 'remote_unacked' || c.list === 'remote_acked') && c.signedInRemote === null);
      if (pending && !s.remoteNextCommit) {
        p.commit();
        signed = true;
      }
    }
    if (!signed && net.inFlight(net.a).length === 0 && net.inFlight(net.b).length === 0) return;
  }
  throw new Error('the channel did not settle');
}

/** Two nodes with an open channel (A funded it), both links active; the model chain is returned too. */
export function openedNet(
  opts: { a?: PartyOptions; b?: PartyOptions; fundingSatoshis?: bigint; pushMsat?: bigint; upfrontA?: Uint8Array | null; channelType?: 'anchors' | 'static_remotekey'; feeratePerKw?: number } = {},
): { net: EstablishNet; chain: ModelChain } {
  const net = establishNet(opts.a ?? {}, opts.b ?? {});
  const chain = new ModelChain(net);
  net.a.open({
    fundingSatoshis: opts.fundingSatoshis ?? 1_000_000n, pushMsat: opts.pushMsat ?? 400_000_000n, feeratePerKw: opts.feeratePerKw ?? 1_000, fundingFeeRateSatVb: 2,
    upfrontShutdownScript: opts.upfrontA ?? null, ...(opts.channelType ? { channelType: opts.channelType } : {}),
  });
  net.deliverAll();
  chain.mine(3);
  net.deliverAll();
  if (net.a.link?.phase !== 'active' || net.b.link?.phase !== 'active') throw new Error('the channel did not open');
  return { net, chain };
}
