/**
 * A small Lightning network in one process for the payment cores: each node has its own SQLite
 * file (payments and channel stores), its node key, a gossip graph learned from real signed
 * announcements and updates, and its channels as real core/channel ChannelLinks joined by in-memory
 * connections. Each node is driven as the node's adapter will drive it: a payments step's writes
 * are persisted in one transaction, then its actions carried out on the links (adds reported back
 * with htlcAdded / htlcAddFailed), the touched channels signed, the links' steps persisted before
 * their messages leave, and every link step's domain events fed back to the payment cores.
 */
import { join } from 'node:path';
import { publicKeyFromPrivate, scalarFromHash, sha256, toHex, utf8 } from '../../../core/crypto';
import { ChannelCommandError, ChannelLink, changesPendingForRemote } from '../../../core/channel';
import type { ChannelPolicy, ChannelConfig, LinkResult, StoredChannel } from '../../../core/channel';
import { GossipManager } from '../../../core/gossip';
import type { Bolt11Invoice } from '../../../core/invoices';
import { OffersKeys, OffersManager, createPaymentPath, persistOffersWrites } from '../../../core/offers/manager';
import type { OffersStores, PreparedFetch } from '../../../core/offers/manager';
import { buildInvoice, decodeInvoice } from '../../../core/offers';
import type { Invoice } from '../../../core/offers';
import { decodeOffersMessage } from '../../../core/messenger/families';
import { NodeOnionKeys, Payments, estimateOutboundMsat } from '../../../core/payments';
import type {
  ChannelDirectory, ForwardingChannel, ForwardingPolicy, HoldPolicy, InboundPolicy, OutboundPolicy, OurChannel, PaymentEventBody, PaymentsStep, RouteSource,
  SwitchPolicy,
} from '../../../core/payments';
import { openChannelPair } from '../../../core/simulator';
import { ChannelsRepository } from '../../../core/store/channels-repository';
import {
  DATABASE_FILE, InvoiceRequestsRepository, InvoicesRepository, OffersRepository, PaymentsRepository, openDatabase,
} from '../../../core/store';
import type { Database } from '../../../core/store';
import { decodeMessage, encodeMessage } from '../../../core/wire';
import { tempDir } from '../../support/tmp';
import { CHAIN, NOW_MS, NOW_SEC, TestChain, channel as announcedChannel, feed, scid as scidOf, update } from '../gossip/support';
import type { Keys, TestChannel } from '../gossip/support';

export const HEIGHT = 800_000;
export { NOW_MS, NOW_SEC };

/** A deterministic byte source (xorshift32), distinct per seed. */
export function seededBytes(seed: number): (n: number) => Uint8Array {
  let x = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      out[i] = x & 0xff;
    }
    return out;
  };
}

export function nodeKeys(name: string): Keys {
  const secret = scalarFromHash(sha256(utf8.encode(`payments-test/${name}`)));
  const id = publicKeyFromPrivate(secret);
  return { secret, id, hex: toHex(id) };
}

/** Our end of a channel at one node. */
export class ChannelEnd {
  link: ChannelLink;
  readonly node: PayNode;
  peer!: ChannelEnd;
  readonly scid: bigint;
  readonly keyIndex: number;
  /** What this node enforces when forwarding over this channel. */
  policy: ForwardingPolicy;
  /** The channel_update this node returns in failures (signed, with its type). */
  channelUpdate: Uint8Array | null;
  /** Messages on their way to the peer, BOLT 1 bytes. */
  outbox: Uint8Array[] = [];
  /** Whether the link was active after the last step (a change to active triggers `reconcile`). */
  wasActive = true;
  readonly linkPolicy: Partial<ChannelPolicy>;
  readonly signer: ChannelLink['signer'];

  constructor(node: PayNode, stored: StoredChannel, signer: ChannelLink['signer'], scid: bigint, policy: ForwardingPolicy, linkPolicy: Partial<ChannelPolicy>) {
    this.node = node;
    this.signer = signer;
    this.linkPolicy = linkPolicy;
    this.link = new ChannelLink(stored, signer, linkPolicy);
    this.scid = scid;
    this.keyIndex = stored.keyIndex;
    this.policy = policy;
    this.channelUpdate = null;
  }

  get id(): string {
    return toHex(this.link.channelId);
  }
}

export interface NodeOptions {
  readonly outbound?: Partial<OutboundPolicy>;
  readonly inbound?: Partial<InboundPolicy>;
  readonly switch?: Partial<SwitchPolicy>;
  readonly hold?: HoldPolicy;
}

