/**
 * ChannelMonitor: on-chain enforcement of one channel (BOLT 5), sans-I/O. Fed the channel's
 * updates (updates.ts), the chain (blocks' heights, confirmed transactions that spend what it
 * watches, reorgs) and fee estimates; it returns actions (watch outpoints, broadcast, ask the
 * wallet for CPFP or HTLC fees, report preimages and failed HTLCs upstream), events for the UI,
 * and whether its snapshot changed (persist it before acting on the actions).
 *
 * Idempotent: feeding the same block or transaction twice changes nothing; a claim is handed
 * out again only once per block. Reorg-safe: everything is recomputed from the confirmed
 * transactions, so removing one (chainReorged / transactionUnconfirmed) gives the earlier picture
 * back and re-broadcasts what it had claimed.
 */
import { equalBytes, toHex } from '../crypto';
import type { OutPoint, Transaction } from '../bitcoin';
import { txid as txidOf, txidToHex } from '../bitcoin';
import type { Htlc } from '../channel/state';
import type { Classified } from './classify';
import { classifyFundingSpend, outpointKey } from './classify';
import type { ClaimTx } from './claims';
import { buildClaimTx, feeFor } from './claims';
import { ChannelData, type RemoteHtlcsLookup } from './data';
import { MonitorError } from './errors';
import type { HtlcFeeRequest, CpfpRequest } from './fee-bump';
import type { FeeEstimate, PreviousBid } from './fee-policy';
import { INCREMENTAL_RELAY_PER_KW, claimFeerate, feerateForTarget } from './fee-policy';
import type { MonitorEvent, MonitorView } from './events';
import type { Claim, ClaimLabel, HtlcFate, MonitorPolicy, Plan, PlanContext } from './plan';
import { DEFAULT_MONITOR_POLICY, htlcFates, planClaims } from './plan';
import type { ChainView, Resolution } from './resolve';
import { resolve, watchedOutputs } from './resolve';
import type { MonitorSigner } from './signer';
import type { ClaimRecord, ConfirmedTx, MonitorSnapshot } from './snapshot';
import { emptySnapshot, hashHex } from './snapshot';
import type { MonitorUpdate } from './updates';
import { buildView, diffViews } from './view';

export type MonitorAction =
  /** Ask the chain to report the transaction that spends `outpoint` (paying `scriptPubKey`), from `heightHint`. */
  | { readonly type: 'watch'; readonly outpoint: OutPoint; readonly key: string; readonly scriptPubKey: Uint8Array; readonly heightHint: number }
  /** Irrevocably resolved: the chain may forget this outpoint. */
  | { readonly type: 'unwatch'; readonly outpoint: OutPoint; readonly key: string }
  /** Broadcast (again): a new transaction, or the same one once per block until it confirms. */
  | { readonly type: 'broadcast'; readonly tx: Transaction; readonly txid: string; readonly key: string; readonly label: ClaimLabel }
  /** Ask the wallet for a CPFP child through our anchor (a new request with the same key replaces the last). */
  | { readonly type: 'request_cpfp'; readonly request: CpfpRequest }
  /** Ask the wallet to fund (and broadcast) an anchors HTLC transaction. */
  | { readonly type: 'request_htlc_fee'; readonly request: HtlcFeeRequest }
  /** The chain revealed the preimage of an HTLC we offered: settle the incoming HTLC upstream (payments layer). */
  | { readonly type: 'preimage_learned'; readonly paymentHash: Uint8Array; readonly preimage: Uint8Array; readonly htlc: Htlc | null }
  /** An HTLC we offered timed out on chain (or is on no confirmed commitment), deep enough: fail it upstream. */
  | { readonly type: 'htlc_failed'; readonly htlc: Htlc }
  /**
   * An HTLC offered to us has an unspent output on the confirmed commitment and we know no preimage
   * for it: whoever may hold one (the payee's own invoice, a claim stored before a crash) should hand
   * it over (`applyUpdates` with a `preimage` update). Asked once per HTLC per monitor in memory:
   * again after `start()`, so a crash between the ask and the answer loses nothing.
   */
  | { readonly type: 'preimage_wanted'; readonly htlc: Htlc };

