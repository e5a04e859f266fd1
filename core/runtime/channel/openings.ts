/**
 * The node's channel openings (BOLT 2 "Channel Establishment v1", both roles): one core/channel
 * ChannelOpening per channel being opened, driven the way the establishment core asks:
 *
 *   each step: the record written when the opening is persistable and changed (from funding_signed on;
 *   the first write also starts the channel's monitor from `channelState()`, in the same transaction),
 *   then `markPersisted`, then its actions in order — messages, the wallet (`build_funding` →
 *   `fundingBuilt` / `fundingFailed`, `broadcast_funding` → commit then broadcast, `release_funding`),
 *   the chain (`watch_funding`: the funding script, so the mempool sighting a zero-conf channel needs
 *   and every confirmation and reorg arrive) — then its events. On `channel_ready` the link's first
 *   state and the record (handed off) are written in one transaction and the channel becomes a link.
 *
 * So funding_signed (fundee) and the funding broadcast (funder) never leave before the channel is
 * durable and watched; a crash anywhere restarts from the record (core/channel/establish restore).
 */
import { txidToHex } from '../../bitcoin';
import { fromHex, randomBytes as cryptoRandomBytes, toHex, utf8 } from '../../crypto';
import { GlasswingError } from '../../errors';
import type { ChainEvent } from '../../chain';
import type { ChannelSigner } from '../../channel/signer';
import {
  ChannelOpening, describeChannelType, type AcceptancePolicy, type LocalChannelDefaults, type OpenChannelRequest, type OpenedChannel,
  type OpeningAction, type OpeningContext, type OpeningResult,
} from '../../channel/establish';
import type { OpeningInfo } from '../../channel/events';
import { FeatureVector, formatShortChannelId, type Message, type OpenChannel } from '../../wire';
import type { Clock } from '../clock';
import { CHANNEL_WATCH_OWNER, type ChannelMonitors } from './monitors';
import type { ChannelChainPort, ChannelStores, ChannelWalletPort } from './ports';

/** What the openings need of the channel service around them. */
export interface OpeningHost {
  /** Hands a message to the peer's current connection. */
  send(peerId: string, message: Message): boolean;
  disconnect(peerId: string): void;
  /** The peer's init features on its current connection (null when not connected). */
  remoteFeatures(peerId: string): FeatureVector | null;
  /** Both channel_ready were exchanged and written: the channel continues as a link. */
  handOff(opening: ChannelOpening, opened: OpenedChannel, connected: boolean): void;
  /** An opening whose channel existed failed: it must close on chain (the monitor broadcasts commitment 0). */
  failedOnChain(channelId: string, code: string, message: string): void;
  /** The real short_channel_id of a handed-off channel changed (confirmed, reorged, reconfirmed). */
  shortChannelIdChanged(channelId: string): void;
}

export interface OpeningsOptions {
  readonly stores: ChannelStores;
  readonly chain: ChannelChainPort | null;
  readonly wallet: ChannelWalletPort | null;
  readonly monitors: ChannelMonitors;
  readonly host: OpeningHost;
  readonly chainHash: Uint8Array;
  readonly localFeatures: () => FeatureVector;
  readonly policy: () => Partial<AcceptancePolicy>;
  readonly defaults: () => Partial<LocalChannelDefaults>;
  readonly signerFor: (keyIndex: number) => ChannelSigner;
  /** Reserves the next channel key index (never reused). */
  readonly reserveKeyIndex: () => number;
  readonly clock: Clock;
  readonly publish: (opening: OpeningInfo, cause: string) => void;
  readonly log: (line: Record<string, unknown>) => void;
  readonly randomBytes?: (n: number) => Uint8Array;
}

/** What the funder asked (or the fundee was offered): what OpeningInfo shows before the record exists. */
interface Terms {
  readonly fundingSat: bigint;
  readonly pushMsat: bigint;
}

interface Entry {
  readonly opening: ChannelOpening;
  readonly terms: Terms;
  /** The funding script watched (hex), once watched. */
  fundingScript: string | null;
  /** Resolvers waiting for the funder's opening to be funded (broadcast) or to fail. */
  readonly waiters: ((outcome: FundedOutcome) => void)[];
  /** Bumped on every funding confirmation lookup, so a late answer of an older one is dropped. */
  lookup: number;
}

