/**
 * The chain tracker against an in-memory chain of real blocks (test/unit/chain/sim.ts), with its
 * state in a real SQLite file. Each behaviour runs in both modes: `blocks` (whole blocks, as over
 * bitcoind/btcd RPC) and `filtered` (headers and per-watch lookups, as over Esplora).
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { toHex } from '../../../core/crypto';
import { ChainSourceError, ChainTracker, type ChainEvent, type ChainMode } from '../../../core/chain';
import { openDatabase, type Database } from '../../../core/store';
import { ChainRepository } from '../../../core/store/chain-repository';
import { buildBlock, scriptFor, spendTx, txidHex } from '../../support/chain-builder';
import { tempDir } from '../../support/tmp';
import { GENESIS_PARENT, SimChain, sync } from './sim';

const MODES: readonly ChainMode[] = ['blocks', 'filtered'];

function openTracker(mode: ChainMode, path = join(tempDir('glasswing-chain-'), 'glasswing.sqlite'), opts: { maxReorgDepth?: number; shorterChainRounds?: number } = {}): {
  tracker: ChainTracker;
  db: Database;
  path: string;
} {
  const db = openDatabase(path);
  const tracker = new ChainTracker({ store: new ChainRepository(db), mode, maxReorgDepth: opts.maxReorgDepth ?? 20, shorterChainRounds: opts.shorterChainRounds });
  return { tracker, db, path };
}

function types(events: readonly ChainEvent[]): string[] {
  return events.map((e) => e.type);
}

function ofType<T extends ChainEvent['type']>(events: readonly ChainEvent[], type: T): Extract<ChainEvent, { type: T }>[] {
  return events.filter((e): e is Extract<ChainEvent, { type: T }> => e.type === type);
}

/** A chain with `n` blocks whose coinbases pay `miner`, so tests can spend them. */
function chainWith(n: number): SimChain {
  const sim = new SimChain();
  for (let i = 0; i < n; i++) sim.mine();
  return sim;
}

