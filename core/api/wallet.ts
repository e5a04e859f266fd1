/**
 * The on-chain wallet and chain part of the NodeApi: its methods and their parameter schemas.
 * The data is the layers' own, re-exported: the wallet's views (core/wallet/view.ts), its events
 * (core/wallet/events.ts), the wallet adapter's send result (core/runtime/wallet/types.ts), and
 * the chain as the node shows it (core/node/chain-info.ts). Amounts are decimal strings of sat;
 * fee rates are sat/vB numbers with up to 3 decimals.
 */
import { s } from './schema';
import type { BalanceView, UtxoInfo, WalletTxInfo } from '../wallet/view';
import type { WalletSendInfo, WalletSendPreview } from '../runtime/wallet/types';
import type { ChainInfo } from '../node/chain-info';

export type { BalanceView, UtxoInfo, WalletTxInfo } from '../wallet/view';
export type { WalletEventBody } from '../wallet/events';
export type { TxLabel, TxState } from '../wallet/store';
export type { TxDirection, UtxoStatus } from '../wallet/wallet';
export type { Keychain } from '../wallet/keys';
export type { WalletSendInfo, WalletSendPreview, FeeSpeed } from '../runtime/wallet/types';
export { FEE_TARGETS } from '../runtime/wallet/types';
export type {
  ChainEventBody, ChainInfo, ChainSourceChoice, ChainStatus, ChainSyncInfo, ChainSyncState, FeeEstimateInfo, SyncProblem,
} from '../node/chain-info';
export type { BroadcastOutcome, BroadcastOutcomeKind } from '../chain/broadcast-outcome';

/** The wallet's fee rates: sat/vB, up to 3 decimals (the relay minimum and the sanity cap are the wallet's). */
export const FEE_RATE_SCHEMA = s.number({ min: 0.001, max: 100_000, decimals: 3 });

/** An amount of sat as a decimal string (at most 21 million BTC), or `all`. */
export const WITHDRAW_AMOUNT_PATTERN = /^(all|[1-9][0-9]{0,15})$/;

export interface WalletMethods {
  /** A fresh receive address of the node's network (BIP84 P2WPKH). */
  newAddress: { params: Record<string, never>; result: { address: string } };
  /** confirmed, unconfirmed, immature, locked, reserved, available, total (sat). */
  getBalance: { params: Record<string, never>; result: BalanceView };
  /** The wallet's unspent coins. */
  listFunds: { params: Record<string, never>; result: { utxos: UtxoInfo[] } };
  /** Every wallet transaction, newest first. */
  listTransactions: { params: Record<string, never>; result: { transactions: WalletTxInfo[] } };
  /**
   * Pays `amountSat` (or `all`) to an address of the node's network at `feeRateSatVb` (default:
   * the chain's estimate for six blocks). Persisted before it is broadcast.
   */
  withdraw: { params: { address: string; amountSat: string; feeRateSatVb?: number }; result: WalletSendInfo };
  /** What `withdraw` with these params would pay (amount, fee, total), without keeping or sending anything. */
  previewWithdraw: { params: { address: string; amountSat: string; feeRateSatVb?: number }; result: WalletSendPreview };
  /** Replaces our unconfirmed withdrawal with one paying more (BIP 125); default rate: the next-blocks estimate, at least the minimum. */
  bumpFee: { params: { txid: string; feeRateSatVb?: number }; result: WalletSendInfo };
  /** What `bumpFee` would pay, without keeping or sending anything; `minimumSatVb`: the least rate a replacement may pay. */
  previewBumpFee: { params: { txid: string; feeRateSatVb?: number }; result: WalletSendPreview & { minimumSatVb: number | null } };
  /** The chain source (endpoint without credentials), network, tip, sync state, fee estimates. */
  chainInfo: { params: Record<string, never>; result: ChainInfo };
  /**
   * The 24 backup words of the node seed (they restore the node id and the wallet's coins, not
   * channels). With an encrypted seed, only with its passphrase.
   */
  backupWords: { params: { passphrase?: string }; result: { words: string[]; encrypted: boolean } };
}

const none = s.object({});
const TXID = s.string({ pattern: /^[0-9a-f]{64}$/, describe: 'a txid (64 lowercase hex characters)' });
const WITHDRAW_SCHEMA = s.object(
  {
    address: s.string({ minLength: 14, maxLength: 100, pattern: /^[A-Za-z0-9]+$/, describe: 'a bitcoin address' }),
    amountSat: s.string({ pattern: WITHDRAW_AMOUNT_PATTERN, describe: 'an amount in sat (a whole number) or "all"' }),
    feeRateSatVb: FEE_RATE_SCHEMA,
  },
  ['feeRateSatVb'],
);
const BUMP_SCHEMA = s.object({ txid: TXID, feeRateSatVb: FEE_RATE_SCHEMA }, ['feeRateSatVb']);

export const WALLET_METHOD_SCHEMAS: { readonly [M in keyof WalletMethods]: ReturnType<typeof s.object> } = {
  newAddress: none,
  getBalance: none,
  listFunds: none,
  listTransactions: none,
  withdraw: WITHDRAW_SCHEMA,
  previewWithdraw: WITHDRAW_SCHEMA,
  bumpFee: BUMP_SCHEMA,
  previewBumpFee: BUMP_SCHEMA,
  chainInfo: none,
  backupWords: s.object({ passphrase: s.string({ maxLength: 1024, describe: 'the seed passphrase' }) }, ['passphrase']),
};
