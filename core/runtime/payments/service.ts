/**
 * The PaymentsService: the adapter between the payment cores (core/payments `Payments`, sans-I/O)
 * and the running node. It feeds the cores what the channels report (every link step's domain
 * events, the updates a reconnection forgot, a channel becoming active), time (the node's clock)
 * and block height, and carries out each `PaymentsStep` in the order core/payments/step.ts fixes:
 *
 *   1. the step's writes, in one transaction (PaymentsStore.applyPaymentsWrites) — a claim is
 *      durable before its update_fulfill_htlc is handed to the channel;
 *   2. its actions on the channels (add / fulfill / fail / fail_malformed), then a
 *      commitment_signed on every channel that has something to sign; each add reported back
 *      (`htlcAdded` / `htlcAddFailed`);
 *   3. its events, on the bus.
 *
 * It also signs: after any channel step, a channel with updates the peer has not signed for gets
 * our commitment_signed (nothing else in the node does), so HTLCs move without a caller.
 *
 * Channel steps arrive synchronously from ChannelService (its `onStep` hook), sometimes from
 * inside a command this service gave: they are queued and handled one at a time, in order.
 *
 * Our channels have no short_channel_id from the chain yet (channels are opened on an agreed
 * outpoint until the funding flow confirms them): each is named by `outpointScid`, an id both
 * peers derive from the funding outpoint, or by the alias we sent (option_scid_alias).
 */
import { sha256, toHex, fromHex } from '../../crypto';
import { isGlasswingError } from '../../errors';
import type { Change, ChannelEvent, ChannelState, Htlc } from '../../channel';
import { changesPendingForRemote } from '../../channel';
import type { Bolt11Network, RouteHintHop } from '../../invoices';
import { decodeBolt11 } from '../../invoices';
import type { StaticInvoice } from '../../offers';
import { decodeInvoice } from '../../offers';
import type { PaymentForwarder, PaymentForwarders } from '../../offers/manager';
import { Payments, PaymentError, estimateOutboundMsat } from '../../payments';
import type { PayTarget } from '../../payments';
import type {
  Bolt11Signer, Bolt12Payee, ChannelDirectory, FailureUpdateChecker, ForwardRecord, ForwardingChannel, ForwardingPolicy, InboundPolicy, InvoiceRecord,
  OnionKeys, OurChannel, OutboundPolicy, PaymentEventBody, PaymentRecord, PaymentsStep, PaymentsStore, PartRecord, ReceivedRecord, RouteSource, SwitchPolicy,
  HoldPolicy,
} from '../../payments';
import type { Route, RoutingGraph } from '../../routing';
import { FailureMemory, findRoute } from '../../routing';
import type { AsyncPaymentsProfile } from '../../wire';
import type { Clock, Timer } from '../clock';
import type { ChannelLinkState, ChannelStepReport } from '../channel/service';
import type { OnChainResolution } from '../channel/ports';
import type { Bolt11InvoiceInfo, ForwardInfo, PaymentInfo, ReceivedInfo, RouteInfoResult } from './types';


/** What the adapter needs of ChannelService (the composition root passes the service itself). */
export interface PaymentChannels {
  states(): ChannelLinkState[];
  addHtlc(channelId: string, req: { amountMsat: bigint; paymentHash: Uint8Array; cltvExpiry: number; onionRoutingPacket: Uint8Array; pathKey?: Uint8Array | null; holdHtlc?: boolean }): { id: bigint };
  fulfillHtlc(channelId: string, id: bigint, preimage: Uint8Array): void;
  failHtlc(channelId: string, id: bigint, reason: Uint8Array): void;
  failMalformedHtlc(channelId: string, id: bigint, sha256OfOnion: Uint8Array, failureCode: number): void;
  commit(channelId: string): void;
}

/**
 * Our forwarding policy on every channel until channel_update wiring lets it differ per channel
 * (BOLT 7 channel_update fields). The same numbers go into our invoices' route hints for a peer's
 * channel to us: without gossip we do not know the peer's policy, and a Glasswing peer uses these.
 */
export const DEFAULT_FORWARDING_POLICY: ForwardingPolicy = {
  feeBaseMsat: 1_000n,
  feeProportionalMillionths: 100n,
  // BOLT 2 cltv_expiry_delta selection: 34 is the spec's example minimum; 40 as LDK's default (MIN_CLTV_EXPIRY_DELTA 34 + margin).
  cltvExpiryDelta: 40,
  htlcMinimumMsat: 1n,
  htlcMaximumMsat: 0xffff_ffff_ffff_ffffn,
  disabled: false,
};

