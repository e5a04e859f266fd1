/**
 * The conversation between the tracker (sans-I/O) and the adapter that owns a chain source. The
 * tracker says what it needs (`ChainRequest`); the adapter fetches it and hands back the matching
 * `ChainAnswer`. Answers are checked by the tracker — bytes are decoded and hashed, never trusted.
 */
import type { BlockRef, TxStatus } from './types';

/** One question of the filtered (Esplora) mode about a watch. */
export type Lookup =
  | { readonly kind: 'tx'; readonly txid: string }
  | { readonly kind: 'outspend'; readonly txid: string; readonly vout: number }
  | { readonly kind: 'script'; readonly script: string };

export interface FoundTx {
  /** The serialized transaction (the tracker recomputes its txid). */
  readonly raw: Uint8Array;
  readonly status: TxStatus;
}

export type LookupResult =
  | { readonly kind: 'tx'; readonly txid: string; readonly found: FoundTx | null }
  | { readonly kind: 'outspend'; readonly txid: string; readonly vout: number; readonly spender: FoundTx | null }
  /** Every transaction paying or spending the script; `complete` false when the source cut the list short. */
  | { readonly kind: 'script'; readonly script: string; readonly txs: readonly FoundTx[]; readonly complete: boolean };

export type ChainRequest =
  /** The source's best tip. */
  | { readonly kind: 'tip' }
  /** The hash of the source's best-chain block at `height` (null answer: there is none). */
  | { readonly kind: 'block_hash'; readonly height: number }
  /** The 80-byte header of block `hash`. */
  | { readonly kind: 'header'; readonly hash: string }
  /** The serialized block `hash` (blocks mode). */
  | { readonly kind: 'block'; readonly hash: string }
  /** Every txid in the source's mempool, and its tip right after (blocks mode). */
  | { readonly kind: 'mempool' }
  /** These transactions, each serialized or null when the source no longer has it (blocks mode). */
  | { readonly kind: 'transactions'; readonly txids: readonly string[] }
  /** Answers about watches (filtered mode), in the same order. */
  | { readonly kind: 'lookups'; readonly items: readonly Lookup[] };

export type ChainAnswer =
  | { readonly kind: 'tip'; readonly tip: BlockRef }
  | { readonly kind: 'block_hash'; readonly height: number; readonly hash: string | null }
  | { readonly kind: 'header'; readonly hash: string; readonly header: Uint8Array }
  | { readonly kind: 'block'; readonly hash: string; readonly block: Uint8Array }
  | { readonly kind: 'mempool'; readonly txids: readonly string[]; readonly tipHash: string }
  | { readonly kind: 'transactions'; readonly txs: readonly (Uint8Array | null)[] }
  | { readonly kind: 'lookups'; readonly results: readonly LookupResult[] };
