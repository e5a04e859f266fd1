/**
 * The one interface every chain source implements (core/runtime/chain has the bitcoind-compatible
 * JSON-RPC source and the Esplora source). Methods resolve with what the source said and reject
 * with a `ChainSourceError` — never with anything else — when it is down, slow or talking
 * nonsense. Bytes are handed on unchecked: the tracker checks them.
 */
import type { Network } from '../wire';
import type { BroadcastOutcome } from './broadcast-outcome';
import type { Lookup, LookupResult } from './requests';
import type { ChainMode } from './tracker';
import type { BlockRef } from './types';

export type ChainSourceKind = 'bitcoind-rpc' | 'esplora';

export interface ChainSourceInfo {
  readonly kind: ChainSourceKind;
  /** Which server answers: `bitcoind`, `btcd` (both over JSON-RPC) or `esplora`. */
  readonly flavor: 'bitcoind' | 'btcd' | 'esplora';
  /** The server's version when it says (e.g. 270000 for bitcoind 27.0, 260000 for btcd 0.26.0). */
  readonly version: number | null;
  /** The network whose genesis block the source has at height 0. */
  readonly network: Network;
}

/** Fee rates the source estimates, satoshis per 1000 virtual bytes, by confirmation target. */
export type FeeRates = ReadonlyMap<number, number | null>;

export interface ChainSource {
  readonly kind: ChainSourceKind;
  /** `blocks` sources serve whole blocks and the mempool; `filtered` ones answer lookups. */
  readonly mode: ChainMode;
  /** A description for logs and the UI, without credentials (e.g. `http://127.0.0.1:8332`). */
  readonly endpoint: string;

  /** Asks who the server is and which network it follows (`chain.source.wrong_network` if not the expected one). */
  connect(expected: Network): Promise<ChainSourceInfo>;
  tip(): Promise<BlockRef>;
  /** The hash of the best-chain block at `height`, or null above the tip. */
  blockHash(height: number): Promise<string | null>;
  header(hash: string): Promise<Uint8Array>;
  block(hash: string): Promise<Uint8Array>;
  mempoolTxids(): Promise<string[]>;
  transactions(txids: readonly string[]): Promise<(Uint8Array | null)[]>;
  lookups(items: readonly Lookup[]): Promise<LookupResult[]>;
  /** Estimates for each target; null where the source has none. */
  feeRates(targets: readonly number[]): Promise<FeeRates>;
  /** Hands a transaction to the source; refusals are outcomes, not errors. */
  broadcast(raw: Uint8Array): Promise<BroadcastOutcome>;
}