export class PayNode {
  readonly name: string;
  readonly keys: Keys;
  readonly dir: string;
  db: Database;
  store: PaymentsRepository;
  channelStore: ChannelsRepository;
  offersStores: OffersStores;
  offers: OffersManager;
  readonly offersKeys: OffersKeys;
  payments!: Payments;
  readonly gossip: GossipManager;
  readonly ends = new Map<string, ChannelEnd>();
  readonly events: PaymentEventBody[] = [];
  /** Every step this node's cores returned, as carried out (for the persist-before-promise checks). */
  readonly steps: PaymentsStep<unknown>[] = [];
  readonly net: PayNet;
  readonly options: NodeOptions;
  height = HEIGHT;
  online = true;
  #random: (n: number) => Uint8Array;
  #onion: NodeOnionKeys;

  constructor(net: PayNet, name: string, options: NodeOptions) {
    this.net = net;
    this.name = name;
    this.options = options;
    this.keys = nodeKeys(name);
    this.dir = tempDir(`glasswing-pay-${name}-`);
    this.db = openDatabase(join(this.dir, DATABASE_FILE));
    this.store = new PaymentsRepository(this.db);
    this.channelStore = new ChannelsRepository(this.db);
    this.offersStores = this.#offersStores();
    this.offersKeys = new OffersKeys(this.keys.secret, this.#offersSeed());
    this.offers = this.#offersManager();
    this.gossip = new GossipManager({ chainHash: CHAIN, nowMs: NOW_MS });
    this.gossip.peerConnected('ff'.repeat(33), { gossipQueries: false, gossipQueriesEx: false }, NOW_MS);
    this.#random = seededBytes(name.charCodeAt(0) * 7919 + name.length);
    this.#onion = new NodeOnionKeys(this.keys.secret);
    this.#build();
  }

  #offersSeed(): Uint8Array {
    return sha256(utf8.encode(`payments-test/${this.name}/offers`));
  }

