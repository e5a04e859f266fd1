import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { encodeTx } from '../../../core/bitcoin';
import { ChainError, ChainTracker, OwnTransactions, type ChainMode } from '../../../core/chain';
import { openDatabase } from '../../../core/store';
import { ChainRepository } from '../../../core/store/chain-repository';
import { scriptFor, spendTx, txidHex } from '../../support/chain-builder';
import { tempDir } from '../../support/tmp';
import { SimChain, sync } from './sim';

function setup(mode: ChainMode, path = join(tempDir('glasswing-own-'), 'glasswing.sqlite')) {
  const db = openDatabase(path);
  const store = new ChainRepository(db);
  const tracker = new ChainTracker({ store, mode, maxReorgDepth: 10 });
  const own = new OwnTransactions({ tracker, store, rebroadcastIntervalMs: 1_000, settleDepth: 3 });
  return { db, tracker, own, path };
}

describe.each(['blocks', 'filtered'] as const)('our own transactions (%s mode)', (mode) => {
  it('are due until the source has them, rebroadcast each interval, and settle once confirmed settleDepth deep', () => {
    const sim = new SimChain();
    for (let i = 0; i < 3; i++) sim.mine();
    const { tracker, own } = setup(mode);
    sync(tracker, sim);
    const tx = spendTx([{ txid: sim.blocks.get(sim.best[1]!)!.txids[0]!, vout: 0 }], [{ script: scriptFor('dest'), value: 10n }]);
    const { txid } = own.add(encodeTx(tx), 0);
    expect(txid).toBe(txidHex(tx));
    expect(own.add(encodeTx(tx), 5).events).toEqual([]);
    expect(own.due(0).map((d) => d.txid)).toEqual([txid]);
    expect(own.recordAttempt(txid, { kind: 'accepted' }, 0, false)).toEqual([{ type: 'chain.broadcast', txid, outcome: { kind: 'accepted' }, attempt: 1, rebroadcast: false }]);
    expect(own.due(999)).toEqual([]);
    expect(own.due(1_000).map((d) => d.txid)).toEqual([txid]);

    sim.addToMempool(tx);
    sim.mine([tx]);
    sync(tracker, sim);
    expect(own.view(txid)).toMatchObject({ state: 'confirmed', confirmations: 1 });
    expect(own.due(10_000)).toEqual([]);
    expect(own.settle()).toEqual([]);

    // Reorged out before it settled: pending again, so rebroadcast.
    sim.invalidateTip();
    sim.mempool.clear();
    sim.mine([], sim.tip.hash);
    sim.mine([], sim.tip.hash);
    sync(tracker, sim);
    expect(own.view(txid)).toMatchObject({ state: 'pending' });
    expect(own.due(10_000).map((d) => d.txid)).toEqual([txid]);

    sim.mine([tx]);
    sim.mine();
    sim.mine();
    sync(tracker, sim);
    expect(own.settle()).toEqual([{ type: 'chain.own_tx_settled', txid, result: 'confirmed' }]);
    expect(own.list()).toEqual([]);
    expect(tracker.watches.filter((w) => w.owners.includes('broadcast'))).toEqual([]);
  });

  it('settle as conflicted when another transaction spending an input confirms deep enough, and survive a restart', () => {
    const sim = new SimChain();
    for (let i = 0; i < 3; i++) sim.mine();
    const first = setup(mode);
    sync(first.tracker, sim);
    const coin = { txid: sim.blocks.get(sim.best[2]!)!.txids[0]!, vout: 0 };
    const ours = spendTx([coin], [{ script: scriptFor('ours'), value: 10n }], { tag: 1 });
    const theirs = spendTx([coin], [{ script: scriptFor('theirs'), value: 10n }], { tag: 2 });
    const { txid } = first.own.add(encodeTx(ours), 0);
    first.own.recordAttempt(txid, { kind: 'conflict', detail: 'txn-mempool-conflict' }, 0, false);
    first.db.close();

    const again = setup(mode, first.path);
    expect(again.own.view(txid)).toMatchObject({ state: 'pending', attempts: 1, lastOutcome: { kind: 'conflict' } });
    sim.mine([theirs]);
    sync(again.tracker, sim);
    expect(again.own.view(txid)).toMatchObject({ state: 'conflicted', conflictingTxid: txidHex(theirs), confirmations: 1 });
    expect(again.own.due(1e9)).toEqual([]);
    sim.mine();
    sim.mine();
    sync(again.tracker, sim);
    expect(again.own.settle()).toEqual([{ type: 'chain.own_tx_settled', txid, result: 'conflicted', conflictingTxid: txidHex(theirs) }]);
  });

  it('forget drops a transaction and its broadcast watches, so it is never due again, also after a restart', () => {
    const sim = new SimChain();
    for (let i = 0; i < 3; i++) sim.mine();
    const first = setup(mode);
    sync(first.tracker, sim);
    const tx = spendTx([{ txid: sim.blocks.get(sim.best[1]!)!.txids[0]!, vout: 0 }], [{ script: scriptFor('dest'), value: 10n }]);
    const { txid } = first.own.add(encodeTx(tx), 0);
    expect(first.own.forget(txid)).toBe(true);
    expect(first.own.forget(txid)).toBe(false);
    expect(first.own.due(1e9)).toEqual([]);
    expect(first.tracker.watches.filter((w) => w.owners.includes('broadcast'))).toEqual([]);
    first.db.close();
    const again = setup(mode, first.path);
    expect(again.own.list()).toEqual([]);
  });

  it('refuses bytes that are not a transaction with chain.bad_argument', () => {
    const { own } = setup(mode);
    expect(() => own.add(Uint8Array.of(1, 2, 3), 0)).toThrow(ChainError);
  });
});
