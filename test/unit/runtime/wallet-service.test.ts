/**
 * The wallet adapter between a real chain tracker and a real wallet (both on SQLite files), over
 * the in-memory chain of the tracker's own tests (real block bytes, both modes): how it feeds the
 * wallet — a block's transactions in one call with parents first whatever order the chain reports
 * them in, a block scanned again when an earlier transaction of it widened the look-ahead window,
 * reorgs, and catching up from the tracker's views after a crash lost the events.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Transaction } from '../../../core/bitcoin';
import { randomBytes, toHex } from '../../../core/crypto';
import { ChainTracker, FeeEstimator, type ChainEvent, type ChainMode } from '../../../core/chain';
import { ManualClock } from '../../../core/runtime/clock';
import { WalletService, type WalletChainEvent, type WalletChainPort } from '../../../core/runtime/wallet';
import { openDatabase } from '../../../core/store';
import { ChainRepository } from '../../../core/store/chain-repository';
import { WalletRepository } from '../../../core/store/wallet-repository';
import { Wallet, WalletKeys, type WalletEvent } from '../../../core/wallet';
import { scriptFor, spendTx, txidHex } from '../../support/chain-builder';
import { tempDir } from '../../support/tmp';
import { SimChain, sync } from '../chain/sim';

interface Rig {
  readonly sim: SimChain;
  readonly tracker: ChainTracker;
  readonly keys: WalletKeys;
  service: WalletService;
  readonly walletEvents: WalletEvent[];
  /** Delivers chain events to the adapter (or drops them: a crash). */
  deliver: boolean;
  /** Sync rounds until nothing is left to scan, the adapter fed after each. */
  round(): Promise<void>;
  /** A new adapter (and wallet object) on the same files, as after a restart. */
  reopen(): WalletService;
}

function rig(mode: ChainMode): Rig {
  const dir = tempDir('glasswing-wallet-service-');
  const db = openDatabase(join(dir, 'glasswing.sqlite'));
  const sim = new SimChain();
  for (let i = 0; i < 5; i++) sim.mine();
  const tracker = new ChainTracker({ store: new ChainRepository(db), mode, maxReorgDepth: 20 });
  const keys = WalletKeys.fromNodeSeed(randomBytes(32), 'regtest');
  const clock = new ManualClock(1_700_000_000_000);
  const fees = new FeeEstimator();
  const walletEvents: WalletEvent[] = [];
  const r: Rig = {
    sim, tracker, keys, walletEvents, deliver: true,
    service: undefined as unknown as WalletService,
    round: async () => {
      // As the sync loop does: another round when watches were added (a rescan, or lookups of new scripts).
      for (let i = 0; i < 20; i++) {
        const watches = tracker.watches.length;
        const events: WalletChainEvent[] = [...sync(tracker, sim), { type: 'chain.sync_state', sync: { state: 'in_sync' } }];
        if (r.deliver) for (const e of events) r.service.onChainEvent(e);
        await new Promise((done) => setImmediate(done));
        if (tracker.rescan === null && tracker.watches.length === watches) return;
      }
      throw new Error('the rescans did not end');
    },
    reopen: () => {
      const port: WalletChainPort = {
        tip: () => tracker.tip,
        blockTime: (h, hash) => (tracker.headerAt(h)?.hash === hash ? tracker.headerAt(h)!.time : null),
        watchIds: (owner) => new Set(tracker.watches.filter((w) => w.owners.includes(owner)).map((w) => w.id)),
        watch: (spec, owner) => {
          const { id, events } = tracker.watch(spec, owner);
          if (r.deliver) for (const e of events) r.service.onChainEvent(e);
          return id;
        },
        unwatch: (id, owner) => tracker.unwatch(id, owner),
        view: (id) => tracker.view(id),
        txStatus: (txid) => tracker.txStatus(txid),
        rescanning: () => tracker.rescan !== null,
        inSync: () => true,
        broadcast: async () => {
          throw new Error('nothing is broadcast in these tests');
        },
        forget: () => undefined,
        feeEstimate: (target) => fees.estimate(target, clock.now()),
      };
      const wallet = Wallet.open({ keys, store: new WalletRepository(db) });
      r.service = new WalletService({ wallet, chain: port, clock, publish: (e) => walletEvents.push(e) });
      r.service.start();
      return r.service;
    },
  };
  r.reopen();
  return r;
}