describe.each(MODES)('chain tracker (%s mode)', (mode) => {
  it('anchors at the source tip on a fresh start, keeps maxReorgDepth + 1 headers, and follows new blocks', () => {
    const sim = chainWith(30);
    const { tracker } = openTracker(mode, undefined, { maxReorgDepth: 10 });
    const first = sync(tracker, sim);
    expect(types(first)).toEqual(['chain.block_connected']);
    expect(tracker.tip).toMatchObject({ height: 30, hash: sim.tip.hash });
    expect(tracker.headerAt(20)?.hash).toBe(sim.best[20]);
    expect(tracker.headerAt(19)).toBeUndefined();
    sim.mine();
    sim.mine();
    const next = sync(tracker, sim);
    expect(ofType(next, 'chain.block_connected').map((e) => e.height)).toEqual([31, 32]);
    expect(tracker.headerAt(22)?.hash).toBe(sim.best[22]);
    expect(tracker.headerAt(21)).toBeUndefined();
  });

  it('reports a watched transaction confirmed, then at its depth once, then unconfirmed by a reorg and confirmed again', () => {
    const sim = chainWith(5);
    const { tracker } = openTracker(mode);
    sync(tracker, sim);
    const tx = spendTx([{ txid: sim.blocks.get(sim.best[1]!)!.txids[0]!, vout: 0 }], [{ script: scriptFor('a'), value: 1000n }]);
    const id = txidHex(tx);
    const { id: watch, events: none } = tracker.watchTransaction({ txid: id, depth: 3, heightHint: 6 });
    expect(none).toEqual([]);
    sim.addToMempool(tx);
    const block = sim.mine([tx]);
    const confirmed = sync(tracker, sim);
    expect(ofType(confirmed, 'chain.tx_confirmed')).toEqual([
      { type: 'chain.tx_confirmed', watchId: watch, txid: id, height: 6, blockHash: block.hash, txHex: expect.any(String) },
    ]);
    sim.mine();
    expect(ofType(sync(tracker, sim), 'chain.tx_depth_reached')).toEqual([]);
    sim.mine();
    expect(ofType(sync(tracker, sim), 'chain.tx_depth_reached')).toMatchObject([{ txid: id, depth: 3, height: 6 }]);
    sim.mine();
    expect(ofType(sync(tracker, sim), 'chain.tx_depth_reached')).toEqual([]);
    expect(tracker.view(watch)).toMatchObject({ confirmations: 4, status: { kind: 'confirmed', height: 6 } });

    // A longer branch from height 5 without the transaction: it goes back to the mempool.
    let parent = sim.best[5]!;
    for (let i = 0; i < 5; i++) parent = sim.mine([], parent).hash;
    const reorg = sync(tracker, sim);
    expect(ofType(reorg, 'chain.reorg')).toMatchObject([{ forkHeight: 5, depth: 4 }]);
    expect(ofType(reorg, 'chain.block_disconnected').map((e) => e.height)).toEqual([9, 8, 7, 6]);
    expect(ofType(reorg, 'chain.tx_unconfirmed')).toMatchObject([{ txid: id, formerHeight: 6, formerBlockHash: block.hash, reason: 'reorg' }]);
    expect(tracker.view(watch)).toMatchObject({ confirmations: 0 });

    expect(sim.mempool.has(id)).toBe(true);
    sim.mine([tx]);
    const again = sync(tracker, sim);
    expect(ofType(again, 'chain.tx_confirmed')).toMatchObject([{ txid: id, height: 11 }]);
  });

  it('reports an outpoint spent (mempool, then in a block) and unspent when the spend is reorged out', () => {
    const sim = chainWith(3);
    const { tracker } = openTracker(mode);
    sync(tracker, sim);
    const funding = sim.blocks.get(sim.best[2]!)!.txids[0]!;
    const { id: watch } = tracker.watchOutpoint({ txid: funding, vout: 0, script: toHex(scriptFor('miner')), heightHint: 2 });
    const spend = spendTx([{ txid: funding, vout: 0 }], [{ script: scriptFor('b'), value: 5n }]);
    sim.addToMempool(spend);
    const inMempool = sync(tracker, sim);
    expect(ofType(inMempool, 'chain.outpoint_spent')).toMatchObject([{ outpoint: `${funding}:0`, spendingTxid: txidHex(spend), inputIndex: 0, status: { kind: 'mempool' } }]);
    const block = sim.mine([spend]);
    expect(ofType(sync(tracker, sim), 'chain.outpoint_spent')).toMatchObject([{ status: { kind: 'confirmed', height: 4, blockHash: block.hash } }]);

    sim.invalidateTip();
    sim.mempool.clear(); // the spend is gone altogether (a conflict confirmed elsewhere, say)
    sim.mine([], sim.tip.hash);
    sim.mine([], sim.tip.hash);
    const events = sync(tracker, sim);
    expect(ofType(events, 'chain.outpoint_unspent')).toMatchObject([{ watchId: watch, formerSpendingTxid: txidHex(spend), reason: 'reorg' }]);
    expect(tracker.view(watch)).toMatchObject({ spender: null });
  });

  it('reports spends its spend filter asks about in each block joining the chain (blocks mode only), stored nowhere', () => {
    const sim = chainWith(5);
    const { tracker } = openTracker(mode);
    sync(tracker, sim);
    const funding = { txid: sim.blocks.get(sim.best[2]!)!.txids[0]!, vout: 0 };
    const other = { txid: sim.blocks.get(sim.best[3]!)!.txids[0]!, vout: 0 };
    const asked: string[] = [];
    tracker.setSpendFilter((outpoint) => {
      asked.push(outpoint);
      return outpoint === `${funding.txid}:0`;
    });
    const close = spendTx([funding], [{ script: scriptFor('a'), value: 1000n }]);
    const unrelated = spendTx([other], [{ script: scriptFor('b'), value: 1000n }]);
    sim.mine([close, unrelated]);
    const seen = ofType(sync(tracker, sim), 'chain.spend_seen');
    if (mode === 'filtered') {
      expect(seen).toEqual([]);
      return;
    }
    expect(seen).toEqual([{ type: 'chain.spend_seen', outpoint: `${funding.txid}:0`, txid: txidHex(close), height: 6 }]);
    expect(asked).toContain(`${other.txid}:0`);
    tracker.setSpendFilter(null);
    sim.mine([spendTx([{ txid: txidHex(unrelated), vout: 0 }], [{ script: scriptFor('c'), value: 500n }])]);
    expect(ofType(sync(tracker, sim), 'chain.spend_seen')).toEqual([]);
  });

  it('reports payments to a watched script and spends of them, and takes them back on a reorg', () => {
    const sim = chainWith(3);
    const { tracker } = openTracker(mode);
    sync(tracker, sim);
    const script = scriptFor('wallet');
    const { id: watch } = tracker.watchScript({ script: toHex(script), heightHint: 4 });
    const pay = spendTx([{ txid: sim.blocks.get(sim.best[1]!)!.txids[0]!, vout: 0 }], [{ script, value: 70_000n }, { script: scriptFor('change'), value: 1n }]);
    sim.addToMempool(pay);
    expect(ofType(sync(tracker, sim), 'chain.script_paid')).toMatchObject([{ txid: txidHex(pay), outputs: [{ vout: 0, valueSat: 70_000n }], status: { kind: 'mempool' } }]);
    sim.mine([pay]);
    expect(ofType(sync(tracker, sim), 'chain.script_paid')).toMatchObject([{ status: { kind: 'confirmed', height: 4 } }]);
    const out = spendTx([{ txid: txidHex(pay), vout: 0 }], [{ script: scriptFor('elsewhere'), value: 60_000n }]);
    sim.mine([out]);
    expect(ofType(sync(tracker, sim), 'chain.script_spent')).toMatchObject([{ txid: txidHex(out), inputs: [{ inputIndex: 0, outpoint: `${txidHex(pay)}:0`, valueSat: 70_000n }] }]);

    sim.invalidateTip();
    sim.invalidateTip();
    sim.mempool.clear();
    let parent = sim.tip.hash;
    for (let i = 0; i < 3; i++) parent = sim.mine([], parent).hash;
    const events = sync(tracker, sim);
    expect(ofType(events, 'chain.script_unconfirmed').map((e) => [e.txid, e.reason])).toEqual(
      expect.arrayContaining([[txidHex(pay), 'reorg'], [txidHex(out), 'reorg']]),
    );
    expect(tracker.view(watch)).toMatchObject({ txs: [] });
  });

  it('resumes from its persisted tip after a restart, without anchoring again', () => {
    const sim = chainWith(8);
    const dir = tempDir('glasswing-chain-');
    const path = join(dir, 'glasswing.sqlite');
    const first = openTracker(mode, path);
    sync(first.tracker, sim);
    const script = scriptFor('kept');
    const { id } = first.tracker.watchScript({ script: toHex(script), heightHint: 9 });
    const pay = spendTx([{ txid: sim.blocks.get(sim.best[1]!)!.txids[0]!, vout: 0 }], [{ script, value: 9n }]);
    sim.mine([pay]);
    sync(first.tracker, sim);
    first.db.close();

    sim.mine();
    sim.mine();
    const second = openTracker(mode, path);
    expect(second.tracker.tip).toMatchObject({ height: 9 });
    expect(second.tracker.view(id)).toMatchObject({ txs: [{ txid: txidHex(pay), status: { kind: 'confirmed', height: 9 } }] });
    const events = sync(second.tracker, sim);
    expect(ofType(events, 'chain.block_connected').map((e) => e.height)).toEqual([10, 11]);
    expect(ofType(events, 'chain.script_paid')).toEqual([]);
    second.db.close();
  });

  it('finds history for a watch registered late (a rescan from its hint, or the lookups)', () => {
    const sim = chainWith(4);
    const { tracker } = openTracker(mode);
    sync(tracker, sim);
    const script = scriptFor('late');
    const pay = spendTx([{ txid: sim.blocks.get(sim.best[1]!)!.txids[0]!, vout: 0 }], [{ script, value: 123n }]);
    sim.mine([pay]);
    const spend = spendTx([{ txid: txidHex(pay), vout: 0 }], [{ script: scriptFor('x'), value: 100n }]);
    sim.mine([spend]);
    for (let i = 0; i < 3; i++) sim.mine();
    sync(tracker, sim);
    const { id, events: now } = tracker.watchScript({ script: toHex(script), heightHint: 5 });
    if (mode === 'blocks') expect(now).toEqual([{ type: 'chain.rescan_started', fromHeight: 5, toHeight: 9 }]);
    const events = sync(tracker, sim);
    expect(ofType(events, 'chain.script_paid')).toMatchObject([{ txid: txidHex(pay), status: { kind: 'confirmed', height: 5 } }]);
    expect(ofType(events, 'chain.script_spent')).toMatchObject([{ txid: txidHex(spend), status: { kind: 'confirmed', height: 6 } }]);
    if (mode === 'blocks') expect(ofType(events, 'chain.rescan_finished')).toEqual([{ type: 'chain.rescan_finished', fromHeight: 5, toHeight: 9 }]);
    expect(tracker.rescan).toBeNull();
    expect(tracker.view(id)).toMatchObject({ txs: [{ txid: txidHex(pay) }, { txid: txidHex(spend) }] });
  });

  it('finds a mempool spend seen before its outpoint was watched, and a child listed before its parent', () => {
    const sim = chainWith(3);
    const { tracker } = openTracker(mode);
    sync(tracker, sim);
    const coin = sim.blocks.get(sim.best[1]!)!.txids[0]!;
    const parent = spendTx([{ txid: coin, vout: 0 }], [{ script: scriptFor('pay'), value: 1000n }]);
    const child = spendTx([{ txid: txidHex(parent), vout: 0 }], [{ script: scriptFor('next'), value: 900n }]);
    sim.addToMempool(parent);
    sim.addToMempool(child);
    sync(tracker, sim); // both fetched and looked at; nothing is watched yet
    const { id: spentWatch } = tracker.watchOutpoint({ txid: coin, vout: 0, script: '', heightHint: 4 });
    const { id: scriptWatch } = tracker.watchScript({ script: toHex(scriptFor('pay')), heightHint: 4 });
    sync(tracker, sim);
    expect(tracker.view(spentWatch)).toMatchObject({ spender: { txid: txidHex(parent), status: { kind: 'mempool' } } });
    expect(tracker.view(scriptWatch)).toMatchObject({ txs: [{ txid: txidHex(parent), outputs: [{ vout: 0 }] }, { txid: txidHex(child), inputs: [{ inputIndex: 0 }] }] });
  });

  it('stops with chain.reorg_too_deep when the fork is below the headers it keeps', () => {
    const sim = chainWith(20);
    const { tracker } = openTracker(mode, undefined, { maxReorgDepth: 5 });
    sync(tracker, sim);
    const tx = spendTx([{ txid: sim.blocks.get(sim.best[1]!)!.txids[0]!, vout: 0 }], [{ script: scriptFor('gone'), value: 1n }]);
    const { id: watch } = tracker.watchTransaction({ txid: txidHex(tx), depth: 1, heightHint: 14 });
    sim.mine([tx], sim.best[20]!);
    sync(tracker, sim);
    expect(tracker.view(watch)).toMatchObject({ status: { kind: 'confirmed', height: 21 } });
    let parent = sim.best[12]!;
    for (let i = 0; i < 10; i++) parent = sim.mine([], parent).hash;
    const events = sync(tracker, sim);
    expect(ofType(events, 'chain.reorg_too_deep')).toMatchObject([{ lowestKnownHeight: 16, maxReorgDepth: 5 }]);
    expect(tracker.halted?.code).toBe('chain.reorg_too_deep');
    expect(tracker.tip?.height).toBe(21);
    tracker.startRound();
    expect(tracker.nextRequest()).toBeNull();
    // After a person looks: start over from the source's tip; what was seen on the old chain goes.
    expect(tracker.resetHeaders()).toMatchObject([{ type: 'chain.tx_unconfirmed', txid: txidHex(tx), reason: 'reorg' }]);
    sync(tracker, sim);
    expect(tracker.tip?.hash).toBe(sim.tip.hash);
    expect(tracker.halted).toBeNull();
    // The old branch's transaction went back to the mempool, where it is found again.
    expect(tracker.view(watch)).toMatchObject({ status: { kind: 'mempool' }, confirmations: 0 });
  });

  it('follows a reorg exactly maxReorgDepth deep', () => {
    const sim = chainWith(20);
    const { tracker } = openTracker(mode, undefined, { maxReorgDepth: 5 });
    sync(tracker, sim);
    let parent = sim.best[15]!;
    for (let i = 0; i < 6; i++) parent = sim.mine([], parent).hash;
    const events = sync(tracker, sim);
    expect(ofType(events, 'chain.reorg')).toMatchObject([{ forkHeight: 15, depth: 5 }]);
    expect(tracker.tip?.hash).toBe(sim.tip.hash);
  });

  it('follows a source whose tip drops onto its own chain (invalidateblock), after shorterChainRounds rounds', () => {
    const sim = chainWith(6);
    const { tracker } = openTracker(mode, undefined, { shorterChainRounds: 2 });
    sync(tracker, sim);
    sim.invalidateTip();
    expect(ofType(sync(tracker, sim), 'chain.block_disconnected')).toEqual([]);
    expect(tracker.tip?.height).toBe(6);
    expect(ofType(sync(tracker, sim), 'chain.block_disconnected')).toMatchObject([{ height: 6 }]);
    expect(tracker.tip?.height).toBe(5);
  });

  it('refuses garbage answers with chain.source.bad_response and keeps its state', () => {
    const sim = chainWith(3);
    const { tracker } = openTracker(mode);
    sync(tracker, sim);
    sim.mine();
    tracker.startRound();
    const tipReq = tracker.nextRequest()!;
    tracker.receive(sim.answer(tipReq));
    const hashReq = tracker.nextRequest()!;
    expect(hashReq).toMatchObject({ kind: 'block_hash', height: 3 });
    tracker.receive(sim.answer(hashReq));
    const hashReq2 = tracker.nextRequest()!;
    tracker.receive(sim.answer(hashReq2));
    const fetch = tracker.nextRequest()!;
    expect(fetch.kind).toBe(mode === 'blocks' ? 'block' : 'header');
    const good = sim.answer(fetch);
    const garbage = good.kind === 'block' ? { ...good, block: good.block.slice(0, good.block.length - 3) } : { ...good, header: new Uint8Array(80) } as typeof good;
    expect(() => tracker.receive(garbage)).toThrow(ChainSourceError);
    try {
      tracker.receive(garbage);
    } catch (e) {
      expect((e as ChainSourceError).code).toBe('chain.source.bad_response');
    }
    expect(tracker.tip?.height).toBe(3);
    tracker.abortRound();
    sync(tracker, sim);
    expect(tracker.tip?.height).toBe(4);
  });

  it('stops with chain.wrong_chain when the source has another genesis block', () => {
    const ours = chainWith(2);
    const { tracker } = openTracker(mode, undefined, { maxReorgDepth: 5 });
    sync(tracker, ours);
    const foreign = chainWithGenesisExtra(3);
    const events = sync(tracker, foreign);
    expect(events).toEqual([]);
    expect(tracker.halted?.code).toBe('chain.wrong_chain');
  });
});

/** A chain whose genesis block differs from SimChain's. */
function chainWithGenesisExtra(n: number): SimChain {
  const sim = new SimChain();
  const genesis = buildBlock({ prevHash: GENESIS_PARENT, height: 0, extra: 999 });
  sim.blocks.clear();
  sim.blocks.set(genesis.hash, genesis);
  sim.best = [genesis.hash];
  for (let i = 0; i < n; i++) sim.mine();
  return sim;
}
