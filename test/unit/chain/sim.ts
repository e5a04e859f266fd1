/**
 * An in-memory chain for the tracker's unit and property tests: real block bytes (built by
 * test/support/chain-builder.ts), a block tree with a chosen best chain, and a mempool. It answers
 * the tracker's requests the way a source would, in both modes, and computes what each watch
 * should show (the model the property tests compare against). The integration tests do the same
 * against a real btcd.
 */
import { encodeTx, txid as txidOf, txidToHex, type Transaction } from '../../../core/bitcoin';
import { toHex } from '../../../core/crypto';
import type { ChainAnswer, ChainEvent, ChainRequest, ChainTracker, FoundTx, Lookup, LookupResult, TxStatus, WatchSpec } from '../../../core/chain';
import { outpointKey } from '../../../core/chain';
import { buildBlock, type BuiltBlock } from '../../support/chain-builder';

export const GENESIS_PARENT = '00'.repeat(32);

export class SimChain {
  readonly blocks = new Map<string, BuiltBlock>();
  /** Best chain: hashes by height. */
  best: string[] = [];
  /** txid → transaction, in arrival order. */
  readonly mempool = new Map<string, Transaction>();
  #extra = 0;

  constructor() {
    const genesis = buildBlock({ prevHash: GENESIS_PARENT, height: 0 });
    this.blocks.set(genesis.hash, genesis);
    this.best = [genesis.hash];
  }

  get tip(): BuiltBlock {
    return this.blocks.get(this.best[this.best.length - 1]!)!;
  }

  get height(): number {
    return this.best.length - 1;
  }