/** A payment to receive address `index`, from the coinbase of block `coin` (1..5: each spends its own). */
const pay = (r: Rig, index: number, value: bigint, coin = 1): Transaction =>
  spendTx([{ txid: r.sim.blocks.get(r.sim.best[coin]!)!.txids[0]!, vout: 0 }], [{ script: r.keys.script('receive', index), value }], { tag: coin });

const balance = (r: Rig): bigint => r.service.wallet.balance().totalSat;

describe.each(['blocks', 'filtered'] as const)('the wallet adapter on a chain tracker (%s mode)', (mode) => {
  it('a new wallet watches from the first block on; deposits are seen in the mempool, then confirmed', async () => {
    const r = rig(mode);
    await r.round();
    expect(r.tracker.watches.filter((w) => w.owners.includes('wallet') && w.kind === 'script')).toHaveLength(40);
    expect(r.service.wallet.bestBlock?.hash).toBe(r.sim.tip.hash);
    const tx = pay(r, 0, 50_000n);
    r.sim.addToMempool(tx);
    await r.round();
    if (mode === 'blocks') expect(r.service.wallet.transaction(txidHex(tx))).toMatchObject({ state: 'unconfirmed' });
    r.sim.mine([tx]);
    await r.round();
    expect(r.service.wallet.transaction(txidHex(tx))).toMatchObject({ state: 'confirmed', confirmations: 1, blockHash: r.sim.tip.hash });
    expect(r.walletEvents.some((e) => e.type === 'wallet.tx_confirmed' && e.txid === txidHex(tx))).toBe(true);
    // Its output is watched until its spend confirms.
    expect(r.tracker.watches.some((w) => w.id === `outpoint:${txidHex(tx)}:0` && w.owners.includes('wallet'))).toBe(true);
  });

  it('a block paying an address past the window before the payment that widens it: found once the window grows', async () => {
    const r = rig(mode);
    await r.round();
    const far = pay(r, 30, 30_000n, 1);
    const near = pay(r, 19, 19_000n, 2);
    r.sim.mine([far, near]);
    await r.round();
    expect(r.service.wallet.transaction(txidHex(near))).toMatchObject({ state: 'confirmed' });
    expect(r.service.wallet.transaction(txidHex(far))).toMatchObject({ state: 'confirmed' });
    expect(balance(r)).toBe(49_000n);
  });

  it('a deposit and its spend in one block, whatever order they are reported in: the coin is spent', async () => {
    const r = rig(mode);
    await r.round();
    const deposit = pay(r, 3, 80_000n);
    const spend = spendTx([{ txid: txidHex(deposit), vout: 0 }], [{ script: scriptFor('someone'), value: 79_000n }], { tag: 9 });
    r.sim.mine([deposit, spend]);
    await r.round();
    expect(r.service.wallet.transaction(txidHex(spend))).toMatchObject({ state: 'confirmed', direction: 'outgoing', label: 'withdraw' });
    expect(balance(r)).toBe(0n);
    expect(r.service.wallet.listUtxos()).toEqual([]);
    // The spent output is no longer watched.
    expect(r.tracker.watches.some((w) => w.id === `outpoint:${txidHex(deposit)}:0`)).toBe(false);
  });

  it('a reorg unconfirms a deposit and the next chain confirms it again; a block replaced at the same height moves it', async () => {
    const r = rig(mode);
    await r.round();
    const tx = pay(r, 1, 10_000n);
    r.sim.mine([tx]);
    await r.round();
    const first = r.sim.tip.hash;
    r.sim.invalidateTip();
    r.sim.mine([], r.sim.tip.hash, true);
    r.sim.mine([], r.sim.tip.hash, true);
    r.sim.mempool.clear();
    await r.round();
    expect(r.service.wallet.transaction(txidHex(tx))).toMatchObject({ state: 'unconfirmed', blockHash: null });
    expect(r.service.wallet.bestBlock?.hash).toBe(r.sim.tip.hash);
    r.sim.mine([tx]);
    await r.round();
    const again = r.service.wallet.transaction(txidHex(tx))!;
    expect(again.state).toBe('confirmed');
    expect(again.blockHash).not.toBe(first);
    expect(again.blockHash).toBe(r.sim.tip.hash);
  });

  it('after a crash that lost the chain\'s events, a restart catches up from the tracker\'s views', async () => {
    const r = rig(mode);
    await r.round();
    const a = pay(r, 2, 20_000n, 1);
    const b = pay(r, 4, 40_000n, 2);
    r.sim.mine([a]);
    r.sim.mine([b]);
    r.deliver = false;
    await r.round();
    expect(balance(r)).toBe(0n);
    r.deliver = true;
    const service = r.reopen();
    await new Promise((done) => setImmediate(done));
    expect(service.wallet.transaction(txidHex(a))).toMatchObject({ state: 'confirmed', confirmations: 2 });
    expect(service.wallet.transaction(txidHex(b))).toMatchObject({ state: 'confirmed', confirmations: 1 });
    expect(balance(r)).toBe(60_000n);
  });

  it('a confirmed transaction the tracker no longer has in that block is unconfirmed at start (LDK Confirm re-sync)', async () => {
    const r = rig(mode);
    await r.round();
    const tx = pay(r, 5, 5_000n);
    r.sim.mine([tx]);
    await r.round();
    // The block goes while the adapter is down: the tracker follows, the wallet does not hear it.
    r.deliver = false;
    r.sim.invalidateTip();
    r.sim.mempool.clear();
    r.sim.mine([], r.sim.tip.hash, true);
    r.sim.mine([], r.sim.tip.hash, true);
    await r.round();
    expect(r.service.wallet.transaction(txidHex(tx))?.state).toBe('confirmed');
    r.deliver = true;
    r.reopen();
    await new Promise((done) => setImmediate(done));
    expect(r.service.wallet.transaction(txidHex(tx))).toMatchObject({ state: 'unconfirmed' });
    expect(r.service.wallet.bestBlock?.hash).toBe(r.sim.tip.hash);
  });
});

