/**
 * Helpers for the chain integration tests: regtest keys and signed P2WPKH spends (through
 * @scure/btc-signer, as the regtest rig's faucet does), and a chain layer (tracker, own
 * transactions, fees, sync loop) on a real SQLite file over a given source, collecting its events.
 */
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Transaction, p2wpkh } from '@scure/btc-signer';
import { pubECDSA } from '@scure/btc-signer/utils.js';
import type { ChainSource } from '../../core/chain';
import { createChain, type Chain, type ChainOptions, type ChainSyncEvent, chainClock } from '../../core/runtime/chain';
import { SystemClock } from '../../core/runtime/clock';
import { openDatabase, type Database } from '../../core/store';
import { ChainRepository } from '../../core/store/chain-repository';
import { REGTEST, type Btcd, waitFor } from '../support/btcd';
import { tempDir } from '../support/tmp';

export interface Key {
  readonly secret: Uint8Array;
  readonly address: string;
  readonly script: Uint8Array;
  readonly scriptHex: string;
}

export function key(label: string): Key {
  const secret = new Uint8Array(createHash('sha256').update(`glasswing chain test ${label}`).digest());
  const pay = p2wpkh(pubECDSA(secret, true), REGTEST);
  return { secret, address: pay.address!, script: pay.script, scriptHex: Buffer.from(pay.script).toString('hex') };
}

export interface Utxo {
  readonly txid: string;
  readonly vout: number;
  readonly value: bigint;
}

/** The output of `txid` paying `script` (from btcd's txindex). */
export async function utxoOf(btcd: Btcd, txid: string, script: Uint8Array): Promise<Utxo> {
  const tx = await btcd.rpc<{ vout: { n: number; value: number; scriptPubKey: { hex: string } }[] }>('getrawtransaction', [txid, 1]);
  const hex = Buffer.from(script).toString('hex');
  const out = tx.vout.find((o) => o.scriptPubKey.hex === hex);
  if (!out) throw new Error(`${txid} does not pay ${hex}`);
  return { txid, vout: out.n, value: BigInt(Math.round(out.value * 1e8)) };
}

/**
 * Spends `utxo` (paying `from`) to `outputs`; the rest is fee. `sequence` 0xffffffff (the
 * default) does not signal replaceability, so a second spend of the same coin is a conflict.
 */
export function spend(from: Key, utxo: Utxo, outputs: readonly { script: Uint8Array; value: bigint }[], opts: { sequence?: number } = {}): { hex: string; txid: string; raw: Uint8Array } {
  const tx = new Transaction({ allowUnknownOutputs: true });
  tx.addInput({ txid: utxo.txid, index: utxo.vout, witnessUtxo: { script: from.script, amount: utxo.value }, sequence: opts.sequence });
  for (const o of outputs) tx.addOutput({ script: o.script, amount: o.value });
  tx.sign(from.secret);
  tx.finalize();
  return { hex: tx.hex, txid: tx.id, raw: tx.extract() };
}

export interface ChainUnderTest {
  readonly chain: Chain;
  readonly events: ChainSyncEvent[];
  readonly db: Database;
  readonly path: string;
  stop(): Promise<void>;
}

/** A chain layer over `source` on the SQLite file at `path` (a new one by default), started. */
export function openChain(source: ChainSource, opts: { path?: string; pollIntervalMs?: number; fallbackSatPerKw?: number; start?: boolean; network?: 'regtest' | 'mainnet'; maxReorgDepth?: number; rebroadcastIntervalMs?: number; resetOnDeepReorg?: boolean; fees?: Pick<ChainOptions, 'feeSource' | 'feeIntervalMs' | 'onFeeProblem'> } = {}): ChainUnderTest {
  const path = opts.path ?? join(tempDir('glasswing-chain-it-'), 'glasswing.sqlite');
  const db = openDatabase(path);
  const events: ChainSyncEvent[] = [];
  const chain = createChain({
    store: new ChainRepository(db),
    source,
    network: opts.network ?? 'regtest',
    clock: chainClock(new SystemClock()),
    onEvent: (e) => events.push(e),
    pollIntervalMs: opts.pollIntervalMs ?? 100,
    maxReorgDepth: opts.maxReorgDepth ?? 20,
    fees: { fallbackSatPerKw: opts.fallbackSatPerKw ?? 1_234 },
    rebroadcastIntervalMs: opts.rebroadcastIntervalMs ?? 60_000,
    backoff: { initialMs: 50, maxMs: 400, jitter: 0 },
    resetOnDeepReorg: opts.resetOnDeepReorg,
    ...opts.fees,
  });
  if (opts.start ?? true) chain.sync.start();
  return {
    chain,
    events,
    db,
    path,
    stop: async () => {
      await chain.sync.stop();
      db.close();
    },
  };
}

/** Waits until the tracker's tip is btcd's best block. */
export async function synced(c: ChainUnderTest, btcd: Btcd): Promise<void> {
  await waitFor(async () => {
    const best = await btcd.rpc<string>('getbestblockhash');
    const s = c.chain.sync.state;
    return c.chain.tracker.tip?.hash === best && s.state === 'in_sync' && s.hash === best ? true : undefined;
  }, 'the tracker to reach btcd\'s tip');
}

/** Waits for an event of `type` matching `match`, among those after index `from`. */
export async function event<T extends ChainSyncEvent['type']>(
  c: ChainUnderTest,
  type: T,
  match: (e: Extract<ChainSyncEvent, { type: T }>) => boolean = () => true,
  from = 0,
): Promise<Extract<ChainSyncEvent, { type: T }>> {
  return await waitFor(() => c.events.slice(from).find((e): e is Extract<ChainSyncEvent, { type: T }> => e.type === type && match(e as Extract<ChainSyncEvent, { type: T }>)), `event ${type}`);
}