  #offersStores(): OffersStores {
    const db = this.db;
    return { offers: new OffersRepository(db), requests: new InvoiceRequestsRepository(db), invoices: new InvoicesRepository(db), atomically: (fn) => db.transaction(fn)() };
  }

  #offersManager(): OffersManager {
    return new OffersManager({ nodeKey: this.keys.secret, offersSeed: this.#offersSeed(), chain: CHAIN, reader: this.offersStores, randomBytes: seededBytes(this.name.length * 31 + 5) });
  }

  get now(): number {
    return this.net.now;
  }

  #build(): void {
    const routes: RouteSource = {
      graph: () => this.gossip.graph.routingView(),
      channels: () => [...this.ends.values()].map((e): OurChannel => ({
        channelId: e.id,
        peerNodeId: e.peer.node.keys.id,
        shortChannelId: e.scid,
        active: e.link.phase === 'active',
        outboundMsat: estimateOutboundMsat(e.link.state),
        htlcMinimumMsat: e.link.state.params.remote.config.htlcMinimumMsat,
      })),
    };
    const forwarding = (e: ChannelEnd): ForwardingChannel => ({
      channelId: e.id, peerNodeId: e.peer.node.keys.id, active: e.link.phase === 'active', outboundMsat: estimateOutboundMsat(e.link.state),
      policy: e.policy, channelUpdate: e.channelUpdate,
    });
    const directory: ChannelDirectory = {
      byShortChannelId: (scid) => {
        const e = [...this.ends.values()].find((x) => x.scid === scid);
        return e ? forwarding(e) : undefined;
      },
      toPeer: (nodeId) => {
        const e = [...this.ends.values()].find((x) => toHex(x.peer.node.keys.id) === toHex(nodeId));
        return e ? forwarding(e) : undefined;
      },
      byChannelId: (id) => {
        const e = this.ends.get(id);
        return e ? forwarding(e) : undefined;
      },
    };
    this.payments = new Payments({
      store: this.store,
      ourNodeId: this.keys.id,
      network: 'regtest',
      height: this.height,
      randomBytes: this.#random,
      onion: this.#onion,
      routes,
      channels: directory,
      signBolt11: (u) => u.sign(this.keys.secret),
      updates: {
        checkFailureUpdate: (bytes) => this.gossip.checkFailureUpdate(bytes),
        policyTimestamp: (scid, direction) => this.gossip.graph.channel(scid)?.policies[direction]?.timestamp,
      },
      bolt12: { paymentForPath: (pathId, hash) => this.offers.paymentForPath(pathId, hash) },
      ...(this.options.hold ? { hold: this.options.hold } : {}),
      ...(this.options.outbound ? { outboundPolicy: this.options.outbound } : {}),
      ...(this.options.inbound ? { inboundPolicy: this.options.inbound } : {}),
      ...(this.options.switch ? { switchPolicy: this.options.switch } : {}),
    });
  }

  // ----- the adapter's part -------------------------------------------------------------------

  /**
   * Where the process dies next (a crash test): right after a step's writes are durable and before
   * any of its actions, or after its adds are on the channels (signed) but before their HTLC ids are stored.
   */
  kill: 'after_writes' | 'before_add_confirmed' | null = null;

  #die(): void {
    this.kill = null;
    this.online = false;
  }

  /** Carries out a step: writes first (one transaction), then the actions, then the events. */
  run<T>(step: PaymentsStep<T>): T {
    if (!this.online) return step.value;
    this.steps.push(step);
    this.store.applyPaymentsWrites(step.writes);
    this.events.push(...step.events);
    if (this.kill === 'after_writes' && step.actions.length > 0) {
      this.#die();
      return step.value;
    }
    const confirmations: (() => void)[] = [];
    const touched = new Set<string>();
    for (const a of step.actions) {
      const end = this.ends.get(a.channelId);
      if (!end) throw new Error(`${this.name}: no channel ${a.channelId}`);
      touched.add(end.id);
      switch (a.kind) {
        case 'add_htlc': {
          let added: (LinkResult & { id: bigint }) | undefined;
          try {
            added = end.link.addHtlc({ amountMsat: a.amountMsat, paymentHash: a.paymentHash, cltvExpiry: a.cltvExpiry, onionRoutingPacket: a.onion, pathKey: a.pathKey });
          } catch (e) {
            if (!(e instanceof ChannelCommandError)) throw e;
            this.run(this.payments.htlcAddFailed(a.ref, e.code, e.message, this.now));
            break;
          }
          this.carryOut(end, added);
          const { ref } = a;
          const id = added.id;
          confirmations.push(() => this.run(this.payments.htlcAdded(ref, end.id, id, this.now)));
          break;
        }
        // A removal for a channel that is not active is dropped: `reconcile`, when it is active again,
        // decides it anew from what the store kept (a claim, a forward's preimage or upstream failure).
        case 'fulfill_htlc':
          if (end.link.phase === 'active') this.carryOut(end, end.link.fulfillHtlc(a.htlcId, a.preimage));
          break;
        case 'fail_htlc':
          if (end.link.phase === 'active') this.carryOut(end, end.link.failHtlc(a.htlcId, a.reason));
          break;
        case 'fail_malformed_htlc':
          if (end.link.phase === 'active') this.carryOut(end, end.link.failMalformedHtlc(a.htlcId, a.sha256OfOnion, a.failureCode));
          break;
      }
    }
    for (const id of touched) this.commitIfNeeded(this.ends.get(id)!);
    if (this.kill === 'before_add_confirmed' && confirmations.length > 0) {
      this.#die();
      return step.value;
    }
    for (const confirm of confirmations) confirm();
    return step.value;
  }

  /** A link result: persist when needed, then hand the messages to the connection, then feed the events to the cores. */
  carryOut(end: ChannelEnd, result: LinkResult): void {
    if (!this.online) return;
    if (end.link.needsPersist) {
      const snap = end.link.snapshot();
      this.channelStore.saveChannel(snap);
      end.link.markPersisted(snap.revision);
    }
    for (const out of end.link.takeOutbound()) if (this.net.connected(end)) end.outbox.push(encodeMessage(out.message));
    if (result.forgotten.length > 0) this.run(this.payments.updatesForgotten(end.id, result.forgotten, this.now));
    if (result.events.length > 0) this.run(this.payments.channelEvents(end.id, result.events, this.now));
    // The channel is active again (channel_reestablish done): the cores pick up what it holds, before its next message.
    const active = end.link.phase === 'active';
    if (active && !end.wasActive) {
      end.wasActive = true;
      this.run(this.payments.reconcile(end.id, end.link.state, this.now));
    }
    end.wasActive = active;
  }

  commitIfNeeded(end: ChannelEnd): void {
    const s = end.link.state;
    if (end.link.phase !== 'active' || s.remoteNextCommit || changesPendingForRemote(s).length === 0) return;
    this.carryOut(end, end.link.commit());
  }

  // ----- inputs ---------------------------------------------------------------------------------

  tick(): void {
    this.run(this.payments.tick(this.now));
  }

  setHeight(h: number): void {
    this.height = h;
    this.run(this.payments.setHeight(h, this.now));
  }

  invoice(params: Parameters<Payments['inbound']['createInvoice']>[0]): Bolt11Invoice {
    return this.run(this.payments.inbound.createInvoice(params, this.now)).invoice;
  }

  /**
   * The process dies and starts again from its files: new database handles, links and cores from
   * the stores, every connection dropped; each channel is reconciled with the cores once it is
   * active again (see carryOut).
   */
  restart(): void {
    this.online = false;
    for (const end of this.ends.values()) this.net.disconnect(end);
    this.online = true;
    this.db.close();
    this.db = openDatabase(join(this.dir, DATABASE_FILE));
    this.store = new PaymentsRepository(this.db);
    this.channelStore = new ChannelsRepository(this.db);
    this.offersStores = this.#offersStores();
    this.offers = this.#offersManager();
    for (const end of this.ends.values()) {
      end.link = new ChannelLink(this.channelStore.loadChannel(end.id)!, end.signer, end.linkPolicy);
      end.wasActive = false;
    }
    this.#build();
  }

  close(): void {
    this.db.close();
  }
}