describe('the wallet adapter refuses what it cannot do', () => {
  it('without a chain: reads work, receiving and sending are wallet.no_chain', async () => {
    const db = openDatabase(join(tempDir(), 'glasswing.sqlite'));
    const wallet = Wallet.open({ keys: WalletKeys.fromNodeSeed(randomBytes(32), 'regtest'), store: new WalletRepository(db) });
    const s = new WalletService({ wallet, chain: null, clock: new ManualClock(0), publish: () => undefined });
    s.start();
    expect(s.balance().totalSat).toBe('0');
    expect(s.listFunds()).toEqual([]);
    expect(() => s.newAddress()).toThrowError(expect.objectContaining({ code: 'wallet.no_chain' }));
    await expect(s.withdraw({ address: wallet.keys.address('receive', 0), amountSat: 1000n })).rejects.toMatchObject({ code: 'wallet.no_chain' });
    await expect(s.bumpFee({ txid: '00'.repeat(32) })).rejects.toMatchObject({ code: 'wallet.no_chain' });
    // A chain event without a chain is ignored, not an error.
    s.onChainEvent({ type: 'chain.block_connected', height: 1, hash: toHex(randomBytes(32)), time: 0 } satisfies ChainEvent);
    expect(s.wallet.bestBlock).toBeNull();
  });
});
