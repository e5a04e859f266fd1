/**
 * Watches: what the chain layer is asked to look for (LDK's `Filter`, LND's chainntnfs
 * registrations), and the views it keeps of each.
 *
 * A watch's id follows from what it watches, so registering the same thing twice is one watch:
 * `tx:<txid>:<depth>`, `outpoint:<txid>:<vout>`, `script:<hex>`. Each registration names an owner
 * (e.g. `wallet`, `monitor`); the watch lives until its last owner lets go.
 */
import { ChainError } from './errors';
import type { ScriptInput, ScriptOutput } from './events';
import { checkHash, checkHeight, checkScriptHex, outpointKey, type TxStatus } from './types';

/** The most confirmations anyone may wait for (a week of blocks). */
export const MAX_WATCH_DEPTH = 1008;

export type WatchSpec =
  /** A transaction, until it has `depth` confirmations; it will not be in a block below `heightHint`. */
  | { readonly kind: 'transaction'; readonly txid: string; readonly depth: number; readonly heightHint: number }
  /**
   * The spend of an outpoint; not spent below `heightHint`. `script` is the output's script, or
   * '' when the registrant does not know it (kept for filter-based sources; matching is by outpoint).
   */
  | { readonly kind: 'outpoint'; readonly txid: string; readonly vout: number; readonly script: string; readonly heightHint: number }
  /** Payments to `script` and spends of those payments (a wallet address), none below `heightHint`. */
  | { readonly kind: 'script'; readonly script: string; readonly heightHint: number };

export type Watch = WatchSpec & { readonly id: string; readonly owners: readonly string[] };

export function watchId(spec: WatchSpec): string {
  switch (spec.kind) {
    case 'transaction':
      return `tx:${spec.txid}:${spec.depth}`;
    case 'outpoint':
      return `outpoint:${outpointKey(spec.txid, spec.vout)}`;
    case 'script':
      return `script:${spec.script}`;
  }
}

/** Validates and normalizes a watch request (lowercase hex, integer ranges). */
export function checkWatchSpec(spec: WatchSpec): WatchSpec {
  if (!spec || typeof spec !== 'object') throw new ChainError('chain.bad_argument', 'a watch must be an object');
  const heightHint = checkHeight(spec.heightHint, 'heightHint');
  switch (spec.kind) {
    case 'transaction': {
      const depth = spec.depth;
      if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 1 || depth > MAX_WATCH_DEPTH) {
        throw new ChainError('chain.bad_argument', `depth must be an integer from 1 to ${MAX_WATCH_DEPTH}`);
      }
      return { kind: 'transaction', txid: checkHash(spec.txid, 'txid'), depth, heightHint };
    }
    case 'outpoint': {
      const vout = spec.vout;
      if (typeof vout !== 'number' || !Number.isInteger(vout) || vout < 0 || vout > 0xffffffff) {
        throw new ChainError('chain.bad_argument', 'vout must be a u32');
      }
      const script = spec.script === '' ? '' : checkScriptHex(spec.script);
      return { kind: 'outpoint', txid: checkHash(spec.txid, 'txid'), vout, script, heightHint };
    }
    case 'script':
      return { kind: 'script', script: checkScriptHex(spec.script), heightHint };
    default:
      throw new ChainError('chain.bad_argument', `unknown watch kind ${String((spec as { kind?: unknown }).kind)}`);
  }
}

export function checkOwner(owner: unknown): string {
  if (typeof owner !== 'string' || owner.length === 0 || owner.length > 64) {
    throw new ChainError('chain.bad_argument', 'a watch owner is a name of 1 to 64 characters');
  }
  return owner;
}

export interface SpenderView {
  readonly txid: string;
  readonly inputIndex: number;
  readonly status: TxStatus;
  readonly txHex: string;
}

export interface ScriptTxView {
  readonly txid: string;
  readonly status: TxStatus;
  /** Outputs paying the script. */
  readonly outputs: readonly ScriptOutput[];
  /** Inputs spending outputs that paid the script. */
  readonly inputs: readonly ScriptInput[];
  readonly txHex: string;
}

/** What the tracker knows about a watch now (read it at start-up instead of replaying events). */
export type WatchView =
  | {
    readonly kind: 'transaction';
    readonly id: string;
    readonly txid: string;
    readonly depth: number;
    readonly status: TxStatus | null;
    /** 0 unless confirmed. */
    readonly confirmations: number;
    readonly txHex: string | null;
  }
  | { readonly kind: 'outpoint'; readonly id: string; readonly outpoint: string; readonly spender: SpenderView | null }
  /** Transactions oldest first: confirmed by height, then the mempool ones in the order seen. */
  | { readonly kind: 'script'; readonly id: string; readonly script: string; readonly txs: readonly ScriptTxView[] };