  /**
   * Mines a block with `txs` on `parent` (default: the tip). It becomes the tip if its branch is
   * longer than the best chain (or `makeBest`). Mempool transactions it confirms leave the mempool.
   */
  mine(txs: readonly Transaction[] = [], parent: string = this.tip.hash, makeBest = false): BuiltBlock {
    const p = this.blocks.get(parent)!;
    const block = buildBlock({ prevHash: parent, height: p.height + 1, txs, extra: ++this.#extra });
    this.blocks.set(block.hash, block);
    if (block.height > this.height || makeBest) this.setBest(block.hash);
    return block;
  }

  /** Makes the branch ending at `hash` the best chain; transactions of blocks leaving it return to the mempool. */
  setBest(hash: string): void {
    const path: string[] = [];
    for (let h: string | undefined = hash; h && h !== GENESIS_PARENT; h = this.blocks.get(h)?.prevHash) path.unshift(h);
    const leaving = this.best.filter((h, i) => path[i] !== h);
    this.best = path;
    const confirmed = new Set(this.bestTxids());
    for (const h of leaving) for (const [i, tx] of this.blocks.get(h)!.txs.entries()) if (i > 0 && !confirmed.has(txidToHex(txidOf(tx)))) this.mempool.set(this.blocks.get(h)!.txids[i]!, tx);
    for (const id of [...this.mempool.keys()]) if (confirmed.has(id)) this.mempool.delete(id);
    this.#cleanMempool();
  }

  /** Drops mempool transactions that double-spend the best chain or spend outputs that do not exist (as a node would). */
  #cleanMempool(): void {
    for (let changed = true; changed; ) {
      changed = false;
      const outputs = new Set<string>();
      const spentInChain = new Set<string>();
      for (const e of this.allTxs()) {
        e.tx.outputs.forEach((_, vout) => outputs.add(outpointKey(e.txid, vout)));
        if (e.status.kind === 'confirmed') for (const i of e.tx.inputs) spentInChain.add(outpointKey(txidToHex(i.prevout.txid), i.prevout.vout));
      }
      for (const [id, tx] of this.mempool) {
        const keys = tx.inputs.map((i) => outpointKey(txidToHex(i.prevout.txid), i.prevout.vout));
        if (keys.some((k) => spentInChain.has(k) || !outputs.has(k))) {
          this.mempool.delete(id);
          changed = true;
        }
      }
    }
  }

  /** Outputs of the best chain and the mempool that nothing in them spends yet. */
  unspent(opts: { confirmedOnly?: boolean } = {}): { txid: string; vout: number; value: bigint; script: string }[] {
    const spent = new Set<string>();
    const everything = [...this.allTxs()];
    for (const e of everything) for (const i of e.tx.inputs) spent.add(outpointKey(txidToHex(i.prevout.txid), i.prevout.vout));
    const all = opts.confirmedOnly ? everything.filter((e) => e.status.kind === 'confirmed') : everything;
    const out: { txid: string; vout: number; value: bigint; script: string }[] = [];
    for (const e of all) {
      e.tx.outputs.forEach((o, vout) => {
        if (!spent.has(outpointKey(e.txid, vout)) && o.value > 0n) out.push({ txid: e.txid, vout, value: o.value, script: toHex(o.scriptPubKey) });
      });
    }
    return out;
  }

  /** Like bitcoind's invalidateblock on the tip: the parent becomes the tip. */
  invalidateTip(): void {
    this.setBest(this.tip.prevHash);
  }

  addToMempool(tx: Transaction): string {
    const id = txidToHex(txidOf(tx));
    this.mempool.set(id, tx);
    return id;
  }

  bestTxids(): string[] {
    return this.best.flatMap((h) => this.blocks.get(h)!.txids);
  }

  /** Every transaction of the best chain with its status, then the mempool. */
  *allTxs(): Generator<{ txid: string; tx: Transaction; status: TxStatus }> {
    for (const [height, hash] of this.best.entries()) {
      const b = this.blocks.get(hash)!;
      for (const [i, tx] of b.txs.entries()) yield { txid: b.txids[i]!, tx, status: { kind: 'confirmed', height, blockHash: hash } };
    }
    for (const [txid, tx] of this.mempool) yield { txid, tx, status: { kind: 'mempool' } };
  }

  answer(req: ChainRequest): ChainAnswer {
    switch (req.kind) {
      case 'tip':
        return { kind: 'tip', tip: { height: this.height, hash: this.tip.hash } };
      case 'block_hash':
        return { kind: 'block_hash', height: req.height, hash: this.best[req.height] ?? null };
      case 'header':
        return { kind: 'header', hash: req.hash, header: this.blocks.get(req.hash)!.header };
      case 'block':
        return { kind: 'block', hash: req.hash, block: this.blocks.get(req.hash)!.raw };
      case 'mempool':
        // Newest first, so children come before their parents (nodes give no order).
        return { kind: 'mempool', txids: [...this.mempool.keys()].reverse(), tipHash: this.tip.hash };
      case 'transactions':
        return { kind: 'transactions', txs: req.txids.map((id) => (this.mempool.has(id) ? encodeTx(this.mempool.get(id)!) : null)) };
      case 'lookups':
        return { kind: 'lookups', results: req.items.map((i) => this.lookup(i)) };
    }
  }

  lookup(item: Lookup): LookupResult {
    const all = [...this.allTxs()];
    const found = (e: { tx: Transaction; status: TxStatus }): FoundTx => ({ raw: encodeTx(e.tx), status: e.status });
    if (item.kind === 'tx') {
      const e = all.find((x) => x.txid === item.txid);
      return { kind: 'tx', txid: item.txid, found: e ? found(e) : null };
    }
    if (item.kind === 'outspend') {
      const key = outpointKey(item.txid, item.vout);
      const spenders = all.filter((x) => x.tx.inputs.some((i) => outpointKey(txidToHex(i.prevout.txid), i.prevout.vout) === key));
      const e = spenders.find((x) => x.status.kind === 'confirmed') ?? spenders[spenders.length - 1];
      return { kind: 'outspend', txid: item.txid, vout: item.vout, spender: e ? found(e) : null };
    }
    const paid = new Set<string>();
    for (const e of all) e.tx.outputs.forEach((o, vout) => {
      if (toHex(o.scriptPubKey) === item.script) paid.add(outpointKey(e.txid, vout));
    });
    const hits = all.filter((e) => e.tx.outputs.some((o) => toHex(o.scriptPubKey) === item.script)
      || e.tx.inputs.some((i) => paid.has(outpointKey(txidToHex(i.prevout.txid), i.prevout.vout))));
    // Esplora lists newest first.
    return { kind: 'script', script: item.script, txs: hits.reverse().map(found), complete: true };
  }

  /** What a watch should show on this chain (the model). */
  expected(spec: WatchSpec): unknown {
    const all = [...this.allTxs()];
    if (spec.kind === 'transaction') {
      const e = all.find((x) => x.txid === spec.txid);
      return e ? statusKey(e.status) : null;
    }
    if (spec.kind === 'outpoint') {
      const key = outpointKey(spec.txid, spec.vout);
      const spenders = all.filter((x) => x.tx.inputs.some((i) => outpointKey(txidToHex(i.prevout.txid), i.prevout.vout) === key));
      const e = spenders.find((x) => x.status.kind === 'confirmed') ?? spenders[spenders.length - 1];
      return e ? `${e.txid}@${statusKey(e.status)}` : null;
    }
    // Two passes: a mempool child may be listed before its parent (re-added after a reorg).
    const paid = new Map<string, bigint>();
    for (const e of all) {
      e.tx.outputs.forEach((o, vout) => {
        if (toHex(o.scriptPubKey) === spec.script) paid.set(outpointKey(e.txid, vout), o.value);
      });
    }
    const out: string[] = [];
    for (const e of all) {
      const outs: number[] = [];
      e.tx.outputs.forEach((o, vout) => {
        if (toHex(o.scriptPubKey) === spec.script) outs.push(vout);
      });
      const ins: number[] = [];
      e.tx.inputs.forEach((i, idx) => {
        if (paid.has(outpointKey(txidToHex(i.prevout.txid), i.prevout.vout))) ins.push(idx);
      });
      if (outs.length || ins.length) out.push(`${e.txid}@${statusKey(e.status)}|${outs.join(',')}|${ins.join(',')}`);
    }
    return out.sort();
  }
}

export function statusKey(s: TxStatus): string {
  return s.kind === 'mempool' ? 'mempool' : `${s.height}:${s.blockHash}`;
}

/** What the tracker shows for a watch, in the model's terms. */
export function actual(tracker: ChainTracker, id: string): unknown {
  const v = tracker.view(id)!;
  if (v.kind === 'transaction') return v.status ? statusKey(v.status) : null;
  if (v.kind === 'outpoint') return v.spender ? `${v.spender.txid}@${statusKey(v.spender.status)}` : null;
  return v.txs.map((t) => `${t.txid}@${statusKey(t.status)}|${t.outputs.map((o) => o.vout).join(',')}|${t.inputs.map((i) => i.inputIndex).join(',')}`).sort();
}

/** Runs one full round against the sim; returns the events. */
export function sync(tracker: ChainTracker, sim: SimChain): ChainEvent[] {
  const events: ChainEvent[] = [];
  tracker.startRound();
  for (let i = 0; i < 100_000; i++) {
    const req = tracker.nextRequest();
    if (!req) return events;
    events.push(...tracker.receive(sim.answer(req)));
  }
  throw new Error('the round did not end');
}