export interface MonitorStep {
  readonly actions: readonly MonitorAction[];
  readonly events: readonly MonitorEvent[];
  /** The snapshot changed: save `monitor.snapshot()` before carrying out the actions. */
  readonly persist: boolean;
}

export interface MonitorOptions {
  readonly policy?: Partial<MonitorPolicy>;
  /** The store's HTLCs of the peer's commitments (ChannelData's RemoteHtlcsLookup); none: held in memory. */
  readonly remoteHtlcs?: RemoteHtlcsLookup;
}

function sameBasepoints(a: ChannelData['params']['local']['basepoints'], b: MonitorSigner['basepoints']): boolean {
  return (
    equalBytes(a.fundingPubkey, b.fundingPubkey) &&
    equalBytes(a.revocationBasepoint, b.revocationBasepoint) &&
    equalBytes(a.paymentBasepoint, b.paymentBasepoint) &&
    equalBytes(a.delayedPaymentBasepoint, b.delayedPaymentBasepoint) &&
    equalBytes(a.htlcBasepoint, b.htlcBasepoint)
  );
}

export class ChannelMonitor {
  readonly #data: ChannelData;
  readonly #signer: MonitorSigner;
  readonly #policy: MonitorPolicy;
  // ----- facts (the snapshot) -----
  #bestHeight: number;
  #forceClose: boolean;
  #feerates: readonly FeeEstimate[];
  readonly #confirmed = new Map<string, ConfirmedTx>();
  readonly #claims = new Map<string, ClaimRecord>();
  readonly #learned = new Map<string, Uint8Array>();
  readonly #reported = new Set<string>();
  // ----- derived, in memory -----
  /** outpoint key → the confirmed transaction spending it. */
  readonly #spends = new Map<string, { txid: string; inputIndex: number }>();
  #classified: { txid: string; c: Classified } | null = null;
  /** Signed commitments and presigned HTLC transactions (they depend only on the channel data). */
  readonly #memo = new Map<string, unknown>();
  readonly #watched = new Set<string>();
  readonly #uneconomical = new Set<string>();
  /** Incoming HTLCs whose preimage was asked for (`preimage_wanted`) since the last `start()`. */
  readonly #wanted = new Set<string>();
  #view: MonitorView | null = null;
  #dirty = false;

  private constructor(data: ChannelData, snapshot: MonitorSnapshot, signer: MonitorSigner, opts: MonitorOptions) {
    if (!sameBasepoints(data.params.local.basepoints, signer.basepoints)) {
      throw new MonitorError('monitor.signer_mismatch', "the signer's basepoints are not this channel's local basepoints");
    }
    this.#data = data;
    this.#signer = signer;
    this.#policy = { ...DEFAULT_MONITOR_POLICY, ...opts.policy };
    this.#bestHeight = snapshot.bestHeight;
    this.#forceClose = snapshot.forceClose;
    this.#feerates = snapshot.feerates;
    for (const c of snapshot.confirmed) this.#index(c);
    for (const c of snapshot.claims) this.#claims.set(c.key, c);
    for (const p of snapshot.learned) this.#learned.set(hashHex(p), p);
    for (const r of snapshot.reported) this.#reported.add(r);
  }

  /** A monitor for a channel from its first updates (the log must start with `open`). */
  static open(updates: readonly MonitorUpdate[], signer: MonitorSigner, opts: MonitorOptions = {}): ChannelMonitor {
    return new ChannelMonitor(ChannelData.fromUpdates(updates, opts.remoteHtlcs ? { remoteHtlcs: opts.remoteHtlcs } : {}), emptySnapshot(), signer, opts);
  }

  /**
   * The monitor a store kept: its update log (written by this node after applying each update, so
   * folded without re-checking secrets against points; or a checkpoint's `compact()` log and the
   * updates after it) and its last snapshot. Call `start()` next.
   */
  static restore(updates: readonly MonitorUpdate[], snapshot: MonitorSnapshot | null, signer: MonitorSigner, opts: MonitorOptions = {}): ChannelMonitor {
    return new ChannelMonitor(ChannelData.fromUpdates(updates, { trusted: true, ...(opts.remoteHtlcs ? { remoteHtlcs: opts.remoteHtlcs } : {}) }), snapshot ?? emptySnapshot(), signer, opts);
  }

