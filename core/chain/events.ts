/**
 * What the chain layer tells its subscribers. Plain data (hex strings, numbers, bigint satoshis),
 * ready for the node's event bus. Every watch event names its `watchId`; a transaction is given
 * whole as `txHex` (decode it with core/bitcoin's `decodeTx`).
 *
 * Events report changes of state. Subscribers that were down when one was emitted read the state
 * itself (`ChainTracker.view(watchId)`) when they start, as LDK's `Confirm` users re-sync.
 */
import type { BlockRef, RemovalReason, TxStatus } from './types';
import type { BroadcastOutcome } from './broadcast-outcome';

export interface ScriptOutput {
  readonly vout: number;
  readonly valueSat: bigint;
}

export interface ScriptInput {
  readonly inputIndex: number;
  /** "txid:vout" of the watched script's output being spent. */
  readonly outpoint: string;
  readonly valueSat: bigint;
}

export type ChainEvent =
  /** A block joined our best chain. */
  | { readonly type: 'chain.block_connected'; readonly height: number; readonly hash: string; readonly time: number }
  /** A block left our best chain (a reorganisation, newest block first). */
  | { readonly type: 'chain.block_disconnected'; readonly height: number; readonly hash: string }
  /** The source's best chain forks from ours at `forkHeight`; `depth` blocks are being disconnected. */
  | { readonly type: 'chain.reorg'; readonly forkHeight: number; readonly depth: number; readonly oldTip: BlockRef; readonly newTip: BlockRef }
  /** The fork is below the headers we keep: the tracker stops following the source. */
  | { readonly type: 'chain.reorg_too_deep'; readonly lowestKnownHeight: number; readonly maxReorgDepth: number; readonly sourceTip: BlockRef }
  /** Blocks below the tip are being scanned again for watches registered late. */
  | { readonly type: 'chain.rescan_started'; readonly fromHeight: number; readonly toHeight: number }
  | { readonly type: 'chain.rescan_finished'; readonly fromHeight: number; readonly toHeight: number }
  /** A watched transaction is in a block of the best chain (1 confirmation). */
  | { readonly type: 'chain.tx_confirmed'; readonly watchId: string; readonly txid: string; readonly height: number; readonly blockHash: string; readonly txHex: string }
  /** A watched transaction has `depth` confirmations (emitted again if it is reorged out and back). */
  | { readonly type: 'chain.tx_depth_reached'; readonly watchId: string; readonly txid: string; readonly depth: number; readonly height: number; readonly blockHash: string }
  /** A watched transaction's block left the best chain. */
  | { readonly type: 'chain.tx_unconfirmed'; readonly watchId: string; readonly txid: string; readonly formerHeight: number; readonly formerBlockHash: string; readonly reason: RemovalReason }
  /** A watched outpoint is spent, in the mempool or in a block. */
  | { readonly type: 'chain.outpoint_spent'; readonly watchId: string; readonly outpoint: string; readonly spendingTxid: string; readonly inputIndex: number; readonly status: TxStatus; readonly txHex: string }
  /** The transaction that spent a watched outpoint left the best chain or the mempool. */
  | { readonly type: 'chain.outpoint_unspent'; readonly watchId: string; readonly outpoint: string; readonly formerSpendingTxid: string; readonly reason: RemovalReason }
  /** A transaction pays a watched script (new, or its status changed). */
  | { readonly type: 'chain.script_paid'; readonly watchId: string; readonly script: string; readonly txid: string; readonly outputs: readonly ScriptOutput[]; readonly status: TxStatus; readonly txHex: string }
  /** A transaction spends outputs of a watched script (new, or its status changed). */
  | { readonly type: 'chain.script_spent'; readonly watchId: string; readonly script: string; readonly txid: string; readonly inputs: readonly ScriptInput[]; readonly status: TxStatus; readonly txHex: string }
  /** A transaction that paid or spent a watched script left the best chain or the mempool. */
  | { readonly type: 'chain.script_unconfirmed'; readonly watchId: string; readonly script: string; readonly txid: string; readonly reason: RemovalReason }
  /** An outpoint the tracker's spend filter asked about is spent in a block joining the best chain (blocks mode; `setSpendFilter`). */
  | { readonly type: 'chain.spend_seen'; readonly outpoint: string; readonly txid: string; readonly height: number }
  /** One of our own transactions was (re)broadcast. */
  | { readonly type: 'chain.broadcast'; readonly txid: string; readonly outcome: BroadcastOutcome; readonly attempt: number; readonly rebroadcast: boolean }
  /** One of our own transactions is settled: confirmed deep enough, or one of its inputs spent by another transaction that is. */
  | { readonly type: 'chain.own_tx_settled'; readonly txid: string; readonly result: 'confirmed' | 'conflicted'; readonly conflictingTxid?: string };

export type ChainEventType = ChainEvent['type'];
