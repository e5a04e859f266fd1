/**
 * Plain-data types of the chain layer. Block hashes and txids are lowercase hex in display order
 * (byte-reversed, as RPCs, explorers and the BOLTs print them); scripts are lowercase hex.
 * Amounts are bigint satoshis.
 */
import { txidToHex, type OutPoint } from '../bitcoin';
import { ChainError } from './errors';

export interface BlockRef {
  readonly height: number;
  /** Display hex. */
  readonly hash: string;
}

/** A header of the best chain as the tracker keeps it. */
export interface HeaderRecord extends BlockRef {
  readonly prevHash: string;
  /** The header's timestamp, unix seconds. */
  readonly time: number;
}

/** Where a transaction is: in the source's mempool, or in a block of our best chain. */
export type TxStatus =
  | { readonly kind: 'mempool' }
  | { readonly kind: 'confirmed'; readonly height: number; readonly blockHash: string };

/** Why a transaction left the best chain or the mempool. */
export type RemovalReason = 'reorg' | 'evicted';

const HEX64 = /^[0-9a-f]{64}$/;
const HEX = /^(?:[0-9a-f]{2})*$/;

/** Checks and normalizes a display-hex txid or block hash (lowercase, 64 digits). */
export function checkHash(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new ChainError('chain.bad_argument', `${field} must be a hex string`);
  const lower = value.toLowerCase();
  if (!HEX64.test(lower)) throw new ChainError('chain.bad_argument', `${field} must be 64 hex digits`);
  return lower;
}

/** Scripts longer than this are not standard outputs anyone watches (consensus maximum 10,000). */
export const MAX_SCRIPT_BYTES = 10_000;

export function checkScriptHex(value: unknown, field = 'script'): string {
  if (typeof value !== 'string') throw new ChainError('chain.bad_argument', `${field} must be a hex string`);
  const lower = value.toLowerCase();
  if (!HEX.test(lower) || lower.length === 0) throw new ChainError('chain.bad_argument', `${field} must be non-empty hex`);
  if (lower.length / 2 > MAX_SCRIPT_BYTES) throw new ChainError('chain.bad_argument', `${field} is longer than ${MAX_SCRIPT_BYTES} bytes`);
  return lower;
}

export function checkHeight(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > 0x7fffffff) {
    throw new ChainError('chain.bad_argument', `${field} must be a block height (a non-negative integer)`);
  }
  return value;
}

/** "txid:vout" — the key an outpoint has in maps, events and the store. */
export function outpointKey(txid: string, vout: number): string {
  return `${txid}:${vout}`;
}

export function outpointKeyOf(o: OutPoint): string {
  return outpointKey(txidToHex(o.txid), o.vout);
}

export function sameStatus(a: TxStatus | null, b: TxStatus | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.kind !== b.kind) return false;
  return a.kind === 'mempool' || (b.kind === 'confirmed' && a.blockHash === b.blockHash && a.height === b.height);
}