export interface ChannelOptions {
  readonly fundingSat?: bigint;
  /** What `a` gives `b` at opening. Default half. */
  readonly pushMsat?: bigint;
  readonly policyA?: Partial<ForwardingPolicy>;
  readonly policyB?: Partial<ForwardingPolicy>;
  readonly configA?: Partial<ChannelConfig>;
  readonly configB?: Partial<ChannelConfig>;
  readonly linkPolicyA?: Partial<ChannelPolicy>;
  readonly linkPolicyB?: Partial<ChannelPolicy>;
}

export const DEFAULT_FORWARDING: ForwardingPolicy = {
  feeBaseMsat: 1_000n, feeProportionalMillionths: 100n, cltvExpiryDelta: 40, htlcMinimumMsat: 1_000n, htlcMaximumMsat: 5_000_000_000n, disabled: false,
};

export class PayNet {
  readonly nodes = new Map<string, PayNode>();
  readonly channels: { a: ChannelEnd; b: ChannelEnd; announced: TestChannel }[] = [];
  readonly chain = new TestChain();
  now = NOW_MS;
  #down = new Set<string>();
  #block = 1;

  node(name: string, options: NodeOptions = {}): PayNode {
    const n = new PayNode(this, name, options);
    this.nodes.set(name, n);
    return n;
  }

