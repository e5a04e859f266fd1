/**
 * The node's own data as the NodeApi shows it (plain JSON), re-exported by core/api.
 */
import type { FeatureInfo } from '../peer/types';
import type { CryptoBackendInfo } from '../crypto/info';
import type { ChainStatus } from './chain-info';
import type { AsyncOfferInfo } from './async';

export type Network = 'mainnet' | 'testnet' | 'signet' | 'regtest';
export const NETWORKS: readonly Network[] = ['mainnet', 'testnet', 'signet', 'regtest'];

export interface NodeInfo {
  readonly nodeId: string;
  readonly alias: string;
  readonly network: Network;
  readonly features: readonly FeatureInfo[];
  /** "host:port" addresses the node listens on. */
  readonly listen: readonly string[];
  readonly numPeers: number;
  readonly numChannels: number;
  /** Glasswing version. */
  readonly version: string;
  readonly datadir: string;
  /** Unix ms when the node started. */
  readonly startedAt: number;
  /** The crypto backend in use and the implementation behind each primitive (core/crypto/select.ts). */
  readonly crypto: CryptoBackendInfo;
  /** The chain source and its sync state (`none`: the node runs without a chain). */
  readonly chain: ChainStatus;
  /**
   * The node-wide onion-message budget in force: messages per second accepted from all peers
   * together and the bucket's burst (daemon `--onion-message-budget N/s`, config.json
   * `onion.messageBudgetPerSecond`; never below one peer's rate).
   */
  readonly onionMessageBudget: { readonly perSecond: number; readonly burst: number };
  /**
   * Async payments (core/node/async.ts; `asyncoffer` has the whole of a recipient's state): the role in force; for a
   * recipient, what its payment paths are built from now (`lspPolicy`) and what the static invoice its LSP keeps gives
   * the LSP (`servedPolicy`: `conservative` stand-in values are served again once the LSP's policy is known).
   */
  readonly async: Pick<AsyncOfferInfo, 'role' | 'lspPolicy' | 'servedPolicy'>;
}