export interface PaymentsServiceOptions {
  readonly store: PaymentsStore;
  readonly channels: PaymentChannels;
  readonly ourNodeId: Uint8Array;
  readonly network: Bolt11Network;
  /** The chain hash BOLT 12 invoices must name (BOLT 12 `invoice_chain`, default bitcoin). */
  readonly chain: Uint8Array;
  readonly onion: OnionKeys;
  readonly signBolt11: Bolt11Signer;
  readonly randomBytes: (length: number) => Uint8Array;
  readonly clock: Clock;
  /**
   * The best height the node knows now, or null when it knows none (no chain, or the chain's tip
   * not read yet): then `pay` refuses with `payments.no_chain_tip` (an HTLC's cltv_expiry counts
   * from it) and the cores run at height 0.
   */
  readonly height: () => number | null;
  readonly publish: (event: PaymentEventBody) => void;
  /** The gossip graph, when the node has one (default: empty — our channels and the invoice's hints only). */
  readonly graph?: () => RoutingGraph;
  /** What the gossip layer knows of our channels (default: nothing — every channel private, the peer charging our policy). */
  readonly ownGossip?: OwnChannelGossip;
  readonly updates?: FailureUpdateChecker;
  readonly bolt12?: Bolt12Payee;
  readonly forwardingPolicy?: ForwardingPolicy;
  readonly outboundPolicy?: Partial<OutboundPolicy>;
  readonly inboundPolicy?: Partial<InboundPolicy>;
  readonly switchPolicy?: Partial<SwitchPolicy>;
  /** Async payments (L1): which forwards the switch holds until released (core/payments/async `HtlcHolder`). */
  readonly hold?: HoldPolicy;
  /** Async payments numbers (core/wire async-payments.ts) of the onions we build; default LDK's. */
  readonly asyncPayments?: AsyncPaymentsProfile;
  /** How often payment deadlines and multi-part timeouts are checked (default 1 s). */
  readonly tickMs?: number;
  readonly log?: (line: Record<string, unknown>) => void;
}

/** `short_channel_id` as BOLT 7 writes it: block x tx x output. */
export function formatScid(scid: bigint): string {
  return `${scid >> 40n}x${(scid >> 16n) & 0xffffffn}x${scid & 0xffffn}`;
}

/**
 * An id both peers derive from the funding outpoint, for a channel the chain has not given a
 * short_channel_id: 3 bytes of "block" at or above 0x800000 (above any real height for a long
 * time, so it cannot name a confirmed channel), then 5 bytes of SHA256(txid || vout).
 */
export function outpointScid(state: ChannelState): bigint {
  const { txid, vout } = state.params.fundingOutpoint;
  const buf = new Uint8Array(36);
  buf.set(txid, 0);
  new DataView(buf.buffer).setUint32(32, vout, false);
  const h = sha256(buf);
  let v = 0n;
  for (let i = 0; i < 5; i++) v = (v << 8n) | BigInt(h[i]!);
  return ((0x800000n | BigInt(h[5]! & 0x7f)) << 40n) | v;
}

/** The ids we recognise a channel by when a route names it: the derived one, and the alias we sent. */
function scidsOf(state: ChannelState): bigint[] {
  const local = state.aliases?.local;
  return local !== null && local !== undefined ? [outpointScid(state), local] : [outpointScid(state)];
}

/** The id the peer recognises the channel by (the alias it sent, else the derived one): for route hints. */
function peerScidOf(state: ChannelState): bigint {
  const remote = state.aliases?.remote;
  return remote !== null && remote !== undefined ? remote : outpointScid(state);
}

/** What the gossip layer knows of one of our channels (core/runtime/gossip/own.ts, wired by the node). */
export interface OwnChannelGossip {
  /** Our latest channel_update for it, type included (BOLT 4 failures carry it), or null; `asScid`: named by the id the payer used. */
  channelUpdate(channelId: string, asScid?: bigint): Uint8Array | null;
  /** The peer's policy for its direction, from its channel_update, or null (then a Glasswing peer's default is assumed). */
  peerPolicy(channelId: string): { feeBaseMsat: bigint; feeProportionalMillionths: bigint; cltvExpiryDelta: number; htlcMinimumMsat: bigint; htlcMaximumMsat: bigint } | null;
  /** True once its channel_announcement is in the graph: payers find it there (no route hint). */
  announced(channelId: string): boolean;
}

/** How long `pay` waits past a payment's deadline for its last HTLCs before it answers with the pending record. */
const WAIT_GRACE_MS = 30_000;
/** The route memory is saved at most this often (ms), when it changed, and at close. */
const ROUTE_MEMORY_SAVE_MS = 10_000;

const EMPTY_GRAPH: RoutingGraph = { channelsOf: () => [] };

type Work = () => void;

export class PaymentsService {
  readonly #opts: PaymentsServiceOptions;
  #policy: ForwardingPolicy;
  #payments: Payments;
  readonly #queue: Work[] = [];
  #busy = false;
  readonly #wasActive = new Map<string, boolean>();
  readonly #waiters = new Map<string, ((p: PaymentRecord) => void)[]>();
  #tick: Timer | null = null;
  #height: number | null;
  #closed = false;
  /** What the payer learned of channels and nodes: restored from the store, kept across rebuilds of the cores, saved back. */
  readonly #memory: FailureMemory;
  #memorySaved = { changes: 0, atMs: 0 };

  constructor(opts: PaymentsServiceOptions) {
    this.#opts = opts;
    this.#policy = opts.forwardingPolicy ?? DEFAULT_FORWARDING_POLICY;
    // Null until the chain's tip is known: the switch refuses incoming HTLCs meanwhile (their expiry cannot be judged).
    this.#height = opts.height();
    this.#memory = this.#restoreRouteMemory();
    this.#payments = this.#build();
  }