  get channelId(): string {
    return toHex(this.#data.params.channelId);
  }

  get data(): ChannelData {
    return this.#data;
  }

  get bestHeight(): number {
    return this.#bestHeight;
  }

  get policy(): MonitorPolicy {
    return this.#policy;
  }

  // ----- inputs --------------------------------------------------------------------------------

  /** Every watch, and every claim handed out again (after a restart). */
  start(): MonitorStep {
    this.#watched.clear();
    this.#wanted.clear();
    for (const c of this.#claims.values()) this.#claims.set(c.key, { ...c, broadcastAt: -1 });
    return this.#step();
  }

  /**
   * The channel moved: fold its updates in (apply them before appending them to the store, and
   * append before the channel's message leaves). Throws MonitorError for an update that does not
   * follow (`monitor.bad_update`, `monitor.bad_secret`); the ones before it stay applied.
   */
  applyUpdates(updates: readonly MonitorUpdate[]): MonitorStep {
    for (const u of updates) this.#data.apply(u);
    this.#classified = null;
    this.#memo.clear();
    return this.#step();
  }

  /** BOLT 5 Failing a Channel: broadcast our newest commitment (and CPFP it through our anchor). */
  forceClose(): MonitorStep {
    if (!this.#data.local) throw new MonitorError('monitor.no_local_commitment', 'the peer has not signed any commitment of ours yet');
    if (!this.#forceClose) {
      this.#forceClose = true;
      this.#dirty = true;
    }
    return this.#step();
  }

  /** A new best block. A lower height than known means the blocks above it were disconnected. */
  bestBlock(height: number): MonitorStep {
    this.#checkHeight(height);
    if (height < this.#bestHeight) this.#disconnectAbove(height);
    if (height !== this.#bestHeight) {
      this.#bestHeight = height;
      this.#dirty = true;
    }
    return this.#step();
  }

  /**
   * Transactions confirmed in the block at `height` (the chain reports those spending watched
   * outpoints; others are ignored). Order does not matter: a child is kept if its parent is here.
   */
  transactionsConfirmed(txs: readonly Transaction[], height: number): MonitorStep {
    this.#checkHeight(height);
    let pending = txs.slice();
    for (let progress = true; progress && pending.length > 0; ) {
      progress = false;
      const tracked = new Set(watchedOutputs(this.#data, this.#resolve()).map((w) => w.key));
      const rest: Transaction[] = [];
      for (const tx of pending) {
        if (tx.inputs.some((i) => tracked.has(outpointKey(i.prevout)))) {
          if (this.#addConfirmed(tx, height)) progress = true;
        } else rest.push(tx);
      }
      pending = rest;
    }
    if (height > this.#bestHeight) {
      this.#bestHeight = height;
      this.#dirty = true;
    }
    return this.#step();
  }

  /** A transaction we were told about left the best chain. */
  transactionUnconfirmed(txidHex: string): MonitorStep {
    if (this.#removeConfirmed(txidHex)) this.#rebroadcastAll();
    return this.#step();
  }

  /** The blocks above `forkHeight` were disconnected (the chain reports the new ones next). */
  chainReorged(forkHeight: number): MonitorStep {
    this.#checkHeight(forkHeight);
    this.#disconnectAbove(forkHeight);
    if (forkHeight < this.#bestHeight) {
      this.#bestHeight = forkHeight;
      this.#dirty = true;
    }
    return this.#step();
  }

  /**
   * The wallet could not fund, or the chain refused, what a `request_cpfp` / `request_htlc_fee` with
   * this key asked for (the child was abandoned): the request is handed out again now rather than at
   * the next block (a commitment that pays too little must not wait a block for its CPFP child). The
   * caller decides which refusals are worth it and how often. Unknown or confirmed claims: nothing.
   */
  claimRefused(key: string): MonitorStep {
    const record = this.#claims.get(key);
    if (record && record.tx === null && (record.kind === 'cpfp' || record.kind === 'htlc_fee') && record.broadcastAt !== -1) {
      this.#claims.set(key, { ...record, broadcastAt: -1 });
      this.#dirty = true;
      // A CPFP child refused for a missing input may have no parent in the source's mempool: the commitment goes out again first.
      const parent = record.kind === 'cpfp' ? this.#claims.get(key.replace(/^cpfp:/, 'commitment:')) : undefined;
      if (parent?.txid && !this.#confirmed.has(parent.txid)) this.#claims.set(parent.key, { ...parent, broadcastAt: -1 });
    }
    return this.#step();
  }

  /** New fee estimates (the chain layer's): claims may be re-bid. */
  feeratesUpdated(estimates: readonly FeeEstimate[]): MonitorStep {
    this.#feerates = estimates.map((e) => ({ targetBlocks: e.targetBlocks, feeratePerKw: e.feeratePerKw }));
    this.#dirty = true;
    return this.#step();
  }

  // ----- outputs -------------------------------------------------------------------------------

  /** What became of every output and HTLC, as plain data (API, UI). */
  view(): MonitorView {
    this.#view ??= this.#buildView(this.#resolve(), null);
    return this.#view;
  }

  snapshot(): MonitorSnapshot {
    return {
      version: 1,
      bestHeight: this.#bestHeight,
      forceClose: this.#forceClose,
      feerates: this.#feerates,
      confirmed: [...this.#confirmed.values()].sort((a, b) => a.height - b.height || (a.txid < b.txid ? -1 : 1)),
      claims: [...this.#claims.values()].sort((a, b) => (a.key < b.key ? -1 : 1)),
      learned: [...this.#learned.values()],
      reported: [...this.#reported].sort(),
    };
  }

  // ----- facts ---------------------------------------------------------------------------------

  #checkHeight(height: number): void {
    if (!Number.isSafeInteger(height) || height < 0) throw new RangeError(`height ${height} is not a block height`);
  }

  #index(c: ConfirmedTx): void {
    this.#confirmed.set(c.txid, c);
    c.tx.inputs.forEach((input, inputIndex) => this.#spends.set(outpointKey(input.prevout), { txid: c.txid, inputIndex }));
  }

  #addConfirmed(tx: Transaction, height: number): boolean {
    const id = txidToHex(txidOf(tx));
    const known = this.#confirmed.get(id);
    if (known && known.height === height) return false;
    // A different transaction spending the same outpoint was replaced by this one (a reorg we were not told about).
    for (const input of tx.inputs) {
      const s = this.#spends.get(outpointKey(input.prevout));
      if (s && s.txid !== id) this.#removeConfirmed(s.txid);
    }
    this.#index({ tx, txid: id, height });
    this.#dirty = true;
    return true;
  }

  #removeConfirmed(id: string): boolean {
    const c = this.#confirmed.get(id);
    if (!c) return false;
    this.#confirmed.delete(id);
    for (const input of c.tx.inputs) {
      const k = outpointKey(input.prevout);
      if (this.#spends.get(k)?.txid === id) this.#spends.delete(k);
    }
    this.#dirty = true;
    return true;
  }

  #disconnectAbove(height: number): void {
    let removed = false;
    for (const c of [...this.#confirmed.values()]) if (c.height > height && this.#removeConfirmed(c.txid)) removed = true;
    if (removed) this.#rebroadcastAll();
  }

  /** After a reorg every claim goes out again at once (it may be back in play). */
  #rebroadcastAll(): void {
    for (const c of this.#claims.values()) this.#claims.set(c.key, { ...c, broadcastAt: -1 });
    this.#dirty = true;
  }

  // ----- derivation ----------------------------------------------------------------------------

  #chain(): ChainView {
    return {
      bestHeight: this.#bestHeight,
      spendOf: (key) => {
        const s = this.#spends.get(key);
        const fact = s ? this.#confirmed.get(s.txid) : undefined;
        return s && fact ? { fact, inputIndex: s.inputIndex } : undefined;
      },
    };
  }

  #classify = (tx: Transaction): Classified => {
    const id = txidToHex(txidOf(tx));
    if (this.#classified?.txid !== id) {
      this.#classified = { txid: id, c: classifyFundingSpend(this.#data, tx, (n) => this.#signer.perCommitmentPoint(n)) };
    }
    return this.#classified.c;
  };

  #resolve(): Resolution {
    return resolve(this.#data, this.#chain(), this.#classify);
  }

  #preimageFor = (paymentHash: Uint8Array): Uint8Array | undefined => this.#data.preimageFor(paymentHash) ?? this.#learned.get(toHex(paymentHash));

  #memoize = <T>(key: string, make: () => T): T => {
    if (!this.#memo.has(key)) this.#memo.set(key, make());
    return this.#memo.get(key) as T;
  };

  #planContext(soloClaims: ReadonlySet<string> = new Set()): PlanContext {
    return {
      data: this.#data,
      signer: this.#signer,
      policy: this.#policy,
      bestHeight: this.#bestHeight,
      preimageFor: this.#preimageFor,
      forceClose: this.#forceClose,
      soloClaims,
      memo: this.#memoize,
    };
  }

  #plan(r: Resolution): Plan {
    const soloClaims = new Set([...this.#claims.keys()].filter((k) => /^justice:[0-9a-f]{64}:\d+$/.test(k)));
    return planClaims(this.#planContext(soloClaims), r);
  }

  #step(): MonitorStep {
    const actions: MonitorAction[] = [];
    const events: MonitorEvent[] = [];
    const r = this.#resolve();

    // Watches: the funding output, then every output we follow — not one whose spend is already
    // final (unwatched below): watching it again would rescan the chain from its block, every step.
    const final = new Set(r.outputs.filter((o) => o.spend && this.#bestHeight - o.spend.height + 1 >= this.#policy.finalityDepth).map((o) => o.d.key));
    for (const w of watchedOutputs(this.#data, r)) {
      if (this.#watched.has(w.key) || final.has(w.key)) continue;
      this.#watched.add(w.key);
      const heightHint = r.outputs.find((o) => o.d.key === w.key)?.confirmedAt ?? 0;
      actions.push({ type: 'watch', outpoint: w.outpoint, key: w.key, scriptPubKey: w.scriptPubKey, heightHint });
    }

    // BOLT 5: "MUST extract the payment preimage from the transaction input witness".
    for (const p of r.preimages) {
      const key = toHex(p.paymentHash);
      if (!this.#learned.has(key) && !this.#data.preimageFor(p.paymentHash)) {
        this.#learned.set(key, p.preimage);
        this.#dirty = true;
      }
      if (!this.#reported.has(`preimage:${key}`) && this.#learned.has(key)) {
        this.#reported.add(`preimage:${key}`);
        this.#dirty = true;
        const htlc = r.outputs.find((o) => o.d.key === p.htlcKey)?.d.htlc ?? null;
        actions.push({ type: 'preimage_learned', paymentHash: p.paymentHash, preimage: p.preimage, htlc });
      }
    }

    const plan = this.#plan(r);
    this.#carryOut(plan, actions, events);

    const fates = htlcFates(this.#planContext(), r);
    for (const f of fates) {
      if (!f.live || f.htlc.offerer !== 'local' || f.fate !== 'failed') continue;
      const key = `failed:local:${f.htlc.id}`;
      if (this.#reported.has(key)) continue;
      this.#reported.add(key);
      this.#dirty = true;
      actions.push({ type: 'htlc_failed', htlc: f.htlc });
    }
    // BOLT 5 "HTLC Output Handling" (local and remote commitments): "if it receives (or already possesses)
    // a payment preimage for an unresolved HTLC output that it has been offered ...: MUST resolve the
    // output by spending it". The preimage may be known outside the channel's updates (the HTLC was on
    // the confirmed commitment before it was irrevocably committed, so it was never fulfilled): ask.
    const kind = r.closing?.classified.kind;
    if (kind === 'local' || kind === 'remote') {
      for (const f of fates) {
        if (f.htlc.offerer !== 'remote' || f.fate !== 'pending' || f.outputKey === null || this.#preimageFor(f.htlc.paymentHash)) continue;
        const key = `${f.htlc.id}:${toHex(f.htlc.paymentHash)}`;
        if (this.#wanted.has(key)) continue;
        this.#wanted.add(key);
        actions.push({ type: 'preimage_wanted', htlc: f.htlc });
      }
    }

    // Irrevocably resolved outputs need no watch any more.
    for (const o of r.outputs) {
      if (o.spend && this.#bestHeight - o.spend.height + 1 >= this.#policy.finalityDepth && this.#watched.has(o.d.key)) {
        actions.push({ type: 'unwatch', outpoint: o.d.outpoint, key: o.d.key });
        this.#watched.delete(o.d.key);
      }
    }

    const before = this.#view;
    const after = this.#buildView(r, plan, fates);
    this.#view = after;
    events.push(...diffViews(before, after));
    if (r.closing?.classified.kind === 'unknown' && before?.closing?.txid !== r.closing.txid) {
      events.push({
        type: 'monitor.warning',
        channelId: this.channelId,
        code: 'funding_spent_unknown',
        message: `the funding output was spent by ${r.closing.txid}, which is none of this channel's commitments or closings: funds may be lost`,
      });
    }
    const persist = this.#dirty;
    this.#dirty = false;
    return { actions, events, persist };
  }

  /** Bids, builds and hands out each planned claim; forgets claims no longer planned (unless confirmed). */
  #carryOut(plan: Plan, actions: MonitorAction[], events: MonitorEvent[]): void {
    const planned = new Set(plan.claims.map((c) => c.key));
    const previous = new Map(this.#claims);
    this.#uneconomical.clear();
    for (const claim of plan.claims) {
      const record = previous.get(claim.key) ?? null;
      switch (claim.kind) {
        case 'presigned':
          this.#handOutTx(claim.key, claim.label, 'presigned', record, claim.tx, txidToHex(claim.txid), 0, 0n, claim.inputs, actions, events);
          break;
        case 'sweep':
          this.#sweep(claim, record, previous, actions, events);
          break;
        case 'htlc_fee':
          this.#request(claim, record, actions, events);
          break;
        case 'cpfp':
          this.#request(claim, record, actions, events);
          break;
      }
    }
    for (const [key, c] of this.#claims) {
      if (planned.has(key)) continue;
      // Keep a confirmed claim's record (a reorg may bring it back); drop the rest.
      if (c.txid && this.#confirmed.has(c.txid)) continue;
      this.#claims.delete(key);
      this.#dirty = true;
    }
  }

  #handOutTx(
    key: string,
    label: ClaimLabel,
    kind: 'presigned' | 'sweep',
    record: ClaimRecord | null,
    tx: Transaction,
    txid: string,
    feeratePerKw: number,
    feeSat: bigint,
    inputs: readonly string[],
    actions: MonitorAction[],
    events: MonitorEvent[],
  ): void {
    const best = this.#bestHeight;
    const fresh = !record || record.txid !== txid;
    if (!fresh && record.broadcastAt >= best) return;
    // A confirmed claim is not handed out again.
    if (this.#confirmed.has(txid)) return;
    const height = fresh ? best : record.height;
    this.#claims.set(key, { key, kind, tx, txid, feeratePerKw, feeSat, inputs: [...inputs], height, broadcastAt: best });
    this.#dirty = true;
    actions.push({ type: 'broadcast', tx, txid, key, label });
    if (fresh) events.push({ type: 'monitor.claim', channelId: this.channelId, key, label, request: 'broadcast', txid, feeratePerKw });
  }

  #bid(deadline: number | null, record: ClaimRecord | null, slowTarget = this.#policy.slowTargetBlocks): number {
    const prev: PreviousBid | null = record ? { feeratePerKw: record.feeratePerKw, height: record.height } : null;
    return claimFeerate({ slowTargetBlocks: slowTarget, commitmentTargetBlocks: this.#policy.commitmentTargetBlocks }, this.#feerates, deadline, this.#bestHeight, prev);
  }

  #sweep(claim: Extract<Claim, { kind: 'sweep' }>, record: ClaimRecord | null, previous: ReadonlyMap<string, ClaimRecord>, actions: MonitorAction[], events: MonitorEvent[]): void {
    const inputs = claim.inputs.map((i) => i.key);
    const sameInputs = record !== null && record.inputs.length === inputs.length && record.inputs.every((k, i) => k === inputs[i]);
    const feerate = this.#bid(claim.deadline, sameInputs ? record : null);
    if (sameInputs && record.tx && record.feeratePerKw === feerate) {
      this.#handOutTx(claim.key, claim.label, 'sweep', record, record.tx, record.txid!, record.feeratePerKw, record.feeSat, inputs, actions, events);
      return;
    }
    // BIP 125: a replacement pays at least what the transactions it replaces paid, plus the incremental relay fee.
    const conflicting = [...previous.values()].filter((c) => c.tx && c.txid && !this.#confirmed.has(c.txid) && this.#stillValid(c) && c.inputs.some((k) => inputs.includes(k)));
    const replaced = conflicting.reduce((s, c) => s + c.feeSat, 0n);
    let built: ClaimTx | null = buildClaimTx(claim.inputs, this.#data.sweepScript, feerate);
    if (built && conflicting.length > 0 && built.feeSat < replaced + feeFor(INCREMENTAL_RELAY_PER_KW, built.weight)) {
      built = buildClaimTx(claim.inputs, this.#data.sweepScript, feerate, { minFeeSat: replaced + feeFor(INCREMENTAL_RELAY_PER_KW, built.weight) });
    }
    if (!built) {
      this.#uneconomical.add(claim.key);
      return;
    }
    const fresh: ClaimRecord | null = sameInputs ? record : null;
    this.#handOutTx(claim.key, claim.label, 'sweep', fresh && fresh.txid === txidToHex(built.txid) ? fresh : null, built.tx, txidToHex(built.txid), feerate, built.feeSat, inputs, actions, events);
  }

  /** A recorded claim whose inputs are all still unspent (else it is no longer valid anywhere). */
  #stillValid(c: ClaimRecord): boolean {
    return c.inputs.every((k) => !this.#spends.has(k) || this.#spends.get(k)!.txid === c.txid);
  }

  #request(claim: Extract<Claim, { kind: 'htlc_fee' | 'cpfp' }>, record: ClaimRecord | null, actions: MonitorAction[], events: MonitorEvent[]): void {
    const best = this.#bestHeight;
    const cpfp = claim.kind === 'cpfp';
    const feerate = this.#bid(claim.deadline, record, cpfp ? this.#policy.commitmentTargetBlocks : this.#policy.slowTargetBlocks);
    if (cpfp && !record) {
      // The commitment alone may already pay enough.
      const parentRate = Number((claim.parent.feeSat * 1000n) / BigInt(claim.parent.weight));
      const target = feerateForTarget(this.#feerates, claim.deadline === null ? this.#policy.commitmentTargetBlocks : Math.max(1, Math.floor((claim.deadline - best) / 2)));
      if (parentRate >= target) return;
    }
    const fresh = !record || record.feeratePerKw !== feerate;
    if (!fresh && record.broadcastAt >= best) return;
    this.#claims.set(claim.key, {
      key: claim.key,
      kind: claim.kind,
      tx: null,
      txid: null,
      feeratePerKw: feerate,
      feeSat: 0n,
      inputs: [...claim.inputs],
      height: fresh ? best : record.height,
      broadcastAt: best,
    });
    this.#dirty = true;
    if (claim.kind === 'cpfp') {
      actions.push({ type: 'request_cpfp', request: { key: claim.key, parent: claim.parent, anchor: claim.anchor, targetFeeratePerKw: feerate, deadline: claim.deadline } });
    } else {
      actions.push({
        type: 'request_htlc_fee',
        request: { key: claim.key, kind: claim.label === 'htlc_success' ? 'htlc_success' : 'htlc_timeout', tx: claim.htlcTx.tx, htlcInput: claim.input, targetFeeratePerKw: feerate, deadline: claim.deadline },
      });
    }
    if (fresh) events.push({ type: 'monitor.claim', channelId: this.channelId, key: claim.key, label: claim.label, request: cpfp ? 'cpfp' : 'htlc_fee', txid: null, feeratePerKw: feerate });
  }

  #buildView(r: Resolution, plan: Plan | null, fates?: readonly HtlcFate[]): MonitorView {
    const p = plan ?? this.#plan(r);
    return buildView({
      channelId: this.channelId,
      bestHeight: this.#bestHeight,
      policy: this.#policy,
      forceClose: this.#forceClose,
      resolution: r,
      plan: p,
      fates: fates ?? htlcFates(this.#planContext(), r),
      claims: this.#claims,
      uneconomical: this.#uneconomical,
    });
  }
}
