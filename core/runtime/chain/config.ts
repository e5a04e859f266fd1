/**
 * Choosing and assembling the chain layer from configuration — what the daemon's
 * `--chain bitcoind-rpc --rpc-url URL [--rpc-cookie FILE]` / `--chain esplora --esplora-url URL`
 * and `--network` (and the same keys in config.json) turn into. The node's composition root calls
 * `createChain` with its store, clock and event bus.
 */
import {
  ChainError, ChainTracker, FeeEstimator, OwnTransactions, type BackoffOptions, type ChainSource, type ChainStore, type FeeEstimatorOptions,
} from '../../chain';
import type { Network } from '../../wire';
import type { ChainClock } from './clock';
import { EsploraSource } from './esplora-source';
import { BitcoindRpcSource } from './rpc-source';
import type { FeeRatesSource } from './fee-url-source';
import { ChainSync, type ChainSyncEvent, type SyncProblem } from './sync';

export type ChainSourceConfig =
  | { readonly kind: 'bitcoind-rpc'; readonly rpcUrl: string; readonly rpcCookie?: string; readonly timeoutMs?: number }
  | { readonly kind: 'esplora'; readonly esploraUrl: string; readonly timeoutMs?: number; readonly concurrency?: number };

/** Blockstream's public Esplora per network (no regtest: run your own). */
export const DEFAULT_ESPLORA_URLS: Readonly<Partial<Record<Network, string>>> = {
  mainnet: 'https://blockstream.info/api',
  testnet: 'https://blockstream.info/testnet/api',
  signet: 'https://blockstream.info/signet/api',
};

export function createChainSource(config: ChainSourceConfig, clock: ChainClock): ChainSource {
  if (config.kind === 'bitcoind-rpc') return new BitcoindRpcSource({ url: config.rpcUrl, cookieFile: config.rpcCookie, clock, timeoutMs: config.timeoutMs });
  if (config.kind === 'esplora') return new EsploraSource({ url: config.esploraUrl, clock, timeoutMs: config.timeoutMs, concurrency: config.concurrency });
  throw new ChainError('chain.bad_argument', `unknown chain source ${(config as { kind?: unknown }).kind as string}`);
}

export interface ChainOptions {
  readonly store: ChainStore;
  readonly source: ChainSource;
  readonly network: Network;
  readonly clock: ChainClock;
  readonly onEvent: (event: ChainSyncEvent) => void;
  readonly maxReorgDepth?: number;
  readonly pollIntervalMs?: number;
  readonly fees?: FeeEstimatorOptions;
  /** Fee estimates from this web service (`--fee-url`) instead of the chain source, polled every `feeIntervalMs`. */
  readonly feeSource?: FeeRatesSource;
  readonly feeIntervalMs?: number;
  readonly onFeeProblem?: (problem: SyncProblem) => void;
  readonly rebroadcastIntervalMs?: number;
  /** Blocks mode: follow the source's mempool (default true). */
  readonly mempool?: boolean;
  /** Retry delays after a failure (default 1 s doubling to 60 s). */
  readonly backoff?: BackoffOptions;
  /** Regtest only (refused elsewhere): start over when the source's chain is replaced (btcd restarted). */
  readonly resetOnDeepReorg?: boolean;
}

export interface Chain {
  readonly tracker: ChainTracker;
  readonly own: OwnTransactions;
  readonly fees: FeeEstimator;
  readonly sync: ChainSync;
}

/**
 * The tracker (in the source's mode), our own transactions, fee estimates and the sync loop over
 * one store and source. Call `sync.start()` to begin and `await sync.stop()` to end.
 */
export function createChain(opts: ChainOptions): Chain {
  if (opts.resetOnDeepReorg && opts.network !== 'regtest') throw new ChainError('chain.bad_argument', 'resetOnDeepReorg is for regtest only');
  const tracker = new ChainTracker({
    store: opts.store,
    mode: opts.source.mode,
    maxReorgDepth: opts.maxReorgDepth,
    mempool: opts.mempool,
    // Public Esplora servers sit behind load balancers whose backends may lag a block.
    shorterChainRounds: opts.source.kind === 'esplora' ? 2 : 1,
  });
  const own = new OwnTransactions({ tracker, store: opts.store, rebroadcastIntervalMs: opts.rebroadcastIntervalMs });
  const fees = new FeeEstimator(opts.fees);
  const sync = new ChainSync({ tracker, source: opts.source, clock: opts.clock, network: opts.network, onEvent: opts.onEvent, fees, own, pollIntervalMs: opts.pollIntervalMs, backoff: opts.backoff, resetOnDeepReorg: opts.resetOnDeepReorg,
    feeSource: opts.feeSource, feeIntervalMs: opts.feeIntervalMs, onFeeProblem: opts.onFeeProblem,
  });
  return { tracker, own, fees, sync };
}
