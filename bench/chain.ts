/**
 * Chain tracker benchmark (`npm run bench -- chain`): how fast the tracker connects whole blocks
 * (blocks mode, as over bitcoind/btcd RPC) with a wallet-sized set of watches, next to the floor —
 * decoding and checking the same blocks (core/bitcoin's decodeBlock and the proof of work), which
 * the tracker must do anyway. Blocks are built in memory (2,000 transactions each, a few paying
 * watched scripts), the store is SQLite in a temporary file, as in the node.
 *
 * Reported: blocks/s and transactions/s for both, and the ratio tracker / decode-only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkProofOfWork, decodeBlock } from '../core/bitcoin';
import { toHex } from '../core/crypto';
import { ChainTracker } from '../core/chain';
import { openDatabase } from '../core/store';
import { ChainRepository } from '../core/store/chain-repository';
import { buildBlock, scriptFor, spendTx, type BuiltBlock } from '../test/support/chain-builder';
import { printTable } from './harness';

const BLOCKS = 20;
const TXS_PER_BLOCK = 2_000;
const WATCHED_SCRIPTS = 1_000;

function buildChain(): BuiltBlock[] {
  const chain: BuiltBlock[] = [buildBlock({ prevHash: '00'.repeat(32), height: 0 })];
  let counter = 0;
  for (let h = 1; h <= BLOCKS; h++) {
    const txs = [];
    for (let i = 0; i < TXS_PER_BLOCK; i++) {
      counter++;
      const to = i % 400 === 0 ? scriptFor(`watched ${counter % WATCHED_SCRIPTS}`) : scriptFor(`other ${counter}`);
      txs.push(spendTx([{ txid: toHex(Uint8Array.from({ length: 32 }, (_, j) => (counter >> (j % 4)) & 0xff)), vout: i }], [{ script: to, value: 10_000n }, { script: scriptFor(`change ${counter}`), value: 5_000n }], { tag: counter }));
    }
    chain.push(buildBlock({ prevHash: chain[h - 1]!.hash, height: h, txs }));
  }
  return chain;
}

export async function run(): Promise<void> {
  const chain = buildChain();
  const dir = mkdtempSync(join(tmpdir(), 'glasswing-bench-chain-'));
  try {
    // Decode-only floor.
    let start = performance.now();
    for (const b of chain.slice(1)) {
      const d = decodeBlock(b.raw);
      if (!checkProofOfWork(d.header)) throw new Error('bad block');
    }
    const decodeSec = (performance.now() - start) / 1000;

    // The tracker: anchored at block 0, then connects BLOCKS blocks through its request loop.
    const db = openDatabase(join(dir, 'glasswing.sqlite'));
    const tracker = new ChainTracker({ store: new ChainRepository(db), mode: 'blocks', mempool: false });
    const answer = (tip: BuiltBlock) => {
      tracker.startRound();
      for (;;) {
        const req = tracker.nextRequest();
        if (!req) return;
        if (req.kind === 'tip') tracker.receive({ kind: 'tip', tip: { height: tip.height, hash: tip.hash } });
        else if (req.kind === 'header') tracker.receive({ kind: 'header', hash: req.hash, header: chain.find((b) => b.hash === req.hash)!.header });
        else if (req.kind === 'block_hash') tracker.receive({ kind: 'block_hash', height: req.height, hash: chain[req.height]?.hash ?? null });
        else if (req.kind === 'block') tracker.receive({ kind: 'block', hash: req.hash, block: chain.find((b) => b.hash === req.hash)!.raw });
        else throw new Error(`unexpected ${req.kind}`);
      }
    };
    answer(chain[0]!);
    for (let i = 0; i < WATCHED_SCRIPTS; i++) tracker.watchScript({ script: toHex(scriptFor(`watched ${i}`)), heightHint: 1 }, 'bench');
    start = performance.now();
    answer(chain[BLOCKS]!);
    const trackSec = (performance.now() - start) / 1000;
    db.close();

    const txs = BLOCKS * (TXS_PER_BLOCK + 1);
    printTable(
      ['path', 'blocks/s', 'tx/s', 'vs decode'],
      [
        ['decode + PoW only', BLOCKS / decodeSec, txs / decodeSec, 1],
        [`tracker, ${WATCHED_SCRIPTS} script watches`, BLOCKS / trackSec, txs / trackSec, decodeSec / trackSec],
      ],
    );
    console.log(`(${BLOCKS} blocks of ${TXS_PER_BLOCK + 1} transactions; ${WATCHED_SCRIPTS} watched scripts, ${Math.round((BLOCKS * TXS_PER_BLOCK) / 400)} payments to them)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