  /** What the payer has learned of channels and nodes (the one the outbound core reports to). */
  get routeMemory(): FailureMemory {
    return this.#memory;
  }

  /** The route memory the store kept (entries expired since left out); an unreadable one is logged and dropped. */
  #restoreRouteMemory(): FailureMemory {
    const memory = new FailureMemory();
    const now = this.#now();
    try {
      const text = this.#opts.store.loadRouteMemory();
      if (text !== undefined) memory.restore(JSON.parse(text), now);
    } catch (e) {
      this.#opts.log?.({ event: 'route_memory_unreadable', error: e instanceof Error ? e.message : String(e) });
    }
    this.#memorySaved = { changes: memory.changes, atMs: now };
    return memory;
  }

  /** Saves the route memory if it changed since the last save, at most every ROUTE_MEMORY_SAVE_MS unless `now`. */
  #saveRouteMemory(now: boolean): void {
    const at = this.#now();
    const changes = this.#memory.changes;
    if (changes === this.#memorySaved.changes || (!now && at - this.#memorySaved.atMs < ROUTE_MEMORY_SAVE_MS)) return;
    try {
      this.#opts.store.saveRouteMemory(JSON.stringify(this.#memory.snapshot(at)), at);
      this.#memorySaved = { changes, atMs: at };
    } catch (e) {
      // Learned data: the next save tries again.
      this.#opts.log?.({ event: 'route_memory_save_failed', error: e instanceof Error ? e.message : String(e) });
    }
  }

  #build(): Payments {
    const o = this.#opts;
    const routes: RouteSource = { graph: () => (o.graph ? o.graph() : EMPTY_GRAPH), channels: () => this.#ourChannels() };
    const directory: ChannelDirectory = {
      byShortChannelId: (scid) => {
        // The real short_channel_id too: a public channel is named by it in routes over the graph.
        const c = o.channels.states().find((s) => scidsOf(s.state).includes(scid) || s.shortChannelId === scid);
        return c ? this.#forwarding(c, scid) : undefined;
      },
      toPeer: (nodeId) => {
        const hex = toHex(nodeId);
        // Non-strict forwarding (BOLT 4 allows it): the active channel to this peer with the most to send.
        const best = o.channels.states()
          .filter((s) => s.peerId === hex && s.state.status.kind === 'normal')
          .sort((a, b) => Number(estimateOutboundMsat(b.state) - estimateOutboundMsat(a.state)))[0];
        return best ? this.#forwarding(best) : undefined;
      },
      byChannelId: (id) => {
        const c = o.channels.states().find((s) => s.channelId === id);
        return c ? this.#forwarding(c) : undefined;
      },
    };
    return new Payments({
      store: o.store,
      ourNodeId: o.ourNodeId,
      network: o.network,
      height: this.#height,
      randomBytes: o.randomBytes,
      onion: o.onion,
      routes,
      channels: directory,
      signBolt11: o.signBolt11,
      ...(o.updates ? { updates: o.updates } : {}),
      ...(o.bolt12 ? { bolt12: o.bolt12 } : {}),
      ...(o.outboundPolicy ? { outboundPolicy: o.outboundPolicy } : {}),
      ...(o.inboundPolicy ? { inboundPolicy: o.inboundPolicy } : {}),
      ...(o.switchPolicy ? { switchPolicy: o.switchPolicy } : {}),
      ...(o.hold ? { hold: o.hold } : {}),
      ...(o.asyncPayments ? { asyncPayments: o.asyncPayments } : {}),
      memory: this.#memory,
    });
  }

  #ourChannels(): OurChannel[] {
    return this.#opts.channels.states().filter((s) => s.state.status.kind === 'normal').map((s) => ({
      channelId: s.channelId,
      peerNodeId: fromHex(s.peerId),
      shortChannelId: outpointScid(s.state),
      // A blinded path we introduce names the channel as we know it: our alias, or the real id.
      knownAs: [...scidsOf(s.state), ...(s.shortChannelId !== null && s.shortChannelId !== undefined ? [s.shortChannelId] : [])],
      active: s.phase === 'active',
      outboundMsat: estimateOutboundMsat(s.state),
      htlcMinimumMsat: s.state.params.remote.config.htlcMinimumMsat,
    }));
  }

  #forwarding(c: ChannelLinkState, asScid?: bigint): ForwardingChannel {
    return {
      channelId: c.channelId,
      peerNodeId: fromHex(c.peerId),
      active: c.phase === 'active',
      outboundMsat: estimateOutboundMsat(c.state),
      policy: this.#policy,
      channelUpdate: this.#opts.ownGossip?.channelUpdate(c.channelId, asScid) ?? null,
    };
  }

  /** Starts the tick; the channels that are active already are reconciled with the cores. */
  start(): void {
    this.#tick = this.#opts.clock.interval('payments.tick', this.#opts.tickMs ?? 1_000, () => this.#enqueue(() => {
      this.#run(this.#payments.tick(this.#now()));
      this.#saveRouteMemory(false);
    }));
    for (const s of this.#opts.channels.states()) {
      if (s.phase !== 'active') continue;
      this.#wasActive.set(s.channelId, true);
      this.#enqueue(() => this.#run(this.#payments.reconcile(s.channelId, s.state, this.#now())));
    }
  }

  close(): void {
    if (!this.#closed) this.#saveRouteMemory(true);
    this.#closed = true;
    this.#tick?.cancel();
    this.#tick = null;
    for (const [id, list] of this.#waiters) {
      const p = this.#opts.store.getPayment(id);
      if (p) for (const w of list) w(p);
    }
    this.#waiters.clear();
  }

  #now(): number {
    return this.#opts.clock.now();
  }

  // ----- inputs ----------------------------------------------------------------------------------

  /** ChannelService's `onStep`: one link step, after it was persisted and its messages sent. */
  onChannelStep(report: ChannelStepReport): void {
    if (this.#closed) return;
    this.#enqueue(() => this.#channelStep(report.channelId, report.events, report.forgotten, report.phase === 'active'));
  }

  /**
   * ChannelService's `upstream`: what the chain resolved of an HTLC we offered — its preimage, learned
   * from the peer's claim (the incoming HTLC it came from is fulfilled, or our payment succeeds), or
   * its timeout (failed back, or our part failed). BOLT 5: "MUST fulfill/fail the corresponding incoming HTLC".
   */
  onChainResolution(r: OnChainResolution): void {
    if (this.#closed) return;
    this.#enqueue(() => {
      const now = this.#now();
      if (r.kind === 'preimage_wanted') this.#incomingOnChain(r.channelId, r.htlc, now);
      else if (r.kind === 'preimage_learned') this.#run(this.#payments.preimageLearned(r.channelId, r.htlc, r.paymentHash, r.preimage, now));
      else this.#run(this.#payments.htlcFailedOnChain(r.channelId, r.htlc, now));
    });
  }

  /**
   * BOLT 5: an HTLC offered to us sits on the confirmed commitment and the monitor has no preimage
   * ("if it receives (or already possesses) a payment preimage ...: MUST resolve the output"). If we
   * are its final node, it is judged as an irrevocably committed one would be (it is on chain now):
   * a payment of ours claims it, a claim stored before a crash is handed over again; the fulfill goes
   * to the channel's monitor (the channel is not active). HTLCs to forward are left to time out.
   */
  #incomingOnChain(channelId: string, htlc: Htlc, now: number): void {
    const s = this.#opts.channels.states().find((x) => x.channelId === channelId);
    const data = s?.state.incomingHtlcs.find((d) => d.id === htlc.id);
    if (!data || data.failBack !== null) return;
    let final = false;
    try {
      const hop = this.#opts.onion.peel({ packet: data.onionRoutingPacket, paymentHash: htlc.paymentHash, pathKey: data.pathKey });
      final = hop.kind === 'receive' || hop.kind === 'blinded_receive';
    } catch (e) {
      if (!isGlasswingError(e)) throw e;
    }
    this.#opts.log?.({ event: 'payments_incoming_on_chain', channelId, htlcId: htlc.id.toString(), final });
    if (!final) return;
    this.#run(this.#payments.switch.htlcLockedIn({
      channelId, htlcId: htlc.id, amountMsat: htlc.amountMsat, cltvExpiry: htlc.cltvExpiry, paymentHash: htlc.paymentHash,
      onion: data.onionRoutingPacket, pathKey: data.pathKey, failBack: null,
    }, now));
  }

  /** A new best block. */
  setHeight(height: number): void {
    if (this.#closed || height === this.#height) return;
    this.#height = height;
    this.#enqueue(() => this.#run(this.#payments.setHeight(height, this.#now())));
  }

  #channelStep(channelId: string, events: readonly ChannelEvent[], forgotten: readonly Change[], active: boolean): void {
    const now = this.#now();
    if (forgotten.length > 0) this.#run(this.#payments.updatesForgotten(channelId, forgotten, now));
    if (events.length > 0) this.#run(this.#payments.channelEvents(channelId, events, now));
    // BOLT 2: after channel_reestablish the cores pick up what the channel holds (a restart included).
    const was = this.#wasActive.get(channelId) ?? false;
    this.#wasActive.set(channelId, active);
    if (active && !was) {
      const s = this.#opts.channels.states().find((x) => x.channelId === channelId);
      if (s) this.#run(this.#payments.reconcile(channelId, s.state, now));
    }
    this.#commitIfNeeded(channelId);
  }

  #enqueue(work: Work): void {
    this.#queue.push(work);
    if (this.#busy) return;
    this.#busy = true;
    try {
      for (let w = this.#queue.shift(); w; w = this.#queue.shift()) {
        try {
          w();
        } catch (e) {
          this.#opts.log?.({ event: 'payments_step_failed', error: e instanceof Error ? e.message : String(e), code: isGlasswingError(e) ? e.code : null });
        }
      }
    } finally {
      this.#busy = false;
    }
  }

  /** Carries out one step (writes, actions and commits, events; then the adds' ids). Returns its value. */
  #run<T>(step: PaymentsStep<T>): T {
    try {
      this.#opts.store.applyPaymentsWrites(step.writes);
    } catch (e) {
      // Nothing of the step happens; the cores start again from what the store holds.
      this.#opts.log?.({ event: 'payments_write_failed', error: e instanceof Error ? e.message : String(e) });
      this.#payments = this.#build();
      throw e;
    }
    const ch = this.#opts.channels;
    const touched = new Set<string>();
    const later: (() => void)[] = [];
    for (const a of step.actions) {
      touched.add(a.channelId);
      if (a.kind === 'add_htlc') {
        try {
          const { id } = ch.addHtlc(a.channelId, {
            amountMsat: a.amountMsat, paymentHash: a.paymentHash, cltvExpiry: a.cltvExpiry, onionRoutingPacket: a.onion, pathKey: a.pathKey,
            ...(a.holdHtlc ? { holdHtlc: true } : {}),
          });
          later.push(() => this.#run(this.#payments.htlcAdded(a.ref, a.channelId, id, this.#now())));
        } catch (e) {
          if (!isGlasswingError(e)) throw e;
          later.push(() => this.#run(this.#payments.htlcAddFailed(a.ref, e.code, e.message, this.#now())));
        }
        continue;
      }
      // A removal for a channel that is not active is dropped: reconcile decides it again when it is.
      // Not a fulfill: the channel hands its preimage to the monitor now (written before it returns),
      // for a channel that may never become active again (it goes on chain, BOLT 5).
      if (a.kind !== 'fulfill_htlc' && !this.#active(a.channelId)) continue;
      try {
        if (a.kind === 'fulfill_htlc') ch.fulfillHtlc(a.channelId, a.htlcId, a.preimage);
        else if (a.kind === 'fail_htlc') ch.failHtlc(a.channelId, a.htlcId, a.reason);
        else ch.failMalformedHtlc(a.channelId, a.htlcId, a.sha256OfOnion, a.failureCode);
      } catch (e) {
        if (!isGlasswingError(e)) throw e;
        this.#opts.log?.({ event: 'payments_removal_refused', channelId: a.channelId, htlcId: a.htlcId.toString(), kind: a.kind, code: e.code });
      }
    }
    for (const id of touched) this.#commitIfNeeded(id);
    for (const e of step.events) this.#publish(e);
    for (const f of later) f();
    return step.value;
  }

  #active(channelId: string): boolean {
    return this.#opts.channels.states().some((s) => s.channelId === channelId && s.phase === 'active');
  }

  /** Our commitment_signed for a channel with updates the peer has not signed for (none while one is unanswered). */
  #commitIfNeeded(channelId: string): void {
    const s = this.#opts.channels.states().find((x) => x.channelId === channelId);
    if (!s || s.phase !== 'active' || s.state.status.kind !== 'normal' || s.state.remoteNextCommit || changesPendingForRemote(s.state).length === 0) return;
    try {
      this.#opts.channels.commit(channelId);
    } catch (e) {
      if (!isGlasswingError(e)) throw e;
      this.#opts.log?.({ event: 'payments_commit_refused', channelId, code: e.code });
    }
  }

  #publish(e: PaymentEventBody): void {
    this.#opts.publish(e);
    if (e.type === 'payment.succeeded' || e.type === 'payment.failed') {
      const list = this.#waiters.get(e.paymentId);
      if (!list) return;
      this.#waiters.delete(e.paymentId);
      const p = this.#opts.store.getPayment(e.paymentId);
      if (p) for (const w of list) w(p);
    }
  }

  // ----- commands --------------------------------------------------------------------------------

  /**
   * Issues a BOLT 11 invoice, stored before it is returned, with a route hint for each of our
   * channels (they are all private until channel announcements are wired): the peer's id, the id
   * the peer knows the channel by, and the forwarding policy a Glasswing peer charges.
   */
  createInvoice(params: { amountMsat?: bigint; description: string; expirySeconds?: number }): Bolt11InvoiceInfo {
    // BOLT 11 `r`: "MUST specify the private route"; only channels that can carry the payment to us are worth naming.
    const gossip = this.#opts.ownGossip;
    const hints: RouteHintHop[][] = this.#opts.channels.states()
      .filter((s) => s.state.status.kind === 'normal' && !gossip?.announced(s.channelId))
      .slice(0, 8)
      .map((s) => {
        // The peer's own channel_update when it sent one, else the policy a Glasswing peer charges.
        const p = gossip?.peerPolicy(s.channelId) ?? this.#policy;
        return [{
          pubkey: fromHex(s.peerId),
          shortChannelId: peerScidOf(s.state),
          feeBaseMsat: Number(p.feeBaseMsat),
          feeProportionalMillionths: Number(p.feeProportionalMillionths),
          cltvExpiryDelta: p.cltvExpiryDelta,
        }];
      });
    let record: InvoiceRecord | undefined;
    this.#sync(() => {
      record = this.#run(this.#payments.inbound.createInvoice({
        description: params.description,
        ...(params.amountMsat !== undefined ? { amountMsat: params.amountMsat } : {}),
        ...(params.expirySeconds !== undefined ? { expirySeconds: params.expirySeconds } : {}),
        ...(hints.length > 0 ? { routeHints: hints } : {}),
      }, this.#now())).record;
    });
    return invoiceInfo(record!, this.#now());
  }

  /**
   * The peer at the other end of the channel a blinded onion-message path names by
   * short_channel_id (BOLT 4 onion messages: "an announced short_channel_id or a local alias"):
   * the ids we recognise our channels by (the derived one and the alias we sent), any state.
   */
  channelPeer(shortChannelId: bigint): string | undefined {
    return this.#opts.channels.states().find((s) => scidsOf(s.state).includes(shortChannelId))?.peerId;
  }

  /**
   * Our channel peers as forwarders of a blinded payment path to us (BOLT 4 route blinding), for
   * the offers manager's invoices — as createInvoice's route hints: the peer, the id the peer
   * knows the channel by (BOLT 4 `encrypted_data_tlv.short_channel_id` is read by the peer), and
   * the forwarding policy a Glasswing peer charges (its `payment_relay`). One per peer, channels in
   * normal operation only; with the chain's height for the paths' max_cltv_expiry.
   */
  paymentForwarders(): PaymentForwarders {
    const seen = new Set<string>();
    const forwarders: PaymentForwarder[] = [];
    for (const s of this.#opts.channels.states()) {
      if (s.state.status.kind !== 'normal' || seen.has(s.peerId)) continue;
      seen.add(s.peerId);
      const known = this.#opts.ownGossip?.peerPolicy(s.channelId) ?? null;
      const p = known ?? this.#policy;
      forwarders.push({
        policyKnown: known !== null,
        nodeId: fromHex(s.peerId),
        shortChannelId: peerScidOf(s.state),
        relay: {
          feeBaseMsat: Number(p.feeBaseMsat),
          feeProportionalMillionths: Number(p.feeProportionalMillionths),
          cltvExpiryDelta: p.cltvExpiryDelta,
        },
        htlcMinimumMsat: p.htlcMinimumMsat,
        htlcMaximumMsat: p.htlcMaximumMsat,
      });
    }
    return { height: this.#opts.height() ?? 0, forwarders };
  }

  /**
   * Pays a BOLT 11 invoice (`ln…`) or a BOLT 12 invoice (`lni1…`, one this node requested: the
   * offers service checked it against its request). Resolves with the payment once it succeeded or
   * failed (or, when `wait` is false, at once with the pending record). Throws `PaymentError` (or
   * the decoder's typed error) before anything is written when it cannot be paid as asked
   * (`payments.already_paid`, ...).
   */
  async pay(params: { invoice: string; paymentId: string; amountMsat?: bigint; maxFeeMsat?: bigint; timeoutMs?: number; wait?: boolean }): Promise<PaymentInfo> {
    const text = params.invoice.trim();
    let target: PayTarget;
    try {
      target = /^lni1/i.test(text)
        ? { kind: 'bolt12', invoice: decodeInvoice(text, { nowSeconds: Math.floor(this.#now() / 1000), chains: [this.#opts.chain] }) }
        : { kind: 'bolt11', invoice: decodeBolt11(text) };
    } catch (e) {
      if (isGlasswingError(e)) throw e;
      throw new PaymentError('payments.bad_request', 'not a BOLT 11 or BOLT 12 invoice');
    }
    // BOLT 4: each HTLC's cltv_expiry is the current block height plus the route's deltas; without a
    // height it would be in the past and every hop would refuse it (a retry of a stored payment id
    // still answers with its record).
    if (this.#opts.height() === null && !this.#opts.store.getPayment(params.paymentId)) {
      throw new PaymentError('payments.no_chain_tip', 'the node knows no block height yet (no chain source, or the chain not read yet): an HTLC\'s expiry counts from it');
    }
    let payment: PaymentRecord | undefined;
    this.#sync(() => {
      payment = this.#run(this.#payments.outbound.pay({
        paymentId: params.paymentId,
        target,
        ...(params.amountMsat !== undefined ? { amountMsat: params.amountMsat } : {}),
        ...(params.maxFeeMsat !== undefined ? { maxFeeMsat: params.maxFeeMsat } : {}),
        ...(params.timeoutMs !== undefined ? { timeoutMs: params.timeoutMs } : {}),
      }, this.#now()));
    });
    const id = payment!.paymentId;
    const now = this.#opts.store.getPayment(id) ?? payment!;
    if (params.wait === false || now.status !== 'pending') return this.#paymentInfo(now);
    // Until it succeeds or fails — or, an HTLC stuck with an offline peer, a while after its deadline:
    // then the caller gets the pending record (the payment goes on; listpayments shows how it ends).
    const done = await new Promise<PaymentRecord>((resolve) => {
      const list = this.#waiters.get(id) ?? [];
      let timer: Timer | null = null;
      const finish = (p: PaymentRecord) => {
        timer?.cancel();
        resolve(p);
      };
      list.push(finish);
      this.#waiters.set(id, list);
      timer = this.#opts.clock.timeout(`payments.wait ${id}`, Math.max(0, now.deadline - this.#now()) + WAIT_GRACE_MS, () => {
        const left = (this.#waiters.get(id) ?? []).filter((w) => w !== finish);
        if (left.length > 0) this.#waiters.set(id, left);
        else this.#waiters.delete(id);
        resolve(this.#opts.store.getPayment(id) ?? now);
      });
    });
    return this.#paymentInfo(done);
  }

  /**
   * Pays a static invoice (async payments): the preimage and the invoice_request come from the
   * payer core (core/payments/async `AsyncPayer`); `hold` asks our peer to hold the HTLC. Returns
   * the pending record at once: the payment completes when the recipient releases and claims it.
   */
  payAsync(params: {
    paymentId: string; invoice: StaticInvoice; preimage: Uint8Array; invoiceRequest: Uint8Array; amountMsat: bigint; hold: boolean; holders?: readonly Uint8Array[];
    timeoutMs?: number; maxFeeMsat?: bigint;
  }): PaymentInfo {
    let payment: PaymentRecord | undefined;
    this.#sync(() => {
      payment = this.#run(this.#payments.outbound.pay({
        paymentId: params.paymentId,
        target: {
          kind: 'async', invoice: params.invoice, preimage: params.preimage, invoiceRequest: params.invoiceRequest, amountMsat: params.amountMsat, hold: params.hold,
          ...(params.holders ? { holders: params.holders } : {}),
        },
        ...(params.maxFeeMsat !== undefined ? { maxFeeMsat: params.maxFeeMsat } : {}),
        ...(params.timeoutMs !== undefined ? { timeoutMs: params.timeoutMs } : {}),
      }, this.#now()));
    });
    return this.#paymentInfo(this.#opts.store.getPayment(payment!.paymentId) ?? payment!);
  }

  /** Resolves when the payment succeeds or fails, or with the pending record after `waitMs`. */
  waitFor(paymentId: string, waitMs: number): Promise<PaymentInfo> {
    const now = this.#opts.store.getPayment(paymentId);
    if (!now) return Promise.reject(new PaymentError('payments.not_found', `no payment ${paymentId}`));
    if (now.status !== 'pending' || waitMs <= 0) return Promise.resolve(this.#paymentInfo(now));
    return new Promise((resolve) => {
      let timer: Timer | null = null;
      const finish = (p: PaymentRecord) => {
        timer?.cancel();
        resolve(this.#paymentInfo(p));
      };
      this.#waiters.set(paymentId, [...(this.#waiters.get(paymentId) ?? []), finish]);
      timer = this.#opts.clock.timeout(`payments.wait ${paymentId}`, waitMs, () => {
        const left = (this.#waiters.get(paymentId) ?? []).filter((w) => w !== finish);
        if (left.length > 0) this.#waiters.set(paymentId, left);
        else this.#waiters.delete(paymentId);
        resolve(this.#paymentInfo(this.#opts.store.getPayment(paymentId) ?? now));
      });
    });
  }

  /** The payment one of our HTLCs belongs to (async payments: the release paths L1 gave for it). */
  paymentOfHtlc(channelId: string, htlcId: bigint | null): string | undefined {
    for (const p of this.#opts.store.listPayments({ status: 'pending' })) {
      if (this.#opts.store.partsOf(p.paymentId).some((part) => part.channelId === channelId && (htlcId === null || part.htlcId === htlcId) && part.status === 'inflight')) return p.paymentId;
    }
    return undefined;
  }

  /** The forwards the switch holds (async payments, L1). */
  heldForwards(): ForwardRecord[] {
    return this.#payments.switch.active().filter((f) => f.status === 'held');
  }

  /** Releases the held forwards of `key` (release_held_htlc); how many went on (one whose next peer is away stays held). */
  release(holdKey: string): number {
    let n = 0;
    this.#sync(() => {
      n = this.#run(this.#payments.switch.release(holdKey, this.#now()));
    });
    return n;
  }

  /** Fails back the held forwards of `key` (their release window ended). */
  failHeld(holdKey: string, reason: string): void {
    this.#sync(() => void this.#run(this.#payments.switch.failHeld(holdKey, reason, this.#now())));
  }

  /** Runs `fn` through the queue at once (a command is a step like any other) and rethrows its error. */
  #sync(fn: () => void): void {
    let error: unknown;
    const work = () => {
      try {
        fn();
      } catch (e) {
        error = e;
      }
    };
    // From inside a step (an event listener calling the API) it runs now; the queue goes on after.
    if (this.#busy) work();
    else this.#enqueue(work);
    if (error !== undefined) throw error;
  }

  getPayment(paymentId: string): PaymentInfo | undefined {
    const p = this.#opts.store.getPayment(paymentId);
    return p ? this.#paymentInfo(p) : undefined;
  }

  listPayments(filter: { status?: 'pending' | 'succeeded' | 'failed'; limit?: number } = {}): PaymentInfo[] {
    return this.#opts.store.listPayments(filter).map((p) => this.#paymentInfo(p));
  }

  listInvoices(filter: { status?: 'unpaid' | 'paid'; limit?: number } = {}): Bolt11InvoiceInfo[] {
    const now = this.#now();
    return this.#opts.store.listInvoices(filter).map((i) => invoiceInfo(i, now));
  }

  listReceived(filter: { limit?: number } = {}): ReceivedInfo[] {
    return this.#opts.store.listReceived(filter).map(receivedInfo);
  }

  listForwards(filter: { status?: ForwardRecord['status']; limit?: number } = {}): { forwards: ForwardInfo[]; feesEarnedMsat: string } {
    const forwards = this.#opts.store.listForwards(filter);
    return { forwards: forwards.map(forwardInfo), feesEarnedMsat: this.#opts.store.feesEarnedMsat().toString() };
  }

  /** Our forwarding policy now (what forwards are charged; our channel_updates say it). */
  get forwardingPolicy(): ForwardingPolicy {
    return this.#policy;
  }

  /** Changes our forwarding policy at once (the node saves it and re-signs our channel_updates). */
  setForwardingPolicy(policy: ForwardingPolicy): void {
    this.#policy = policy;
  }

  /** A route for `amountMsat` to `destination` over our channels (and the graph, when there is one); `routing.*` errors when none. */
  getRoute(destination: Uint8Array, amountMsat: bigint, finalCltvExpiryDelta = 18): RouteInfoResult {
    const route: Route = findRoute({
      graph: this.#opts.graph ? this.#opts.graph() : EMPTY_GRAPH,
      source: this.#opts.ourNodeId,
      destination,
      amountMsat,
      finalCltvExpiryDelta,
      firstHops: this.#ourChannels().filter((c) => c.active).map((c) => ({ shortChannelId: c.shortChannelId, peerNodeId: c.peerNodeId, outboundMsat: c.outboundMsat, htlcMinimumMsat: c.htlcMinimumMsat })),
      penalties: this.#memory.penalties(this.#now()),
    });
    const fee = route.hops.reduce((a, h) => a + h.feeMsat, 0n);
    return {
      amountMsat: amountMsat.toString(),
      feeMsat: fee.toString(),
      totalCltvExpiryDelta: route.hops[0]?.cltvExpiryDelta ?? 0,
      hops: route.hops.map((h) => ({
        nodeId: toHex(h.nodeId), shortChannelId: formatScid(h.shortChannelId), amountMsat: h.amountMsat.toString(), cltvExpiryDelta: h.cltvExpiryDelta,
        feeMsat: h.feeMsat.toString(),
      })),
    };
  }

  #paymentInfo(p: PaymentRecord): PaymentInfo {
    return paymentInfo(p, this.#opts.store.partsOf(p.paymentId));
  }
}

// ----- records as the API shows them ----------------------------------------------------------------

export function paymentInfo(p: PaymentRecord, parts: readonly PartRecord[]): PaymentInfo {
  return {
    paymentId: p.paymentId,
    kind: p.kind,
    paymentHash: p.paymentHash,
    destination: p.destination,
    amountMsat: p.amountMsat.toString(),
    maxFeeMsat: p.maxFeeMsat.toString(),
    description: p.description,
    status: p.status,
    createdAt: p.createdAt,
    completedAt: p.completedAt,
    // An async payment keeps the preimage it picked from the start: shown only once paid, as for the others.
    preimage: p.status === 'succeeded' ? p.preimage : null,
    feeMsat: p.feeMsat === null ? null : p.feeMsat.toString(),
    failure: p.failure,
    attempts: p.attempts,
    parts: parts.map((part) => ({
      partId: part.partId,
      status: part.status,
      channelId: part.channelId,
      amountMsat: part.amountMsat.toString(),
      feeMsat: part.feeMsat.toString(),
      route: part.hops.map((h) => ({ nodeId: h.nodeId, shortChannelId: formatScid(h.shortChannelId), amountMsat: h.amountMsat.toString(), cltvExpiry: h.cltvExpiry })),
      failure: part.failure ? { code: part.failure.code, erringNode: part.failure.erringNode, message: part.failure.message } : null,
    })),
  };
}

export function invoiceInfo(i: InvoiceRecord, nowMs: number): Bolt11InvoiceInfo {
  const expired = i.status === 'unpaid' && i.expiresAt * 1000 <= nowMs;
  return {
    paymentHash: i.paymentHash,
    bolt11: i.bolt11,
    amountMsat: i.amountMsat === null ? null : i.amountMsat.toString(),
    description: i.description,
    createdAt: i.createdAt,
    expiresAt: i.expiresAt,
    minFinalCltvExpiryDelta: i.minFinalCltvExpiryDelta,
    status: expired ? 'expired' : i.status,
    paidMsat: i.paidMsat === null ? null : i.paidMsat.toString(),
    paidAt: i.paidAt,
    // The preimage is a secret until the payer has it: shown only once paid.
    preimage: i.status === 'paid' ? i.preimage : null,
  };
}

function receivedInfo(r: ReceivedRecord): ReceivedInfo {
  return { paymentHash: r.paymentHash, kind: r.kind, amountMsat: r.amountMsat.toString(), parts: r.htlcs.length, offerId: r.offerId, claimedAt: r.claimedAt };
}

function forwardInfo(f: ForwardRecord): ForwardInfo {
  return {
    forwardId: f.forwardId,
    inChannelId: f.inChannelId,
    outChannelId: f.outChannelId,
    inAmountMsat: f.inAmountMsat.toString(),
    outAmountMsat: f.outAmountMsat.toString(),
    feeMsat: f.feeMsat.toString(),
    status: f.status,
    failure: f.failure,
    paymentHash: f.paymentHash,
    receivedAt: f.receivedAt,
    resolvedAt: f.resolvedAt,
  };
}
