/**
 * The chain as the node shows it (plain JSON, re-exported by core/api): which source, where (never
 * with credentials), the tip, the sync state — "out of sync since T: reason" when the source is
 * down, slow or talking nonsense —, fee estimates, a rescan in progress, a restore scan, and the
 * events the chain layer puts on the node's bus.
 */
import type { ChainEvent, ChainSourceInfo } from '../chain';
import type { ChainSyncState } from '../runtime/chain';
import type { ChainSourceChoice } from './chain-config';
import type { Network } from './types';

export type { ChainSyncState, SyncProblem } from '../runtime/chain';
export type { ChainSourceChoice } from './chain-config';

/** The sync state, or `none` when the node runs without a chain. */
export type ChainSyncInfo = ChainSyncState | { readonly state: 'none' };

export interface FeeEstimateInfo {
  /** Blocks within which it should confirm. */
  readonly target: number;
  /** sat/vB (up to 3 decimals), never below the relay floor. */
  readonly satPerVb: number;
  /** `source`: the chain source's estimate; `fallback`: the node's default (the source has none, e.g. on a quiet regtest). */
  readonly origin: 'source' | 'fallback';
}

export interface ChainInfo {
  readonly network: Network;
  readonly source: {
    readonly kind: ChainSourceChoice;
    /** Where it is, without credentials; null without a chain. */
    readonly endpoint: string | null;
    /** bitcoind's cookie file, when the credentials come from one. */
    readonly rpcCookie: string | null;
    /** Who answered (bitcoind, btcd, esplora) and its version, once it did. */
    readonly server: Pick<ChainSourceInfo, 'flavor' | 'version'> | null;
  };
  /** Our best block, or null before the first sync. */
  readonly tip: { readonly height: number; readonly hash: string; readonly time: number } | null;
  readonly sync: ChainSyncInfo;
  /** Estimates for the wallet's fee choices; null without a chain. */
  readonly fees: { readonly fast: FeeEstimateInfo; readonly normal: FeeEstimateInfo; readonly slow: FeeEstimateInfo } | null;
  /** Blocks below the tip being scanned again for late watches (a restore, a new script), or null. */
  readonly rescan: { readonly fromHeight: number; readonly toHeight: number; readonly cursor: number } | null;
  /** A restore from backup words still scanning from this birthday height, or null. */
  readonly restoreScan: { readonly birthday: number } | null;
}

/** The short form getInfo carries. */
export interface ChainStatus {
  readonly source: ChainSourceChoice;
  readonly state: ChainSyncInfo['state'];
  readonly height: number | null;
}

/** The chain events the node publishes (the per-watch ones stay inside: the wallet reports what they mean). */
export type ChainEventBody =
  | { readonly type: 'chain.sync_state'; readonly sync: ChainSyncState }
  | Extract<ChainEvent, {
    readonly type:
      | 'chain.block_connected' | 'chain.block_disconnected' | 'chain.reorg' | 'chain.reorg_too_deep' | 'chain.rescan_started'
      | 'chain.rescan_finished' | 'chain.broadcast' | 'chain.own_tx_settled';
  }>;

export const PUBLISHED_CHAIN_EVENTS: ReadonlySet<string> = new Set<ChainEventBody['type']>([
  'chain.sync_state', 'chain.block_connected', 'chain.block_disconnected', 'chain.reorg', 'chain.reorg_too_deep', 'chain.rescan_started',
  'chain.rescan_finished', 'chain.broadcast', 'chain.own_tx_settled',
]);
