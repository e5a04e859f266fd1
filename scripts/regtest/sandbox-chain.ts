/**
 * The sandbox's chain: a btcd on regtest for `npm start`'s sandbox network, kept across restarts.
 *
 * btcd deletes its regtest database at every start (btcd.go, removeRegressionDB), so a restarted
 * btcd would be a new chain and every wallet would lose its coins. Instead, each block is saved as
 * it is mined (its raw bytes appended to DATADIR/sandbox/chain/blocks.dat, length-prefixed) and
 * submitted again (`submitblock`) after btcd starts and before any node does: the nodes find the
 * chain they left. A block is mined every few seconds while the sandbox runs, paying the regtest
 * faucet of scripts/regtest/btcd.ts, which funds the nodes' wallets.
 *
 * Which btcd: the pinned build in the peers cache (scripts/peers/btcd.mjs builds it when Go is
 * there, printing its progress the first time), else a `btcd` on PATH. Without either, the
 * sandbox starts without a chain and says so in one line.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Btcd, btcdBinary } from './btcd';

export const SANDBOX_BLOCKS_FILE = 'blocks.dat';

/** Seconds between blocks while the sandbox runs (GLASSWING_SANDBOX_BLOCK_SECONDS overrides). */
export const DEFAULT_BLOCK_SECONDS = 5;

export interface SandboxChain {
  readonly btcd: Btcd;
  /** `http://USER:PASS@127.0.0.1:PORT` for the nodes' `--rpc-url`. */
  readonly rpcUrl: string;
  /** Blocks submitted again at start (the chain kept from earlier runs). */
  readonly replayed: number;
  /** Pays `sat` to `address` from the faucet (in the mempool until the next block). */
  fund(address: string, sat: bigint): Promise<string>;
  /** Mines `n` blocks now and saves them. */
  mine(n?: number): Promise<void>;
  /** Starts mining a block every `seconds`. */
  startMining(seconds?: number): void;
  /** Stops mining, mines what is waiting in the mempool (so it is kept), saves, and stops btcd. */
  stop(): Promise<void>;
}

/** Where btcd is: the pinned build (built now if Go is there), else one on PATH, else null with the reason. */
export function findBtcd(say: (text: string) => void, root = fileURLToPath(new URL('../..', import.meta.url))): { binDir: string } | { reason: string } {
  const cached = btcdBinary();
  if (cached) return { binDir: dirname(cached) };
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status === 0) {
    say('building btcd for the sandbox chain (once; about a minute)…');
    const r = spawnSync(process.execPath, [join(root, 'scripts/peers/btcd.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
    const built = btcdBinary();
    if (r.status === 0 && built) return { binDir: dirname(built) };
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'btcd'))) return { binDir: dir };
  }
  return { reason: go.status === 0 ? 'btcd did not build and none is on PATH' : 'no btcd on PATH and no Go to build one (https://go.dev/dl)' };
}

/** The blocks saved so far, in height order from 1 (a record cut short by a crash is dropped). */
export function readSavedBlocks(dir: string): Uint8Array[] {
  const path = join(dir, SANDBOX_BLOCKS_FILE);
  if (!existsSync(path)) return [];
  const bytes = readFileSync(path);
  const blocks: Uint8Array[] = [];
  let at = 0;
  while (at + 4 <= bytes.length) {
    const len = bytes.readUInt32BE(at);
    if (len === 0 || at + 4 + len > bytes.length) break;
    blocks.push(new Uint8Array(bytes.subarray(at + 4, at + 4 + len)));
    at += 4 + len;
  }
  if (at !== bytes.length) truncateSync(path, at);
  return blocks;
}

