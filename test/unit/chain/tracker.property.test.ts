/**
 * The tracker's reorg handling against a model: random sequences of blocks, competing branches
 * (some long enough to win), invalidated tips, mempool arrivals and evictions, late watches and
 * restarts on the same SQLite file. After every sync, each watch's view (confirmation, spender,
 * script history, with block hashes) must equal what the best chain and mempool say — in both modes.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import { toHex } from '../../../core/crypto';
import { ChainTracker, watchId, type ChainMode, type WatchSpec } from '../../../core/chain';
import { openDatabase, type Database } from '../../../core/store';
import { ChainRepository } from '../../../core/store/chain-repository';
import { scriptFor, spendTx } from '../../support/chain-builder';
import { tempDir } from '../../support/tmp';
import { SimChain, actual, sync } from './sim';

const MAX_REORG = 6;
const SCRIPTS = ['s0', 's1', 's2'].map((l) => toHex(scriptFor(l)));
const MINER = toHex(scriptFor('miner'));

type Op =
  | { op: 'mine'; txs: number; pick: number }
  | { op: 'fork'; depth: number; length: number; txs: number; pick: number }
  | { op: 'invalidate' }
  | { op: 'mempool'; pick: number; to: number }
  | { op: 'evict'; pick: number }
  | { op: 'watch'; kind: number; pick: number }
  | { op: 'sync' }
  | { op: 'restart' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('mine' as const), txs: fc.nat({ max: 3 }), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('fork' as const), depth: fc.integer({ min: 1, max: MAX_REORG - 1 }), length: fc.integer({ min: 0, max: 3 }), txs: fc.nat({ max: 2 }), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ op: 'invalidate' as const }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('mempool' as const), pick: fc.nat(), to: fc.nat({ max: SCRIPTS.length }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('evict' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('watch' as const), kind: fc.nat({ max: 4 }), pick: fc.nat() }) },
  { weight: 4, arbitrary: fc.constant({ op: 'sync' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'restart' as const }) },
);

function run(mode: ChainMode, ops: readonly Op[]): void {
  const path = join(tempDir('glasswing-chain-prop-'), 'glasswing.sqlite');
  let db: Database = openDatabase(path);
  const open = (): ChainTracker => new ChainTracker({ store: new ChainRepository(db), mode, maxReorgDepth: MAX_REORG, mempoolBatch: 2 });
  let tracker = open();
  const sim = new SimChain();
  for (let i = 0; i < 3; i++) sim.mine();
  const specs = new Map<string, WatchSpec>();
  let tag = 0;

  const newSpend = (pick: number, to: number, confirmedOnly = false): ReturnType<typeof spendTx> | null => {
    const coins = sim.unspent({ confirmedOnly });
    if (coins.length === 0) return null;
    const coin = coins[pick % coins.length]!;
    const dest = to < SCRIPTS.length ? SCRIPTS[to]! : MINER;
    const outputs = [{ script: Uint8Array.from(Buffer.from(dest, 'hex')), value: coin.value / 2n }, { script: scriptFor(`change${tag}`), value: coin.value / 4n }];
    return spendTx([{ txid: coin.txid, vout: coin.vout }], outputs, { tag: ++tag });
  };

  const check = (): void => {
    expect(tracker.tip?.hash).toBe(sim.tip.hash);
    for (const [id, spec] of specs) expect({ id, view: actual(tracker, id) }).toEqual({ id, view: sim.expected(spec) });
  };

  try {
    sync(tracker, sim);
    for (const o of ops) {
      switch (o.op) {
        case 'mine': {
          // Up to o.txs mempool transactions whose parents are confirmed or picked before them.
          const confirmedTxids = new Set(sim.bestTxids());
          const picked: ReturnType<typeof spendTx>[] = [];
          const pickedIds = new Set<string>();
          for (let progress = true; progress && picked.length < o.txs; ) {
            progress = false;
            for (const [id, tx] of sim.mempool) {
              if (picked.length >= o.txs || pickedIds.has(id)) continue;
              const ready = tx.inputs.every((i) => {
                const parent = Buffer.from(i.prevout.txid).reverse().toString('hex');
                return confirmedTxids.has(parent) || pickedIds.has(parent);
              });
              if (ready) {
                picked.push(tx);
                pickedIds.add(id);
                progress = true;
              }
            }
          }
          sim.mine(picked);
          break;
        }
        case 'fork': {
          const forkAt = Math.max(0, sim.height - o.depth);
          let parent = sim.best[forkAt]!;
          const blocks = o.depth + o.length;
          for (let i = 0; i < blocks; i++) {
            // Transactions on the branch spend what existed at the fork, so they are valid there.
            const txs: ReturnType<typeof spendTx>[] = [];
            if (i === 0 && o.txs > 0) {
              const saved = sim.best;
              sim.best = sim.best.slice(0, forkAt + 1);
              // Only coins confirmed at the fork: a block cannot spend what is only in a mempool.
              const t = newSpend(o.pick, o.pick % (SCRIPTS.length + 1), true);
              sim.best = saved;
              if (t) txs.push(t);
            }
            parent = sim.mine(txs, parent).hash;
          }
          break;
        }
        case 'invalidate':
          if (sim.height > 1 && tracker.tip && tracker.tip.height - (sim.height - 1) < MAX_REORG) sim.invalidateTip();
          break;
        case 'mempool': {
          const t = newSpend(o.pick, o.to);
          if (t) sim.addToMempool(t);
          break;
        }
        case 'evict': {
          const ids = [...sim.mempool.keys()];
          if (ids.length) {
            sim.mempool.delete(ids[o.pick % ids.length]!);
            sim.setBest(sim.tip.hash); // drops its descendants
          }
          break;
        }
        case 'watch': {
          const all = [...sim.allTxs()];
          const e = all[o.pick % all.length]!;
          let spec: WatchSpec;
          const inMempool = [...sim.mempool.values()];
          if (o.kind === 4 && inMempool.length) {
            // An outpoint a mempool transaction already spends (seen before the watch existed).
            const t = inMempool[o.pick % inMempool.length]!;
            const input = t.inputs[0]!.prevout;
            spec = { kind: 'outpoint', txid: Buffer.from(input.txid).reverse().toString('hex'), vout: input.vout, script: '', heightHint: 0 };
          } else if (o.kind === 0) spec = { kind: 'transaction', txid: e.txid, depth: 1 + (o.pick % 3), heightHint: 0 };
          else if (o.kind === 1) spec = { kind: 'outpoint', txid: e.txid, vout: o.pick % e.tx.outputs.length, script: toHex(e.tx.outputs[o.pick % e.tx.outputs.length]!.scriptPubKey), heightHint: 0 };
          else spec = { kind: 'script', script: o.kind === 2 ? SCRIPTS[o.pick % SCRIPTS.length]! : MINER, heightHint: 0 };
          tracker.watch(spec, 'prop');
          specs.set(watchId(spec), spec);
          break;
        }
        case 'sync':
          sync(tracker, sim);
          check();
          break;
        case 'restart':
          db.close();
          db = openDatabase(path);
          tracker = open();
          break;
      }
      expect(tracker.halted).toBeNull();
    }
    sync(tracker, sim);
    check();
  } finally {
    db.close();
  }
}

describe.each(['blocks', 'filtered'] as const)('chain tracker against a model (%s mode)', (mode) => {
  it('shows every watch as the best chain and the mempool say, through reorgs, evictions and restarts', () => {
    fc.assert(fc.property(fc.array(opArb, { minLength: 5, maxLength: 40 }), (ops) => run(mode, ops)), { numRuns: 60 });
  });
});