  /** Opens a channel a–b (a funds), announces it with both directions' updates to every node's graph. */
  open(a: PayNode, b: PayNode, o: ChannelOptions = {}): { a: ChannelEnd; b: ChannelEnd; scid: bigint } {
    const fundingSat = o.fundingSat ?? 10_000_000n;
    const seed = (n: PayNode) => sha256(utf8.encode(`payments-test/${a.name}-${b.name}/${n.name}`));
    const pair = openChannelPair({
      fundingSat, pushMsat: o.pushMsat ?? (fundingSat * 1000n) / 2n, seedA: seed(a), seedB: seed(b),
      ...(o.configA ? { configA: o.configA } : {}), ...(o.configB ? { configB: o.configB } : {}),
    });
    const scid = scidOf(700_000 + this.#block++, 1, 0);
    const stored = (peer: PayNode, state: StoredChannel['state'], keyIndex: number): StoredChannel => ({
      peerId: peer.keys.hex, keyIndex, createdAt: 0, state, lastSent: 'none', sentUpdates: [], dataLoss: null, revision: 1,
    });
    const policyA = { ...DEFAULT_FORWARDING, ...o.policyA };
    const policyB = { ...DEFAULT_FORWARDING, ...o.policyB };
    const endA = new ChannelEnd(a, stored(b, pair.a.state, a.ends.size), pair.signerA, scid, policyA, o.linkPolicyA ?? {});
    const endB = new ChannelEnd(b, stored(a, pair.b.state, b.ends.size), pair.signerB, scid, policyB, o.linkPolicyB ?? {});
    endA.peer = endB;
    endB.peer = endA;
    a.channelStore.saveChannel(endA.link.snapshot());
    b.channelStore.saveChannel(endB.link.snapshot());
    a.ends.set(endA.id, endA);
    b.ends.set(endB.id, endB);
    endA.link.openedOnConnection();
    endB.link.openedOnConnection();
    const announced = announcedChannel(a.keys, b.keys, scid, { capacitySat: fundingSat });
    this.chain.fund(announced);
    this.channels.push({ a: endA, b: endB, announced });
    for (const n of this.nodes.values()) feed(n.gossip, 'ff'.repeat(33), announced.announcement, this.chain);
    this.announce(endA, NOW_SEC);
    this.announce(endB, NOW_SEC);
    return { a: endA, b: endB, scid };
  }

  /** Signs `end`'s direction of its channel with its node's current policy and gives it to every graph (and to the end, for failures). */
  announce(end: ChannelEnd, timestamp: number, toGraphs = true): void {
    const ch = this.channels.find((c) => c.a === end || c.b === end)!.announced;
    const direction = ch.ends[0].hex === end.node.keys.hex ? 0 : 1;
    const p = end.policy;
    // BOLT 7: htlc_maximum_msat "MUST NOT" exceed the channel capacity.
    const capacityMsat = ch.capacitySat * 1000n;
    const u = update(ch, direction, {
      timestamp, feeBaseMsat: Number(p.feeBaseMsat), feeProportionalMillionths: Number(p.feeProportionalMillionths), cltvExpiryDelta: p.cltvExpiryDelta,
      htlcMinimumMsat: p.htlcMinimumMsat, htlcMaximumMsat: p.htlcMaximumMsat < capacityMsat ? p.htlcMaximumMsat : capacityMsat, disabled: p.disabled,
    });
    end.channelUpdate = encodeMessage(u);
    if (toGraphs) for (const n of this.nodes.values()) feed(n.gossip, 'ff'.repeat(33), u, this.chain);
  }

  connected(end: ChannelEnd): boolean {
    return !this.#down.has(end.id) && end.node.online && end.peer.node.online;
  }

  /** The connection of a channel drops: everything in flight is lost, both links go offline. */
  disconnect(end: ChannelEnd): void {
    if (this.#down.has(end.id)) return;
    this.#down.add(end.id);
    end.outbox = [];
    end.peer.outbox = [];
    end.node.carryOut(end, end.link.disconnected());
    end.peer.node.carryOut(end.peer, end.peer.link.disconnected());
  }

  /** A new connection: both links send channel_reestablish. */
  reconnect(end: ChannelEnd): void {
    this.#down.delete(end.id);
    end.node.carryOut(end, end.link.connected());
    end.peer.node.carryOut(end.peer, end.peer.link.connected());
  }

  /** Delivers one message from `from` to its peer. */
  deliverOne(from: ChannelEnd): boolean {
    const bytes = from.outbox.shift();
    if (!bytes) return false;
    const to = from.peer;
    to.node.carryOut(to, to.link.receive(decodeMessage(bytes), this.now));
    return true;
  }

  /** One round: one message delivered each way on every connection that is up, then the channels that need it signed. */
  step(): boolean {
    let moved = false;
    for (const { a, b } of this.channels) {
      for (const end of [a, b]) if (this.connected(end) && this.deliverOne(end)) moved = true;
    }
    for (const { a, b } of this.channels) {
      for (const end of [a, b]) {
        if (!this.connected(end)) continue;
        const before = end.outbox.length;
        end.node.commitIfNeeded(end);
        if (end.outbox.length > before) moved = true;
      }
    }
    return moved;
  }

  /** Rounds until `done()` holds; throws if the network goes quiet first. */
  stepUntil(done: () => boolean, maxRounds = 200): void {
    for (let i = 0; i < maxRounds; i++) {
      if (done()) return;
      if (!this.step() && !done()) throw new Error('the network went quiet before the condition held');
    }
    if (!done()) throw new Error('the condition did not hold in time');
  }

  /** Delivers and signs until nothing moves (every connection that is up). */
  settle(maxRounds = 500): void {
    for (let i = 0; i < maxRounds; i++) {
      let moved = false;
      for (const { a, b } of this.channels) {
        for (const end of [a, b]) {
          if (!this.connected(end)) continue;
          while (this.deliverOne(end)) moved = true;
        }
      }
      for (const { a, b } of this.channels) {
        for (const end of [a, b]) {
          if (!this.connected(end)) continue;
          const before = end.outbox.length;
          end.node.commitIfNeeded(end);
          if (end.outbox.length > before) moved = true;
        }
      }
      if (!moved) return;
    }
    throw new Error('the network did not settle');
  }

  /** Moves time for every node and lets each core act on it. */
  advance(ms: number): void {
    this.now += ms;
    for (const n of this.nodes.values()) n.tick();
  }

  close(): void {
    for (const n of this.nodes.values()) n.close();
  }
}

// ----- BOLT 12 helpers ------------------------------------------------------------------------------

/** An offer of `issuer` (no paths: its node id is offer_issuer_id), as its offers manager creates it. */
export function createOffer(issuer: PayNode, amountMsat: bigint, description = 'a thing'): string {
  const step = issuer.offers.createOffer({ amountMsat, description }, issuer.now);
  persistOffersWrites(issuer.offersStores, step.writes);
  return step.value.offer.bolt12;
}

/** The payer's invoice_request for an offer (stored by its offers manager). */
export function requestInvoice(payer: PayNode, offer: string): PreparedFetch {
  const step = payer.offers.prepareFetch({ offer }, payer.now);
  const persisted = persistOffersWrites(payer.offersStores, step.writes);
  return { ...step.value, rowId: persisted.requestRowIds[0]! };
}

/**
 * The whole BOLT 12 exchange, the messenger's part played here: the issuer answers the request
 * with an invoice (one blinded payment path: itself as introduction node), the payer checks and
 * stores it, and gets it back decoded for paying.
 */
export function fetchInvoice(payer: PayNode, issuer: PayNode, offer: string): Invoice {
  const fetch = requestInvoice(payer, offer);
  const answer = issuer.offers.answerInvoiceRequest({ messageId: '01'.repeat(8), value: fetch.request.bytes, context: null, hasReplyPath: true }, issuer.now);
  persistOffersWrites(issuer.offersStores, answer.writes);
  if (answer.value.kind !== 'invoice') throw new Error(`the issuer answered ${answer.value.kind}`);
  const reply = answer.value.reply;
  const accepted = payer.offers.acceptFetchAnswer(fetch, decodeOffersMessage(reply.type, reply.value), fetch.destinations[0]!, payer.now);
  persistOffersWrites(payer.offersStores, accepted.writes);
  if (accepted.value.kind !== 'invoice') throw accepted.value.error;
  return decodeInvoice(accepted.value.invoice.bolt12, { nowSeconds: Math.floor(payer.now / 1000), chains: [CHAIN] });
}

/**
 * An invoice of `issuer` for `payer`'s request whose payment path runs through `forwarders`
 * (introduction node first), with the issuer's payment context in its path_id — as the offers
 * manager will build it once it knows our channels.
 */
export function invoiceThrough(
  payer: PayNode,
  issuer: PayNode,
  offer: string,
  forwarders: readonly { node: PayNode; scid: bigint; relay?: { cltvExpiryDelta: number; feeProportionalMillionths: number; feeBaseMsat: number } }[],
  o: { maxCltvExpiry?: number; htlcMinimumMsat?: bigint; amountMsat?: bigint; expiresAt?: number } = {},
): Invoice {
  const fetch = requestInvoice(payer, offer);
  const amountMsat = o.amountMsat ?? fetch.offer.fields.amount!;
  const random = seededBytes(777);
  const { pathId, body } = issuer.offersKeys.paymentPathId({ nonce: random(16), offerId: fetch.offerId, amountMsat, expiresAt: o.expiresAt ?? NOW_SEC + 7200 });
  const path = createPaymentPath({
    sessionKey: random(32),
    recipient: issuer.keys.id,
    pathId,
    forwarders: forwarders.map((f) => ({
      nodeId: f.node.keys.id, shortChannelId: f.scid, relay: f.relay ?? { cltvExpiryDelta: 40, feeProportionalMillionths: 100, feeBaseMsat: 1000 },
      htlcMinimumMsat: 1_000n, htlcMaximumMsat: 5_000_000_000n,
    })),
    minFinalCltvExpiryDelta: 18,
    maxCltvExpiry: o.maxCltvExpiry ?? HEIGHT + 2000,
    htlcMinimumMsat: o.htlcMinimumMsat ?? 1n,
  });
  return buildInvoice(fetch.request, { paymentHash: issuer.offersKeys.paymentHash(body), createdAt: BigInt(NOW_SEC), paths: [path], nodeId: issuer.keys.id })
    .sign(issuer.keys.secret);
}