/** Appends blocks (in height order) to the file, durably. */
function appendBlocks(dir: string, blocks: readonly Uint8Array[]): void {
  if (blocks.length === 0) return;
  const fd = openSync(join(dir, SANDBOX_BLOCKS_FILE), 'a', 0o600);
  try {
    for (const b of blocks) {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      writeSync(fd, len);
      writeSync(fd, b);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Cuts the saved chain to its first `count` blocks (when btcd refused one of them). */
function keepSavedBlocks(dir: string, count: number): void {
  const path = join(dir, SANDBOX_BLOCKS_FILE);
  if (!existsSync(path)) return;
  const bytes = readFileSync(path);
  let at = 0;
  for (let i = 0; i < count && at + 4 <= bytes.length; i++) at += 4 + bytes.readUInt32BE(at);
  if (at < statSync(path).size) truncateSync(path, at);
}

/**
 * Starts btcd for the sandbox in `DATADIR/sandbox/chain` and brings back the chain of earlier runs;
 * null (after one line saying why) when there is no btcd to run.
 */
export async function startSandboxChain(opts: { readonly datadir: string; readonly say: (text: string) => void; readonly root?: string }): Promise<SandboxChain | null> {
  const found = findBtcd(opts.say, opts.root);
  if ('reason' in found) {
    opts.say(`the sandbox runs without a chain (no wallets, no coins): ${found.reason}.`);
    return null;
  }
  const dir = join(opts.datadir, 'sandbox', 'chain');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const btcd = await Btcd.start({ dir: join(dir, 'btcd'), binDir: found.binDir });
  let saved = 0;
  let replayed = 0;
  try {
    // btcd wiped its regtest chain: give it ours back, block by block.
    const blocks = readSavedBlocks(dir);
    for (const block of blocks) {
      const result = await btcd.rpc<string | null>('submitblock', [Buffer.from(block).toString('hex')]);
      if (result !== null && result !== 'duplicate') {
        opts.say(`the saved sandbox chain stops being valid at height ${replayed + 1} (${result}); continuing from there.`);
        keepSavedBlocks(dir, replayed);
        break;
      }
      replayed++;
    }
    saved = replayed;
    // The faucet needs a mature coinbase: a new chain starts 101 blocks deep.
    if (replayed < 101) await btcd.mine(101 - replayed);
  } catch (e) {
    await btcd.stop();
    throw e;
  }

  /** Saves the blocks btcd has above the ones saved. */
  const save = async (): Promise<void> => {
    const tip = await btcd.height();
    const fresh: Uint8Array[] = [];
    for (let h = saved + 1; h <= tip; h++) {
      const hash = await btcd.rpc<string>('getblockhash', [h]);
      fresh.push(Buffer.from(await btcd.rpc<string>('getblock', [hash, 0]), 'hex'));
    }
    appendBlocks(dir, fresh);
    saved = tip;
  };
  await save();

  let timer: ReturnType<typeof setInterval> | undefined;
  let busy: Promise<void> = Promise.resolve();
  /** One thing at a time against btcd (mining, funding, saving), so the saved file follows the chain. */
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = busy.then(fn, fn);
    busy = run.then(() => undefined, () => undefined);
    return run;
  };
  const mine = (n = 1): Promise<void> => serial(async () => {
    await btcd.mine(n);
    await save();
  });
  return {
    btcd,
    rpcUrl: btcd.rpcUrl,
    replayed,
    // The faucet may mine blocks to mature a coinbase: those are saved too.
    fund: (address, sat) => serial(async () => {
      const txid = await btcd.fund(address, sat);
      await save();
      return txid;
    }),
    mine,
    startMining(seconds = Number(process.env.GLASSWING_SANDBOX_BLOCK_SECONDS) || DEFAULT_BLOCK_SECONDS) {
      if (timer) return;
      timer = setInterval(() => {
        mine().catch(() => undefined);
      }, seconds * 1000);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await serial(async () => {
        if ((await btcd.rpc<string[]>('getrawmempool')).length > 0) await btcd.mine(1);
        await save();
      }).catch(() => undefined);
      await btcd.stop();
    },
  };
}