export type FundedOutcome =
  | { readonly kind: 'funded'; readonly opening: ChannelOpening }
  | { readonly kind: 'failed'; readonly code: string; readonly message: string };

function key(peerId: string, temporaryChannelId: Uint8Array | string): string {
  return `${peerId}:${typeof temporaryChannelId === 'string' ? temporaryChannelId : toHex(temporaryChannelId)}`;
}

/** Errors of the channel service's own: `channel.no_chain`, `channel.chain_not_ready`, `channel.opening_timeout`, … */
export class ChannelServiceError extends GlasswingError {}

export class Openings {
  readonly #opts: OpeningsOptions;
  readonly #entries = new Map<string, Entry>();
  /** The same entries by channel id once they have one (the channel list asks per channel). */
  readonly #byChannelId = new Map<string, Entry>();
  readonly #random: (n: number) => Uint8Array;
  #closed = false;

  constructor(opts: OpeningsOptions) {
    this.#opts = opts;
    this.#random = opts.randomBytes ?? cryptoRandomBytes;
  }

  // ----- queries ---------------------------------------------------------------------------------

  /** Openings not yet handed to a link, and those that failed on chain. */
  list(): OpeningInfo[] {
    return [...this.#entries.values()].filter((e) => e.opening.phase !== 'ready').map((e) => this.#info(e));
  }

  /** The opening of a channel id (handed off or not). */
  byChannelId(channelId: string): ChannelOpening | undefined {
    return this.#byChannelId.get(channelId)?.opening;
  }

  info(opening: ChannelOpening): OpeningInfo | null {
    const e = this.#entries.get(key(opening.peerId, opening.temporaryChannelId));
    return e ? this.#info(e) : null;
  }

  /** Key indexes in use by openings in memory (before funding_signed nothing is stored). */
  maxKeyIndex(): number {
    let max = -1;
    for (const e of this.#entries.values()) max = Math.max(max, e.opening.keyIndex);
    return max;
  }

  #info(e: Entry): OpeningInfo {
    const o = e.opening;
    const record = o.persistable ? o.snapshot() : null;
    const outpoint = record ? `${txidToHex(record.terms.fundingOutpoint.txid)}:${record.terms.fundingOutpoint.vout}` : null;
    const phase = o.phase;
    const scid = o.shortChannelId;
    let type: string | null = null;
    try {
      type = describeChannelType(o.channelType);
    } catch {
      type = null;
    }
    return {
      temporaryChannelId: toHex(o.temporaryChannelId),
      channelId: o.channelId ? toHex(o.channelId) : null,
      peer: o.peerId,
      role: o.role,
      phase,
      lifecycle: phase === 'ready' ? 'active' : phase === 'failed' ? 'failed' : phase === 'forgotten' ? 'forgotten' : phase === 'awaiting_lock_in' ? 'awaiting_confirmations' : 'opening',
      channelType: o.channelType ? type : null,
      fundingSat: e.terms.fundingSat.toString(),
      pushMsat: e.terms.pushMsat.toString(),
      announce: record?.announce ?? false,
      fundingOutpoint: outpoint,
      confirmations: o.depth,
      minimumDepth: o.minimumDepth,
      shortChannelId: scid === null ? null : formatShortChannelId(scid),
      failure: o.failure,
      createdAt: o.createdAt,
    };
  }

  // ----- start and stop --------------------------------------------------------------------------

  /** Restores every stored opening (offline until its peer connects) and releases funding transactions no opening holds. */
  load(): void {
    const records = this.#opts.stores.openings.loadOpenings();
    for (const record of records) {
      const opening = ChannelOpening.restore(record, this.#context(record.peerId, record.keyIndex));
      const entry: Entry = { opening, terms: { fundingSat: record.terms.fundingSatoshis, pushMsat: record.terms.pushMsat }, fundingScript: null, waiters: [], lookup: 0 };
      this.#entries.set(key(record.peerId, record.temporaryChannelId), entry);
      // Its monitor: the one stored, or (an older record) a new one.
      const channelId = toHex(opening.channelId!);
      this.#byChannelId.set(channelId, entry);
      const state = opening.channelState();
      if (!this.#opts.monitors.restore(channelId, record.keyIndex, state) && state && record.failure === null && !record.handedOff) {
        const pending = this.#opts.monitors.advance(channelId, record.keyIndex, state);
        if (pending) {
          this.#opts.stores.atomically(() => this.#opts.monitors.write(pending));
          this.#opts.monitors.after(pending);
        }
      }
    }
    // A funding transaction prepared for an opening that never reached funding_signed (a crash in between) holds coins for nothing.
    const wallet = this.#opts.wallet;
    if (wallet) {
      const held = new Set(records.map((r) => txidToHex(r.terms.fundingOutpoint.txid)));
      for (const txid of wallet.preparedFundings()) {
        if (held.has(txid)) continue;
        try {
          wallet.releaseFunding(txid);
          this.#opts.log({ event: 'funding_released_at_start', txid });
        } catch (e) {
          this.#opts.log({ event: 'funding_release_failed', txid, code: e instanceof GlasswingError ? e.code : 'internal' });
        }
      }
    }
  }

  /** Carries out the restored openings' first actions (watches, the funder's broadcast), then reads what the chain knows. */
  start(): void {
    for (const e of [...this.#entries.values()]) this.#apply(e, { events: [], failure: null, disconnect: false }, 'restored');
    this.resync();
  }

  close(): void {
    this.#closed = true;
    for (const e of this.#entries.values()) for (const w of e.waiters.splice(0)) w({ kind: 'failed', code: 'channel.stopped', message: 'the node is stopping' });
  }

  #context(peerId: string, keyIndex: number): OpeningContext {
    const tip = this.#opts.chain?.tip();
    return {
      chainHash: this.#opts.chainHash,
      localFeatures: this.#opts.localFeatures(),
      remoteFeatures: this.#opts.host.remoteFeatures(peerId) ?? FeatureVector.EMPTY,
      keyIndex,
      signer: this.#opts.signerFor(keyIndex),
      policy: this.#opts.policy(),
      defaults: this.#opts.defaults(),
      randomBytes: this.#random,
      nowMs: this.#opts.clock.now(),
      blockHeight: tip?.height ?? 0,
    };
  }

  // ----- opening a channel (funder) --------------------------------------------------------------

  /**
   * Sends open_channel to a connected peer. Throws OpenError `channel_open.bad_request` for a request the
   * peer would have to refuse, ChannelServiceError when there is no chain or wallet to fund it.
   */
  open(req: OpenChannelRequest): ChannelOpening {
    this.#requireChain();
    const opening = ChannelOpening.funder(req, this.#context(req.peerId, this.#opts.reserveKeyIndex()));
    const entry: Entry = { opening, terms: { fundingSat: req.fundingSatoshis, pushMsat: req.pushMsat ?? 0n }, fundingScript: null, waiters: [], lookup: 0 };
    this.#entries.set(key(req.peerId, opening.temporaryChannelId), entry);
    this.#apply(entry, { events: [], failure: null, disconnect: false }, 'open_channel');
    return opening;
  }

  /** Resolves once the funder's opening is funded (funding_signed persisted, the transaction handed to the chain) or failed. */
  waitFunded(opening: ChannelOpening): Promise<FundedOutcome> {
    const e = this.#entries.get(key(opening.peerId, opening.temporaryChannelId));
    if (!e) return Promise.resolve({ kind: 'failed', code: opening.failure?.code ?? 'channel_open.forgotten', message: opening.failure?.message ?? 'the opening is over' });
    const now = this.#funded(e);
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => e.waiters.push(resolve));
  }

  #funded(e: Entry): FundedOutcome | null {
    const o = e.opening;
    if (o.phase === 'awaiting_lock_in' || o.phase === 'ready') return { kind: 'funded', opening: o };
    if (o.phase === 'forgotten' || o.phase === 'failed') return { kind: 'failed', code: o.failure?.code ?? 'channel_open.failed', message: o.failure?.message ?? 'the opening failed' };
    return null;
  }

  #requireChain(): void {
    if (!this.#opts.chain || !this.#opts.wallet) {
      throw new ChannelServiceError('channel.no_chain', 'the node runs without a chain: channels need one (start it with --chain)');
    }
    if (!this.#opts.chain.tip()) throw new ChannelServiceError('channel.chain_not_ready', 'the chain has not synced yet: try again in a moment');
  }

  // ----- the peer's messages ---------------------------------------------------------------------

  /** A peer's open_channel (we are the fundee). */
  onOpenChannel(peerId: string, m: OpenChannel): void {
    const k = key(peerId, m.temporaryChannelId);
    const existing = this.#entries.get(k);
    if (existing && existing.opening.phase !== 'forgotten') {
      // BOLT 2: "MUST ensure temporary_channel_id is unique from any other channel ID with the same peer" (the sender's duty): refuse the second.
      this.#opts.host.send(peerId, { type: 'error', channelId: m.temporaryChannelId, data: utf8.encode('channel_open.duplicate_temporary_channel_id: this temporary_channel_id is in use') });
      return;
    }
    if (!this.#opts.chain || !this.#opts.wallet || !this.#opts.chain.tip()) {
      this.#opts.host.send(peerId, { type: 'error', channelId: m.temporaryChannelId, data: utf8.encode('channel_open.no_chain: this node follows no chain, it cannot accept channels') });
      return;
    }
    let upfront: Uint8Array | null = null;
    const remote = this.#opts.host.remoteFeatures(peerId);
    if (remote && this.#opts.localFeatures().has('option_upfront_shutdown_script') && remote.has('option_upfront_shutdown_script')) upfront = this.#opts.wallet.freshScript();
    const opening = ChannelOpening.fundee(peerId, m, this.#context(peerId, this.#opts.reserveKeyIndex()), { upfrontShutdownScript: upfront });
    const entry: Entry = { opening, terms: { fundingSat: m.fundingSatoshis, pushMsat: m.pushMsat }, fundingScript: null, waiters: [], lookup: 0 };
    this.#entries.set(k, entry);
    this.#apply(entry, { events: [], failure: opening.failure, disconnect: false }, 'open_channel');
  }

  /** accept_channel / funding_created (by temporary_channel_id), funding_signed / channel_ready / channel_reestablish (by channel_id). */
  receive(peerId: string, m: Message): boolean {
    let entry: Entry | undefined;
    if (m.type === 'accept_channel' || m.type === 'funding_created') entry = this.#entries.get(key(peerId, m.temporaryChannelId));
    else if (m.type === 'funding_signed' || m.type === 'channel_ready' || m.type === 'channel_reestablish') entry = this.#byChannel(peerId, toHex(m.channelId));
    if (!entry || entry.opening.phase === 'ready') return false;
    this.#apply(entry, entry.opening.receive(m, this.#opts.clock.now()), m.type);
    return true;
  }

  #byChannel(peerId: string, channelId: string): Entry | undefined {
    const e = this.#byChannelId.get(channelId);
    return e && e.opening.peerId === peerId ? e : undefined;
  }

  /** The peer's `error` names a temporary or final channel id (all-zero: every opening with it). */
  peerError(peerId: string, channelIdHex: string, text: string): void {
    const all = /^0{64}$/.test(channelIdHex);
    for (const e of [...this.#entries.values()]) {
      const o = e.opening;
      if (o.peerId !== peerId) continue;
      if (all || toHex(o.temporaryChannelId) === channelIdHex || (o.channelId && toHex(o.channelId) === channelIdHex)) this.#apply(e, o.peerError(text), 'peer_error');
    }
  }

  connected(peerId: string, remote: FeatureVector): void {
    const local = this.#opts.localFeatures();
    for (const e of [...this.#entries.values()]) if (e.opening.peerId === peerId) this.#apply(e, e.opening.connected({ local, remote }), 'connected');
  }

  disconnected(peerId: string): void {
    for (const e of [...this.#entries.values()]) if (e.opening.peerId === peerId) this.#apply(e, e.opening.disconnected(), 'disconnected');
  }

  /** Timeouts of openings waiting on their peer. */
  tick(): void {
    const now = this.#opts.clock.now();
    for (const e of [...this.#entries.values()]) this.#apply(e, e.opening.tick(now), 'timeout');
  }

  // ----- the chain ------------------------------------------------------------------------------

  /** A batch of chain events: the funding transactions seen, confirmed and reorged, then the tip. */
  onChainEvents(events: readonly ChainEvent[]): void {
    if (this.#entries.size === 0) return;
    let tipMoved = false;
    for (const ev of events) {
      if (ev.type === 'chain.block_connected' || ev.type === 'chain.block_disconnected' || ev.type === 'chain.reorg') tipMoved = true;
      if (ev.type === 'chain.script_paid') {
        const e = this.#byScript(ev.script);
        if (!e) continue;
        this.#apply(e, e.opening.fundingTransaction(fromHex(ev.txHex)), 'funding_seen');
        if (ev.status.kind === 'confirmed') this.#lookupConfirmation(e, ev.txid, ev.status.height, ev.status.blockHash);
      } else if (ev.type === 'chain.script_unconfirmed' && ev.reason === 'reorg') {
        const e = this.#byScript(ev.script);
        if (!e) continue;
        e.lookup++;
        this.#apply(e, e.opening.fundingUnconfirmed(), 'funding_reorged');
      }
    }
    if (tipMoved) this.#bestBlock();
  }

  #bestBlock(): void {
    const tip = this.#opts.chain?.tip();
    if (!tip) return;
    for (const e of [...this.#entries.values()]) {
      if (e.opening.phase === 'awaiting_lock_in' || e.opening.phase === 'ready') this.#apply(e, e.opening.bestBlock(tip.height), 'block');
    }
  }

  #byScript(script: string): Entry | undefined {
    for (const e of this.#entries.values()) if (e.fundingScript === script) return e;
    return undefined;
  }

  /** Reads every funding script's view (at start: events missed while down are not replayed). */
  resync(): void {
    const chain = this.#opts.chain;
    if (!chain) return;
    for (const e of [...this.#entries.values()]) {
      if (!e.fundingScript) continue;
      const view = chain.view(`script:${e.fundingScript}`);
      if (view?.kind !== 'script') continue;
      for (const t of view.txs) {
        if (t.outputs.length === 0) continue;
        this.#apply(e, e.opening.fundingTransaction(fromHex(t.txHex)), 'funding_seen');
        if (t.status.kind === 'confirmed') this.#lookupConfirmation(e, t.txid, t.status.height, t.status.blockHash);
      }
    }
    this.#bestBlock();
  }

  /** The funding confirmed in a block: its index in the block (the short_channel_id) comes from the block itself. */
  #lookupConfirmation(e: Entry, txid: string, height: number, blockHash: string): void {
    const chain = this.#opts.chain;
    if (!chain) return;
    const n = ++e.lookup;
    void chain
      .blockTxIndex(blockHash, txid)
      .then((txIndex) => {
        if (this.#closed || n !== e.lookup || txIndex === null) return;
        // Still where it was seen? (a reorg may have moved it meanwhile)
        const status = chain.txStatus(txid);
        if (status && (status.kind !== 'confirmed' || status.blockHash !== blockHash)) return;
        this.#apply(e, e.opening.fundingConfirmed({ height, txIndex, blockHash }), 'funding_confirmed');
        const tip = chain.tip();
        if (tip) this.#apply(e, e.opening.bestBlock(tip.height), 'block');
      })
      .catch((err: unknown) => {
        this.#opts.log({ event: 'funding_block_lookup_failed', txid, blockHash, message: err instanceof Error ? err.message : String(err) });
        // Try again with the next block.
      });
  }

  // ----- carrying out a step ----------------------------------------------------------------------

  #apply(e: Entry, result: OpeningResult, cause: string): void {
    if (this.#closed) return;
    const o = e.opening;
    const { stores, monitors } = this.#opts;
    const ready = result.events.find((ev) => ev.type === 'channel_ready');
    // 1. Persist: the record (from funding_signed on), the monitor's first updates, and at hand-off the link's first state, together.
    if (o.persistable && o.dirty && o.phase !== 'forgotten') {
      const record = o.snapshot();
      const channelId = toHex(o.channelId!);
      const state = o.channelState()!;
      const pending = monitors.advance(channelId, o.keyIndex, state);
      stores.atomically(() => {
        stores.openings.saveOpening(record);
        if (pending) monitors.write(pending);
        if (ready?.type === 'channel_ready') stores.channels.saveChannel(ready.channel.stored);
      });
      o.markPersisted(record.revision);
      if (pending) monitors.after(pending);
    }
    // 2. Actions, in order.
    let actions: OpeningAction[];
    try {
      actions = o.takeActions();
    } catch (err) {
      this.#opts.log({ event: 'opening_actions_blocked', temporaryChannelId: toHex(o.temporaryChannelId), message: err instanceof Error ? err.message : String(err) });
      return;
    }
    for (const a of actions) this.#act(e, a);
    // 3. Events.
    const channelId = o.channelId ? toHex(o.channelId) : null;
    if (channelId) this.#byChannelId.set(channelId, e);
    for (const ev of result.events) {
      if (ev.type === 'channel_ready') this.#opts.host.handOff(o, ev.channel, this.#opts.host.remoteFeatures(o.peerId) !== null);
      else if (ev.type === 'opening_failed' && ev.onChain && channelId) this.#opts.host.failedOnChain(channelId, ev.code, ev.message);
      else if (ev.type === 'short_channel_id' && channelId && o.phase === 'ready') this.#opts.host.shortChannelIdChanged(channelId);
    }
    if (result.failure) this.#opts.log({ event: 'opening_failed', temporaryChannelId: toHex(o.temporaryChannelId), code: result.failure.code, message: result.failure.message });
    if (result.events.length > 0 || result.failure || cause === 'open_channel') this.#opts.publish(this.#info(e), cause);
    const outcome = this.#funded(e);
    if (outcome) for (const w of e.waiters.splice(0)) w(outcome);
    if (o.phase === 'forgotten') {
      this.#entries.delete(key(o.peerId, o.temporaryChannelId));
      if (channelId && this.#byChannelId.get(channelId) === e) this.#byChannelId.delete(channelId);
    }
    if (result.disconnect) this.#opts.host.disconnect(o.peerId);
  }

  #act(e: Entry, a: OpeningAction): void {
    const o = e.opening;
    const { chain, wallet } = this.#opts;
    switch (a.kind) {
      case 'send':
        this.#opts.host.send(o.peerId, a.message);
        break;
      case 'build_funding': {
        let built: { tx: Uint8Array; outputIndex: number };
        try {
          if (!wallet) throw new ChannelServiceError('channel.no_chain', 'no wallet to fund the channel');
          built = wallet.buildFunding({ scriptPubKey: a.scriptPubKey, amountSat: a.amountSat, feeRateSatVb: a.feeRateSatVb });
        } catch (err) {
          const reason = err instanceof GlasswingError ? `${err.code}: ${err.message}` : String(err);
          this.#apply(e, o.fundingFailed(reason), 'funding_failed');
          break;
        }
        this.#apply(e, o.fundingBuilt(built, this.#opts.clock.now()), 'funding_built');
        break;
      }
      case 'broadcast_funding': {
        if (!wallet || !chain) break;
        let raw: Uint8Array;
        try {
          // BOLT 2: "on receipt of a valid funding_signed: SHOULD broadcast the funding transaction" — funding_signed is durable now.
          raw = wallet.commitFunding(a.txid);
        } catch (err) {
          // Restored after the funding already confirmed or left the wallet: the record's copy is the transaction.
          this.#opts.log({ event: 'funding_commit_skipped', txid: a.txid, code: err instanceof GlasswingError ? err.code : 'internal' });
          raw = a.tx;
        }
        void chain.broadcast(raw).then(
          ({ outcome }) => this.#opts.log({ event: 'funding_broadcast', txid: a.txid, outcome: outcome.kind }),
          (err: unknown) => this.#opts.log({ event: 'funding_broadcast_failed', txid: a.txid, message: err instanceof Error ? err.message : String(err) }),
        );
        break;
      }
      case 'release_funding':
        try {
          wallet?.releaseFunding(a.txid);
        } catch (err) {
          this.#opts.log({ event: 'funding_release_failed', txid: a.txid, code: err instanceof GlasswingError ? err.code : 'internal' });
        }
        break;
      case 'watch_funding': {
        const script = toHex(a.scriptPubKey);
        e.fundingScript = script;
        chain?.watch({ kind: 'script', script, heightHint: Math.max(0, a.heightHint - 1) }, CHANNEL_WATCH_OWNER);
        break;
      }
      case 'unwatch_funding':
        if (e.fundingScript) chain?.unwatch(`script:${e.fundingScript}`, CHANNEL_WATCH_OWNER);
        e.fundingScript = null;
        break;
      case 'forget': {
        this.#opts.stores.openings.deleteOpening(o.peerId, toHex(o.temporaryChannelId));
        if (o.channelId) this.#opts.monitors.forget(toHex(o.channelId));
        break;
      }
    }
  }
}
